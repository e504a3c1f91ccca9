"""Request and response schemas of the JSON API (marshmallow; they also write the OpenAPI file).

Request schemas reject unknown fields (marshmallow's default ``RAISE``), so a client that sends
``role``, ``status`` or ``owner_id`` gets a 422 naming the field instead of a silent no-op.
"""

from __future__ import annotations

from datetime import date, timedelta

import marshmallow as ma
from marshmallow import fields, validate

from placement.experts.forms import SECTOR_LABELS
from placement.models import CEFRLevel, NeedStatus, PlacementStatus
from placement.needs.forms import HOST_PROVIDES_LABELS, MAX_SLOTS, MAX_WEEKS
from placement.needs.lifecycle import TRANSITIONS as NEED_TRANSITIONS
from placement.placements.workflow import STEPS as PLACEMENT_STEPS

MAX_PER_PAGE = 100
COUNTRY = validate.Regexp(r"^[A-Z]{2}$", error="Use an ISO 3166-1 alpha-2 code, e.g. SL.")
LANGUAGE = validate.Regexp(r"^[a-z]{2,3}$", error="Use an ISO 639-1 code, e.g. en.")
SECTORS = sorted(SECTOR_LABELS)
LEVELS = [level.value for level in CEFRLevel]


def _text(max_length: int, **kwargs: object) -> fields.String:
    return fields.String(validate=validate.Length(max=max_length), **kwargs)


def _nullable_text(max_length: int) -> fields.String:
    return fields.String(allow_none=True, validate=validate.Length(max=max_length))


class ErrorSchema(ma.Schema):
    """Every refusal: a message, the HTTP status and, for invalid input, messages by field."""

    error = fields.String(required=True)
    status = fields.Integer(required=True)
    errors = fields.Dict()


# queries ----------------------------------------------------------------------------------------


class PageQuery(ma.Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100_000))
    per_page = fields.Integer(load_default=25, validate=validate.Range(min=1, max=MAX_PER_PAGE))


class NeedQuery(PageQuery):
    country = fields.String(validate=COUNTRY)
    sector = fields.String(validate=validate.OneOf(SECTORS))
    q = fields.String(validate=validate.Length(min=1, max=100))


class LimitQuery(ma.Schema):
    limit = fields.Integer(load_default=10, validate=validate.Range(min=1, max=50))


class PlacementQuery(PageQuery):
    status = fields.String(validate=validate.OneOf([s.value for s in PlacementStatus]))


# shared pieces ---------------------------------------------------------------------------------


class LanguageSchema(ma.Schema):
    code = fields.String(required=True, validate=LANGUAGE)
    level = fields.String(required=True, validate=validate.OneOf(LEVELS))


class WindowSchema(ma.Schema):
    id = fields.UUID(attribute="uuid", dump_only=True)
    start = fields.Date(required=True)
    end = fields.Date(required=True)
    note = fields.String(allow_none=True)


class LabelSchema(ma.Schema):
    label = fields.String(required=True)


class Paged(ma.Schema):
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    total = fields.Integer(required=True)


# accounts --------------------------------------------------------------------------------------


class MeSchema(ma.Schema):
    id = fields.UUID(required=True)
    role = fields.String(required=True)
    email = fields.String(required=True)
    full_name = fields.String(required=True)
    token_scopes = fields.List(fields.String(), required=True)


# experts ---------------------------------------------------------------------------------------


class ExpertProfessionalSchema(ma.Schema):
    """What a host may see of a candidate: professional fields, no name, contact or documents."""

    id = fields.UUID(attribute="uuid", required=True)
    occupation = fields.String(attribute="occupation_label", allow_none=True)
    occupation_uri = fields.String(allow_none=True)
    years_experience = fields.Integer(allow_none=True)
    residence_country = fields.String(allow_none=True)
    sectors = fields.List(fields.String(), required=True)
    skills = fields.Pluck(LabelSchema, "label", many=True, required=True)
    languages = fields.List(fields.Nested(LanguageSchema), required=True)
    remote_ok = fields.Boolean(required=True)


class ExpertSchema(ExpertProfessionalSchema):
    """The full profile, for the expert themself and for programme staff."""

    full_name = fields.String(attribute="user.full_name", required=True)
    email = fields.String(attribute="user.email", required=True)
    gender = fields.String(required=True)
    origin_country = fields.String(allow_none=True)
    origin_region = fields.String(allow_none=True)
    residence_status = fields.String(allow_none=True)
    summary = fields.String(allow_none=True)
    education = fields.String(allow_none=True)
    preferred_regions = fields.List(fields.String(), required=True)
    availability = fields.List(fields.Nested(WindowSchema), required=True)
    profile_step = fields.Integer(required=True)
    created_at = fields.DateTime(required=True)
    updated_at = fields.DateTime(required=True)


class ExpertPage(Paged):
    items = fields.List(fields.Nested(ExpertSchema), required=True)


class ExpertUpdateSchema(ma.Schema):
    """Fields an expert may change through the API (the rest is in the guided profile)."""

    summary = _nullable_text(4000)
    years_experience = fields.Integer(allow_none=True, validate=validate.Range(min=0, max=70))
    remote_ok = fields.Boolean()
    preferred_regions = fields.List(
        fields.String(validate=validate.Length(min=1, max=200)),
        validate=validate.Length(max=20),
    )


# institutions ----------------------------------------------------------------------------------


class InstitutionSchema(ma.Schema):
    id = fields.UUID(attribute="uuid", required=True)
    name = fields.String(required=True)
    kind = fields.String(required=True)
    country = fields.String(required=True)
    region = fields.String(allow_none=True)
    town = fields.String(allow_none=True)
    website = fields.String(allow_none=True)
    status = fields.String(required=True)
    created_at = fields.DateTime(required=True)


class InstitutionPage(Paged):
    items = fields.List(fields.Nested(InstitutionSchema), required=True)


# needs -----------------------------------------------------------------------------------------


class InstitutionBriefSchema(ma.Schema):
    id = fields.UUID(attribute="uuid", required=True)
    name = fields.String(required=True)
    kind = fields.String(required=True)


class ProgrammeBriefSchema(ma.Schema):
    id = fields.UUID(attribute="uuid", required=True)
    code = fields.String(required=True)
    name = fields.String(required=True)


class NeedBriefSchema(ma.Schema):
    id = fields.UUID(attribute="uuid", required=True)
    title = fields.String(required=True)
    country = fields.String(required=True)
    institution = fields.Nested(InstitutionBriefSchema, required=True)


class NeedSchema(NeedBriefSchema):
    description = fields.String(allow_none=True)
    sector = fields.String(allow_none=True)
    occupation = fields.String(attribute="occupation_label", allow_none=True)
    region = fields.String(allow_none=True)
    start = fields.Date(required=True)
    end = fields.Date(required=True)
    duration_weeks = fields.Integer(required=True)
    slots = fields.Integer(required=True)
    remote = fields.Boolean(required=True)
    urgent = fields.Boolean(required=True)
    status = fields.String(required=True)
    required_skills = fields.Pluck(LabelSchema, "label", many=True, required=True)
    desired_skills = fields.Pluck(LabelSchema, "label", many=True, required=True)
    languages = fields.List(fields.Nested(LanguageSchema), required=True)
    host_provides = fields.List(fields.String(), required=True)
    objectives = fields.String(allow_none=True)
    trainees = fields.String(allow_none=True)
    programme = fields.Nested(
        ProgrammeBriefSchema,
        required=True,
        allow_none=True,
        metadata={"description": "The programme the need asks to be funded by, if any."},
    )


class NeedPage(Paged):
    items = fields.List(fields.Nested(NeedSchema), required=True)


class NeedInputSchema(ma.Schema):
    """A draft need, with the rules of the need form."""

    institution_id = fields.UUID(
        metadata={"description": "One of your institutions (default: the first)."}
    )
    title = fields.String(required=True, validate=validate.Length(min=1, max=255))
    description = _nullable_text(6000)
    sector = fields.String(required=True, validate=validate.OneOf(SECTORS))
    occupation = _nullable_text(255)
    required_skills = fields.List(
        fields.String(validate=validate.Length(min=1, max=255)),
        required=True,
        validate=validate.Length(min=1, max=30),
    )
    desired_skills = fields.List(
        fields.String(validate=validate.Length(min=1, max=255)),
        load_default=list,
        validate=validate.Length(max=30),
    )
    languages = fields.List(
        fields.Nested(LanguageSchema), load_default=list, validate=validate.Length(max=10)
    )
    region = _nullable_text(200)
    start = fields.Date(required=True)
    end = fields.Date(required=True)
    duration_weeks = fields.Integer(required=True, validate=validate.Range(min=1, max=MAX_WEEKS))
    slots = fields.Integer(load_default=1, validate=validate.Range(min=1, max=MAX_SLOTS))
    remote = fields.Boolean(load_default=False)
    host_provides = fields.List(
        fields.String(validate=validate.OneOf(sorted(HOST_PROVIDES_LABELS))),
        load_default=list,
        validate=validate.Length(max=len(HOST_PROVIDES_LABELS)),
    )
    objectives = _nullable_text(4000)
    trainees = _nullable_text(2000)
    programme = fields.UUID(
        allow_none=True,
        metadata={
            "description": "A programme open to needs in the institution's country (default: "
            "none yet). Its rules on duration and dates apply."
        },
    )

    @ma.validates_schema
    def _dates(self, data: dict[str, object], **_kwargs: object) -> None:
        start, end, weeks = data.get("start"), data.get("end"), data.get("duration_weeks")
        if isinstance(start, date) and start < date.today():
            raise ma.ValidationError("This date is in the past.", "start")
        if isinstance(start, date) and isinstance(end, date):
            if end < start:
                raise ma.ValidationError("The latest end must come after the start.", "end")
            if end > date.today() + timedelta(days=3 * 366):
                raise ma.ValidationError("Choose a date within the next three years.", "end")
            if isinstance(weeks, int) and weeks * 7 > (end - start).days + 1:
                raise ma.ValidationError(
                    f"{weeks} weeks do not fit between the start and the end.", "duration_weeks"
                )
        codes = [row["code"] for row in data.get("languages", [])]  # type: ignore[union-attr]
        if len(codes) != len(set(codes)):
            raise ma.ValidationError("Each language once.", "languages")


class NeedTransitionSchema(ma.Schema):
    name = fields.String(required=True, validate=validate.OneOf(sorted(NEED_TRANSITIONS)))
    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))


# matches ---------------------------------------------------------------------------------------


class MatchSchema(ma.Schema):
    score = fields.Float(required=True)
    components = fields.Dict(
        keys=fields.String(), values=fields.Float(allow_none=True), required=True
    )
    explanation = fields.Dict(required=True)


class CandidateSchema(ma.Schema):
    rank = fields.Integer(required=True)
    expert = fields.Nested(ExpertProfessionalSchema, required=True)
    match = fields.Nested(MatchSchema, required=True)


class CandidateList(ma.Schema):
    need_id = fields.UUID(required=True)
    items = fields.List(fields.Nested(CandidateSchema), required=True)


class RankedNeedSchema(ma.Schema):
    rank = fields.Integer(required=True)
    need = fields.Nested(NeedSchema, required=True)
    match = fields.Nested(MatchSchema, required=True)


class RankedNeedList(ma.Schema):
    items = fields.List(fields.Nested(RankedNeedSchema), required=True)


# placements ------------------------------------------------------------------------------------


class PlacementExpertSchema(ma.Schema):
    id = fields.UUID(required=True)
    full_name = fields.String(allow_none=True)
    email = fields.String(allow_none=True)


class PlacementSchema(ma.Schema):
    id = fields.UUID(required=True)
    status = fields.String(required=True)
    role = fields.String(required=True, metadata={"description": "Your part: expert, host, staff"})
    need = fields.Nested(NeedBriefSchema, required=True)
    expert = fields.Nested(
        PlacementExpertSchema,
        required=True,
        metadata={"description": "Name and email reach a host only once staff approve."},
    )
    start = fields.Date(required=True)
    end = fields.Date(required=True)
    offer_deadline = fields.Date(allow_none=True)
    status_reason = fields.String(allow_none=True)
    host_confirmed = fields.Boolean(required=True)
    next_steps = fields.List(fields.String(), required=True)


class PlacementPage(Paged):
    items = fields.List(fields.Nested(PlacementSchema), required=True)


PLACEMENT_STEP_NAMES = sorted(n for n, step in PLACEMENT_STEPS.items() if step.actor != "system")


class PlacementTransitionSchema(ma.Schema):
    name = fields.String(required=True, validate=validate.OneOf(PLACEMENT_STEP_NAMES))
    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))


# outcomes --------------------------------------------------------------------------------------


class QuestionSchema(ma.Schema):
    key = fields.String(required=True)
    kind = fields.String(
        required=True, metadata={"description": "text, number, scale (1 to 5) or yes_no"}
    )
    required = fields.Boolean(required=True)
    maximum = fields.Integer(allow_none=True)


class SurveySchema(ma.Schema):
    id = fields.UUID(required=True)
    placement_id = fields.UUID(required=True)
    point = fields.String(required=True)
    respondent_role = fields.String(required=True)
    due_on = fields.Date(required=True)
    submitted_at = fields.DateTime(allow_none=True)
    questions = fields.List(fields.Nested(QuestionSchema), required=True)


class SurveyList(ma.Schema):
    items = fields.List(fields.Nested(SurveySchema), required=True)


class SurveyAnswersSchema(ma.Schema):
    answers = fields.Dict(
        keys=fields.String(validate=validate.Length(min=1, max=60)),
        values=fields.String(validate=validate.Length(max=4000)),
        required=True,
        validate=validate.Length(max=60),
    )


class EvaluationQuery(ma.Schema):
    programme = fields.UUID()
    start = fields.Date()
    end = fields.Date()


class EvaluationExport(ma.Schema):
    columns = fields.List(fields.String(), required=True)
    rows = fields.List(fields.Dict(), required=True)


NEED_STATUSES = [s.value for s in NeedStatus]
