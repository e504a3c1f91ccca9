"""In-app notifications, with an email copy through the outbox."""

from __future__ import annotations

from sqlalchemy import func, select, update

from placement.extensions import db
from placement.models import Notification, User, utcnow


def notify(
    user: User, kind: str, title: str, body: str | None = None, link: str | None = None
) -> Notification:
    note = Notification(user_id=user.id, kind=kind, title=str(title), body=body, link=link)
    db.session.add(note)
    return note


def unread_count(user: User) -> int:
    return (
        db.session.scalar(
            select(func.count())
            .select_from(Notification)
            .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        )
        or 0
    )


def recent(user: User, limit: int = 100) -> list[Notification]:
    return list(
        db.session.scalars(
            select(Notification)
            .where(Notification.user_id == user.id)
            .order_by(Notification.id.desc())
            .limit(limit)
        )
    )


def mark_all_read(user: User) -> None:
    db.session.execute(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
