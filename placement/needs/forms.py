"""The need form (host) and the review forms (staff)."""

from __future__ import annotations

from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    FormField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from placement.experts.forms import BLANK_ROWS, SECTOR_LABELS, LanguageRow, LanguagesForm
from placement.forms import limited_text, select_choices, strip_whitespace
from placement.geo import language_choices

HOST_PROVIDES_LABELS = {
    "housing": _l("Housing"),
    "local_transport": _l("Local transport"),
    "meals": _l("Meals"),
    "workspace": _l("Office or workspace"),
    "interpreter": _l("Interpreter"),
}
MAX_SLOTS = 50
MAX_WEEKS = 104


def _skill_field(label: object) -> FieldList:
    return FieldList(
        StringField(
            label,
            filters=[strip_whitespace],
            validators=[Optional(), Length(max=255)],
            render_kw={"data-autocomplete": "skill"},
        ),
        min_entries=1,
    )


# Stated limits of the need's long texts (the columns are unbounded; these keep a need readable).
DESCRIPTION_MAX = 6000
OBJECTIVES_MAX = 4000
TRAINEES_MAX = 2000


class NeedForm(FlaskForm):
    title = StringField(
        _l("Title"),
        filters=[strip_whitespace],
        validators=[DataRequired(), Length(max=255)],
        description=_l("For example: Trainer in emergency obstetric care"),
    )
    description = limited_text(_l("What the expert will do"), DESCRIPTION_MAX)
    programme_id = SelectField(_l("Programme"), validators=[Optional()])
    sector = SelectField(
        _l("Sector"),
        validators=[DataRequired()],
        choices=select_choices([("", _l("Choose…")), *SECTOR_LABELS.items()]),
    )
    occupation = StringField(
        _l("Occupation wanted"),
        filters=[strip_whitespace],
        validators=[Optional(), Length(max=255)],
        render_kw={"data-autocomplete": "occupation"},
    )
    required_skills = _skill_field(_l("Required skill"))
    desired_skills = _skill_field(_l("Desired skill"))
    languages = FieldList(FormField(LanguageRow), min_entries=1)
    region = StringField(
        _l("Region or town of the assignment"),
        filters=[strip_whitespace],
        validators=[Optional(), Length(max=200)],
    )
    remote = BooleanField(_l("The work can be done remotely"))
    start = DateField(_l("Earliest start"), validators=[InputRequired(_l("Enter a date."))])
    end = DateField(_l("Latest end"), validators=[InputRequired(_l("Enter a date."))])
    duration_weeks = IntegerField(
        _l("Length of the assignment, in weeks"),
        validators=[InputRequired(), NumberRange(min=1, max=MAX_WEEKS)],
    )
    slots = IntegerField(
        _l("Number of experts wanted"),
        default=1,
        validators=[InputRequired(), NumberRange(min=1, max=MAX_SLOTS)],
    )
    host_provides = SelectMultipleField(
        _l("What you provide"),
        choices=select_choices(HOST_PROVIDES_LABELS.items()),
        option_widget=CheckboxInput(),
        widget=ListWidget(prefix_label=False),
        validators=[Optional()],
    )
    objectives = limited_text(_l("Objectives and expected results"), OBJECTIVES_MAX)
    trainees = limited_text(_l("People to be trained"), TRAINEES_MAX)

    def __init__(self, *args: object, programmes: list[tuple[str, str]] = (), **kwargs: object):
        super().__init__(*args, **kwargs)
        self.programme_id.choices = select_choices([("", _l("No programme yet")), *programmes])
        options = select_choices([("", _l("Choose…")), *language_choices()])
        for row in self.languages:
            row.form.code.choices = options

    validate_languages = LanguagesForm.validate_languages  # same rules as an expert's languages

    def validate_start(self, field: DateField) -> None:
        if field.data and field.data < date.today():
            raise ValidationError(_l("This date is in the past."))

    def validate_end(self, field: DateField) -> None:
        if field.data and self.start.data and field.data < self.start.data:
            raise ValidationError(_l("The latest end must come after the earliest start."))
        if field.data and field.data > date.today() + timedelta(days=3 * 366):
            raise ValidationError(_l("Choose a date within the next three years."))

    def validate_duration_weeks(self, field: IntegerField) -> None:
        if field.data and self.start.data and self.end.data:
            window_days = (self.end.data - self.start.data).days + 1
            if field.data * 7 > window_days:
                raise ValidationError(
                    _l("%(n)d weeks do not fit between the start and the end.", n=field.data)
                )

    def validate_required_skills(self, field: FieldList) -> None:
        if not [entry.data for entry in field if entry.data]:
            raise ValidationError(_l("Name at least one required skill."))

    def skill_labels(self, field: FieldList) -> list[str]:
        seen: dict[str, str] = {}
        for entry in field:
            if entry.data and entry.data.casefold() not in seen:
                seen[entry.data.casefold()] = entry.data
        return list(seen.values())


def with_blank_rows(values: list[object], blank: object = "") -> list[object]:
    """Existing rows plus a few empty ones, so a row can be added without JavaScript."""
    return [*values, *([blank] * BLANK_ROWS)]


class ReasonForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason (the host will read it)"),
        filters=[strip_whitespace],
        validators=[Optional(), Length(max=2000)],
    )


class NeedFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search form

    q = StringField(
        _l("Search"), filters=[strip_whitespace], validators=[Optional(), Length(max=100)]
    )
    country = SelectField(_l("Country"), validators=[Optional()])
    sector = SelectField(
        _l("Sector"),
        validators=[Optional()],
        choices=select_choices([("", _l("All sectors")), *SECTOR_LABELS.items()]),
    )
    programme = SelectField(_l("Programme"), validators=[Optional()])
    status = SelectField(_l("State"), validators=[Optional()])


class InterestForm(FlaskForm):
    note = StringField(
        _l("Note"), filters=[strip_whitespace], validators=[Optional(), Length(max=500)]
    )
