"""The landing page, the about page, and the role-aware dashboard link."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from placement.auth.decorators import public
from placement.models import Role

bp = Blueprint("main", __name__)

DASHBOARDS = {
    Role.EXPERT: "experts.dashboard",
    Role.INSTITUTION: "institutions.dashboard",
    Role.STAFF: "staff.dashboard",
    Role.ADMIN: "admin.dashboard",
    Role.PARTNER: "partners.dashboard",
}


@bp.route("/")
@public
def index() -> str:
    return render_template("main/index.html")


@bp.route("/about")
@public
def about() -> str:
    return render_template("main/about.html")


@bp.route("/dashboard")
def dashboard() -> Response:
    return redirect(url_for(DASHBOARDS[current_user.role]))
