"""Token pages: a signed-in user creates, lists and revokes personal access tokens."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from placement.auth.decorators import signed_in_user
from placement.extensions import db
from placement.tokens import services
from placement.tokens.forms import NewTokenForm, RevokeForm

bp = Blueprint("tokens", __name__)


def _page(form: NewTokenForm, secret: str | None = None, status: int = 200) -> tuple[str, int]:
    user = signed_in_user()
    return render_template(
        "tokens/index.html",
        form=form,
        revoke_form=RevokeForm(),
        tokens=services.active_tokens(user),
        is_usable=services.is_usable,
        secret=secret,
    ), status


@bp.route("/account/tokens", methods=["GET", "POST"])
def index() -> tuple[str, int]:
    form = NewTokenForm()
    if not form.validate_on_submit():
        return _page(form, status=400 if form.is_submitted() else 200)
    try:
        _token, secret = services.create_token(
            signed_in_user(),
            form.name.data,
            form.scopes.data.split(),
            form.expires_in_days.data,
        )
    except services.TokenError as error:
        db.session.rollback()
        field = getattr(form, error.field, None) if error.field else None
        if field is not None:
            field.errors = [*field.errors, error.message]
        else:
            flash(error.message, "error")
        return _page(form, status=400)
    db.session.commit()
    # The secret is shown in this response only; it is not stored anywhere we can read it back.
    return _page(NewTokenForm(formdata=None), secret=secret)


@bp.route("/account/tokens/revoke", methods=["POST"])
def revoke() -> Response:
    """The token's id comes in the form; anybody else's token is 'not found'."""
    form = RevokeForm()
    if not form.validate_on_submit():
        abort(400)
    token = services.token_of(signed_in_user(), form.token_id.data)
    if token is None:
        abort(404)
    if services.revoke(token, actor=signed_in_user()):
        db.session.commit()
        flash(_("The token is revoked: it no longer works."), "success")
    return redirect(url_for("tokens.index"))
