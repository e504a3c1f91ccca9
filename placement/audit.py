"""The audit trail: every staff decision and status change, in the same transaction."""

from __future__ import annotations

import uuid
from typing import Any

from flask import has_request_context, request

from placement.extensions import db
from placement.models import AuditEvent, User


def record(
    action: str,
    obj: Any,
    *,
    actor: User | None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str | None = None,
) -> AuditEvent:
    """Add an audit row to the current session; the caller's commit makes it durable together
    with the change it describes, so there is never a change without its record (or the reverse)."""
    object_uuid = getattr(obj, "uuid", None)
    event = AuditEvent(
        actor_id=actor.id if actor is not None else None,
        action=action,
        object_type=type(obj).__name__,
        object_uuid=str(object_uuid) if isinstance(object_uuid, uuid.UUID) else None,
        before=before,
        after=after,
        reason=reason,
        ip_address=request.remote_addr if has_request_context() else None,
    )
    db.session.add(event)
    return event
