"""Opaque public identifiers."""

from __future__ import annotations

import uuid


def parse_uuid(value: object) -> uuid.UUID | None:
    """The UUID in ``value``, or None when it is not one (bad URLs get a 404, not a 500)."""
    try:
        return uuid.UUID(str(value))
    except (ValueError, TypeError):
        return None
