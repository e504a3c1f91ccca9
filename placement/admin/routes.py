"""Admin pages."""

from __future__ import annotations

from flask import Blueprint, render_template

from placement.admin import services
from placement.auth.decorators import admin_required
from placement.pagination import paginate

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.route("/")
@admin_required
def dashboard() -> str:
    return render_template(
        "admin/dashboard.html",
        counts=services.users_by_role(),
        staff=paginate(services.staff_accounts()),
    )
