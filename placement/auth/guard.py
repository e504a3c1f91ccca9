"""The request guard: log in required unless the view is public; idle and absolute expiry."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Flask, current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user
from werkzeug.wrappers import Response

from placement.extensions import login_manager


def _expired() -> bool:
    now = datetime.now(UTC).timestamp()
    idle = current_app.config["SESSION_IDLE_TIMEOUT"].total_seconds()
    absolute = current_app.config["PERMANENT_SESSION_LIFETIME"].total_seconds()
    seen = session.get("seen_at", 0)
    started = session.get("login_at", 0)
    return now - seen > idle or now - started > absolute


# Activity is noted at most once a minute: the idle timeout is 30 minutes, and a session cookie
# re-signed and sent on every response would cost every page view.
ACTIVITY_RESOLUTION_SECONDS = 60


def _note_activity() -> None:
    now = datetime.now(UTC).timestamp()
    if now - session.get("seen_at", 0) >= ACTIVITY_RESOLUTION_SECONDS:
        session["seen_at"] = now


def install_guard(app: Flask) -> None:
    @app.before_request
    def _require_login() -> Response | None:
        endpoint = request.endpoint
        if endpoint is None or endpoint == "static":
            return None  # unknown URL: the 404 handler answers
        view = current_app.view_functions.get(endpoint)
        if current_user.is_authenticated:
            if _expired():
                logout_user()
                session.clear()
                flash(_("Your session has expired. Please log in again."), "info")
                return redirect(url_for("auth.login", next=request.full_path))
            _note_activity()
            return None
        if getattr(view, "is_public", False):
            return None
        return login_manager.unauthorized()
