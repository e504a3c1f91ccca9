"""JSON errors of the API: {"error": message, "status": code[, "errors": by field]}, never a
stack trace. Agrees with placement/errors.py, which answers the same shape for /api/ URLs that
match no API view (404, 405)."""

from __future__ import annotations

from typing import Any, NoReturn

from flask import Flask, current_app, jsonify, request
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from placement.extensions import db

_DEFAULT_MESSAGES = {
    400: "The request could not be understood.",
    401: "A personal access token is required.",
    403: "Your role does not give access to this resource.",
    404: "Not found.",
    405: "This URL does not accept that method.",
    409: "This change conflicts with the current state.",
    413: "The request is too large.",
    415: "Send JSON (Content-Type: application/json).",
    422: "The request is not valid.",
    429: "Too many requests. Wait a little and try again.",
}


class ApiError(HTTPException):
    """An HTTP error carrying an API message and, for invalid input, messages by field."""

    def __init__(self, code: int, message: str, errors: dict[str, Any] | None = None) -> None:
        super().__init__(description=message)
        self.code = code
        self.data = {"message": message, "errors": errors} if errors else {"message": message}


def api_abort(
    code: int, message: str | None = None, errors: dict[str, Any] | None = None
) -> NoReturn:
    raise ApiError(code, message or _DEFAULT_MESSAGES.get(code, "Error."), errors)


def error_response(error: HTTPException) -> tuple[Response, int]:
    code = error.code or 500
    data = getattr(error, "data", None) or {}
    message = data.get("message") or _DEFAULT_MESSAGES.get(code) or error.name
    body: dict[str, Any] = {"error": message, "status": code}
    # webargs (request validation) puts its field messages in data["messages"].
    errors = data.get("errors") or data.get("messages")
    if errors:
        body["errors"] = _flatten_locations(errors)
        if code == 422 and "message" not in data:
            body["error"] = "The request is not valid: see errors."
    response = jsonify(body)
    response.status_code = code
    if code == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="homeward"'
    for key, value in (data.get("headers") or getattr(error, "headers", None) or {}).items():
        response.headers[key] = value
    return response, code


def _flatten_locations(errors: dict[str, Any]) -> dict[str, Any]:
    """webargs groups messages by location ({"json": {...}}); one location is one dict."""
    if len(errors) == 1 and next(iter(errors)) in ("json", "query", "path", "form", "headers"):
        inner = next(iter(errors.values()))
        if isinstance(inner, dict):
            return inner
    return errors


def install(blueprint: Any) -> None:
    @blueprint.errorhandler(HTTPException)
    def _http(error: HTTPException) -> tuple[Response, int]:
        if (error.code or 500) >= 500:
            db.session.rollback()
        if error.code == 403:
            current_app.logger.warning("403 on %s %s", request.method, request.path)
        return error_response(error)


def exempt_from_csrf(app: Flask, blueprint: Any) -> None:
    app.extensions["csrf"].exempt(blueprint)
