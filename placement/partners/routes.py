"""Pages of diaspora organisations, and their review by staff."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from placement.auth import services as accounts
from placement.auth.decorators import partner_required, public, signed_in_user, staff_required
from placement.crisis.services import active_crises
from placement.forms import committed
from placement.models import PartnerKind, WorkMode
from placement.needs.forms import ReasonForm
from placement.pagination import paginate
from placement.partners import services
from placement.partners.forms import InviteMemberForm, JoinForm, OfferForm, PartnerRegistrationForm
from placement.staff.services import verification_decisions

bp = Blueprint("partners", __name__)


@bp.route("/partners/register", methods=["GET", "POST"])
@public
def register() -> str | Response:
    form = PartnerRegistrationForm()
    if form.validate_on_submit():
        with committed(accounts.AccountError, form) as done:
            user = services.register(
                email=form.email.data,
                password=form.password.data,
                full_name=form.full_name.data,
                name=form.organisation.data,
                kind=PartnerKind(form.kind.data),
                country=form.country.data,
                origin_country=form.origin_country.data or None,
                description=form.description.data or None,
                locale=session.get("locale"),
            )
            accounts.start_session(user)
        if done.ok:
            flash(
                _("Your organisation is registered. Programme staff will verify it shortly."),
                "success",
            )
            return redirect(url_for("partners.dashboard"))
    return render_template("partners/register.html", form=form)


def _own_organisation() -> object:
    organisations = services.organisations_of(signed_in_user())
    if not organisations:
        abort(404)
    return organisations[0]


@bp.route("/partners/")
@partner_required
def dashboard() -> str:
    organisation = _own_organisation()
    return render_template(
        "partners/dashboard.html",
        organisation=organisation,
        offers=services.offers_of(organisation),
        members=services.members(organisation),
        invite_form=InviteMemberForm(),
    )


@bp.route("/partners/invite", methods=["POST"])
@partner_required
def invite() -> Response:
    organisation = _own_organisation()
    form = InviteMemberForm()
    if form.validate_on_submit():
        with committed(accounts.AccountError) as done:
            services.invite_member(organisation, form.email.data, by=signed_in_user())
        if done.ok:
            flash(_("Invitation sent."), "success")
    else:
        flash(_("Enter a valid email address."), "error")
    return redirect(url_for("partners.dashboard"))


@bp.route("/partners/offers/new", methods=["GET", "POST"])
@partner_required
def new_offer() -> str | Response:
    organisation = _own_organisation()
    crises = active_crises()
    form = OfferForm(crises=[(str(c.uuid), c.name) for c in crises])
    if form.validate_on_submit():
        crisis = next((c for c in crises if str(c.uuid) == form.crisis.data), None)
        with committed(accounts.AccountError) as done:
            services.add_offer(
                organisation,
                title=form.title.data,
                description=form.description.data or None,
                mode=WorkMode(form.mode.data),
                languages=form.languages.data or [],
                capacity=form.capacity.data,
                crisis_id=crisis.id if crisis else None,
                available_from=form.available_from.data,
                by=signed_in_user(),
            )
        if done.ok:
            flash(
                _("Offer posted. Programme staff link offers to the needs they can serve."),
                "success",
            )
            return redirect(url_for("partners.dashboard"))
    return render_template("partners/offer.html", form=form)


@bp.route("/partners/join/<token>", methods=["GET", "POST"])
@public
def join(token: str) -> str | Response:
    invitation = services.invitation_for(token)
    if invitation is None:
        flash(_("This invitation is invalid, used or expired."), "error")
        return redirect(url_for("auth.login"))
    form = JoinForm()
    if form.validate_on_submit():
        with committed(accounts.AccountError, form) as done:
            user = services.join(
                invitation,
                full_name=form.full_name.data,
                password=form.password.data,
                share_with_hosts=form.consent_sharing.data,
                show_membership=form.show_membership.data,
                locale=session.get("locale"),
            )
            accounts.start_session(user)
        if done.ok:
            flash(_("Welcome to Homeward. Your account is ready."), "success")
            return redirect(url_for("main.dashboard"))
    return render_template("partners/join.html", form=form, invitation=invitation)


@bp.route("/staff/partners")
@staff_required
def staff_list() -> str:
    return render_template(
        "partners/staff_list.html", organisations=paginate(services.all_organisations())
    )


@bp.route("/staff/partners/<organisation_id>", methods=["GET", "POST"])
@staff_required
def staff_view(organisation_id: str) -> str | Response:
    organisation = services.organisation_by_uuid(organisation_id)
    if organisation is None:
        abort(404)
    form = ReasonForm()
    if form.validate_on_submit():
        decision = request.form.get("decision")
        if decision not in ("verify", "reject"):
            abort(400)
        with committed(accounts.AccountError, form) as done:
            services.decide(
                organisation, decision == "verify", actor=signed_in_user(), reason=form.reason.data
            )
        if done.ok:
            flash(_("Decision recorded."), "success")
            return redirect(url_for("partners.staff_view", organisation_id=organisation_id))
    return render_template(
        "partners/staff_view.html",
        organisation=organisation,
        form=form,
        offers=services.offers_of(organisation),
        members=services.members(organisation),
        decisions=verification_decisions(organisation.status),
    )
