"""The programme form (staff)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    FieldList,
    Form,
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
    Regexp,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from placement.experts.forms import SECTOR_LABELS
from placement.forms import select_choices, strip_whitespace
from placement.geo import country_choices


class QuotaRow(Form):
    country = SelectField(_l("Country of origin"), validators=[Optional()])
    max_placements = IntegerField(
        _l("Placements"), validators=[Optional(), NumberRange(min=0, max=100000)]
    )
    budget = DecimalField(
        _l("Budget"), places=2, validators=[Optional(), NumberRange(min=0, max=10**11)]
    )

    def validate_max_placements(self, field: IntegerField) -> None:
        if self.country.data and field.data is None:
            raise ValidationError(_l("Give the number of placements."))

    def validate_budget(self, field: DecimalField) -> None:
        if self.country.data and field.data is None:
            raise ValidationError(_l("Give the budget."))


class ProgrammeForm(FlaskForm):
    code = StringField(
        _l("Code"),
        filters=[strip_whitespace],
        validators=[
            DataRequired(),
            Length(max=40),
            Regexp(r"^[A-Za-z0-9][A-Za-z0-9_-]*$", message=_l("Letters, digits, - and _ only.")),
        ],
    )
    name = StringField(
        _l("Name"), filters=[strip_whitespace], validators=[DataRequired(), Length(max=255)]
    )
    description = TextAreaField(
        _l("Description"), filters=[strip_whitespace], validators=[Optional(), Length(max=4000)]
    )
    start = DateField(_l("Start"), validators=[InputRequired(_l("Enter a date."))])
    end = DateField(_l("End"), validators=[InputRequired(_l("Enter a date."))])
    eligible_origin_countries = SelectMultipleField(
        _l("Eligible countries of origin"),
        validators=[DataRequired(_l("Choose at least one country."))],
    )
    eligible_residence_countries = SelectMultipleField(
        _l("Eligible countries of residence (none chosen: any country abroad)"),
        validators=[Optional()],
    )
    priority_sectors = SelectMultipleField(
        _l("Priority sectors"),
        choices=select_choices(SECTOR_LABELS.items()),
        option_widget=CheckboxInput(),
        widget=ListWidget(prefix_label=False),
        validators=[Optional()],
    )
    min_weeks = IntegerField(
        _l("Shortest assignment (weeks)"), validators=[Optional(), NumberRange(min=1, max=104)]
    )
    max_weeks = IntegerField(
        _l("Longest assignment (weeks)"), validators=[Optional(), NumberRange(min=1, max=104)]
    )
    currency = StringField(
        _l("Currency"),
        default="EUR",
        filters=[strip_whitespace],
        validators=[DataRequired(), Regexp(r"^[A-Z]{3}$", message=_l("A code like EUR."))],
    )
    active = BooleanField(_l("Active"), default=True)
    quotas = FieldList(FormField(QuotaRow), min_entries=1)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        origins = country_choices(origins_first=True)
        self.eligible_origin_countries.choices = select_choices(origins)
        self.eligible_residence_countries.choices = select_choices(country_choices())
        for row in self.quotas:
            row.form.country.choices = select_choices([("", _l("Choose…")), *origins])

    def validate_end(self, field: DateField) -> None:
        if field.data and self.start.data and field.data <= self.start.data:
            raise ValidationError(_l("The end must come after the start."))

    def validate_quotas(self, field: FieldList) -> None:
        countries = [row.form.country.data for row in field if row.form.country.data]
        if len(countries) != len(set(countries)):
            raise ValidationError(_l("One quota per country."))
