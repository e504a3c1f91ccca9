"""Bearer-token authentication of the JSON API, and its per-view access rule.

The API never looks at the session cookie: a browser that is logged in to the pages is anonymous
here, so a cross-site request cannot ride on its cookie (and the API can be exempt from CSRF).
Every API request is refused with 401 unless it carries a valid token, except on the few views
marked ``public_api`` (the OpenAPI document, its docs page and the list of open needs).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import current_app, g, request
from flask_login import AnonymousUserMixin

from placement.api.errors import api_abort
from placement.extensions import db
from placement.models import AccessToken, Role, User
from placement.tokens import services as tokens

F = TypeVar("F", bound=Callable[..., Any])

EXPERTS = frozenset({Role.EXPERT})
HOSTS = frozenset({Role.INSTITUTION})
STAFF = frozenset({Role.STAFF, Role.ADMIN})
ANY_ROLE = frozenset(Role)
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
BEARER = [{"bearerAuth": []}]


def public_api(view: F) -> F:
    """A view that answers without a token (it may still use one when given)."""
    view.api_public = True  # type: ignore[attr-defined]
    return view


def forget_session_user() -> None:
    """Before the page guard runs: an API request is anonymous whatever cookie it carries."""
    if request.blueprint == "api":
        g._login_user = AnonymousUserMixin()  # flask-login's cache of the current user
        g.api_user = None
        g.api_token = None


def authenticate_request() -> None:
    """The API blueprint's before_request: resolve the bearer token, or refuse with 401."""
    header = request.headers.get("Authorization", "")
    view = current_app.view_functions.get(request.endpoint or "")
    if not header:
        if getattr(view, "api_public", False):
            return
        api_abort(401, "A personal access token is required (Authorization: Bearer <token>).")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        api_abort(401, "Use the Authorization header as: Bearer <token>.")
    token = tokens.authenticate(secret.strip())
    if token is None:
        db.session.rollback()
        api_abort(401, "This token is not valid: it may be mistyped, expired or revoked.")
    tokens.record_use(token)
    g.api_token = token
    g.api_user = token.user
    g._login_user = token.user  # services and audit rows see the token's user


def api_user() -> User | None:
    return g.get("api_user")


def current_token() -> AccessToken | None:
    return g.get("api_token")


def requires(roles: frozenset[Role] = ANY_ROLE) -> Callable[[F], F]:
    """Refuse (403) a token whose user's role is not in ``roles``, or a read-only token on a
    method that changes something. Object-level checks (whose need, whose placement) stay in the
    views and answer 404, as the pages do."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            user, token = api_user(), current_token()
            if user is None or token is None:
                api_abort(401, "A personal access token is required.")
            if user.role not in roles:
                current_app.logger.warning(
                    "api forbidden: user %s (%s) on %s", user.uuid, user.role, request.endpoint
                )
                api_abort(403, "Your role does not give access to this resource.")
            if request.method in WRITE_METHODS and "write" not in token.scopes:
                api_abort(403, "This token is read-only; create one with the write scope.")
            return view(*args, **kwargs)

        apidoc = getattr(view, "_apidoc", {})
        wrapped._apidoc = {  # type: ignore[attr-defined]
            **apidoc,
            "manual_doc": {**apidoc.get("manual_doc", {}), "security": BEARER},
        }
        wrapped.api_roles = roles  # type: ignore[attr-defined]
        return wrapped  # type: ignore[return-value]

    return decorator
