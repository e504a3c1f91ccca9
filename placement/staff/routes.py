"""Staff pages."""

from __future__ import annotations

from flask import Blueprint, render_template

from placement.auth.decorators import staff_required
from placement.staff import services

bp = Blueprint("staff", __name__, url_prefix="/staff")


@bp.route("/")
@staff_required
def dashboard() -> str:
    return render_template("staff/dashboard.html", overview=services.overview())
