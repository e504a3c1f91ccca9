"""Placement pages: one page per placement for its expert, its host and staff; the staff list,
proposals, logistics, budget, and the programme's global assignment."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy.exc import IntegrityError
from werkzeug.wrappers import Response

from placement.auth.decorators import signed_in_user, staff_required
from placement.extensions import db
from placement.forms import committed, select_choices
from placement.labels import PLACEMENT_STATUS_LABELS
from placement.matches.services import experts_for_need
from placement.models import BOOKED_STATUSES, LogisticsKind, PairRuleKind, PlacementStatus, User
from placement.needs import services as needs
from placement.pagination import paginate
from placement.placements import assignment, services, sessions, workflow
from placement.placements.forms import (
    BudgetLineForm,
    LogisticsForm,
    PairRuleForm,
    PartiesForm,
    ProposeForm,
    SessionForm,
    StepForm,
)
from placement.programmes.services import all_programmes, programme_by_uuid
from placement.staff.blockers import who_label
from placement.staff.services import audit_trail, short_id
from placement.task_runs.services import submit_assignment

bp = Blueprint("placements", __name__)
TOP_CANDIDATES = 3
CANDIDATE_POOL = 50
# A host sees the expert's identity, contact and documents only once staff have approved.
IDENTITY_VISIBLE = BOOKED_STATUSES | {PlacementStatus.COMPLETED}


@bp.app_context_processor
def _blocker_helpers() -> dict[str, object]:
    return {"blocker_who_label": who_label, "short_id": short_id}


def _placement(placement_id: str) -> tuple[object, str]:
    found = services.placement_for(signed_in_user(), placement_id)
    if found is None:
        abort(404)
    return found


@bp.route("/placements/<placement_id>")
def view(placement_id: str) -> str:
    placement, role = _placement(placement_id)
    logistics_form = LogisticsForm()
    logistics_form.owner.choices = select_choices(
        [
            ("", _("Nobody yet")),
            *((str(u.id), u.display_name) for u in services.possible_owners(placement)),
        ]
    )
    return render_template(
        "placements/view.html",
        placement=placement,
        role=role,
        steps=workflow.available_steps(placement, signed_in_user()),
        step_form=StepForm(),
        logistics_form=logistics_form,
        budget_form=BudgetLineForm(),
        show_identity=role in ("staff", "expert") or placement.status in IDENTITY_VISIBLE,
        travel_kinds=services.TRAVEL_KINDS,
        session_form=_session_form(placement),
        sessions=sessions.sessions_of(placement),
        parties_form=_parties_form(placement),
        planned=workflow.planned_cost(placement),
        history=audit_trail(str(placement.uuid)) if role == "staff" else [],
    )


@bp.route(
    "/placements/<placement_id>/<any(offer, accept, decline, confirm, approve, schedule,"
    " start, complete, withdraw, cancel):transition_name>",
    methods=["POST"],
)
def step(placement_id: str, transition_name: str) -> str | Response | tuple[str, int]:
    placement, _role = _placement(placement_id)
    form = StepForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        workflow.transition(
            placement, transition_name, actor=signed_in_user(), reason=form.reason.data
        )
        db.session.commit()
    except workflow.WorkflowError as error:
        db.session.rollback()
        return _refused(
            placement_id, str(error), 409 if isinstance(error, workflow.DoubleBooking) else 422
        )
    except IntegrityError:
        # The database's own guard (PostgreSQL exclusion constraint) caught a double booking.
        db.session.rollback()
        return _refused(
            placement_id,
            _("The expert already has an approved placement on overlapping dates."),
            409,
        )
    flash(
        _(
            "Done: the placement is now “%(state)s”.",
            state=PLACEMENT_STATUS_LABELS[placement.status],
        ),
        "success",
    )
    return redirect(url_for("placements.view", placement_id=placement_id))


@bp.route("/placements/<placement_id>/remind-host", methods=["POST"])
@staff_required
def remind_host(placement_id: str) -> Response:
    """Staff ask the host to confirm an accepted expert (the blocker of Approve)."""
    placement, _role = _placement(placement_id)
    if not StepForm().validate_on_submit():
        abort(400)
    with committed(workflow.WorkflowError) as done:
        told = workflow.remind_host(placement, actor=signed_in_user())
    if done.ok:
        flash(
            ngettext(
                "Reminder sent to %(num)d member of the host institution.",
                "Reminder sent to %(num)d members of the host institution.",
                told,
            ),
            "success",
        )
    return redirect(url_for("placements.view", placement_id=placement_id))


def _refused(placement_id: str, message: str, status: int) -> tuple[str, int]:
    """Show the placement again with the refusal, and a 4xx status."""
    flash(message, "error")
    return view(placement_id), status


def _session_form(placement: object) -> SessionForm:
    form = SessionForm()
    zones = {sessions.expert_zone(placement), sessions.host_zone(placement)}
    form.zone.choices = select_choices((z, z.replace("_", " ")) for z in sorted(zones))
    return form


def _parties_form(placement: object) -> PartiesForm:
    form = PartiesForm(
        data={
            "partner": str(placement.partner_organisation_id or ""),
            "local_ngo": str(placement.local_ngo_id or ""),
        }
        if request.method == "GET"
        else None
    )
    form.partner.choices = select_choices(
        [("", _("None")), *((str(o.id), o.name) for o in services.verified_partners())]
    )
    form.local_ngo.choices = select_choices(
        [("", _("None")), *((str(i.id), i.name) for i in services.local_ngos(placement))]
    )
    return form


@bp.route("/placements/<placement_id>/sessions", methods=["POST"])
def add_session(placement_id: str) -> Response:
    placement, role = _placement(placement_id)
    if role not in ("staff", "host"):
        abort(403)
    form = _session_form(placement)
    if form.validate_on_submit():
        with committed(sessions.SessionError) as done:
            sessions.add_session(
                placement,
                form.starts_at.data,
                form.zone.data,
                form.minutes.data,
                form.topic.data,
                actor=signed_in_user(),
            )
        if done.ok:
            flash(_("Session scheduled."), "success")
    else:
        flash(_("Check the session: %(errors)s", errors=_form_errors(form)), "error")
    return redirect(url_for("placements.view", placement_id=placement_id) + "#sessions")


@bp.route("/placements/<placement_id>/parties", methods=["POST"])
@staff_required
def set_parties(placement_id: str) -> Response:
    placement, _role = _placement(placement_id)
    form = _parties_form(placement)
    if form.validate_on_submit():
        services.set_parties(
            placement,
            int(form.partner.data) if form.partner.data else None,
            int(form.local_ngo.data) if form.local_ngo.data else None,
            actor=signed_in_user(),
        )
        db.session.commit()
        flash(_("Partners of the placement saved."), "success")
    else:
        flash(_("Choose from the lists."), "error")
    return redirect(url_for("placements.view", placement_id=placement_id))


@bp.route("/placements/<placement_id>/logistics", methods=["POST"])
@staff_required
def add_logistics(placement_id: str) -> Response:
    placement, _role = _placement(placement_id)
    form = LogisticsForm()
    form.owner.choices = select_choices(
        [("", ""), *((str(u.id), u.display_name) for u in services.possible_owners(placement))]
    )
    if form.validate_on_submit():
        kind = LogisticsKind(form.kind.data)
        if placement.need.remote and kind in services.TRAVEL_KINDS:
            flash(_("A remote placement needs no travel, visa, per diem or housing."), "error")
        else:
            owner = db.session.get(User, int(form.owner.data)) if form.owner.data else None
            services.add_logistics(
                placement, kind, form.title.data, owner, form.due_on.data, actor=signed_in_user()
            )
            db.session.commit()
            flash(_("Added to the checklist."), "success")
    else:
        flash(_("Check the checklist item: %(errors)s", errors=_form_errors(form)), "error")
    return redirect(url_for("placements.view", placement_id=placement_id) + "#logistics")


@bp.route("/placements/<placement_id>/logistics/<int:item_id>", methods=["POST"])
@staff_required
def toggle_logistics(placement_id: str, item_id: int) -> Response:
    placement, _role = _placement(placement_id)
    if not StepForm().validate_on_submit():
        abort(400)
    if services.toggle_logistics(placement, item_id, actor=signed_in_user()) is None:
        abort(404)
    db.session.commit()
    return redirect(url_for("placements.view", placement_id=placement_id) + "#logistics")


@bp.route("/placements/<placement_id>/budget", methods=["POST"])
@staff_required
def add_budget_line(placement_id: str) -> Response:
    placement, _role = _placement(placement_id)
    form = BudgetLineForm()
    if form.validate_on_submit():
        services.add_budget_line(
            placement,
            LogisticsKind(form.category.data),
            form.description.data or None,
            form.planned.data,
            form.actual.data,
            form.currency.data,
            actor=signed_in_user(),
        )
        db.session.commit()
        flash(_("Budget line added."), "success")
    else:
        flash(_("Check the budget line: %(errors)s", errors=_form_errors(form)), "error")
    return redirect(url_for("placements.view", placement_id=placement_id) + "#budget")


def _form_errors(form: object) -> str:
    return "; ".join(
        f"{getattr(form, name).label.text}: {' '.join(map(str, errors))}"
        for name, errors in form.errors.items()
    )  # type: ignore[attr-defined]


@bp.route("/staff/placements")
@staff_required
def staff_list() -> str:
    status_value = request.args.get("status") or None
    status = (
        PlacementStatus(status_value)
        if status_value in {s.value for s in PlacementStatus}
        else None
    )
    programme = programme_by_uuid(request.args.get("programme", ""))
    return render_template(
        "placements/list.html",
        placements=paginate(services.staff_list(status, programme.id if programme else None)),
        status=status,
        programme=programme,
        programmes=all_programmes(),
    )


@bp.route("/staff/needs/<need_id>/propose", methods=["POST"])
@staff_required
def propose(need_id: str) -> Response:
    need = needs.need_by_uuid(need_id)
    if need is None:
        abort(404)
    form = ProposeForm()
    if not form.validate_on_submit():
        abort(400)
    expert = services.expert_by_uuid(form.expert_id.data)
    if expert is None:
        abort(404)
    ranked = experts_for_need(need, CANDIDATE_POOL)
    top = [r.expert.id for r in ranked[: max(TOP_CANDIDATES, need.slots)]]
    score = next((r.match.score for r in ranked if r.expert.id == expert.id), None)
    with committed(workflow.WorkflowError) as done:
        placement = workflow.propose(
            need,
            expert,
            actor=signed_in_user(),
            score=score,
            top_candidates=top,
            reason=form.reason.data,
        )
    if not done.ok:
        return redirect(url_for("staff.need", need_id=need_id))
    flash(_("Proposal recorded. Send the offer when ready."), "success")
    return redirect(url_for("placements.view", placement_id=placement.uuid))


@bp.route("/staff/programmes/<programme_id>/budget")
@staff_required
def programme_budget(programme_id: str) -> str:
    programme = programme_by_uuid(programme_id)
    if programme is None:
        abort(404)
    return render_template(
        "placements/budget.html", programme=programme, rows=services.programme_budget(programme)
    )


@bp.route("/staff/programmes/<programme_id>/assignment")
@staff_required
def programme_assignment(programme_id: str) -> str:
    programme = programme_by_uuid(programme_id)
    if programme is None:
        abort(404)
    return render_template(
        "placements/assignment.html",
        programme=programme,
        plan=assignment.plan(programme),
        rules=assignment.rules_of(programme),
        rule_form=PairRuleForm(),
        step_form=StepForm(),
    )


@bp.route("/staff/programmes/<programme_id>/assignment/rule", methods=["POST"])
@staff_required
def assignment_rule(programme_id: str) -> Response:
    programme = programme_by_uuid(programme_id)
    form = PairRuleForm()
    if programme is None or not form.validate_on_submit():
        abort(404 if programme is None else 400)
    need = needs.need_by_uuid(form.need_id.data)
    expert = services.expert_by_uuid(form.expert_id.data)
    if need is None or expert is None:
        abort(404)
    kind = None if form.kind.data == "clear" else PairRuleKind(form.kind.data)
    with committed(workflow.WorkflowError) as done:
        assignment.set_rule(
            programme, need, expert, kind, actor=signed_in_user(), reason=form.reason.data
        )
    if done.ok:
        flash(
            _("Rule removed; the plan below is computed again.")
            if kind is None
            else _("Rule saved; the plan below takes it into account."),
            "success",
        )
    return redirect(url_for("placements.programme_assignment", programme_id=programme_id))


@bp.route("/staff/programmes/<programme_id>/assignment/propose", methods=["POST"])
@staff_required
def assignment_propose(programme_id: str) -> Response:
    programme = programme_by_uuid(programme_id)
    if programme is None:
        abort(404)
    if not StepForm().validate_on_submit():
        abort(400)
    # A global assignment run is heavy: a task makes the proposals (at once without a broker)
    # and the run's page follows it.
    run_id = submit_assignment(programme, signed_in_user())
    return redirect(url_for("task_runs.view", run_id=run_id), code=303)
