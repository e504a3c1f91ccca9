"""In-app notifications, with an email copy through the outbox."""

from __future__ import annotations

from sqlalchemy import func, select

from placement.extensions import db
from placement.models import Notification, User


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
