"""Forms of the guided expert profile, availability, documents, consent and data rights."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    Form,
    FormField,
    IntegerField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, HiddenInput, ListWidget

from placement.forms import limited_text, select_choices, strip_whitespace
from placement.geo import country_choices, language_choices
from placement.models import CEFRLevel, DocumentKind, Gender, QualificationKind

SECTOR_LABELS = {
    "health": _l("Health"),
    "education": _l("Education"),
    "agriculture": _l("Agriculture and food"),
    "engineering": _l("Engineering and infrastructure"),
    "governance": _l("Public administration and governance"),
    "finance": _l("Finance and business"),
    "ict": _l("Information and communication technology"),
}
LEVEL_LABELS = {
    CEFRLevel.A1: _l("A1 – beginner"),
    CEFRLevel.A2: _l("A2 – elementary"),
    CEFRLevel.B1: _l("B1 – intermediate"),
    CEFRLevel.B2: _l("B2 – upper intermediate"),
    CEFRLevel.C1: _l("C1 – advanced"),
    CEFRLevel.C2: _l("C2 – proficient"),
    CEFRLevel.NATIVE: _l("Native speaker"),
}
PROFICIENCY_LABELS = {
    "": _l("Not said"),
    "1": _l("Basic"),
    "2": _l("Good"),
    "3": _l("Very good"),
    "4": _l("Expert"),
}
GENDER_LABELS = {
    Gender.UNDISCLOSED: _l("I prefer not to say"),
    Gender.FEMALE: _l("Woman"),
    Gender.MALE: _l("Man"),
    Gender.OTHER: _l("Other"),
}
RESIDENCE_STATUS_LABELS = {
    "citizen": _l("Citizen of the country of residence"),
    "permanent": _l("Permanent resident"),
    "temporary": _l("Temporary residence or work permit"),
    "refugee": _l("Refugee or subsidiary protection"),
    "other": _l("Other"),
}
QUALIFICATION_LABELS = {
    QualificationKind.DEGREE: _l("Degree or diploma"),
    QualificationKind.LICENCE: _l("Professional licence"),
    QualificationKind.CERTIFICATE: _l("Certificate"),
}
DOCUMENT_LABELS = {
    DocumentKind.CV: _l("CV"),
    DocumentKind.CERTIFICATE: _l("Certificate or licence"),
    DocumentKind.OTHER: _l("Other document"),
}
# Rows left blank for new entries in the need form (placement/needs/forms.py); the expert's
# steps add rows one at a time instead (RowsForm).
BLANK_ROWS = 3
# The most rows a list step keeps (languages, skills, qualifications); more are dropped.
MAX_ROWS = 30
# Stated limit of the professional summary, shown next to the field with a counter.
SUMMARY_MAX = 4000


def _choose(pairs: object) -> list[object]:
    return select_choices([("", _l("Choose…")), *pairs])  # type: ignore[list-item]


class OriginForm(FlaskForm):
    """Step 1: where the expert comes from and lives now."""

    origin_country = SelectField(_l("Country of origin"), validators=[DataRequired()])
    origin_region = StringField(
        _l("Region or town of origin"),
        filters=[strip_whitespace],
        validators=[Optional(), Length(max=200)],
        description=_l("Assignments often go to the place you come from."),
    )
    residence_country = SelectField(_l("Country where you live now"), validators=[DataRequired()])
    abroad_since = IntegerField(
        _l("Year you moved abroad"),
        validators=[Optional(), NumberRange(min=1940, message=_l("Give a year from 1940 on."))],
        description=_l("Optional. It helps the programme learn what makes placements work."),
    )
    residence_status = SelectField(
        _l("Residence status"),
        choices=_choose((k, v) for k, v in RESIDENCE_STATUS_LABELS.items()),
        validators=[Optional()],
    )
    gender = SelectField(
        _l("Gender"),
        choices=select_choices((g.value, label) for g, label in GENDER_LABELS.items()),
        description=_l("Used only for anonymous statistics on equal access."),
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.origin_country.choices = _choose(country_choices(origins_first=True))
        self.residence_country.choices = _choose(country_choices())

    def validate_abroad_since(self, field: IntegerField) -> None:
        if field.data and field.data > date.today().year:
            raise ValidationError(_l("This year has not come yet."))

    def validate_residence_country(self, field: SelectField) -> None:
        if field.data and field.data == self.origin_country.data:
            raise ValidationError(_l("Return programmes are for people living abroad."))


class RowsForm(FlaskForm):
    """A form holding lists of rows that a person grows or shrinks one at a time.

    "Add a language" and each row's "Remove" are submit buttons (``add_row=<list>``,
    ``remove_row=<row name>``): the page comes back with one row more or fewer and everything
    typed kept, nothing saved, so it works without JavaScript; the script only saves the round
    trip.
    """

    ROW_LISTS: tuple[str, ...] = ()

    def prepare_row(self, row: FormField) -> None:
        """Fill what a new row needs (its choices); nothing by default."""

    def change_rows(self, formdata: Mapping[str, str]) -> bool:
        """Apply an add or remove button of the submitted form; True if it was one."""
        added, removed = formdata.get("add_row"), formdata.get("remove_row") or ""
        if added in self.ROW_LISTS:
            rows = getattr(self, added)
            if len(rows) < MAX_ROWS:
                self.prepare_row(rows.append_entry())
            return True
        name = removed.rpartition("-")[0]
        if name in self.ROW_LISTS:
            rows = getattr(self, name)
            rows.entries = [row for row in rows.entries if row.name != removed]
            return True
        return False


class LanguageRow(Form):
    code = SelectField(_l("Language"), validators=[Optional()])
    level = SelectField(
        _l("Level"),
        choices=_choose((lvl.value, label) for lvl, label in LEVEL_LABELS.items()),
        validators=[Optional()],
    )


class SearchableLanguageRow(LanguageRow):
    """The expert's language row: the select becomes a searchable combobox
    (static/js/combobox.js) and stays a plain select without JavaScript."""

    code = SelectField(_l("Language"), validators=[Optional()], render_kw={"data-combobox": True})


class LanguagesForm(RowsForm):
    """Step 2: languages with their CEFR level, those of the expert's countries offered first."""

    ROW_LISTS = ("languages",)
    languages = FieldList(FormField(SearchableLanguageRow), min_entries=1, max_entries=MAX_ROWS)

    def __init__(self, *args: object, countries: Sequence[str | None] = (), **kwargs: object):
        super().__init__(*args, **kwargs)
        self._options = _choose(language_choices(*countries))
        for row in self.languages:
            self.prepare_row(row)

    def prepare_row(self, row: FormField) -> None:
        row.form.code.choices = self._options

    def validate_languages(self, field: FieldList) -> None:
        # A row-level rule: WTForms' Optional() would stop a per-field check on an empty level.
        missing_level = [row for row in field if row.form.code.data and not row.form.level.data]
        for row in missing_level:
            row.form.level.errors = [
                *row.form.level.errors,
                _l("Choose your level in this language."),
            ]
        if missing_level:
            raise ValidationError(_l("Choose your level in each language."))
        codes = [row.form.code.data for row in field if row.form.code.data]
        if not codes:
            raise ValidationError(_l("Add at least one language you speak."))
        if len(codes) != len(set(codes)):
            raise ValidationError(_l("Each language only once, please."))


class SkillRow(Form):
    label = StringField(
        _l("Skill"),
        filters=[strip_whitespace],
        validators=[Optional(), Length(max=255)],
        render_kw={"data-autocomplete": "skill"},
    )
    proficiency = SelectField(
        _l("How well"),
        choices=select_choices((k, v) for k, v in PROFICIENCY_LABELS.items()),
        validators=[Optional()],
    )


class SkillsForm(RowsForm):
    """Step 3: occupation, skills, experience and sectors."""

    ROW_LISTS = ("skills",)

    occupation = StringField(
        _l("Occupation"),
        filters=[strip_whitespace],
        validators=[Optional(), Length(max=255)],
        description=_l("Type a few letters and pick from the list, or write your own title."),
        render_kw={"data-autocomplete": "occupation"},
    )
    skills = FieldList(FormField(SkillRow), min_entries=1, max_entries=MAX_ROWS)
    years_experience = IntegerField(
        _l("Years of professional experience"),
        validators=[Optional(), NumberRange(min=0, max=70)],
    )
    sectors = SelectMultipleField(
        _l("Sectors you would like to work in"),
        choices=select_choices((k, v) for k, v in SECTOR_LABELS.items()),
        option_widget=CheckboxInput(),
        widget=ListWidget(prefix_label=False),
        validators=[Optional()],
    )
    summary = limited_text(
        _l("Professional summary"),
        SUMMARY_MAX,
        _l(
            "A few sentences on what you do and what you could pass on (at most %(max)d "
            "characters).",
            max=SUMMARY_MAX,
        ),
    )

    def validate_skills(self, field: FieldList) -> None:
        labels = [row.form.label.data.casefold() for row in field if row.form.label.data]
        if len(labels) != len(set(labels)):
            raise ValidationError(_l("Each skill only once, please."))


class QualificationRow(Form):
    kind = SelectField(
        _l("Type"),
        choices=select_choices((k.value, v) for k, v in QUALIFICATION_LABELS.items()),
    )
    title = StringField(
        _l("Title"), filters=[strip_whitespace], validators=[Optional(), Length(max=255)]
    )
    issuer = StringField(
        _l("Issued by"), filters=[strip_whitespace], validators=[Optional(), Length(max=255)]
    )
    obtained_on = DateField(_l("Obtained on"), validators=[Optional()])
    expires_on = DateField(_l("Expires on"), validators=[Optional()])

    def validate_expires_on(self, field: DateField) -> None:
        if field.data and self.obtained_on.data and field.data < self.obtained_on.data:
            raise ValidationError(_l("A qualification cannot expire before it was obtained."))

    def validate_obtained_on(self, field: DateField) -> None:
        if field.data and field.data > date.today():
            raise ValidationError(_l("This date is in the future."))


class QualificationsForm(RowsForm):
    """Step 4: education, degrees, licences and certificates."""

    ROW_LISTS = ("qualifications",)

    education = limited_text(
        _l("Education"), SUMMARY_MAX, _l("Your studies, with places and years.")
    )
    qualifications = FieldList(FormField(QualificationRow), min_entries=0, max_entries=MAX_ROWS)

    def validate_qualifications(self, field: FieldList) -> None:
        for row in field:
            has_data = row.form.issuer.data or row.form.obtained_on.data or row.form.expires_on.data
            if has_data and not row.form.title.data:
                raise ValidationError(_l("Give each qualification a title."))


class PreferencesForm(FlaskForm):
    """Step 5: where and how the expert would like to work."""

    preferred_regions = StringField(
        _l("Regions where you would like to work"),
        filters=[strip_whitespace],
        validators=[Optional(), Length(max=500)],
        description=_l("Separate several regions with commas."),
    )
    remote_ok = BooleanField(
        _l("Remote assignments (online advice, teaching, consultations) suit me")
    )


class WindowForm(FlaskForm):
    start = DateField(_l("From"), validators=[InputRequired(_l("Enter the first day."))])
    end = DateField(_l("Until"), validators=[InputRequired(_l("Enter the last day."))])
    note = StringField(
        _l("Note"), filters=[strip_whitespace], validators=[Optional(), Length(max=255)]
    )

    def validate_start(self, field: DateField) -> None:
        if field.data and field.data < date.today():
            raise ValidationError(_l("This date is in the past."))
        if field.data and field.data > date.today() + timedelta(days=5 * 366):
            raise ValidationError(_l("Choose a date within the next five years."))

    def validate_end(self, field: DateField) -> None:
        if field.data and self.start.data and field.data < self.start.data:
            raise ValidationError(_l("The last day must come after the first day."))
        if field.data and self.start.data and (field.data - self.start.data).days > 2 * 366:
            raise ValidationError(_l("Split windows longer than two years."))


class DocumentForm(FlaskForm):
    kind = SelectField(
        _l("What is it?"),
        choices=select_choices((k.value, v) for k, v in DOCUMENT_LABELS.items()),
    )
    file = FileField(
        _l("File (PDF, Word .docx or plain text .txt, at most 5 MB)"),
        validators=[FileRequired(_l("Choose a file to upload."))],
        render_kw={"accept": ".pdf,.docx,.txt,application/pdf,text/plain"},
    )


class SuggestionDecisionForm(FlaskForm):
    """One suggestion from a CV, accepted or rejected: the pressed button says which. The
    suggestion's id is a hidden input written per suggestion (not by hidden_fields)."""

    suggestion = StringField(widget=HiddenInput(), validators=[DataRequired()])
    decision = SelectField(
        choices=select_choices([("accept", _l("Accept")), ("reject", _l("Reject"))]),
        validators=[DataRequired()],
        validate_choice=True,
    )


class ConsentForm(FlaskForm):
    processing = BooleanField(_l("Homeward keeps my profile and uses it to match me with needs."))
    share_with_hosts = BooleanField(
        _l("Verified host institutions may see my professional profile (never my contact details).")
    )


class DeleteAccountForm(FlaskForm):
    password = PasswordField(_l("Your password"), validators=[DataRequired()])
    confirm = BooleanField(
        _l("I understand that this cannot be undone."),
        validators=[DataRequired(_l("Tick this box to confirm."))],
    )
