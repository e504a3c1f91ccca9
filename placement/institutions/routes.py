"""Host institution pages."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from placement.auth.decorators import institution_required
from placement.institutions import services

bp = Blueprint("institutions", __name__, url_prefix="/host")


@bp.route("/")
@institution_required
def dashboard() -> str:
    institutions = services.institutions_of(current_user)
    needs = {inst.id: services.needs_of(inst) for inst in institutions}
    return render_template("institutions/dashboard.html", institutions=institutions, needs=needs)
