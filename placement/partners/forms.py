"""Forms of diaspora organisations."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    IntegerField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, EqualTo, Length, NumberRange, Optional

from placement.auth.forms import _AccountFields
from placement.auth.passwords import MAX_LENGTH
from placement.crisis.forms import MODE_LABELS
from placement.forms import select_choices, strip_whitespace
from placement.geo import country_choices, language_choices
from placement.models import PartnerKind

KIND_LABELS = {
    PartnerKind.ASSOCIATION: _l("Diaspora association"),
    PartnerKind.PROFESSIONAL_NETWORK: _l("Professional network"),
    PartnerKind.HOMETOWN: _l("Home-town association"),
}


class PartnerRegistrationForm(_AccountFields):
    organisation = StringField(
        _l("Organisation name"),
        filters=[strip_whitespace],
        validators=[DataRequired(), Length(max=255)],
    )
    kind = SelectField(
        _l("Type of organisation"),
        choices=select_choices(
            [("", _l("Choose…")), *((k.value, v) for k, v in KIND_LABELS.items())]
        ),
        validators=[DataRequired(_l("Choose the type of organisation."))],
    )
    country = SelectField(_l("Country where it is based"), validators=[DataRequired()])
    origin_country = SelectField(_l("Country of origin of its members"), validators=[Optional()])
    description = TextAreaField(
        _l("What it does"), filters=[strip_whitespace], validators=[Optional(), Length(max=4000)]
    )
    consent_processing = BooleanField(
        _l("I agree that Homeward keeps these details to run the programme."),
        validators=[DataRequired(message=_l("We cannot register you without this consent."))],
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        countries = country_choices()
        self.country.choices = select_choices([("", _l("Choose a country")), *countries])
        origins = country_choices(origins_first=True)
        self.origin_country.choices = select_choices([("", _l("Several")), *origins])


class InviteMemberForm(FlaskForm):
    email = EmailField(
        _l("Member's email"),
        filters=[strip_whitespace],
        validators=[
            DataRequired(),
            Length(max=254),
            Email(message=_l("Enter a valid email address."), check_deliverability=False),
        ],
    )


class JoinForm(FlaskForm):
    full_name = StringField(
        _l("Full name"), filters=[strip_whitespace], validators=[DataRequired(), Length(max=200)]
    )
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=MAX_LENGTH)])
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
    )
    consent_processing = BooleanField(
        _l("I agree that Homeward keeps my profile and uses it to match me with needs."),
        validators=[DataRequired(message=_l("We cannot register you without this consent."))],
    )
    consent_sharing = BooleanField(
        _l("Show my professional profile (no contact details) to verified host institutions.")
    )
    show_membership = BooleanField(_l("Show my membership of this organisation on my profile."))


class OfferForm(FlaskForm):
    title = StringField(
        _l("What you offer"),
        filters=[strip_whitespace],
        validators=[DataRequired(), Length(max=255)],
        description=_l("For example: 30 volunteer psychologists"),
    )
    description = TextAreaField(
        _l("Details"), filters=[strip_whitespace], validators=[Optional(), Length(max=4000)]
    )
    mode = SelectField(
        _l("On site or remote"),
        choices=select_choices(
            [("", _l("Choose…")), *((m.value, label) for m, label in MODE_LABELS.items())]
        ),
        validators=[DataRequired(_l("Choose on site or remote."))],
    )
    languages = SelectMultipleField(_l("Languages"), validators=[Optional()])
    capacity = IntegerField(
        _l("How many people"), validators=[DataRequired(), NumberRange(min=1, max=100000)]
    )
    available_from = DateField(_l("Available from"), validators=[Optional()])
    crisis = SelectField(_l("For a crisis"), validators=[Optional()])

    def __init__(self, *args: object, crises: list[tuple[str, str]] = (), **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.languages.choices = select_choices(language_choices())
        self.crisis.choices = select_choices([("", _l("Any time")), *crises])
