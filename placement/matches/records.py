"""Rows of the database as the matching library's plain records (it never sees the ORM)."""

from __future__ import annotations

from matching.records import Expert as ExpertRecord
from matching.records import Language, Window
from matching.records import Need as NeedRecord
from placement.models import ExpertProfile, Need


def expert_record(profile: ExpertProfile) -> ExpertRecord:
    """The engine's view of a profile: ESCO URIs where the skill was recognised, else the text."""
    return ExpertRecord(
        id=str(profile.uuid),
        origin_country=profile.origin_country or "",
        residence_country=profile.residence_country or "",
        languages=tuple(Language(x.code, x.level.value) for x in profile.languages),
        occupation=profile.occupation_uri or profile.occupation_label,
        skills=tuple(s.esco_uri or s.label for s in profile.skills),
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
