"""Account forms. Labels use lazy_gettext because they are built at import time."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional

from placement.auth.passwords import MAX_LENGTH
from placement.forms import select_choices, strip_whitespace
from placement.geo import country_choices
from placement.models import InstitutionType

INSTITUTION_KIND_LABELS = {
    InstitutionType.HOSPITAL: _l("Hospital or clinic"),
    InstitutionType.UNIVERSITY: _l("University or school"),
    InstitutionType.MINISTRY: _l("Ministry or public agency"),
    InstitutionType.MUNICIPALITY: _l("Municipality"),
    InstitutionType.NGO: _l("Non-governmental organisation"),
    InstitutionType.BUSINESS: _l("Business"),
}


class LoginForm(FlaskForm):
    email = EmailField(
        _l("Email"), filters=[strip_whitespace], validators=[DataRequired(), Length(max=254)]
    )
    password = PasswordField(_l("Password"), validators=[DataRequired()])


class _AccountFields(FlaskForm):
    full_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=200)])
    email = EmailField(
        _l("Email"),
        filters=[strip_whitespace],
        validators=[
            DataRequired(),
            Email(message=_l("Enter a valid email address."), check_deliverability=False),
            Length(max=254),
        ],
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(), Length(max=MAX_LENGTH)],
        description=_l("At least 12 characters. A few unrelated words work well."),
    )
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
    )


class ExpertRegistrationForm(_AccountFields):
    consent_processing = BooleanField(
        _l("I agree that Homeward keeps my profile and uses it to match me with needs."),
        validators=[DataRequired(message=_l("We cannot register you without this consent."))],
    )
    consent_sharing = BooleanField(
        _l("Show my professional profile (no contact details) to verified host institutions.")
    )


class InstitutionRegistrationForm(_AccountFields):
    job_title = StringField(_l("Your job title"), validators=[Optional(), Length(max=200)])
    institution_name = StringField(
        _l("Institution name"), validators=[DataRequired(), Length(max=255)]
    )
    institution_kind = SelectField(
        _l("Type of institution"),
        choices=select_choices(
            (kind.value, label) for kind, label in INSTITUTION_KIND_LABELS.items()
        ),
        validators=[DataRequired()],
    )
    country = SelectField(_l("Country"), validators=[DataRequired()])
    town = StringField(_l("Town or city"), validators=[Optional(), Length(max=200)])
    consent_processing = BooleanField(
        _l("I agree that Homeward keeps these details to run the programme."),
        validators=[DataRequired(message=_l("We cannot register you without this consent."))],
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.country.choices = select_choices(
            [("", _l("Choose a country")), *country_choices(origins_first=True)]
        )


class ResetRequestForm(FlaskForm):
    email = EmailField(
        _l("Email"), filters=[strip_whitespace], validators=[DataRequired(), Length(max=254)]
    )


class ResetPasswordForm(FlaskForm):
    password = PasswordField(
        _l("New password"), validators=[DataRequired(), Length(max=MAX_LENGTH)]
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
    )


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired()])
    new_password = PasswordField(
        _l("New password"), validators=[DataRequired(), Length(max=MAX_LENGTH)]
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("new_password", message=_l("The passwords differ."))],
    )


class SettingsForm(FlaskForm):
    """Account settings; the choices are set by the view (they depend on the reader's
    language)."""

    timezone = SelectField(
        _l("Time zone"),
        description=_l(
            "Dates and times are shown in this time zone, and remote sessions in yours and the "
            "host's."
        ),
    )


class LocaleForm(FlaskForm):
    locale = SelectField(_l("Language"), validators=[DataRequired()])
