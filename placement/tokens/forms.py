"""Forms of the token pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from placement.forms import select_choices, strip_whitespace
from placement.tokens.services import MAX_DAYS

SCOPE_CHOICES = {
    "read": _l("Read only"),
    "read write": _l("Read and change"),
}


class NewTokenForm(FlaskForm):
    name = StringField(
        _l("Name"),
        filters=[strip_whitespace],
        validators=[DataRequired(), Length(max=100)],
        description=_l("What uses the token, for example: our HR system."),
    )
    scopes = SelectField(
        _l("What the token may do"),
        choices=select_choices(SCOPE_CHOICES.items()),
        default="read",
        validators=[DataRequired()],
    )
    expires_in_days = IntegerField(
        _l("Expires after (days)"),
        default=90,
        validators=[Optional(), NumberRange(min=1, max=MAX_DAYS)],
        description=_l("Leave empty for a token that does not expire (not recommended)."),
    )


class RevokeForm(FlaskForm):
    token_id = HiddenField(validators=[DataRequired(), Length(max=36)])
