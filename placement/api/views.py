"""The resources of the JSON API, version 1. Views are thin: they check access, call the same
services as the pages, commit once and dump through the schemas."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import current_app, render_template
from flask_smorest import Blueprint
from marshmallow import RAISE
from sqlalchemy import Select, func, select
from sqlalchemy.exc import IntegrityError

from placement.api import errors
from placement.api import schemas as s
from placement.api.auth import (
    ANY_ROLE,
    EXPERTS,
    HOSTS,
    STAFF,
    api_user,
    authenticate_request,
    current_token,
    public_api,
    requires,
)
from placement.api.errors import api_abort
from placement.experts.services import profile_for, save_preferences
from placement.extensions import db, limiter
from placement.ids import parse_uuid
from placement.matches.services import experts_for_need, needs_for_expert
from placement.models import (
    ExpertProfile,
    Institution,
    InstitutionMember,
    Need,
    NeedStatus,
    Placement,
    PlacementStatus,
    Role,
    User,
)
from placement.needs import lifecycle
from placement.needs import services as needs
from placement.outcomes import evaluation
from placement.outcomes import services as surveys
from placement.placements import services as placements
from placement.placements import workflow
from placement.placements.routes import IDENTITY_VISIBLE
from placement.programmes.services import programme_by_uuid

blp = Blueprint(
    "api",
    __name__,
    url_prefix="/api",
    description="Homeward JSON API (personal access tokens)",
)
blp.before_request(authenticate_request)
errors.install(blp)
V1 = "/v1"


def _page_of(query: Select[Any], page: int, per_page: int) -> tuple[list[Any], int]:
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    rows = db.session.scalars(query.offset((page - 1) * per_page).limit(per_page)).all()
    return list(rows), total or 0


def _paged(items: list[Any], total: int, args: dict[str, Any]) -> dict[str, Any]:
    return {"items": items, "total": total, "page": args["page"], "per_page": args["per_page"]}


def _slice(items: list[Any], args: dict[str, Any]) -> dict[str, Any]:
    start = (args["page"] - 1) * args["per_page"]
    return _paged(items[start : start + args["per_page"]], len(items), args)


def _user() -> User:
    user = api_user()
    if user is None:  # requires() runs first; this only narrows the type
        api_abort(401)
    return user


# documentation ---------------------------------------------------------------------------------


@blp.route("/openapi.json", tags=["meta"])
@blp.doc(summary="This OpenAPI document", security=[])
@public_api
def openapi_json() -> Any:
    api = current_app.extensions["homeward-api"]
    return api.spec.to_dict()


@blp.route("/docs", tags=["meta"])
@blp.doc(summary="Interactive documentation (HTML)", security=[])
@public_api
def docs() -> str:
    return render_template("api/docs.html")


# accounts --------------------------------------------------------------------------------------


@blp.route(f"{V1}/me", tags=["accounts"])
@requires(ANY_ROLE)
@blp.response(200, s.MeSchema)
def me() -> dict[str, Any]:
    """The token's user and scopes."""
    user = _user()
    token = current_token()
    return {
        "id": user.uuid,
        "role": user.role.value,
        "email": user.email,
        "full_name": user.full_name,
        "token_scopes": list(token.scopes) if token else [],
    }


# experts ---------------------------------------------------------------------------------------


@blp.route(f"{V1}/experts/me", methods=["GET"], tags=["experts"])
@requires(EXPERTS)
@blp.response(200, s.ExpertSchema)
def expert_me() -> ExpertProfile:
    """The signed-in expert's own profile."""
    return profile_for(_user())


@blp.route(f"{V1}/experts/me", methods=["PATCH"], endpoint="expert_me_update", tags=["experts"])
@requires(EXPERTS)
@blp.arguments(s.ExpertUpdateSchema)
@blp.response(200, s.ExpertSchema)
def expert_me_update(data: dict[str, Any]) -> ExpertProfile:
    """Change the summary, experience, remote work and preferred regions (write scope)."""
    profile = profile_for(_user())
    if "summary" in data:
        profile.summary = (data["summary"] or "").strip() or None
    if "years_experience" in data:
        profile.years_experience = data["years_experience"]
    if "preferred_regions" in data or "remote_ok" in data:
        save_preferences(
            profile,
            [r.strip() for r in data.get("preferred_regions", profile.preferred_regions)],
            data.get("remote_ok", profile.remote_ok),
        )
    db.session.commit()
    return profile


@blp.route(f"{V1}/experts/me/matches", tags=["matches"])
@requires(EXPERTS)
@blp.arguments(s.LimitQuery, location="query", unknown=RAISE)
@blp.response(200, s.RankedNeedList)
def expert_matches(args: dict[str, Any]) -> dict[str, Any]:
    """Open needs ranked for the signed-in expert, each with its explanation."""
    ranked = needs_for_expert(profile_for(_user()), args["limit"])
    return {
        "items": [
            {"rank": i, "need": r.need, "match": r.match} for i, r in enumerate(ranked, start=1)
        ]
    }


@blp.route(f"{V1}/experts", tags=["experts"])
@requires(STAFF)
@blp.arguments(s.PageQuery, location="query", unknown=RAISE)
@blp.response(200, s.ExpertPage)
def experts_list(args: dict[str, Any]) -> dict[str, Any]:
    """Every expert profile, oldest first (programme staff)."""
    rows, total = _page_of(
        select(ExpertProfile).order_by(ExpertProfile.id), args["page"], args["per_page"]
    )
    return _paged(rows, total, args)


@blp.route(f"{V1}/experts/<expert_id>", tags=["experts"])
@requires(STAFF)
@blp.response(200, s.ExpertSchema)
def expert_get(expert_id: str) -> ExpertProfile:
    """One expert profile (programme staff)."""
    expert = placements.expert_by_uuid(expert_id)
    if expert is None:
        api_abort(404, "No such expert.")
    return expert


# institutions ----------------------------------------------------------------------------------


@blp.route(f"{V1}/institutions", tags=["institutions"])
@requires(HOSTS | STAFF)
@blp.arguments(s.PageQuery, location="query", unknown=RAISE)
@blp.response(200, s.InstitutionPage)
def institutions_list(args: dict[str, Any]) -> dict[str, Any]:
    """Staff: every institution. A host: their own institutions."""
    user = _user()
    if user.is_staff:
        rows, total = _page_of(
            select(Institution).order_by(Institution.id), args["page"], args["per_page"]
        )
        return _paged(rows, total, args)
    return _slice(needs.member_institutions(user), args)


def _institution_for(user: User, institution_id: str) -> Institution:
    key = parse_uuid(institution_id)
    query = select(Institution).where(Institution.uuid == key)
    if not user.is_staff:
        query = query.join(InstitutionMember).where(InstitutionMember.user_id == user.id)
    institution = db.session.scalar(query) if key else None
    if institution is None:
        api_abort(404, "No such institution.")
    return institution


@blp.route(f"{V1}/institutions/<institution_id>", tags=["institutions"])
@requires(HOSTS | STAFF)
@blp.response(200, s.InstitutionSchema)
def institution_get(institution_id: str) -> Institution:
    """One institution: its members and programme staff."""
    return _institution_for(_user(), institution_id)


# needs -----------------------------------------------------------------------------------------


@blp.route(f"{V1}/needs", methods=["GET"], tags=["needs"])
@blp.doc(security=[{}, {"bearerAuth": []}])
@public_api
@blp.arguments(s.NeedQuery, location="query", unknown=RAISE)
@blp.response(200, s.NeedPage)
def needs_list(args: dict[str, Any]) -> dict[str, Any]:
    """Open needs, soonest first, as on the public /needs page (no token needed)."""
    filters = needs.NeedFilters(
        country=args.get("country"), sector=args.get("sector"), text=args.get("q")
    )
    query = needs.filtered(select(Need).where(Need.status == NeedStatus.OPEN), filters)
    rows, total = _page_of(query.order_by(Need.start, Need.id), args["page"], args["per_page"])
    return _paged(rows, total, args)


def _need_for(user: User | None, need_id: str, *, staff_ok: bool = True) -> Need:
    """An open need for anyone; another state only for its host's members (and staff)."""
    need = needs.need_by_uuid(need_id)
    if need is not None and need.status is NeedStatus.OPEN:
        return need
    if user is not None and user.is_staff and staff_ok and need is not None:
        return need
    if user is not None and user.role is Role.INSTITUTION:
        own = needs.need_for_member(user, need_id)
        if own is not None:
            return own
    api_abort(404, "No such need.")


@blp.route(f"{V1}/needs/<need_id>", methods=["GET"], tags=["needs"])
@blp.doc(security=[{}, {"bearerAuth": []}])
@public_api
@blp.response(200, s.NeedSchema)
def need_get(need_id: str) -> Need:
    """An open need (anyone), or one of your institution's needs in any state, or any need
    (staff)."""
    return _need_for(api_user(), need_id)


def _programme_id(institution: Institution, data: dict[str, Any]) -> int | None:
    """The chosen programme, refused as on the need form: it must exist and be open to needs in
    the institution's country (its duration and date rules are checked when saving)."""
    if data.get("programme") is None:
        return None
    programme = programme_by_uuid(str(data["programme"]))
    if programme is None:
        api_abort(422, errors={"programme": ["No such programme."]})
    if programme not in needs.programmes_for_country(institution.country):
        message = (
            "This programme does not cover your country."
            if institution.country not in programme.eligible_origin_countries
            else "This programme is closed to new needs."
        )
        api_abort(422, errors={"programme": [message]})
    return programme.id


# The services name the programme field as the page form does.
_FIELD_NAMES = {"programme_id": "programme"}


def _need_input(data: dict[str, Any], programme_id: int | None) -> needs.NeedInput:
    return needs.NeedInput(
        title=data["title"].strip(),
        description=data.get("description") or None,
        sector=data["sector"],
        occupation=data.get("occupation") or None,
        required_skills=[x.strip() for x in data["required_skills"] if x.strip()],
        desired_skills=[x.strip() for x in data["desired_skills"] if x.strip()],
        languages=[(row["code"], row["level"]) for row in data["languages"]],
        region=data.get("region") or None,
        start=data["start"],
        end=data["end"],
        duration_weeks=data["duration_weeks"],
        slots=data["slots"],
        remote=data["remote"],
        host_provides=sorted(set(data["host_provides"])),
        objectives=data.get("objectives") or None,
        trainees=data.get("trainees") or None,
        programme_id=programme_id,
    )


def _save_need(institution: Institution, data: dict[str, Any], need: Need | None) -> Need:
    if not any(x.strip() for x in data["required_skills"]):
        api_abort(422, errors={"required_skills": ["Name at least one required skill."]})
    programme_id = _programme_id(institution, data)
    try:
        saved = needs.save_need(
            institution, _need_input(data, programme_id), author=_user(), need=need
        )
    except needs.NeedError as error:
        db.session.rollback()
        field = _FIELD_NAMES.get(error.field or "", error.field) or "_schema"
        api_abort(422, error.message, {field: [error.message]})
    db.session.commit()
    return saved


@blp.route(f"{V1}/needs", methods=["POST"], endpoint="need_create", tags=["needs"])
@requires(HOSTS)
@blp.arguments(s.NeedInputSchema)
@blp.response(201, s.NeedSchema)
def need_create(data: dict[str, Any]) -> Need:
    """A new draft need for one of your institutions (write scope)."""
    institutions = needs.member_institutions(_user())
    if "institution_id" in data:
        institutions = [i for i in institutions if i.uuid == data["institution_id"]]
    if not institutions:
        api_abort(404, "No such institution among yours.")
    return _save_need(institutions[0], data, None)


@blp.route(f"{V1}/needs/<need_id>", methods=["PUT"], endpoint="need_update", tags=["needs"])
@requires(HOSTS)
@blp.arguments(s.NeedInputSchema)
@blp.response(200, s.NeedSchema)
def need_update(data: dict[str, Any], need_id: str) -> Need:
    """Replace a draft need of your institution (write scope); other states are refused."""
    need = needs.need_for_member(_user(), need_id)
    if need is None:
        api_abort(404, "No such need.")
    if need.status is not NeedStatus.DRAFT:
        api_abort(409, "Only a draft can be edited. Ask staff to send it back first.")
    if "institution_id" in data and data["institution_id"] != need.institution.uuid:
        api_abort(422, errors={"institution_id": ["A need cannot move to another institution."]})
    return _save_need(need.institution, data, need)


@blp.route(f"{V1}/needs/<need_id>/transitions", methods=["POST"], tags=["needs"])
@requires(HOSTS | STAFF)
@blp.arguments(s.NeedTransitionSchema)
@blp.response(200, s.NeedSchema)
def need_transition(data: dict[str, Any], need_id: str) -> Need:
    """Move a need through its life (submit, close; staff: approve, open, send_back, fill)
    with the same rules as the pages (write scope)."""
    user = _user()
    need = needs.need_by_uuid(need_id) if user.is_staff else needs.need_for_member(user, need_id)
    if need is None:
        api_abort(404, "No such need.")
    try:
        lifecycle.transition(need, data["name"], actor=user, reason=data.get("reason"))
    except lifecycle.TransitionError as error:
        db.session.rollback()
        api_abort(409, str(error))
    db.session.commit()
    return need


@blp.route(f"{V1}/needs/<need_id>/candidates", tags=["matches"])
@requires(HOSTS | STAFF)
@blp.arguments(s.LimitQuery, location="query", unknown=RAISE)
@blp.response(200, s.CandidateList)
def need_candidates(args: dict[str, Any], need_id: str) -> dict[str, Any]:
    """Ranked candidates for a need with their explanations. A host sees professional fields
    only, of experts who agreed to share them, once the need is approved or open."""
    user = _user()
    need = needs.need_by_uuid(need_id) if user.is_staff else needs.need_for_member(user, need_id)
    if need is None:
        api_abort(404, "No such need.")
    ranked = []
    if user.is_staff or need.status in (NeedStatus.APPROVED, NeedStatus.OPEN):
        ranked = experts_for_need(need, args["limit"], for_host=not user.is_staff)
    return {
        "need_id": need.uuid,
        "items": [
            {"rank": i, "expert": r.expert, "match": r.match} for i, r in enumerate(ranked, 1)
        ],
    }


# placements ------------------------------------------------------------------------------------


def _placement_out(placement: Placement, role: str, user: User) -> dict[str, Any]:
    identity = role in ("staff", "expert") or placement.status in IDENTITY_VISIBLE
    expert_user = placement.expert.user
    return {
        "id": placement.uuid,
        "status": placement.status.value,
        "role": role,
        "need": placement.need,
        "expert": {
            "id": placement.expert.uuid,
            "full_name": expert_user.full_name if identity else None,
            "email": expert_user.email if identity else None,
        },
        "start": placement.start,
        "end": placement.end,
        "offer_deadline": placement.offer_deadline,
        "status_reason": placement.status_reason,
        "host_confirmed": placement.host_confirmed_at is not None,
        "next_steps": [step.name for step in workflow.available_steps(placement, user)],
    }


@blp.route(f"{V1}/placements", tags=["placements"])
@requires(ANY_ROLE)
@blp.arguments(s.PlacementQuery, location="query", unknown=RAISE)
@blp.response(200, s.PlacementPage)
def placements_list(args: dict[str, Any]) -> dict[str, Any]:
    """Your placements: an expert's own, a host's institutions', every one for staff (last
    changed first, paged in the database)."""
    user = _user()
    status = PlacementStatus(args["status"]) if args.get("status") else None
    if user.is_staff:
        items, total = _page_of(placements.staff_list(status, None), args["page"], args["per_page"])
        page = _paged(items, total, args)
        page["items"] = [_placement_out(p, "staff", user) for p in page["items"]]
        return page
    if user.role is Role.EXPERT:
        from placement.experts.services import placements_for

        rows, role = placements_for(profile_for(user)), "expert"
    elif user.role is Role.INSTITUTION:
        from placement.institutions.services import placements_of

        rows = [p for i in needs.member_institutions(user) for p in placements_of(i)]
        role = "host"
    else:
        rows, role = [], "none"
    if status is not None:
        rows = [p for p in rows if p.status is status]
    page = _slice(rows, args)
    page["items"] = [_placement_out(p, role, user) for p in page["items"]]
    return page


def _placement_for(user: User, placement_id: str) -> tuple[Placement, str]:
    found = placements.placement_for(user, placement_id)
    if found is None:
        api_abort(404, "No such placement.")
    return found


@blp.route(f"{V1}/placements/<placement_id>", tags=["placements"])
@requires(ANY_ROLE)
@blp.response(200, s.PlacementSchema)
def placement_get(placement_id: str) -> dict[str, Any]:
    """One placement, for its expert, its host and staff."""
    user = _user()
    placement, role = _placement_for(user, placement_id)
    return _placement_out(placement, role, user)


@blp.route(f"{V1}/placements/<placement_id>/transitions", methods=["POST"], tags=["placements"])
@requires(ANY_ROLE)
@blp.arguments(s.PlacementTransitionSchema)
@blp.response(200, s.PlacementSchema)
def placement_transition(data: dict[str, Any], placement_id: str) -> dict[str, Any]:
    """Take a step of the placement workflow (offer, accept, decline, confirm, approve, ...),
    with the same rules as the placement page (write scope)."""
    user = _user()
    placement, role = _placement_for(user, placement_id)
    try:
        workflow.transition(placement, data["name"], actor=user, reason=data.get("reason"))
        db.session.commit()
    except workflow.DoubleBooking as error:
        db.session.rollback()
        api_abort(409, str(error))
    except workflow.WorkflowError as error:
        db.session.rollback()
        api_abort(422, str(error))
    except IntegrityError:
        db.session.rollback()
        api_abort(409, "The expert already has an approved placement on overlapping dates.")
    return _placement_out(placement, role, user)


# outcomes --------------------------------------------------------------------------------------


def _survey_out(report: Any) -> dict[str, Any]:
    return {
        "id": report.uuid,
        "placement_id": report.placement.uuid,
        "point": report.point.value,
        "respondent_role": report.respondent_role.value,
        "due_on": report.due_on,
        "submitted_at": report.submitted_at,
        "questions": list(surveys.questionnaire_of(report).questions),
    }


@blp.route(f"{V1}/surveys", tags=["outcomes"])
@requires(ANY_ROLE)
@blp.response(200, s.SurveyList)
def surveys_list() -> dict[str, Any]:
    """Surveys waiting for your answers."""
    return {"items": [_survey_out(r) for r in surveys.pending_surveys(_user())]}


@blp.route(f"{V1}/surveys/<report_id>", methods=["POST"], tags=["outcomes"])
@requires(ANY_ROLE)
@blp.arguments(s.SurveyAnswersSchema)
@blp.response(200, s.SurveySchema)
def survey_submit(data: dict[str, Any], report_id: str) -> dict[str, Any]:
    """Answer one of your surveys, once (write scope). Answers are strings, as typed in the
    form: numbers as digits, yes_no as "yes" or "no"."""
    report = surveys.survey_for(_user(), report_id)
    if report is None:
        api_abort(404, "No such survey.")
    try:
        surveys.submit(report, data["answers"])
    except surveys.SurveyError as error:
        db.session.rollback()
        if "" in error.errors:
            api_abort(409, error.errors[""])
        api_abort(422, "Some answers are not valid.", error.errors)
    db.session.commit()
    return _survey_out(report)


@blp.route(f"{V1}/outcomes/export", tags=["outcomes"])
@requires(STAFF)
@blp.arguments(s.EvaluationQuery, location="query", unknown=RAISE)
@blp.response(200, s.EvaluationExport)
def outcomes_export(args: dict[str, Any]) -> dict[str, Any]:
    """The evaluators' pseudonymised export, as JSON (programme staff)."""
    programme_id = None
    if args.get("programme"):
        programme = programme_by_uuid(str(args["programme"]))
        if programme is None:
            api_abort(404, "No such programme.")
        programme_id = programme.id
    start: date | None = args.get("start")
    end: date | None = args.get("end")
    filters = evaluation.Filters(programme_id, start, end)
    return {
        "columns": [column for column, _meaning in evaluation.COLUMNS],
        "rows": evaluation.export_rows(filters),
    }


def _api_limit() -> str:
    return current_app.config["API_RATE_LIMIT"]


def _limit_key() -> str:
    """Per token when there is one (an integration behind a shared address), else per address."""
    from flask import request

    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        from placement.tokens.services import hash_secret

        return "token:" + hash_secret(header[7:].strip())[:16]
    return "ip:" + (request.remote_addr or "")


limiter.limit(_api_limit, key_func=_limit_key)(blp)
