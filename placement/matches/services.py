"""Rank needs for an expert and experts for a need, from the database, with the matching library.

The library never sees the ORM: rows become its plain records here. Programme rules and the
expert's booked placements are hard constraints; an expert who withdrew consent to processing is
never ranked, and one who did not consent to sharing is never shown to a host.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from matching.eligibility import ProgrammeRules, exclusion_reasons
from matching.engine import Match, Matcher
from matching.records import Window
from placement.extensions import db
from placement.matches.records import expert_record, need_record
from placement.models import (
    BOOKED_STATUSES,
    ConsentPurpose,
    ConsentRecord,
    ExpertProfile,
    Need,
    NeedStatus,
    Placement,
    Programme,
)
from placement.taxonomy import get_taxonomy

# Rankings are cut after programme rules, so ask the engine for a few more than shown.
OVERFETCH = 3


@dataclass(frozen=True)
class RankedNeed:
    need: Need
    match: Match


@dataclass(frozen=True)
class RankedExpert:
    expert: ExpertProfile
    match: Match


def programme_rules(
    programme: Programme | None, busy: dict[str, tuple[Window, ...]]
) -> ProgrammeRules:
    if programme is None:
        return ProgrammeRules(busy=busy)
    return ProgrammeRules(
        eligible_origin_countries=frozenset(programme.eligible_origin_countries) or None,
        eligible_residence_countries=frozenset(programme.eligible_residence_countries) or None,
        min_weeks=programme.min_weeks,
        max_weeks=programme.max_weeks,
        busy=busy,
    )


def booked_windows(expert_ids: list[int]) -> dict[str, tuple[Window, ...]]:
    """Dates already taken by approved, scheduled or running placements, by expert uuid."""
    if not expert_ids:
        return {}
    rows = db.session.execute(
        select(ExpertProfile.uuid, Placement.start, Placement.end)
        .join(Placement, Placement.expert_id == ExpertProfile.id)
        .where(Placement.expert_id.in_(expert_ids), Placement.status.in_(BOOKED_STATUSES))
    ).all()
    busy: dict[str, list[Window]] = {}
    for expert_uuid, start, end in rows:
        busy.setdefault(str(expert_uuid), []).append(Window(start, end))
    return {key: tuple(value) for key, value in busy.items()}


def consenting_user_ids(user_ids: list[int], purpose: ConsentPurpose) -> set[int]:
    """Users whose latest decision for ``purpose`` is a grant."""
    latest: dict[int, bool] = {}
    rows = db.session.execute(
        select(ConsentRecord.user_id, ConsentRecord.granted)
        .where(ConsentRecord.user_id.in_(user_ids), ConsentRecord.purpose == purpose)
        .order_by(ConsentRecord.recorded_at, ConsentRecord.id)
    ).all()
    for user_id, granted in rows:
        latest[user_id] = granted
    return {user_id for user_id, granted in latest.items() if granted}


def outcome_aware_matcher() -> Matcher:
    """The engine, with the criterion learned from outcomes once there are enough of them."""
    from placement.outcomes.model import extra_scorers

    return Matcher(extra_scorers=extra_scorers())


def _open_needs(today: date, country: str) -> list[Need]:
    """Open needs in one country (rule 1 ties an expert to the country of origin)."""
    return list(
        db.session.scalars(
            select(Need)
            .where(Need.status == NeedStatus.OPEN, Need.end >= today, Need.country == country)
            .order_by(Need.id)
        )
    )


def needs_for_expert(profile: ExpertProfile, limit: int = 10) -> list[RankedNeed]:
    """Open needs the expert is eligible for, best first, each with its explanation."""
    if profile.anonymised_at is not None or profile.user_id not in consenting_user_ids(
        [profile.user_id], ConsentPurpose.PROCESSING
    ):
        return []
    if not profile.origin_country or not profile.residence_country:
        return []
    needs = _open_needs(date.today(), profile.origin_country)
    if not needs:
        return []
    record = expert_record(profile)
    busy = booked_windows([profile.id])
    matcher = outcome_aware_matcher().fit(
        [record],
        [need_record(n) for n in needs],
        taxonomy=get_taxonomy(),
        rules=ProgrammeRules(busy=busy),
    )
    by_id = {str(n.uuid): n for n in needs}
    ranked = []
    for match in matcher.rank_needs(record.id, k=limit * OVERFETCH):
        need = by_id[match.need_id]
        rules = programme_rules(need.programme, busy)
        if exclusion_reasons(record, matcher.needs_[match.need_id], rules):
            continue
        ranked.append(RankedNeed(need, match))
        if len(ranked) == limit:
            break
    return ranked


def experts_for_need(need: Need, limit: int = 10, *, for_host: bool = False) -> list[RankedExpert]:
    """Eligible experts for a need, best first. Hosts see only experts who agreed to share their
    professional profile with host institutions."""
    profiles = list(
        db.session.scalars(
            select(ExpertProfile).where(
                ExpertProfile.origin_country == need.country,
                ExpertProfile.residence_country != need.country,
                ExpertProfile.anonymised_at.is_(None),
            )
        )
    )
    allowed = consenting_user_ids([p.user_id for p in profiles], ConsentPurpose.PROCESSING)
    if for_host:
        allowed &= consenting_user_ids(list(allowed), ConsentPurpose.SHARE_WITH_HOSTS)
    profiles = [p for p in profiles if p.user_id in allowed]
    if not profiles:
        return []
    busy = booked_windows([p.id for p in profiles])
    record = need_record(need)
    matcher = outcome_aware_matcher().fit(
        [expert_record(p) for p in profiles],
        [record],
        taxonomy=get_taxonomy(),
        rules=programme_rules(need.programme, busy),
    )
    by_id = {str(p.uuid): p for p in profiles}
    return [RankedExpert(by_id[m.expert_id], m) for m in matcher.rank_experts(record.id, k=limit)]
