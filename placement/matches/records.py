"""Rows of the database as the matching library's plain records (it never sees the ORM)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, Select, select

from matching.records import Expert as ExpertRecord
from matching.records import Language, Window
from matching.records import Need as NeedRecord
from placement.extensions import db
from placement.models import (
    AvailabilityWindow,
    CvSuggestion,
    ExpertLanguage,
    ExpertProfile,
    ExpertSkill,
    Need,
    SuggestionStatus,
)


def suggested_skills(expert_ids: Iterable[int] | Select[Any]) -> dict[int, tuple[str, ...]]:
    """Profile id -> URIs of the skills proposed from its CVs and not decided yet, most
    confident first, each once: what the engine ranks at a lower weight than confirmed ones.
    ``expert_ids`` may be a query selecting profile ids."""
    ids = expert_ids if isinstance(expert_ids, Select) else list(expert_ids)
    found: dict[int, dict[str, None]] = {}
    rows = db.session.execute(
        select(CvSuggestion.expert_id, CvSuggestion.esco_uri)
        .where(
            CvSuggestion.expert_id.in_(ids),
            CvSuggestion.kind == "skill",
            CvSuggestion.status == SuggestionStatus.SUGGESTED,
        )
        .order_by(CvSuggestion.expert_id, CvSuggestion.confidence.desc(), CvSuggestion.id)
    )
    for expert_id, uri in rows:
        found.setdefault(expert_id, {})[uri] = None
    return {expert_id: tuple(uris) for expert_id, uris in found.items()}


def expert_record(profile: ExpertProfile) -> ExpertRecord:
    """The engine's view of a profile: ESCO URIs where the skill was recognised, else the text;
    skills proposed from a CV and not decided yet apart, as ``suggested_skills``."""
    skills = tuple(s.esco_uri or s.label for s in profile.skills)
    suggested = suggested_skills([profile.id]).get(profile.id, ()) if profile.id else ()
    return ExpertRecord(
        id=str(profile.uuid),
        origin_country=profile.origin_country or "",
        residence_country=profile.residence_country or "",
        languages=tuple(Language(x.code, x.level.value) for x in profile.languages),
        occupation=profile.occupation_uri or profile.occupation_label,
        skills=skills,
        suggested_skills=tuple(uri for uri in suggested if uri not in skills),
        summary=profile.summary,
        years_experience=profile.years_experience,
        availability=tuple(Window(w.start, w.end) for w in profile.availability),
        sectors=tuple(profile.sectors or ()),
        origin_region=profile.origin_region,
        gender=profile.gender.value,
    )


def need_record(need: Need) -> NeedRecord:
    return NeedRecord(
        id=str(need.uuid),
        institution=need.institution.name,
        country=need.country,
        title=need.title,
        start=need.start,
        end=need.end,
        duration_weeks=need.duration_weeks,
        slots=need.slots,
        region=need.region,
        description=need.description,
        sector=need.sector,
        occupation=need.occupation_uri or need.occupation_label,
        required_skills=tuple(s.esco_uri or s.label for s in need.required_skills),
        desired_skills=tuple(s.esco_uri or s.label for s in need.desired_skills),
        languages=tuple(Language(x.code, x.level.value) for x in need.languages),
    )


def expert_records_where(*criteria: ColumnElement[bool]) -> dict[int, tuple[int, ExpertRecord]]:
    """Profile id -> (user id, the engine's record), for every profile matching ``criteria``,
    read as plain rows in four queries: ranking a country's experts reads thousands of them,
    and ORM objects would cost more than the ranking. Converted exactly as
    :func:`expert_record` does (a test holds the two together)."""
    chosen = select(ExpertProfile.id).where(*criteria)
    # Core execution (plain rows, no ORM loading), unpacked as tuples: a full reindex reads
    # every profile this way.
    connection = db.session.connection()

    def execute(statement: Select[Any]) -> list[Any]:
        return connection.execute(statement).all()  # fetchall, not a fetchone per row

    languages: dict[int, list[Language]] = {}
    for expert_id, code, level in execute(
        select(ExpertLanguage.expert_id, ExpertLanguage.code, ExpertLanguage.level)
        .where(ExpertLanguage.expert_id.in_(chosen))
        .order_by(ExpertLanguage.expert_id, ExpertLanguage.code)
    ):
        languages.setdefault(expert_id, []).append(Language(code, level.value))
    skills: dict[int, list[str]] = {}
    for expert_id, uri, label in execute(
        select(ExpertSkill.expert_id, ExpertSkill.esco_uri, ExpertSkill.label)
        .where(ExpertSkill.expert_id.in_(chosen))
        .order_by(ExpertSkill.expert_id, ExpertSkill.id)
    ):
        skills.setdefault(expert_id, []).append(uri or label)
    suggested = suggested_skills(chosen)
    windows: dict[int, list[Window]] = {}
    for expert_id, start, end in execute(
        select(AvailabilityWindow.expert_id, AvailabilityWindow.start, AvailabilityWindow.end)
        .where(AvailabilityWindow.expert_id.in_(chosen))
        .order_by(AvailabilityWindow.expert_id, AvailabilityWindow.start)
    ):
        windows.setdefault(expert_id, []).append(Window(start, end))
    profile = ExpertProfile
    records: dict[int, tuple[int, ExpertRecord]] = {}
    for (
        pid,
        user_id,
        uuid,
        origin,
        residence,
        occupation_uri,
        occupation_label,
        summary,
        years,
        sectors,
        region,
        gender,
    ) in execute(
        select(
            profile.id,
            profile.user_id,
            profile.uuid,
            profile.origin_country,
            profile.residence_country,
            profile.occupation_uri,
            profile.occupation_label,
            profile.summary,
            profile.years_experience,
            profile.sectors,
            profile.origin_region,
            profile.gender,
        )
        .where(*criteria)
        .order_by(profile.id)
    ):
        own = skills.get(pid, ())
        records[pid] = (
            user_id,
            ExpertRecord(
                id=str(uuid),
                origin_country=origin or "",
                residence_country=residence or "",
                languages=tuple(languages.get(pid, ())),
                occupation=occupation_uri or occupation_label,
                skills=tuple(own),
                suggested_skills=tuple(uri for uri in suggested.get(pid, ()) if uri not in own),
                summary=summary,
                years_experience=years,
                availability=tuple(windows.get(pid, ())),
                sectors=tuple(sectors or ()),
                origin_region=region,
                gender=gender.value,
            ),
        )
    return records
