"""Needs: what hosts post, what experts browse, and who may see which."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import joinedload

from placement.extensions import db
from placement.ids import parse_uuid
from placement.models import (
    CEFRLevel,
    ExpertProfile,
    Institution,
    InstitutionMember,
    Interest,
    InterestSource,
    Need,
    NeedLanguage,
    NeedSkill,
    NeedStatus,
    Programme,
    User,
)
from placement.needs import lifecycle
from placement.taxonomy import best_concept

PAGE_SIZE = 25


class NeedError(Exception):
    """A refusal the user can act on (translated)."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass(frozen=True)
class NeedInput:
    """What a host fills in; plain values, already parsed by the form."""

    title: str
    description: str | None
    sector: str | None
    occupation: str | None
    required_skills: list[str]
    desired_skills: list[str]
    languages: list[tuple[str, str]]
    region: str | None
    start: date
    end: date
    duration_weeks: int
    slots: int
    remote: bool
    host_provides: list[str]
    objectives: str | None
    trainees: str | None
    programme_id: int | None


def member_institutions(user: User) -> list[Institution]:
    return list(
        db.session.scalars(
            select(Institution)
            .join(InstitutionMember)
            .where(InstitutionMember.user_id == user.id)
            .order_by(Institution.name)
        )
    )


def need_for_member(user: User, need_uuid: str) -> Need | None:
    """A need of one of the user's institutions; another institution's need is 'not found'.

    Loaded with its institution, skills and languages in the same query: every host page of a
    need shows them, and the candidates page, viewed most, otherwise paid a round trip for
    each (a quarter of its queries)."""
    key = parse_uuid(need_uuid)
    if key is None:
        return None
    query = (
        select(Need)
        .join(InstitutionMember, InstitutionMember.institution_id == Need.institution_id)
        .where(Need.uuid == key, InstitutionMember.user_id == user.id)
        .options(joinedload(Need.institution), joinedload(Need.skills), joinedload(Need.languages))
    )
    return db.session.scalars(query).unique().first()


def need_by_uuid(need_uuid: str) -> Need | None:
    key = parse_uuid(need_uuid)
    return db.session.scalar(select(Need).where(Need.uuid == key)) if key else None


def programmes_for_country(country: str, today: date | None = None) -> list[Programme]:
    today = today or date.today()
    programmes = db.session.scalars(
        select(Programme)
        .where(Programme.active.is_(True), Programme.end >= today)
        .order_by(Programme.name)
    ).all()
    return [p for p in programmes if country in p.eligible_origin_countries]


def _check_programme(programme: Programme | None, data: NeedInput, country: str) -> None:
    if programme is None:
        return
    if country not in programme.eligible_origin_countries:
        raise NeedError(str(_l("This programme does not cover your country.")), "programme_id")
    if programme.min_weeks and data.duration_weeks < programme.min_weeks:
        raise NeedError(
            str(
                _l(
                    "This programme funds assignments of at least %(n)d weeks.",
                    n=programme.min_weeks,
                )
            ),
            "duration_weeks",
        )
    if programme.max_weeks and data.duration_weeks > programme.max_weeks:
        raise NeedError(
            str(
                _l(
                    "This programme funds assignments of at most %(n)d weeks.",
                    n=programme.max_weeks,
                )
            ),
            "duration_weeks",
        )
    if data.start < programme.start or data.end > programme.end:
        raise NeedError(
            str(
                _l(
                    "The dates must fall within the programme (%(start)s to %(end)s).",
                    start=programme.start.isoformat(),
                    end=programme.end.isoformat(),
                )
            ),
            "start",
        )


def _skills(labels: list[str], required: bool, lang: str | None) -> list[NeedSkill]:
    result = []
    for label in labels:
        concept = best_concept(label, "skill", lang)
        result.append(
            NeedSkill(label=label, esco_uri=concept.uri if concept else None, required=required)
        )
    return result


def save_need(
    institution: Institution,
    data: NeedInput,
    *,
    author: User,
    need: Need | None = None,
    lang: str | None = None,
) -> Need:
    """Create a draft or edit one; only drafts can be edited (a submitted need is under
    review, an open one is in experts' hands)."""
    if need is not None and need.status is not NeedStatus.DRAFT:
        raise NeedError(str(_l("Only a draft can be edited. Ask staff to send it back first.")))
    programme = db.session.get(Programme, data.programme_id) if data.programme_id else None
    _check_programme(programme, data, institution.country)
    if need is None:
        need = Need(
            institution_id=institution.id,
            created_by_id=author.id,
            country=institution.country,
            status=NeedStatus.DRAFT,
        )
        db.session.add(need)
    concept = best_concept(data.occupation, "occupation", lang) if data.occupation else None
    need.title = data.title
    need.description = data.description
    need.sector = data.sector
    need.occupation_label = data.occupation
    need.occupation_uri = concept.uri if concept else None
    need.region = data.region
    need.start, need.end = data.start, data.end
    need.duration_weeks, need.slots = data.duration_weeks, data.slots
    need.remote = data.remote
    need.host_provides = data.host_provides
    need.objectives, need.trainees = data.objectives, data.trainees
    need.programme_id = programme.id if programme else None
    need.skills = _skills(data.required_skills, True, lang) + _skills(
        data.desired_skills, False, lang
    )
    need.languages = [
        NeedLanguage(code=code, level=CEFRLevel(level)) for code, level in data.languages
    ]
    db.session.flush()
    return need


def need_input_from(need: Need) -> dict[str, Any]:
    """A need's values in the shape of the need form (for editing)."""
    return {
        "title": need.title,
        "description": need.description,
        "sector": need.sector,
        "occupation": need.occupation_label,
        "required_skills": [s.label for s in need.required_skills],
        "desired_skills": [s.label for s in need.desired_skills],
        "languages": [{"code": x.code, "level": x.level.value} for x in need.languages],
        "region": need.region,
        "start": need.start,
        "end": need.end,
        "duration_weeks": need.duration_weeks,
        "slots": need.slots,
        "remote": need.remote,
        "host_provides": need.host_provides,
        "objectives": need.objectives,
        "trainees": need.trainees,
        "programme_id": str(need.programme_id) if need.programme_id else "",
    }


# interest ----------------------------------------------------------------------------------


def toggle_interest(need: Need, expert: ExpertProfile, source: InterestSource, user: User) -> bool:
    """Mark or unmark interest; returns whether it is now marked."""
    existing = db.session.scalar(
        select(Interest).where(
            Interest.need_id == need.id, Interest.expert_id == expert.id, Interest.source == source
        )
    )
    if existing is not None:
        db.session.delete(existing)
        return False
    db.session.add(
        Interest(need_id=need.id, expert_id=expert.id, source=source, created_by_id=user.id)
    )
    return True


def interests(need: Need, source: InterestSource) -> set[int]:
    return set(
        db.session.scalars(
            select(Interest.expert_id).where(Interest.need_id == need.id, Interest.source == source)
        )
    )


def expert_interests(expert: ExpertProfile) -> set[int]:
    return set(
        db.session.scalars(
            select(Interest.need_id).where(
                Interest.expert_id == expert.id, Interest.source == InterestSource.EXPERT
            )
        )
    )


# listings ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class NeedFilters:
    country: str | None = None
    sector: str | None = None
    programme_id: int | None = None
    status: NeedStatus | None = None
    text: str | None = None


def filtered(query: Select[tuple[Need]], filters: NeedFilters) -> Select[tuple[Need]]:
    if filters.country:
        query = query.where(Need.country == filters.country)
    if filters.sector:
        query = query.where(Need.sector == filters.sector)
    if filters.programme_id:
        query = query.where(Need.programme_id == filters.programme_id)
    if filters.status:
        query = query.where(Need.status == filters.status)
    if filters.text:
        pattern = f"%{filters.text.lower()}%"
        query = query.join(Institution, Institution.id == Need.institution_id).where(
            or_(func.lower(Need.title).like(pattern), func.lower(Institution.name).like(pattern))
        )
    return query


def open_needs(filters: NeedFilters, page: int = 1) -> tuple[list[Need], int]:
    """Open needs for the public list, soonest first; returns (page of needs, total)."""
    query = filtered(select(Need).where(Need.status == NeedStatus.OPEN), filters)
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    needs = db.session.scalars(
        query.order_by(Need.start, Need.id).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)
    ).all()
    return list(needs), total


def review_queue(filters: NeedFilters, page: int = 1) -> tuple[list[Need], int]:
    query = filtered(select(Need), filters)
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    needs = db.session.scalars(
        query.order_by(Need.submitted_at.desc().nulls_last(), Need.id.desc())
        .offset((page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE)
    ).all()
    return list(needs), total


# expiry ------------------------------------------------------------------------------------


def expire_needs(today: date) -> int:
    """Needs whose window can no longer hold their duration expire, and their hosts are told.
    Safe to run twice: an expired need is not a candidate any more."""
    candidates = db.session.scalars(
        select(Need)
        .where(Need.status.in_([NeedStatus.SUBMITTED, NeedStatus.APPROVED, NeedStatus.OPEN]))
        .order_by(Need.id)
    ).all()
    expired = 0
    for need in candidates:
        if need.end - timedelta(weeks=need.duration_weeks) + timedelta(days=1) < today:
            lifecycle.transition(
                need,
                "expire",
                actor=None,
                reason=str(_l("The dates passed before the need was filled.")),
            )
            expired += 1
    return expired
