"""Staff pages: dashboard, review queues for institutions and needs, and their decisions."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from placement.auth.decorators import signed_in_user, staff_required
from placement.forms import committed, select_choices
from placement.geo import country_choices
from placement.labels import NEED_STATUS_LABELS, VERIFICATION_LABELS
from placement.matches.services import (
    evidence_first,
    exclusions,
    ranked_expert_ids,
    with_profiles,
)
from placement.models import InterestSource, NeedStatus, VerificationStatus
from placement.needs import lifecycle
from placement.needs import services as needs
from placement.needs.candidates_view import exclusion_lines
from placement.needs.forms import NeedFilterForm, ReasonForm
from placement.pagination import paginate
from placement.programmes.services import all_programmes
from placement.staff import audit_trail, services

bp = Blueprint("staff", __name__, url_prefix="/staff")
CANDIDATES_SHOWN = 25


@bp.route("/")
@staff_required
def dashboard() -> str:
    return render_template("staff/dashboard.html", overview=services.overview())


@bp.route("/institutions")
@staff_required
def institutions() -> str:
    form = NeedFilterForm(request.args)
    form.country.choices = select_choices(
        [("", _("All countries")), *country_choices(origins_first=True)]
    )
    form.status.choices = select_choices(
        [("", _("All states")), *((s.value, label) for s, label in VERIFICATION_LABELS.items())]
    )
    form.programme.choices = select_choices([("", "")])
    valid = form.validate()
    status = VerificationStatus(form.status.data) if valid and form.status.data else None
    rows = paginate(
        services.institution_queue(
            status, form.country.data if valid else None, form.q.data if valid else None
        )
    )
    return render_template("staff/institutions.html", form=form, institutions=rows)


@bp.route("/institutions/<institution_id>", methods=["GET", "POST"])
@staff_required
def institution(institution_id: str) -> str | Response:
    institution = services.institution_by_uuid(institution_id)
    if institution is None:
        abort(404)
    form = ReasonForm()
    if form.validate_on_submit():
        decision = request.form.get("decision")
        if decision not in ("verify", "reject"):
            abort(400)
        with committed(services.ReviewError, form) as done:
            services.decide_institution(
                institution, decision == "verify", actor=signed_in_user(), reason=form.reason.data
            )
        if done.ok:
            flash(_("Decision recorded."), "success")
            return redirect(url_for("staff.institution", institution_id=institution.uuid))
    return render_template(
        "staff/institution.html",
        institution=institution,
        form=form,
        history=services.audit_trail(str(institution.uuid)),
        needs=institution.needs,
        decisions=services.institution_decisions(institution),
    )


@bp.route("/needs")
@staff_required
def needs_queue() -> str:
    form = NeedFilterForm(request.args)
    form.country.choices = select_choices(
        [("", _("All countries")), *country_choices(origins_first=True)]
    )
    form.status.choices = select_choices(
        [("", _("All states")), *((s.value, label) for s, label in NEED_STATUS_LABELS.items())]
    )
    programmes = all_programmes()
    form.programme.choices = select_choices(
        [("", _("All programmes")), *((str(p.id), p.name) for p in programmes)]
    )
    if not request.args:
        form.status.data = NeedStatus.SUBMITTED.value  # the work waiting for staff
    valid = form.validate()
    filters = (
        needs.NeedFilters(
            country=form.country.data or None,
            sector=form.sector.data or None,
            programme_id=int(form.programme.data) if valid and form.programme.data else None,
            status=NeedStatus(form.status.data) if valid and form.status.data else None,
            text=form.q.data or None,
        )
        if valid
        else needs.NeedFilters()
    )
    page = max(1, request.args.get("page", 1, type=int) or 1)
    rows, total = needs.review_queue(filters, page)
    return render_template(
        "staff/needs.html", form=form, needs=rows, total=total, page=page, page_size=needs.PAGE_SIZE
    )


@bp.route("/needs/<need_id>")
@staff_required
def need(need_id: str) -> str:
    need = needs.need_by_uuid(need_id)
    if need is None:
        abort(404)
    # Candidates with skill or occupation evidence first, the weaker matches apart, as on the
    # host's page (matching/evidence.py).
    ranked = ranked_expert_ids(need, CANDIDATES_SHOWN)
    strong, weaker = evidence_first(ranked)
    return render_template(
        "staff/need.html",
        need=need,
        candidates=with_profiles(strong),
        weaker=with_profiles(weaker),
        # Nobody ranked: which rule removed how many experts (as on the host's page).
        exclusion_lines=[] if ranked else exclusion_lines(exclusions(need)),
        transitions=lifecycle.available_transitions(need, signed_in_user()),
        reason_form=ReasonForm(),
        expert_interest=needs.interests(need, InterestSource.EXPERT),
        host_interest=needs.interests(need, InterestSource.HOST),
        history=services.audit_trail(str(need.uuid)),
    )


@bp.route("/needs/<need_id>/<any(send_back, approve, open, fill, close):action>", methods=["POST"])
@staff_required
def need_transition(need_id: str, action: str) -> Response:
    need = needs.need_by_uuid(need_id)
    if need is None:
        abort(404)
    form = ReasonForm()
    if form.validate_on_submit():
        with committed(lifecycle.TransitionError) as done:
            lifecycle.transition(need, action, actor=signed_in_user(), reason=form.reason.data)
        if done.ok:
            flash(_("Decision recorded."), "success")
    return redirect(url_for("staff.need", need_id=need.uuid))


@bp.route("/audit")
@staff_required
def audit() -> str | tuple[str, int]:
    """The audit trail for people, filtered; a bad filter value gets a message and a 400."""
    page = max(1, request.args.get("page", 1, type=int) or 1)
    try:
        filters = audit_trail.parse_filters(request.args)
    except audit_trail.FilterError as error:
        flash(str(error), "error")
        return _audit_page(audit_trail.AuditFilters(), [], False, page), 400
    entries, more = audit_trail.search(filters, page)
    return _audit_page(filters, entries, more, page)


def _audit_page(
    filters: audit_trail.AuditFilters, entries: list[audit_trail.Entry], more: bool, page: int
) -> str:
    return render_template(
        "staff/audit.html",
        filters=filters,
        entries=entries,
        more=more,
        page=page,
        actors=audit_trail.actors(),
        actions=sorted(
            ((code, str(text)) for code, text in audit_trail.ACTION_SENTENCES.items()),
            key=lambda item: item[1],
        ),
        record_types=[(code, str(text)) for code, text in audit_trail.RECORD_TYPES.items()],
        args={k: v for k, v in request.args.items() if k != "page"},
    )


@bp.route("/audit.csv")
@staff_required
def audit_csv() -> Response | tuple[str, int]:
    try:
        filters = audit_trail.parse_filters(request.args)
    except audit_trail.FilterError as error:
        flash(str(error), "error")
        return _audit_page(audit_trail.AuditFilters(), [], False, 1), 400
    return Response(
        audit_trail.export_csv(filters),
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=homeward-audit-trail.csv"},
    )
