"""The filters of the diaspora pages (a GET form: no CSRF token, every value checked)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField
from wtforms.validators import Optional

from placement.forms import select_choices


class DiasporaFilterForm(FlaskForm):
    class Meta:
        csrf = False

    origin = SelectField(_l("Country of origin"), validators=[Optional()])
    sector = SelectField(_l("Sector"), validators=[Optional()])

    def fill_choices(
        self, countries: list[tuple[str, str]], sectors: list[tuple[str, str]]
    ) -> None:
        self.origin.choices = select_choices([("", _l("All countries")), *countries])
        self.sector.choices = select_choices([("", _l("All sectors")), *sectors])
