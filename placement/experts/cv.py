"""The CV step: skills and occupations proposed from an uploaded CV, confirmed one by one.

Suggestions are stored (table ``cv_suggestions``) so that a decision survives: an accepted one
becomes a confirmed skill (or the occupation), a rejected one is never proposed again, and the
undecided ones still count for matching, at a lower weight, through
``Expert.suggested_skills``. Services flush and never commit: the route commits once.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select, update

from matching.cv import suggest_from_text
from placement import audit
from placement.experts.services import add_confirmed_skills
from placement.extensions import db
from placement.ids import parse_uuid
from placement.models import (
    CvSuggestion,
    Document,
    DocumentKind,
    ExpertProfile,
    SuggestionStatus,
    User,
    utcnow,
)
from placement.taxonomy import get_taxonomy

MAX_SUGGESTIONS = 40
KIND_LABELS = {"skill": _l("Skill"), "occupation": _l("Occupation")}
SECTION_LABELS = {
    "experience": _l("From the experience part of your CV"),
    "education": _l("From the education part of your CV"),
    "skills": _l("From the skills part of your CV"),
    "languages": _l("From the languages part of your CV"),
    "duties": _l("From the duties part of the document"),
    "summary": _l("From the summary of your CV"),
    "other": _l("From your CV"),
    None: _l("From your CV"),
}


def confidence_text(confidence: float) -> str:
    """The confidence in words: a percentage means nothing to most people."""
    if confidence >= 0.8:
        return str(_l("Very likely"))
    if confidence >= 0.6:
        return str(_l("Likely"))
    return str(_l("Possible"))


def kind_text(kind: str) -> str:
    return str(KIND_LABELS.get(kind, kind))


def section_text(section: str | None) -> str:
    return str(SECTION_LABELS.get(section, SECTION_LABELS[None]))


def propose(profile: ExpertProfile, document: Document, lang: str | None = None) -> int:
    """Store the suggestions found in a CV's text, once per document; returns how many are new.

    Concepts the profile already holds, and any the expert accepted or rejected before (from
    whichever CV), are left out.
    """
    if document.kind is not DocumentKind.CV or not document.extracted_text:
        return 0
    existing = db.session.scalar(
        select(CvSuggestion.id).where(CvSuggestion.document_id == document.id).limit(1)
    )
    if existing is not None:
        return 0
    known = {s.esco_uri for s in profile.skills if s.esco_uri}
    if profile.occupation_uri:
        known.add(profile.occupation_uri)
    known |= set(
        db.session.scalars(
            select(CvSuggestion.esco_uri).where(
                CvSuggestion.expert_id == profile.id,
                CvSuggestion.status != SuggestionStatus.SUGGESTED,
            )
        )
    )
    found = suggest_from_text(
        document.extracted_text, get_taxonomy(), label_language=lang, limit=None
    )
    added = 0
    for suggestion in found:
        if suggestion.uri in known:
            continue
        known.add(suggestion.uri)
        db.session.add(
            CvSuggestion(
                expert_id=profile.id,
                document_id=document.id,
                esco_uri=suggestion.uri,
                kind=suggestion.kind,
                label=suggestion.label[:255],
                confidence=suggestion.confidence,
                sentence=suggestion.sentence[:1000],
                section=suggestion.section,
            )
        )
        added += 1
        if added >= MAX_SUGGESTIONS:
            break
    db.session.flush()
    return added


def suggestions_for(document: Document, status: SuggestionStatus) -> list[CvSuggestion]:
    """A CV's suggestions with ``status``, most confident first."""
    return list(
        db.session.scalars(
            select(CvSuggestion)
            .where(CvSuggestion.document_id == document.id, CvSuggestion.status == status)
            .order_by(CvSuggestion.confidence.desc(), CvSuggestion.label, CvSuggestion.id)
        )
    )


def suggestion_in(document: Document, suggestion_id: str | None) -> CvSuggestion | None:
    """The undecided suggestion ``suggestion_id`` of this CV, or None."""
    key = parse_uuid(suggestion_id or "")
    if key is None:
        return None
    return db.session.scalar(
        select(CvSuggestion).where(
            CvSuggestion.uuid == key,
            CvSuggestion.document_id == document.id,
            CvSuggestion.status == SuggestionStatus.SUGGESTED,
        )
    )


def decide(
    profile: ExpertProfile, suggestion: CvSuggestion, accept: bool, label: str, actor: User
) -> None:
    """Accept (into the confirmed skills, or as the occupation) or reject a suggestion.

    The same concept proposed by another of the expert's CVs is decided with it, so that it
    is not asked twice. ``label`` is the concept's name in the expert's language.
    """
    status = SuggestionStatus.ACCEPTED if accept else SuggestionStatus.REJECTED
    before = {"occupation": profile.occupation_uri} if suggestion.kind == "occupation" else None
    if accept and suggestion.kind == "occupation":
        profile.occupation_uri = suggestion.esco_uri
        profile.occupation_label = label
    elif accept:
        add_confirmed_skills(profile, [(suggestion.esco_uri, label)])
    db.session.execute(
        update(CvSuggestion)
        .where(
            CvSuggestion.expert_id == profile.id,
            CvSuggestion.esco_uri == suggestion.esco_uri,
            CvSuggestion.status == SuggestionStatus.SUGGESTED,
        )
        .values(status=status, decided_at=utcnow())
        .execution_options(synchronize_session="fetch")
    )
    audit.record(
        "cv.suggestion_accept" if accept else "cv.suggestion_reject",
        profile,
        actor=actor,
        before=before,
        after={"kind": suggestion.kind, "uri": suggestion.esco_uri, "label": label},
    )
    db.session.flush()


def forget_document(document: Document) -> None:
    """Before a CV is deleted: its undecided suggestions go, the decisions stay (unlinked)."""
    db.session.execute(
        delete(CvSuggestion).where(
            CvSuggestion.document_id == document.id,
            CvSuggestion.status == SuggestionStatus.SUGGESTED,
        )
    )
    db.session.execute(
        update(CvSuggestion)
        .where(CvSuggestion.document_id == document.id)
        .values(document_id=None)
        .execution_options(synchronize_session=False)
    )


def forget_expert(profile: ExpertProfile) -> None:
    """Erasure: suggestions quote the CV, so every one of them goes."""
    db.session.execute(delete(CvSuggestion).where(CvSuggestion.expert_id == profile.id))
