"""``/notifications``: what happened to me, newest first. Opening the list only reads; the
"Mark all as read" button posts to ``/notifications/read``."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from placement.auth.decorators import signed_in_user
from placement.extensions import db
from placement.notifications import mark_all_read, recent

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


@bp.route("/")
def index() -> str:
    items = recent(signed_in_user())
    unread = {n.id for n in items if n.read_at is None}
    return render_template("notifications/index.html", items=items, unread=unread)


@bp.route("/read", methods=["POST"])
def mark_read() -> Response:
    mark_all_read(signed_in_user())
    db.session.commit()
    flash(_("All your notifications are marked as read."), "success")
    return redirect(url_for("notifications.index"))
