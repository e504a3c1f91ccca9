"""The JSON API (token-authenticated), documented by an OpenAPI file.

flask-smorest builds the OpenAPI document from the marshmallow schemas of the views; it is served
at /api/openapi.json, with a vendored Swagger UI at /api/docs. Personal access tokens (made on
/account/tokens) authenticate every call; the session cookie is never used here.
"""

from __future__ import annotations

import os
from typing import Any

from flask import Flask, request
from flask.sessions import SecureCookieSessionInterface
from flask_smorest import Api

API_DESCRIPTION = """\
The JSON API of Homeward. Authenticate with a personal access token made on the
*Access tokens* page (`/account/tokens`), sent as `Authorization: Bearer <token>`. A token acts
as its user, with that user's role and access rules (the same as the pages); a `read` token may
only use GET, a `write` token may also change things. Session cookies are ignored.

Errors are JSON: `{"error": "...", "status": 422, "errors": {"field": ["message"]}}`.
"""


class HomewardApi(Api):
    """flask-smorest's Api with Homeward's error shape; its app-wide error handler is not
    installed (placement/errors.py answers the pages, the API blueprint has its own)."""

    def _register_error_handlers(self) -> None:
        return None


def init_api(app: Flask) -> None:
    """Attach the API, its documentation and the token pages to ``app``."""
    from placement.api.auth import forget_session_user
    from placement.api.errors import exempt_from_csrf
    from placement.api.schemas import ErrorSchema
    from placement.api.views import blp
    from placement.tokens.routes import bp as tokens_bp

    app.config.setdefault(
        "API_RATE_LIMIT", os.environ.get("API_RATE_LIMIT", "600 per minute; 20 per second")
    )
    app.config.update(
        API_TITLE="Homeward API",
        API_VERSION="1.0",
        OPENAPI_VERSION="3.0.3",
        API_SPEC_OPTIONS={
            "info": {
                "description": API_DESCRIPTION,
                "license": {"name": "AGPL-3.0-or-later"},
            },
            "servers": [{"url": "/"}],
        },
    )
    HomewardApi.ERROR_SCHEMA = ErrorSchema
    api = HomewardApi(app)
    api.spec.components.security_scheme(
        "bearerAuth", {"type": "http", "scheme": "bearer", "description": "Personal access token"}
    )
    api.register_blueprint(blp)
    app.extensions["homeward-api"] = api
    exempt_from_csrf(app, blp)
    # Runs before the page guard (installed after this): API requests are anonymous to it.
    app.before_request(forget_session_user)
    _open_to_the_page_guard(app)
    if type(app.session_interface) is SecureCookieSessionInterface:
        app.session_interface = _NoCookieOnApi()
    app.register_blueprint(tokens_bp)


class _NoCookieOnApi(SecureCookieSessionInterface):
    """API responses never carry Set-Cookie: the session is not theirs to refresh."""

    def save_session(self, app: Flask, session: Any, response: Any) -> None:
        if request.blueprint == "api":
            return
        super().save_session(app, session, response)


def _open_to_the_page_guard(app: Flask) -> None:
    """The page guard asks for a session login unless a view is public. API views have their
    own, stricter gate (a token on every call, checked by the blueprint before any view runs),
    so the page guard lets them through to it."""
    view: Any
    for endpoint, view in app.view_functions.items():
        if endpoint.startswith("api."):
            view.is_public = True
