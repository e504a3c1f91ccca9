"""Error pages: a clear message, the right status, never a stack trace or a secret."""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from placement.extensions import db


def _wants_json() -> bool:
    return request.path.startswith("/api/") or (request.accept_mimetypes.best == "application/json")


def _messages() -> dict[int, str]:
    return {
        400: _("The request could not be understood. Check what you entered and try again."),
        401: _("Please log in to see this page."),
        403: _("You do not have access to this page."),
        404: _("We could not find that page."),
        405: _("This page does not accept that kind of request."),
        409: _("This change conflicts with another one. Reload the page and try again."),
        413: _("The file is too large."),
        429: _("Too many attempts. Please wait a little and try again."),
        500: _("Something went wrong on our side. Nothing you entered was saved; try again."),
    }


def _render(status: int, message: str | None = None) -> tuple[Response | str, int]:
    text = message or _messages().get(status, _messages()[500])
    if _wants_json():
        return jsonify(error=text, status=status), status
    return render_template("errors/error.html", status=status, message=text), status


def install_error_handlers(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf(_error: CSRFError) -> tuple[Response | str, int]:
        return _render(
            400, _("Your form expired or was sent from elsewhere. Reload the page and try again.")
        )

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException) -> tuple[Response | str, int] | HTTPException:
        if error.code is None or error.code < 400:
            return error
        if error.code == 403:
            app.logger.warning("403 on %s %s", request.method, request.path)
        return _render(error.code)

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> tuple[Response | str, int]:
        db.session.rollback()
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        return _render(500)
