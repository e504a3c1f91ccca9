"""Opaque public identifiers."""

from __future__ import annotations

import hashlib
import secrets
import uuid


def parse_uuid(value: object) -> uuid.UUID | None:
    """The UUID in ``value``, or None when it is not one (bad URLs get a 404, not a 500)."""
    try:
        return uuid.UUID(str(value))
    except (ValueError, TypeError):
        return None


def new_secret_token() -> tuple[str, str]:
    """A random token for a link sent by email, and the digest to store instead of it."""
    token = secrets.token_urlsafe(32)
    return token, token_digest(token)


def token_digest(token: str) -> str:
    """What the database keeps of a secret token: enough to recognise it, useless if stolen."""
    return hashlib.sha256(token.encode()).hexdigest()
