"""Access decorators. Every view needs a login unless marked ``@public`` (deny by default)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort, current_app
from flask_login import current_user

from placement.models import Role, User

F = TypeVar("F", bound=Callable[..., Any])


def signed_in_user() -> User:
    """The real User behind flask-login's proxy (never hand the proxy to login_user)."""
    return current_user._get_current_object()  # type: ignore[attr-defined]


def public(view: F) -> F:
    """Allow anonymous visitors; the request guard skips views carrying this mark."""
    view.is_public = True  # type: ignore[attr-defined]
    return view


def roles_required(*roles: Role) -> Callable[[F], F]:
    """Refuse (403, logged) any signed-in user whose role is not one of ``roles``."""
    allowed = frozenset(roles)

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return current_app.login_manager.unauthorized()  # type: ignore[attr-defined]
            if current_user.role not in allowed:
                current_app.logger.warning(
                    "forbidden: user %s (%s) on a %s page",
                    current_user.uuid,
                    current_user.role,
                    "/".join(sorted(allowed)),
                )
                abort(403)
            return view(*args, **kwargs)

        wrapped.allowed_roles = allowed  # type: ignore[attr-defined]
        return wrapped  # type: ignore[return-value]

    return decorator


staff_required = roles_required(Role.STAFF, Role.ADMIN)
admin_required = roles_required(Role.ADMIN)
expert_required = roles_required(Role.EXPERT)
institution_required = roles_required(Role.INSTITUTION)
partner_required = roles_required(Role.PARTNER)
