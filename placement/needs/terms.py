"""Terms of reference: the skills and occupation a need's own prose names, proposed to the host.

A host describes the work in prose (title, "What the expert will do", objectives), often pasted
from terms of reference. The same reader as for CVs (:func:`matching.cv.suggest_from_text`)
proposes ESCO skills and an occupation from that text; the host adds each one to the draft as a
required or desired skill (or as the occupation wanted) with one click. Nothing is stored
until then: the proposals are read again from the need's current text on each view.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from matching.cv import suggest_from_text
from placement.auth.decorators import institution_required
from placement.experts import cv
from placement.experts.forms import SuggestionDecisionForm
from placement.extensions import db
from placement.forms import select_choices
from placement.models import Need, NeedSkill, NeedStatus
from placement.needs.routes import _lang, _own_need, bp
from placement.taxonomy import concept_label, get_taxonomy

MAX_SUGGESTIONS = 30


@dataclass(frozen=True)
class NeedSuggestion:
    uuid: str  # a key of the concept, for the form (nothing is stored)
    esco_uri: str
    kind: str
    confidence: float
    sentence: str
    section: str | None


def need_text(need: Need) -> str:
    """The prose of a need, one part per line, as a reader of terms of reference sees it."""
    return "\n".join(p for p in (need.title, need.description, need.objectives) if p)


def suggestions(need: Need, lang: str | None = None) -> list[NeedSuggestion]:
    """ESCO concepts the need's text names that the need does not hold yet."""
    known = {s.esco_uri for s in need.skills if s.esco_uri}
    if need.occupation_uri:
        known.add(need.occupation_uri)
    found = suggest_from_text(need_text(need), get_taxonomy(), label_language=lang, limit=None)
    return [
        NeedSuggestion(
            hashlib.sha256(s.uri.encode()).hexdigest()[:20],
            s.uri,
            s.kind,
            s.confidence,
            s.sentence,
            s.section,
        )
        for s in found
        if s.uri not in known
    ][:MAX_SUGGESTIONS]


def _form() -> SuggestionDecisionForm:
    form = SuggestionDecisionForm()
    form.decision.choices = select_choices(
        [("required", "required"), ("desired", "desired"), ("occupation", "occupation")]
    )
    return form


@bp.route("/host/needs/<need_id>/skills", methods=["GET", "POST"])
@institution_required
def need_skills(need_id: str) -> str | Response:
    need = _own_need(need_id)
    if need.status is not NeedStatus.DRAFT:
        flash(_("Only a draft can be edited. Ask staff to send it back first."), "error")
        return redirect(url_for("needs.host_view", need_id=need.uuid))
    found = suggestions(need, _lang())
    form = _form()
    if form.validate_on_submit():
        chosen = next((s for s in found if s.uuid == form.suggestion.data), None)
        if chosen is None:
            abort(404)
        label = concept_label(chosen.esco_uri)
        if chosen.kind == "occupation":
            need.occupation_uri, need.occupation_label = chosen.esco_uri, label
            flash(_("“%(label)s” is now the occupation wanted.", label=label), "success")
        else:
            required = form.decision.data != "desired"
            need.skills.append(NeedSkill(label=label, esco_uri=chosen.esco_uri, required=required))
            flash(_("“%(label)s” added to the need.", label=label), "success")
        db.session.commit()
        return redirect(url_for("needs.need_skills", need_id=need.uuid))
    return render_template(
        "needs/skills.html",
        need=need,
        form=form,
        found=found,
        confidence_text=cv.confidence_text,
        kind_text=cv.kind_text,
    )
