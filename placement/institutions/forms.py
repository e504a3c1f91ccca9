"""Forms for institution members and invitations."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from placement.auth.passwords import MAX_LENGTH
from placement.forms import strip_whitespace


class InviteForm(FlaskForm):
    email = EmailField(
        _l("Colleague's email"),
        filters=[strip_whitespace],
        validators=[
            DataRequired(),
            Email(message=_l("Enter a valid email address."), check_deliverability=False),
            Length(max=254),
        ],
    )


class AcceptInvitationForm(FlaskForm):
    full_name = StringField(
        _l("Full name"), filters=[strip_whitespace], validators=[DataRequired(), Length(max=200)]
    )
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=MAX_LENGTH)])
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
    )
    consent_processing = BooleanField(
        _l("I agree that Homeward keeps these details to run the programme."),
        validators=[DataRequired(message=_l("We cannot register you without this consent."))],
    )
