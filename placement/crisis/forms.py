"""Crisis forms: declaring a crisis, the short urgent-need form, alerts and answers."""

from __future__ import annotations

from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    AnyOf,
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from placement.experts.forms import SECTOR_LABELS
from placement.forms import limited_text, select_choices, strip_whitespace
from placement.geo import country_choices, language_choices
from placement.models import WorkMode

MODE_LABELS = {WorkMode.ON_SITE: _l("On site"), WorkMode.REMOTE: _l("Remotely")}


def _comma_list(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


# Stated limit of a crisis's and an urgent need's description.
DETAILS_MAX = 4000


class CrisisForm(FlaskForm):
    name = StringField(
        _l("Name"),
        filters=[strip_whitespace],
        validators=[DataRequired(), Length(max=255)],
        description=_l("For example: Floods in Freetown, August 2027"),
    )
    country = SelectField(_l("Country"), validators=[DataRequired()])
    regions = StringField(
        _l("Affected regions (separate with commas)"),
        filters=[strip_whitespace],
        validators=[Optional(), Length(max=1000)],
    )
    sectors = SelectMultipleField(
        _l("Sectors most needed"),
        choices=select_choices(SECTOR_LABELS.items()),
        option_widget=CheckboxInput(),
        widget=ListWidget(prefix_label=False),
        validators=[Optional()],
    )
    start = DateField(_l("Since"), validators=[InputRequired(_l("Enter a date."))])
    end = DateField(_l("Until (if known)"), validators=[Optional()])
    description = limited_text(_l("What happened"), DETAILS_MAX)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.country.choices = select_choices(
            [("", _l("Choose a country")), *country_choices(origins_first=True)]
        )

    def validate_end(self, field: DateField) -> None:
        if field.data and self.start.data and field.data < self.start.data:
            raise ValidationError(_l("The end must come after the start."))

    def region_list(self) -> list[str]:
        return _comma_list(self.regions.data)


class UrgentNeedForm(FlaskForm):
    """What, where, from when, on site or remote: nothing more in an emergency."""

    title = StringField(
        _l("What is needed"),
        filters=[strip_whitespace],
        validators=[DataRequired(), Length(max=255)],
        description=_l("For example: Trauma counselling for displaced families"),
    )
    skills = StringField(
        _l("Skills (separate with commas)"),
        filters=[strip_whitespace],
        validators=[DataRequired(), Length(max=1000)],
        render_kw={"data-autocomplete": "skill"},
    )
    # A required choice with an empty first option: never the first institution by default.
    institution = SelectField(
        _l("Host institution"), validators=[DataRequired(_l("Choose the host institution."))]
    )
    region = StringField(
        _l("Where"), filters=[strip_whitespace], validators=[Optional(), Length(max=200)]
    )
    start = DateField(_l("From when"), validators=[InputRequired(_l("Enter a date."))])
    weeks = IntegerField(
        _l("For how many weeks"),
        default=2,
        validators=[InputRequired(), NumberRange(min=1, max=52)],
    )
    mode = RadioField(
        _l("On site or remote"),
        choices=select_choices((m.value, label) for m, label in MODE_LABELS.items()),
        # No default: the choice is checked here, with a message that says what to do.
        validate_choice=False,
        validators=[
            DataRequired(_l("Choose on site or remote.")),
            AnyOf([m.value for m in MODE_LABELS], message=_l("Choose on site or remote.")),
        ],
    )
    language = SelectField(_l("Language needed (level B2 or better)"), validators=[Optional()])
    description = limited_text(_l("Details"), DETAILS_MAX)

    def __init__(
        self, *args: object, institutions: list[tuple[str, str]] = (), **kwargs: object
    ) -> None:
        super().__init__(*args, **kwargs)
        self.institution.choices = select_choices([("", _l("Choose…")), *institutions])
        self.language.choices = select_choices([("", _l("Any")), *language_choices()])

    def validate_start(self, field: DateField) -> None:
        if field.data and field.data < date.today() - timedelta(days=1):
            raise ValidationError(_l("This date is in the past."))

    def skill_list(self) -> list[str]:
        return _comma_list(self.skills.data)


class CloseCrisisForm(FlaskForm):
    """The reason for closing, told to everyone alerted and to the hosts of closed needs; the
    choice per urgent need comes as radio buttons named ``need-<uuid>`` (one per live need)."""

    reason = TextAreaField(
        _l("Why the crisis is closed (experts alerted and hosts will read it)"),
        filters=[strip_whitespace],
        validators=[Optional(), Length(max=2000)],
    )


class AlertForm(FlaskForm):
    limit = IntegerField(
        _l("How many of the best-ranked experts to alert"),
        default=20,
        validators=[InputRequired(), NumberRange(min=1, max=200)],
    )
    message = TextAreaField(
        _l("Message to the experts"),
        filters=[strip_whitespace],
        validators=[Optional(), Length(max=2000)],
    )
    public = BooleanField(_l("Also show this alert on the public page (who answers stays private)"))


class AnswerForm(FlaskForm):
    mode = RadioField(
        _l("How"),
        choices=select_choices((m.value, label) for m, label in MODE_LABELS.items()),
        validators=[Optional()],
    )
    available_from = DateField(_l("From"), validators=[Optional()])
    weeks = IntegerField(
        _l("For how many weeks"), validators=[Optional(), NumberRange(min=1, max=52)]
    )
    note = TextAreaField(
        _l("Anything staff should know"),
        filters=[strip_whitespace],
        validators=[Optional(), Length(max=2000)],
    )
