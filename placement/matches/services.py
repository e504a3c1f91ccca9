"""Rank needs for an expert and experts for a need, from the database, with the matching library.

The library never sees the ORM: rows become its plain records here. Programme rules and the
expert's booked placements are hard constraints; an expert who withdrew consent to processing is
never ranked, and one who did not consent to sharing is never shown to a host.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import date

from flask import current_app
from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

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


def _candidate_profiles(query: Select[tuple[ExpertProfile]]) -> list[ExpertProfile]:
    """Profiles with what the engine reads, in four queries (not one per profile)."""
    return list(
        db.session.scalars(
            query.options(
                selectinload(ExpertProfile.languages),
                selectinload(ExpertProfile.skills),
                selectinload(ExpertProfile.availability),
            )
        )
    )


def _rank_experts(need: Need, count: int, for_host: bool) -> list[RankedExpert]:
    profiles = _candidate_profiles(
        select(ExpertProfile).where(
            ExpertProfile.origin_country == need.country,
            ExpertProfile.residence_country != need.country,
            ExpertProfile.anonymised_at.is_(None),
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
    return [RankedExpert(by_id[m.expert_id], m) for m in matcher.rank_experts(record.id, k=count)]


def experts_for_need(need: Need, limit: int = 10, *, for_host: bool = False) -> list[RankedExpert]:
    """Eligible experts for a need, best first. Hosts see only experts who agreed to share their
    professional profile with host institutions.

    Ranking every expert of a country means fitting the engine on thousands of profiles
    (seconds), so each process keeps a need's ranking for MATCH_CACHE_SECONDS (default 300;
    off under TESTING unless set). A kept ranking is re-checked on every use: whoever withdrew
    consent, was erased or became ineligible (booked, profile changed) since is dropped at once.
    New or improved profiles show up when the ranking expires, or when the need is edited."""
    seconds = _cache_seconds()
    pool = limit * OVERFETCH
    key = (str(need.uuid), need.updated_at, need.programme_id, for_host)
    if seconds > 0:
        cached = _RANKINGS.get(key, pool, seconds)
        if cached is not None:
            kept = _still_eligible(need, cached, for_host)
            if len(kept) >= limit or len(cached) < pool:
                return kept[:limit]
    ranked = _rank_experts(need, pool, for_host)
    if seconds > 0:
        _RANKINGS.put(key, [(r.expert.id, r.match) for r in ranked])
    return ranked[:limit]


class _RankingCache:
    """need key -> (when, [(expert id, match)]), in this process only, bounded in size."""

    def __init__(self, size: int = 256) -> None:
        self._size = size
        self._items: dict[tuple[object, ...], tuple[float, int, list[tuple[int, Match]]]] = {}
        self._lock = threading.Lock()

    def get(
        self, key: tuple[object, ...], pool: int, seconds: float
    ) -> list[tuple[int, Match]] | None:
        with self._lock:
            item = self._items.get(key)
        if item is None or time.monotonic() - item[0] > seconds or item[1] < pool:
            return None
        return item[2]

    def put(self, key: tuple[object, ...], ranking: list[tuple[int, Match]]) -> None:
        with self._lock:
            if len(self._items) >= self._size:
                self._items.pop(next(iter(self._items)))
            self._items[key] = (time.monotonic(), len(ranking), ranking)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


_RANKINGS = _RankingCache()


def _cache_seconds() -> float:
    config = current_app.config
    return float(config.get("MATCH_CACHE_SECONDS", 0 if config.get("TESTING") else 300))


def _still_eligible(
    need: Need, cached: list[tuple[int, Match]], for_host: bool
) -> list[RankedExpert]:
    """The kept ranking, minus experts who no longer consent, were erased, or no longer pass the
    hard constraints (the same rules the engine applies), read from the database now."""
    ids = [expert_id for expert_id, _match in cached]
    profiles = {
        p.id: p
        for p in _candidate_profiles(
            select(ExpertProfile).where(
                ExpertProfile.id.in_(ids), ExpertProfile.anonymised_at.is_(None)
            )
        )
    }
    user_ids = [p.user_id for p in profiles.values()]
    allowed = consenting_user_ids(user_ids, ConsentPurpose.PROCESSING)
    if for_host:
        allowed &= consenting_user_ids(list(allowed), ConsentPurpose.SHARE_WITH_HOSTS)
    rules = programme_rules(need.programme, booked_windows(list(profiles)))
    record = need_record(need)
    kept = []
    for expert_id, match in cached:
        profile = profiles.get(expert_id)
        if profile is None or profile.user_id not in allowed:
            continue
        if exclusion_reasons(expert_record(profile), record, rules):
            continue
        kept.append(RankedExpert(profile, match))
    return kept
