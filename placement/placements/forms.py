"""Placement forms: proposals, answers with reasons, logistics and budget lines."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    DateTimeLocalField,
    DecimalField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp

from placement.forms import select_choices, strip_whitespace
from placement.models import LogisticsKind

LOGISTICS_LABELS = {
    LogisticsKind.TRAVEL: _l("Travel"),
    LogisticsKind.VISA: _l("Visa"),
    LogisticsKind.INSURANCE: _l("Insurance"),
    LogisticsKind.PER_DIEM: _l("Per diem"),
    LogisticsKind.HOUSING: _l("Housing"),
    LogisticsKind.OTHER: _l("Other"),
}


class ProposeForm(FlaskForm):
    expert_id = StringField(validators=[DataRequired()])
    reason = TextAreaField(
        _l("Why this expert (required outside the top candidates)"),
        filters=[strip_whitespace],
        validators=[Optional(), Length(max=2000)],
    )


class StepForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason"), filters=[strip_whitespace], validators=[Optional(), Length(max=2000)]
    )


class LogisticsForm(FlaskForm):
    kind = SelectField(
        _l("Item"), choices=select_choices((k.value, v) for k, v in LOGISTICS_LABELS.items())
    )
    title = StringField(
        _l("What needs doing"),
        filters=[strip_whitespace],
        validators=[DataRequired(), Length(max=255)],
    )
    owner = SelectField(_l("Who does it"), validators=[Optional()])
    due_on = DateField(_l("Due by"), validators=[Optional()])


class BudgetLineForm(FlaskForm):
    category = SelectField(
        _l("Category"), choices=select_choices((k.value, v) for k, v in LOGISTICS_LABELS.items())
    )
    description = StringField(
        _l("Description"), filters=[strip_whitespace], validators=[Optional(), Length(max=255)]
    )
    planned = DecimalField(
        _l("Planned"), places=2, validators=[DataRequired(), NumberRange(min=0, max=10**9)]
    )
    actual = DecimalField(
        _l("Actual"), places=2, validators=[Optional(), NumberRange(min=0, max=10**9)]
    )
    currency = StringField(
        _l("Currency"),
        default="EUR",
        filters=[strip_whitespace],
        validators=[DataRequired(), Regexp(r"^[A-Z]{3}$", message=_l("A code like EUR."))],
    )


class PairRuleForm(FlaskForm):
    need_id = StringField(validators=[DataRequired()])
    expert_id = StringField(validators=[DataRequired()])
    kind = SelectField(
        choices=select_choices([("lock", "lock"), ("ban", "ban"), ("clear", "clear")])
    )
    reason = TextAreaField(
        _l("Reason (kept with the rule)"),
        filters=[strip_whitespace],
        validators=[Optional(), Length(max=2000)],
    )


class SessionForm(FlaskForm):
    starts_at = DateTimeLocalField(
        _l("Date and time"),
        format="%Y-%m-%dT%H:%M",
        validators=[DataRequired(_l("Enter a date and time."))],
    )
    zone = SelectField(_l("In the time zone of"), validators=[DataRequired()])
    minutes = IntegerField(
        _l("Length in minutes"),
        default=60,
        validators=[DataRequired(), NumberRange(min=15, max=480)],
    )
    topic = StringField(
        _l("Topic"), filters=[strip_whitespace], validators=[DataRequired(), Length(max=255)]
    )


class PartiesForm(FlaskForm):
    partner = SelectField(_l("Diaspora organisation"), validators=[Optional()])
    local_ngo = SelectField(_l("Local NGO"), validators=[Optional()])
