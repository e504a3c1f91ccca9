"""Expert pages."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from placement.auth.decorators import expert_required
from placement.experts import services

bp = Blueprint("experts", __name__, url_prefix="/expert")


@bp.route("/")
@expert_required
def dashboard() -> str:
    profile = services.profile_for(current_user)
    return render_template(
        "experts/dashboard.html",
        profile=profile,
        placements=services.placements_for(profile),
    )
