"""Crisis pages: staff declare crises and alert experts; hosts post urgent needs; experts
answer alerts in one step; anyone can see public alerts."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from placement.auth.decorators import (
    expert_required,
    institution_required,
    public,
    signed_in_user,
    staff_required,
)
from placement.crisis import services
from placement.crisis.forms import (
    AlertForm,
    AnswerForm,
    CloseCrisisForm,
    CrisisForm,
    UrgentNeedForm,
)
from placement.extensions import db
from placement.forms import add_error, committed
from placement.institutions.services import institutions_of
from placement.models import AlertStatus, CrisisStatus, Institution, VerificationStatus, WorkMode
from placement.needs.forms import ReasonForm
from placement.needs.services import need_by_uuid
from placement.partners.services import link_offer, offer_by_uuid, offers_linked_to, open_offers
from placement.placements.workflow import WorkflowError

bp = Blueprint("crisis", __name__)


def _lang() -> str:
    return str(get_locale() or "en")


@bp.route("/staff/crises", methods=["GET", "POST"])
@staff_required
def crises() -> str | Response:
    form = CrisisForm()
    if form.validate_on_submit():
        crisis = services.declare(
            form.name.data,
            form.country.data,
            form.region_list(),
            form.sectors.data or [],
            form.start.data,
            form.end.data,
            form.description.data or None,
            actor=signed_in_user(),
        )
        db.session.commit()
        flash(_("Crisis declared. Post urgent needs and alert experts from its page."), "success")
        return redirect(url_for("crisis.crisis", crisis_id=crisis.uuid))
    return render_template("crisis/index.html", form=form, crises=services.all_crises())


def _crisis(crisis_id: str) -> object:
    crisis = services.crisis_by_uuid(crisis_id)
    if crisis is None:
        abort(404)
    return crisis


@bp.route("/staff/crises/<crisis_id>")
@staff_required
def crisis(crisis_id: str) -> str:
    crisis = _crisis(crisis_id)
    return render_template(
        "crisis/crisis.html",
        crisis=crisis,
        needs=services.urgent_needs(crisis),
        alerts=services.alerts_of(crisis),
        reason_form=ReasonForm(),
        offers=open_offers(crisis.id),
    )


@bp.route("/staff/crises/<crisis_id>/close", methods=["GET", "POST"])
@staff_required
def close(crisis_id: str) -> str | Response | tuple[str, int]:
    """The confirmation page lists what closing does (alerts stood down, each urgent need closed,
    kept or moved); posting it applies everything in one transaction."""
    crisis = _crisis(crisis_id)
    if crisis.status is CrisisStatus.CLOSED:
        flash(_("This crisis is already closed."), "error")
        return redirect(url_for("crisis.crisis", crisis_id=crisis_id))
    form = CloseCrisisForm()
    choices: dict[str, str] = {}
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        choices = {
            key.removeprefix("need-"): value
            for key, value in request.form.items()
            if key.startswith("need-")
        }
        with committed(services.CrisisError, form) as done:
            plan = services.close(
                crisis, actor=signed_in_user(), reason=form.reason.data, need_choices=choices
            )
        if done.ok:
            flash(
                _(
                    "The crisis is closed: %(alerts)d alerts stood down, %(needs)d urgent needs"
                    " closed or moved.",
                    alerts=len(plan.alerts),
                    needs=len(plan.needs),
                ),
                "success",
            )
            return redirect(url_for("crisis.crisis", crisis_id=crisis_id))
    page = render_template(
        "crisis/close.html",
        crisis=crisis,
        plan=services.close_plan(crisis),
        form=form,
        choices=choices,
    )
    return (page, 422) if request.method == "POST" else page


def _urgent_form(crisis: object, institutions: list[Institution]) -> UrgentNeedForm:
    choices = [
        (str(i.uuid), i.name)
        for i in institutions
        if i.country == crisis.country and i.status is VerificationStatus.VERIFIED
    ]
    return UrgentNeedForm(institutions=choices)


def _post_urgent(
    crisis: object, form: UrgentNeedForm, institutions: list[Institution], open_now: bool
) -> object | None:
    institution = next((i for i in institutions if str(i.uuid) == form.institution.data), None)
    if institution is None:
        add_error(form, "institution", _("Choose an institution."))
        return None
    data = services.UrgentNeedInput(
        title=form.title.data,
        skills=form.skill_list(),
        region=form.region.data or None,
        start=form.start.data,
        weeks=form.weeks.data,
        remote=form.mode.data == WorkMode.REMOTE,
        language=form.language.data or None,
        description=form.description.data or None,
    )
    with committed(services.CrisisError, form) as done:
        need = services.post_urgent_need(
            crisis, institution, data, actor=signed_in_user(), open_now=open_now, lang=_lang()
        )
    return need if done.ok else None


@bp.route("/staff/crises/<crisis_id>/needs/new", methods=["GET", "POST"])
@staff_required
def staff_urgent_need(crisis_id: str) -> str | Response:
    crisis = _crisis(crisis_id)
    institutions = services.verified_institutions_in(crisis.country)
    form = _urgent_form(crisis, institutions)
    if form.validate_on_submit():
        need = _post_urgent(crisis, form, institutions, open_now=True)
        if need is not None:
            flash(_("Urgent need open. Alert the best-matched experts now."), "success")
            return redirect(url_for("crisis.alert_new", need_id=need.uuid))
    return render_template("crisis/urgent_need.html", form=form, crisis=crisis)


@bp.route("/host/crises/<crisis_id>/needs/new", methods=["GET", "POST"])
@institution_required
def host_urgent_need(crisis_id: str) -> str | Response:
    crisis = _crisis(crisis_id)
    institutions = institutions_of(signed_in_user())
    if not any(i.country == crisis.country for i in institutions):
        abort(404)
    form = _urgent_form(crisis, institutions)
    if form.validate_on_submit():
        need = _post_urgent(crisis, form, institutions, open_now=False)
        if need is not None:
            flash(_("Urgent need sent to programme staff, who can open it at once."), "success")
            return redirect(url_for("needs.host_view", need_id=need.uuid))
    return render_template("crisis/urgent_need.html", form=form, crisis=crisis)


@bp.route("/staff/needs/<need_id>/alert", methods=["GET", "POST"])
@staff_required
def alert_new(need_id: str) -> str | Response:
    need = need_by_uuid(need_id)
    if need is None:
        abort(404)
    form = AlertForm()
    if form.validate_on_submit():
        with committed(services.CrisisError) as done:
            alert = services.send_alert(
                need,
                limit=form.limit.data,
                message=form.message.data,
                public=form.public.data,
                actor=signed_in_user(),
            )
        if done.ok:
            flash(_("%(n)d experts alerted.", n=len(alert.recipients)), "success")
            return redirect(url_for("crisis.alert", alert_id=alert.uuid))
    return render_template(
        "crisis/alert_new.html",
        form=form,
        need=need,
        blockers=services.alert_blockers(need),
        offers=offers_linked_to(need),
        all_offers=open_offers(need.crisis_id),
        reason_form=ReasonForm(),
    )


@bp.route("/staff/alerts/<alert_id>")
@staff_required
def alert(alert_id: str) -> str:
    alert = services.alert_by_uuid(alert_id)
    if alert is None:
        abort(404)
    return render_template(
        "crisis/alert.html",
        alert=alert,
        crisis=services.crisis_of(alert),
        answers=services.ranked_answers(alert),
        reason_form=ReasonForm(),
    )


@bp.route("/staff/alerts/<alert_id>/stand-down", methods=["POST"])
@staff_required
def stand_down(alert_id: str) -> Response:
    alert = services.alert_by_uuid(alert_id)
    form = ReasonForm()
    if alert is None:
        abort(404)
    if form.validate_on_submit():
        with committed(services.CrisisError) as done:
            services.stand_down(alert, actor=signed_in_user(), reason=form.reason.data)
        if done.ok:
            flash(_("Alert stood down; everyone alerted has been told."), "success")
    return redirect(url_for("crisis.alert", alert_id=alert_id))


@bp.route("/staff/alerts/<alert_id>/answers/<recipient_id>/placement", methods=["POST"])
@staff_required
def answer_to_placement(alert_id: str, recipient_id: str) -> Response:
    alert = services.alert_by_uuid(alert_id)
    recipient = (
        next((r for r in alert.recipients if str(r.uuid) == recipient_id), None)
        if (alert)
        else None
    )
    if recipient is None:
        abort(404)
    if not ReasonForm().validate_on_submit():
        abort(400)
    with committed((services.CrisisError, WorkflowError)) as done:
        placement = services.answer_to_placement(recipient, actor=signed_in_user())
    if not done.ok:
        return redirect(url_for("crisis.alert", alert_id=alert_id))
    flash(_("Placement proposed from the answer. Send the offer when ready."), "success")
    return redirect(url_for("placements.view", placement_id=placement.uuid))


@bp.route("/staff/needs/<need_id>/offers", methods=["POST"])
@staff_required
def link_offer_to_need(need_id: str) -> Response:
    need = need_by_uuid(need_id)
    if need is None:
        abort(404)
    if not ReasonForm().validate_on_submit():
        abort(400)
    offer = offer_by_uuid(request.form.get("offer_id", ""))
    if offer is None:
        flash(_("Choose an offer to link."), "error")
        return redirect(url_for("crisis.alert_new", need_id=need_id))
    linked = link_offer(offer, need, actor=signed_in_user())
    db.session.commit()
    flash(
        _("Offer linked to the need.") if linked else _("This offer was already linked."), "success"
    )
    return redirect(url_for("crisis.alert_new", need_id=need_id))


@bp.route("/alerts/<recipient_id>", methods=["GET", "POST"])
@expert_required
def answer(recipient_id: str) -> str | Response | tuple[str, int]:
    recipient = services.recipient_for(signed_in_user(), recipient_id)
    if recipient is None:
        abort(404)
    form = AnswerForm()
    if form.validate_on_submit():
        can_help = request.form.get("answer") == "can_help"
        with committed(services.CrisisError) as done:
            services.answer(
                recipient,
                can_help,
                mode=WorkMode(form.mode.data) if form.mode.data else None,
                available_from=form.available_from.data,
                weeks=form.weeks.data,
                note=form.note.data or None,
            )
        if not done.ok:
            return render_template("crisis/answer.html", recipient=recipient, form=form), 422
        flash(
            _("Thank you. Programme staff will contact you.")
            if can_help
            else _("Thank you for answering."),
            "success",
        )
        return redirect(url_for("crisis.answer", recipient_id=recipient_id))
    return render_template("crisis/answer.html", recipient=recipient, form=form)


@bp.route("/alerts")
@public
def public_alerts() -> str:
    return render_template(
        "crisis/public_alerts.html", alerts=services.public_alerts(), status=AlertStatus
    )
