"""Rank needs for an expert and experts for a need, from the database, with the matching library.

The library never sees the ORM: rows become its plain records here. Programme rules and the
expert's booked placements are hard constraints; an expert who withdrew consent to processing is
never ranked, and one who did not consent to sharing is never shown to a host.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import Select, bindparam, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from matching.eligibility import ProgrammeRules, exclusion_reasons
from matching.engine import Match, Matcher
from matching.evidence import has_skill_evidence
from matching.records import Expert as ExpertRecord
from matching.records import Language, Window
from placement.database import commit_apart, in_read_request, reads_only
from placement.extensions import db
from placement.matches.records import expert_record, need_record
from placement.matches.stored_index import (
    country_block,
    country_experts,
    forget_blocks,
    loader_for,
)
from placement.models import (
    BOOKED_STATUSES,
    AvailabilityWindow,
    ConsentPurpose,
    ConsentRecord,
    ExpertLanguage,
    ExpertProfile,
    Need,
    NeedRanking,
    NeedStatus,
    Placement,
    Programme,
    utcnow,
)
from placement.process_cache import ProcessCache
from placement.taxonomy import get_taxonomy

# Rankings are cut after programme rules, so ask the engine for a few more than shown.
OVERFETCH = 3
# A kept ranking is re-checked this many places past what is shown, before looking further.
RECHECK_MARGIN = 5
# Candidates shown on a host's need page (the ranking its task makes ahead of the view).
HOST_SHOWN = 20


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
    busy: dict[str, list[Window]] = {}
    for expert_uuid, start, end in db.session.connection().execute(
        _BOOKED_OF, {"ids": expert_ids, "statuses": list(BOOKED_STATUSES)}
    ):
        busy.setdefault(str(expert_uuid), []).append(Window(start, end))
    return {key: tuple(value) for key, value in busy.items()}


def consenting_user_ids(user_ids: list[int], *purposes: ConsentPurpose) -> set[int]:
    """Users whose latest decision for each of ``purposes`` is a grant (one query)."""
    latest: dict[tuple[int, ConsentPurpose], bool] = {}
    for user_id, purpose, granted in db.session.connection().execute(
        _CONSENTS_OF, {"ids": list(user_ids), "purposes": list(purposes)}
    ):
        latest[user_id, purpose] = granted
    return {u for u in set(user_ids) if all(latest.get((u, p)) for p in purposes)}


_BOOKED_OF = (
    select(ExpertProfile.uuid, Placement.start, Placement.end)
    .join(Placement, Placement.expert_id == ExpertProfile.id)
    .where(
        Placement.expert_id.in_(bindparam("ids", expanding=True)),
        Placement.status.in_(bindparam("statuses", expanding=True)),
    )
)
_CONSENTS_OF = (
    select(ConsentRecord.user_id, ConsentRecord.purpose, ConsentRecord.granted)
    .where(
        ConsentRecord.user_id.in_(bindparam("ids", expanding=True)),
        ConsentRecord.purpose.in_(bindparam("purposes", expanding=True)),
    )
    .order_by(ConsentRecord.recorded_at, ConsentRecord.id)
)


def _allowed_users(user_ids: list[int], for_host: bool) -> set[int]:
    """Users who may be ranked: consent to processing and, for a host's view, also to sharing
    the professional profile with host institutions."""
    if for_host:
        return consenting_user_ids(
            user_ids, ConsentPurpose.PROCESSING, ConsentPurpose.SHARE_WITH_HOSTS
        )
    return consenting_user_ids(user_ids, ConsentPurpose.PROCESSING)


def outcome_aware_matcher() -> Matcher:
    """The engine, with the criterion learned from outcomes when it measurably helps."""
    from placement.outcomes.ranking import outcome_aware_matcher as learned

    return learned()


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


def _rank_experts(need: Need, count: int, for_host: bool) -> list[tuple[int, Match]]:
    return _rank_needs([need], count, for_host)[need.id]


def _rank_needs(
    needs: list[Need], count: int, for_host: bool
) -> dict[int, list[tuple[int, Match]]]:
    """Fit the engine once on every eligible expert of the needs' country and rank each need:
    the costly path. The needs share their country and programme (the programme's rules are
    part of the fit)."""
    country = needs[0].country
    block, users = country_block(country)
    allowed = _allowed_users(list(users.values()), for_host)
    # Those who may be ranked and live elsewhere (who lives in the country is not held, as
    # the ranking query always left them out).
    lives_elsewhere = (block.residence != country) & (block.residence != "")
    held = block.held(i for i, user_id in users.items() if user_id in allowed) & lives_elsewhere
    if not held.any():
        return {need.id: [] for need in needs}
    need_records = {need.id: need_record(need) for need in needs}
    matcher = outcome_aware_matcher().fit_stored(
        block,
        list(need_records.values()),
        taxonomy=get_taxonomy(),
        rules=programme_rules(needs[0].programme, booked_windows(block.keys[held].tolist())),
        held=held,
        load=loader_for(block),
    )
    by_uuid = dict(zip(block.ids.tolist(), block.keys.tolist(), strict=True))
    return {
        need_id: [(by_uuid[m.expert_id], m) for m in matcher.rank_experts(record.id, k=count)]
        for need_id, record in need_records.items()
    }


def experts_for_need(need: Need, limit: int = 10, *, for_host: bool = False) -> list[RankedExpert]:
    """Eligible experts for a need, best first, with their profiles (see
    :func:`ranked_expert_ids`)."""
    return with_profiles(ranked_expert_ids(need, limit, for_host=for_host))


def ranked_expert_ids(
    need: Need, limit: int = 10, *, for_host: bool = False
) -> list[tuple[int, Match]]:
    """Eligible experts for a need, best first, as (profile id, match). Hosts see only experts
    who agreed to share their professional profile with host institutions.

    Ranking every expert of a country means fitting the engine on thousands of profiles
    (seconds), so a need's ranking is kept for MATCH_CACHE_SECONDS (default 300; off under
    TESTING unless set): in the database, for every worker (one fit per need, not one per
    worker), and in each worker's memory. A kept ranking is re-checked on every use: whoever
    withdrew consent, was erased or became ineligible (booked, profile changed) since is dropped
    at once. New or improved profiles show up when the ranking expires, or when the need is
    edited."""
    kept = kept_ranking(need, limit, for_host=for_host)
    if kept is not None:
        return kept
    pool = limit * OVERFETCH
    of = _RankingOf.of(need, for_host, pool)  # before ranking: the need may change meanwhile
    ranked = _rank_experts(need, pool, for_host)
    if cache_seconds() > 0:
        _RANKINGS.put(of.key(need.uuid), ranked)
        if in_read_request():
            _store_ranking(of, ranked)
    return ranked[:limit]


def kept_ranking(
    need: Need, limit: int = 10, *, for_host: bool = False
) -> list[tuple[int, Match]] | None:
    """The kept ranking of this version of the need, re-checked (see
    :func:`ranked_expert_ids`), or None when there is none yet (or it ran short): then the
    ranking is still to be made, by this request or by a task."""
    seconds = cache_seconds()
    if seconds <= 0:
        return None
    pool = limit * OVERFETCH
    key = _RankingOf.of(need, for_host, pool).key(need.uuid)
    cached = _RANKINGS.get(key, seconds)
    if cached is None and (stored := _stored_ranking(need, for_host, pool, seconds)):
        cached, age = stored
        _RANKINGS.put(key, cached, age)
    if cached is None:
        return None
    kept = _still_eligible(need, cached, for_host, limit)
    if len(kept) >= limit or len(cached) < pool:
        return kept
    return None


def rank_and_keep(need_id: int, for_host: bool = True, limit: int = HOST_SHOWN) -> int:
    """Rank a need now and keep the ranking for every worker (the rank-need task, in its own
    transaction). A need no longer approved or open is left alone. Returns how many
    candidates the ranking holds."""
    need = db.session.get(Need, need_id)
    if need is None or need.status not in (NeedStatus.APPROVED, NeedStatus.OPEN):
        return 0
    pool = limit * OVERFETCH
    of = _RankingOf.of(need, for_host, pool)
    ranked = _rank_experts(need, pool, for_host)
    _replace_ranking(of, ranked)
    _RANKINGS.put(of.key(need.uuid), ranked)
    return len(ranked)


def _stored_ranking(
    need: Need, for_host: bool, pool: int, seconds: float
) -> tuple[list[tuple[int, Match]], float] | None:
    """The ranking another worker made for this version of the need, if made less than
    ``seconds`` ago, with its age."""
    stored = db.session.scalar(
        select(NeedRanking).where(
            NeedRanking.need_id == need.id,
            NeedRanking.for_host == for_host,
            NeedRanking.pool == pool,
        )
    )
    if stored is None or stored.need_version != need.updated_at:
        return None
    if stored.programme_id != need.programme_id:
        return None
    age = (utcnow() - stored.computed_at).total_seconds()
    if not 0 <= age <= seconds:
        return None
    ranked = [
        (expert_id, Match(str(need.uuid), expert_uuid, score, components, explanation))
        for expert_id, expert_uuid, score, components, explanation in stored.entries
    ]
    return ranked, age


@dataclass(frozen=True)
class _RankingOf:
    """Which ranking: the need as it was ranked (read before any commit, so that an edit made
    meanwhile leaves the stored ranking outdated, not passed off as current)."""

    need_id: int
    need_version: datetime
    programme_id: int | None
    for_host: bool
    pool: int

    @classmethod
    def of(cls, need: Need, for_host: bool, pool: int) -> _RankingOf:
        return cls(need.id, need.updated_at, need.programme_id, for_host, pool)

    def key(self, need_uuid: object) -> tuple[object, ...]:
        """This ranking's key in the process cache."""
        return (str(need_uuid), self.need_version, self.programme_id, self.for_host, self.pool)


def _store_ranking(of: _RankingOf, ranked: list[tuple[int, Match]]) -> None:
    """Keep the ranking for the other workers. Only from a page view, in a transaction of its
    own: inside a write it would commit that write early. Two workers storing at once is
    harmless (the second is refused by the unique key and the first kept)."""
    try:
        commit_apart(lambda: _replace_ranking(of, ranked))
    except IntegrityError:
        db.session.rollback()


def _replace_ranking(of: _RankingOf, ranked: list[tuple[int, Match]]) -> None:
    db.session.execute(
        delete(NeedRanking).where(
            NeedRanking.need_id == of.need_id,
            NeedRanking.for_host == of.for_host,
            NeedRanking.pool == of.pool,
        )
    )
    db.session.add(
        NeedRanking(
            need_id=of.need_id,
            for_host=of.for_host,
            pool=of.pool,
            need_version=of.need_version,
            programme_id=of.programme_id,
            entries=[
                [expert_id, m.expert_id, m.score, m.components, m.explanation]
                for expert_id, m in ranked
            ],
        )
    )


def refresh_rankings(_today: date) -> int:
    """The refresh-rankings job: rank again, before they expire, the stored rankings of open and
    approved needs made more than a third of MATCH_CACHE_SECONDS ago, so that page views find a
    fresh ranking instead of fitting the engine. Needs of one country and programme share one
    fit; the fitting only reads (it does not hold SQLite's write lock) and the rankings are
    written at the end. Returns how many rankings were made."""
    seconds = cache_seconds()
    if seconds <= 0:
        return 0
    due = utcnow() - timedelta(seconds=seconds / 3)
    with reads_only():
        rows = db.session.execute(
            select(NeedRanking.for_host, NeedRanking.pool, Need)
            .join(Need, Need.id == NeedRanking.need_id)
            .where(
                Need.status.in_((NeedStatus.OPEN, NeedStatus.APPROVED)),
                NeedRanking.computed_at < due,
            )
            .order_by(Need.id)
        ).all()
        groups: dict[tuple[str, int | None, bool], list[tuple[Need, int]]] = {}
        for for_host, pool, need in rows:
            groups.setdefault((need.country, need.programme_id, for_host), []).append((need, pool))
        made = []
        for (_country, _programme, for_host), members in groups.items():
            needs = list({need.id: need for need, _pool in members}.values())
            rankings = [_RankingOf.of(need, for_host, pool) for need, pool in members]
            ranked = _rank_needs(needs, max(pool for _need, pool in members), for_host)
            made += [(of, ranked[of.need_id][: of.pool]) for of in rankings]
        db.session.commit()  # the read transaction ends; the job's write begins
    for of, ranked in made:
        _replace_ranking(of, ranked)
    return len(made)


def forget_rankings() -> None:
    """Delete every kept ranking and country block (an erasure: they name experts, and the
    blocks hold their features) and this process's candidates' cards; they are made again."""
    from placement.needs.candidates_view import forget_cards  # the pages' layer, imported late

    db.session.execute(delete(NeedRanking))
    forget_blocks()
    _RANKINGS.clear()
    forget_cards()


def with_profiles(ranked: list[tuple[int, Match]]) -> list[RankedExpert]:
    """The ranked pairs with their profiles loaded (four queries), in the same order."""
    profiles = {
        p.id: p
        for p in _candidate_profiles(
            select(ExpertProfile).where(ExpertProfile.id.in_([i for i, _match in ranked]))
        )
    }
    return [RankedExpert(profiles[i], match) for i, match in ranked if i in profiles]


# need key -> ranking pool [(expert id, match)], see experts_for_need.
_RANKINGS: ProcessCache[list[tuple[int, Match]]] = ProcessCache()


def cache_seconds() -> float:
    config = current_app.config
    return float(config.get("MATCH_CACHE_SECONDS", 0 if config.get("TESTING") else 300))


def _still_eligible(
    need: Need, cached: list[tuple[int, Match]], for_host: bool, limit: int
) -> list[tuple[int, Match]]:
    """The kept ranking's first ``limit`` experts who still consent, were not erased and still
    pass the hard constraints (the same rules the engine applies), read from the database now.
    This runs on every view of a need, so it reads plain rows, not ORM objects, and only as far
    down the ranking as it must: the first ``limit`` and a few more, then further if too many
    of those dropped out."""
    record = need_record(need)
    kept: list[tuple[int, Match]] = []
    start, size = 0, limit + RECHECK_MARGIN
    while len(kept) < limit and start < len(cached):
        chunk = cached[start : start + size]
        records = _constraint_records([expert_id for expert_id, _match in chunk])
        allowed = _allowed_users([user_id for user_id, _record in records.values()], for_host)
        rules = programme_rules(need.programme, booked_windows(list(records)))
        for expert_id, match in chunk:
            user_id, expert = records.get(expert_id, (None, None))
            if expert is None or user_id not in allowed:
                continue
            if not exclusion_reasons(expert, record, rules):
                kept.append((expert_id, match))
        start, size = start + size, len(cached)
    return kept[:limit]


def _constraint_records(expert_ids: list[int]) -> dict[int, tuple[int, ExpertRecord]]:
    """Profile id -> (user id, the engine's record with just what the hard constraints read:
    countries, languages, availability), for profiles not erased. Three Core queries on the
    session's connection (no ORM layer: this runs on every view); the fields are converted as
    :func:`placement.matches.records.expert_record` does."""
    if not expert_ids:
        return {}
    connection = db.session.connection()
    ids = {"ids": expert_ids}
    languages: dict[int, list[Language]] = {}
    for expert_id, code, level in connection.execute(_LANGUAGES_OF, ids):
        languages.setdefault(expert_id, []).append(Language(code, level.value))
    windows: dict[int, list[Window]] = {}
    for expert_id, start, end in connection.execute(_WINDOWS_OF, ids):
        windows.setdefault(expert_id, []).append(Window(start, end))
    return {
        expert_id: (
            user_id,
            ExpertRecord(
                id=str(expert_uuid),
                origin_country=origin or "",
                residence_country=residence or "",
                languages=tuple(languages.get(expert_id, ())),
                availability=tuple(windows.get(expert_id, ())),
            ),
        )
        for expert_id, expert_uuid, user_id, origin, residence in connection.execute(
            _PROFILES_OF, ids
        )
    }


# Built once: building a statement costs more than running it on a few dozen rows.
_IDS = bindparam("ids", expanding=True)
_LANGUAGES_OF = select(ExpertLanguage.expert_id, ExpertLanguage.code, ExpertLanguage.level).where(
    ExpertLanguage.expert_id.in_(_IDS)
)
_WINDOWS_OF = (
    select(AvailabilityWindow.expert_id, AvailabilityWindow.start, AvailabilityWindow.end)
    .where(AvailabilityWindow.expert_id.in_(_IDS))
    .order_by(AvailabilityWindow.id)
)
_PROFILES_OF = select(
    ExpertProfile.id,
    ExpertProfile.uuid,
    ExpertProfile.user_id,
    ExpertProfile.origin_country,
    ExpertProfile.residence_country,
).where(ExpertProfile.id.in_(_IDS), ExpertProfile.anonymised_at.is_(None))


# --- honest rankings: evidence first, and why nobody is listed ----------------------------------


def has_evidence(match: Match) -> bool:
    """Whether the match rests on some skill or occupation evidence, not on practical fit
    alone (:func:`matching.evidence.has_skill_evidence` on the components the engine gave
    with the score)."""
    return has_skill_evidence(match.explanation.get("components") or match.components)


def evidence_first(
    ranked: list[tuple[int, Match]],
) -> tuple[list[tuple[int, Match]], list[tuple[int, Match]]]:
    """The ranking split into candidates with skill or occupation evidence and weaker matches
    (practical fit only), each in score order: a weaker match is never above a real one."""
    strong = [pair for pair in ranked if has_evidence(pair[1])]
    weaker = [pair for pair in ranked if not has_evidence(pair[1])]
    return strong, weaker


@dataclass(frozen=True)
class Exclusions:
    """Why experts are not candidates for a need: how many each rule removed (an expert may
    break several rules, and is then counted under each)."""

    considered: int
    by_rule: dict[str, int]


def exclusions(need: Need, *, for_host: bool = False) -> Exclusions:
    """Count, over every expert not erased, who each hard rule of eligibility removes from
    ``need`` (the rules of :func:`matching.eligibility.exclusion_reasons`), and who is left out
    for want of consent or of anything to match on. For the page that has no candidate: an
    eligible expert counted here is one the engine found nothing related in."""
    from sqlalchemy import func

    other_origin = db.session.scalar(
        select(func.count())
        .select_from(ExpertProfile)
        .where(ExpertProfile.anonymised_at.is_(None), ExpertProfile.origin_country != need.country)
    )
    stored = country_experts(
        ExpertProfile.origin_country == need.country, ExpertProfile.anonymised_at.is_(None)
    )
    counts: dict[str, int] = {"origin_country": other_origin or 0} if other_origin else {}
    users = [user_id for user_id, _item in stored.values()]
    processing = consenting_user_ids(users, ConsentPurpose.PROCESSING)
    allowed = _allowed_users(users, for_host)
    record = need_record(need)
    rules = programme_rules(need.programme, booked_windows(list(stored)))
    for user_id, item in stored.values():
        codes = {r.code for r in exclusion_reasons(item.record, record, rules)}
        if user_id not in processing:
            codes.add("consent")
        elif user_id not in allowed:
            codes.add("sharing")
        if not codes:
            # Eligible, yet not ranked: nothing to match on, or nothing related to the need.
            codes.add("empty_profile" if item.profile.empty else "no_overlap")
        for code in codes:
            counts[code] = counts.get(code, 0) + 1
    return Exclusions(considered=(other_origin or 0) + len(stored), by_rule=counts)
