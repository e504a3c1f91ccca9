"""Account administration."""

from __future__ import annotations

from sqlalchemy import Select, func, select

from placement.extensions import db
from placement.models import Role, User


def users_by_role() -> dict[Role, int]:
    rows = db.session.execute(
        select(User.role, func.count()).where(User.deleted_at.is_(None)).group_by(User.role)
    ).all()
    counts = dict.fromkeys(Role, 0)
    counts.update(dict(rows))
    return counts


def staff_accounts() -> Select[tuple[User]]:
    """Staff and admin accounts by email (the dashboard shows them a page at a time)."""
    return select(User).where(User.role.in_([Role.STAFF, Role.ADMIN])).order_by(User.email, User.id)
