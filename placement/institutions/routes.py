"""Host institution pages: the dashboard, colleagues and invitations."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, session, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from placement.auth import services as accounts
from placement.auth.decorators import institution_required, public, signed_in_user
from placement.extensions import db
from placement.forms import add_error
from placement.institutions import services
from placement.institutions.forms import AcceptInvitationForm, InviteForm
from placement.models import MemberRole
from placement.outcomes.services import pending_surveys

bp = Blueprint("institutions", __name__, url_prefix="/host")


@bp.route("/")
@institution_required
def dashboard() -> str:
    institutions = services.institutions_of(signed_in_user())
    needs = {inst.id: services.needs_of(inst) for inst in institutions}
    placements = {inst.id: services.placements_of(inst) for inst in institutions}
    return render_template(
        "institutions/dashboard.html",
        surveys=pending_surveys(signed_in_user()),
        institutions=institutions,
        needs=needs,
        placements=placements,
        to_confirm=[
            p for inst in institutions for p in services.awaiting_confirmation(placements[inst.id])
        ],
    )


@bp.route("/institutions/<institution_id>/members", methods=["GET", "POST"])
@institution_required
def members(institution_id: str) -> str | Response:
    membership = services.membership(signed_in_user(), institution_id)
    if membership is None:
        abort(404)
    form = InviteForm()
    can_invite = membership.role is MemberRole.ADMIN
    if form.validate_on_submit():
        if not can_invite:
            abort(403)
        try:
            services.invite(
                membership.institution,
                form.email.data,
                by=signed_in_user(),
                locale=signed_in_user().locale,
            )
        except accounts.AccountError as error:
            db.session.rollback()
            add_error(form, "email", error.message)
        else:
            db.session.commit()
            flash(_("Invitation sent. The link is valid for seven days."), "success")
            return redirect(url_for("institutions.members", institution_id=institution_id))
    return render_template(
        "institutions/members.html",
        institution=membership.institution,
        form=form,
        can_invite=can_invite,
    )


@bp.route("/invitations/<token>", methods=["GET", "POST"])
@public
def accept_invitation(token: str) -> str | Response:
    invitation = services.invitation_for(token)
    if invitation is None:
        flash(
            _("This invitation is invalid, used or expired. Ask your colleague for a new one."),
            "error",
        )
        return redirect(url_for("auth.login"))
    form = AcceptInvitationForm()
    if form.validate_on_submit():
        try:
            user = services.accept_invitation(invitation, form.full_name.data, form.password.data)
        except accounts.AccountError as error:
            db.session.rollback()
            add_error(form, error.field, error.message)
        else:
            accounts.start_session(user)
            user.locale = session.get("locale")
            db.session.commit()
            flash(_("Welcome to Homeward."), "success")
            return redirect(url_for("institutions.dashboard"))
    return render_template("institutions/accept_invitation.html", form=form, invitation=invitation)
