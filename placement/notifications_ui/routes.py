"""``/notifications``: what happened to me, newest first; opening the list marks it read."""

from __future__ import annotations

from flask import Blueprint, render_template

from placement.auth.decorators import signed_in_user
from placement.extensions import db
from placement.notifications import mark_all_read, recent

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


@bp.route("/")
def index() -> str:
    user = signed_in_user()
    items = recent(user)
    unread = {n.id for n in items if n.read_at is None}
    mark_all_read(user)
    db.session.commit()
    return render_template("notifications/index.html", items=items, unread=unread)
