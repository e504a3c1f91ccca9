"""Need pages: hosts post and follow their needs; anyone browses open needs; experts say they
are interested. Staff review is in the staff blueprint."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from placement.auth.decorators import expert_required, institution_required, public, signed_in_user
from placement.experts.services import profile_for
from placement.extensions import db
from placement.forms import add_error, select_choices
from placement.geo import country_choices
from placement.ids import parse_uuid
from placement.matches.pending import host_ranking, ranking_state
from placement.matches.services import (
    HOST_SHOWN,
    evidence_first,
    exclusions,
    experts_for_need,
)
from placement.models import ExpertProfile, Institution, InterestSource, Need, NeedStatus, Role
from placement.needs import lifecycle, services
from placement.needs.candidates_view import candidate_cards, exclusion_lines
from placement.needs.forms import (
    InterestForm,
    NeedFilterForm,
    NeedForm,
    ReasonForm,
    with_blank_rows,
)

bp = Blueprint("needs", __name__)
CANDIDATES_SHOWN = HOST_SHOWN


def _lang() -> str:
    return str(get_locale() or "en")


def _own_need(need_id: str) -> Need:
    need = services.need_for_member(signed_in_user(), need_id)
    if need is None:
        abort(404)
    return need


def _need_form(institution_country: str, data: dict[str, Any] | None = None) -> NeedForm:
    programmes = [(str(p.id), p.name) for p in services.programmes_for_country(institution_country)]
    if data is not None:
        data = {
            **data,
            "required_skills": with_blank_rows(data.get("required_skills", [])),
            "desired_skills": with_blank_rows(data.get("desired_skills", [])),
            "languages": with_blank_rows(data.get("languages", []), {}),
        }
    return NeedForm(data=data, programmes=programmes)


def _need_input(form: NeedForm) -> services.NeedInput:
    return services.NeedInput(
        title=form.title.data,
        description=form.description.data or None,
        sector=form.sector.data or None,
        occupation=form.occupation.data or None,
        required_skills=form.skill_labels(form.required_skills),
        desired_skills=form.skill_labels(form.desired_skills),
        languages=[
            (r.form.code.data, r.form.level.data) for r in form.languages if r.form.code.data
        ],
        region=form.region.data or None,
        start=form.start.data,
        end=form.end.data,
        duration_weeks=form.duration_weeks.data,
        slots=form.slots.data,
        remote=form.remote.data,
        host_provides=form.host_provides.data or [],
        objectives=form.objectives.data or None,
        trainees=form.trainees.data or None,
        programme_id=int(form.programme_id.data) if form.programme_id.data else None,
    )


def _chosen_institution(institutions: list[Institution], wanted: str | None) -> Institution | None:
    """The institution a new need is for: the one named in the link (404 if the host is not a
    member), the only one, or None when the host belongs to several and named none."""
    if wanted:
        chosen = next((i for i in institutions if str(i.uuid) == wanted), None)
        if chosen is None:
            abort(404)
        return chosen
    return institutions[0] if len(institutions) == 1 else None


@bp.route("/host/needs/new", methods=["GET", "POST"])
@institution_required
def new_need() -> str | Response:
    institutions = services.member_institutions(signed_in_user())
    if not institutions:
        abort(404)
    institution = _chosen_institution(institutions, request.args.get("institution"))
    if institution is None:  # a member of several: the need's institution is never guessed
        return render_template("needs/choose_institution.html", institutions=institutions)
    form = _need_form(institution.country, {"slots": 1} if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            need = services.save_need(
                institution, _need_input(form), author=signed_in_user(), lang=_lang()
            )
        except services.NeedError as error:
            db.session.rollback()
            add_error(form, error.field, error.message)
        else:
            db.session.commit()
            flash(_("Draft saved. Check it, then send it to programme staff."), "success")
            return redirect(url_for("needs.host_view", need_id=need.uuid))
    return render_template("needs/edit.html", form=form, institution=institution, need=None)


@bp.route("/host/needs/<need_id>/edit", methods=["GET", "POST"])
@institution_required
def edit_need(need_id: str) -> str | Response:
    need = _own_need(need_id)
    if need.status is not NeedStatus.DRAFT:
        flash(_("Only a draft can be edited. Ask staff to send it back first."), "error")
        return redirect(url_for("needs.host_view", need_id=need.uuid))
    data = services.need_input_from(need) if request.method == "GET" else None
    form = _need_form(need.institution.country, data)
    if form.validate_on_submit():
        try:
            services.save_need(
                need.institution,
                _need_input(form),
                author=signed_in_user(),
                need=need,
                lang=_lang(),
            )
        except services.NeedError as error:
            db.session.rollback()
            add_error(form, error.field, error.message)
        else:
            db.session.commit()
            flash(_("Draft saved."), "success")
            return redirect(url_for("needs.host_view", need_id=need.uuid))
    return render_template("needs/edit.html", form=form, institution=need.institution, need=need)


@bp.route("/host/needs/<need_id>")
@institution_required
def host_view(need_id: str) -> str:
    need = _own_need(need_id)
    view = _candidates_view(need)
    return render_template(
        "needs/host_view.html",
        need=need,
        transitions=lifecycle.available_transitions(need, signed_in_user()),
        reason_form=ReasonForm(),
        **view,
    )


def _candidates_view(need: Need) -> dict[str, Any]:
    """What the candidates section shows: the list, or that the ranking is pending, or why
    no one (or no one with the skills) is listed."""
    view: dict[str, Any] = {
        "candidates": [],
        "weaker": [],
        "ranking_pending": False,
        "strong_count": 0,
        "exclusion_lines": [],
        "has_candidates": False,
    }
    if need.status not in (NeedStatus.APPROVED, NeedStatus.OPEN):
        return view
    ranked, pending = host_ranking(need, CANDIDATES_SHOWN)
    view["ranking_pending"] = pending
    if pending:
        return view
    strong, weaker = evidence_first(ranked)
    interested, form = services.interests(need, InterestSource.HOST), InterestForm()
    cards = candidate_cards(strong)
    view.update(
        strong_count=len(strong),
        candidates=cards,
        weaker=candidate_cards(weaker, first=len(cards) + 1),
        host_interest=interested,
        interest_form=form,
    )
    if not ranked:
        view["exclusion_lines"] = exclusion_lines(exclusions(need, for_host=True))
    view["has_candidates"] = bool(ranked)
    return view


@bp.route("/host/needs/<need_id>/candidates/status")
@institution_required
def host_candidates_status(need_id: str) -> Response:
    """Whether the need's ranking is ready (JSON), for the page that waits for it."""
    need = _own_need(need_id)
    if need.status not in (NeedStatus.APPROVED, NeedStatus.OPEN):
        abort(404)
    state = ranking_state(need, CANDIDATES_SHOWN)
    response = jsonify(
        status=state.value,
        page=url_for("needs.host_view", need_id=need.uuid),
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/host/needs/<need_id>/<any(submit, close):action>", methods=["POST"])
@institution_required
def host_transition(need_id: str, action: str) -> Response:
    need = _own_need(need_id)
    form = ReasonForm()
    if form.validate_on_submit():
        try:
            lifecycle.transition(need, action, actor=signed_in_user(), reason=form.reason.data)
        except lifecycle.TransitionError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
            flash(
                _("Sent to programme staff for approval.")
                if action == "submit"
                else _("The need is closed."),
                "success",
            )
    return redirect(url_for("needs.host_view", need_id=need.uuid))


@bp.route("/host/needs/<need_id>/candidates/<expert_id>/interest", methods=["POST"])
@institution_required
def host_interest(need_id: str, expert_id: str) -> Response:
    """Hosts may only mark experts the engine shows them for this need."""
    need = _own_need(need_id)
    key = parse_uuid(expert_id)
    shown = {
        r.expert.uuid: r.expert for r in experts_for_need(need, CANDIDATES_SHOWN, for_host=True)
    }
    if need.status not in (NeedStatus.APPROVED, NeedStatus.OPEN) or key not in shown:
        abort(404)
    form = InterestForm()
    if form.validate_on_submit():
        marked = services.toggle_interest(need, shown[key], InterestSource.HOST, signed_in_user())
        db.session.commit()
        flash(
            _("Staff can see that you are interested in this candidate.")
            if marked
            else _("Interest withdrawn."),
            "success",
        )
    return redirect(url_for("needs.host_view", need_id=need.uuid) + "#candidates")


# Public list of open needs --------------------------------------------------------------------


def _filters_from(form: NeedFilterForm) -> services.NeedFilters:
    return services.NeedFilters(
        country=form.country.data or None,
        sector=form.sector.data or None,
        text=form.q.data or None,
    )


@bp.route("/needs")
@public
def public_list() -> str:
    form = NeedFilterForm(request.args)
    form.country.choices = select_choices(
        [("", _("All countries")), *country_choices(origins_first=True)]
    )
    form.programme.choices = select_choices([("", "")])
    form.status.choices = select_choices([("", "")])
    page = max(1, request.args.get("page", 1, type=int) or 1)
    valid = form.validate()
    needs, total = services.open_needs(
        _filters_from(form) if valid else services.NeedFilters(), page
    )
    return render_template(
        "needs/public_list.html",
        form=form,
        needs=needs,
        total=total,
        page=page,
        page_size=services.PAGE_SIZE,
    )


def _open_need(need_id: str) -> Need:
    need = services.need_by_uuid(need_id)
    if need is None or need.status is not NeedStatus.OPEN:
        abort(404)
    return need


def _signed_in_expert() -> ExpertProfile | None:
    if current_user.is_authenticated and current_user.role is Role.EXPERT:
        return profile_for(signed_in_user())
    return None


@bp.route("/needs/<need_id>")
@public
def public_view(need_id: str) -> str:
    need = _open_need(need_id)
    expert = _signed_in_expert()
    interested = expert is not None and need.id in services.expert_interests(expert)
    return render_template(
        "needs/public_view.html",
        need=need,
        expert=expert,
        interested=interested,
        form=InterestForm(),
    )


@bp.route("/needs/<need_id>/interest", methods=["POST"])
@expert_required
def expert_interest(need_id: str) -> Response:
    need = _open_need(need_id)
    form = InterestForm()
    if form.validate_on_submit():
        marked = services.toggle_interest(
            need, profile_for(signed_in_user()), InterestSource.EXPERT, signed_in_user()
        )
        db.session.commit()
        flash(
            _("Programme staff can see your interest in this need.")
            if marked
            else _("Interest withdrawn."),
            "success",
        )
    return redirect(url_for("needs.public_view", need_id=need.uuid))


# Terms of reference are read from the need itself (helper cv): a draft of "host"'s institution.
from placement.needs import terms  # noqa: E402, F401  (registers the terms-of-reference routes)
