"""What the outcome model sees about a placement: the engine's own view of the match, plus what
the engine does not read (the host's type, remote work, the expert's track record).

The same :func:`vector` builds the row for a past placement (training, evaluation) and for a
candidate pair at ranking time, so the model is never trained on something it cannot see when it
ranks. The engine's per-criterion components are taken from its public explanation output
(:meth:`matching.engine.Matcher.explain`, or ``Match.components`` when ranking). Every column is
described in docs/outcome-features.md.

No leakage: an expert's previous placements count only if they ended before the placement's
start, and their outcomes only if the answer had been submitted by then.
"""

from __future__ import annotations

import dataclasses
import math
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from matching.engine import CONTENT, PRACTICAL, Matcher
from matching.records import Expert, Need, Window
from placement.extensions import db
from placement.matches.records import expert_record, need_record
from placement.models import (
    ExpertProfile,
    InstitutionType,
    OutcomeReport,
    Placement,
    PlacementStatus,
)
from placement.models import Need as NeedRow
from placement.outcomes.labels import Label, Quality, label_of
from placement.taxonomy import get_taxonomy

COMPONENTS: tuple[str, ...] = (*CONTENT, *PRACTICAL)
SECTORS = ("health", "education", "agriculture", "engineering", "governance", "finance", "ict")
HOST_KINDS = tuple(kind.value for kind in InstitutionType)
FEATURES: tuple[str, ...] = (
    *(f"engine_{name}" for name in COMPONENTS),
    "language_min_margin",
    "language_mean_margin",
    "languages_required",
    "availability_slack_weeks",
    "years_experience",
    "duration_weeks",
    "remote",
    "sector_match",
    *(f"sector_{name}" for name in SECTORS),
    *(f"host_{name}" for name in HOST_KINDS),
    "prior_placements",
    "prior_outcomes_known",
    "prior_successes",
    "years_abroad",
)


@dataclass(frozen=True)
class Context:
    """What the engine's need record does not carry."""

    host_kind: str | None = None
    remote: bool = False


@dataclass(frozen=True)
class TrackRecord:
    """The expert's own history as known at one moment: earlier placements and their
    outcomes, and the year they settled abroad (None when they did not say)."""

    placements: int = 0
    outcomes_known: int = 0
    successes: int = 0
    abroad_since: int | None = None


def _nan(value: float | None) -> float:
    return math.nan if value is None else float(value)


def vector(
    components: Mapping[str, float | None],
    expert: Expert,
    need: Need,
    context: Context,
    record: TrackRecord,
) -> list[float]:
    """One row of :data:`FEATURES`; unknown values are NaN (the models handle them)."""
    spoken = {lang.code: lang.rank for lang in expert.languages}
    margins = [spoken.get(lang.code, 0) - lang.rank for lang in need.languages]
    overlap = max((w.overlap_days(need.window) for w in expert.availability), default=None)
    slack = None if overlap is None else (overlap - 7 * need.duration_weeks) / 7
    return [
        *(_nan(components.get(name)) for name in COMPONENTS),
        _nan(min(margins)) if margins else math.nan,
        _nan(float(np.mean(margins))) if margins else math.nan,
        float(len(margins)),
        _nan(slack),
        _nan(expert.years_experience),
        float(need.duration_weeks),
        float(context.remote),
        float(bool(need.sector and need.sector in expert.sectors)),
        *(float(need.sector == name) for name in SECTORS),
        *(float(context.host_kind == name) for name in HOST_KINDS),
        float(record.placements),
        float(record.outcomes_known),
        float(record.successes),
        _nan(need.start.year - record.abroad_since if record.abroad_since else None),
    ]


def track_record(history: list[tuple[date, Label]], moment: datetime) -> TrackRecord:
    """Placements that ended before ``moment``, and their outcomes known by then."""
    ended = [
        label for end, label in history if datetime.combine(end, datetime.max.time(), UTC) < moment
    ]
    known = [label.known_by(moment) for label in ended]
    return TrackRecord(len(ended), sum(k is not None for k in known), sum(k is True for k in known))


@dataclass(frozen=True)
class Row:
    """A labelled past placement, as the evaluation needs it."""

    placement_id: int
    start: date
    label: Label
    features: list[float]
    heuristic: float  # the engine's score recomputed now, without any learned term
    gender: str
    origin_country: str


@dataclass(frozen=True)
class History:
    rows: list[Row]
    quality: Quality

    def matrix(self) -> np.ndarray:
        return np.array([r.features for r in self.rows], dtype=float).reshape(-1, len(FEATURES))


def _reports(ids: list[int]) -> dict[int, list[OutcomeReport]]:
    grouped: dict[int, list[OutcomeReport]] = defaultdict(list)
    for start in range(0, len(ids), 500):
        for report in db.session.scalars(
            select(OutcomeReport).where(OutcomeReport.placement_id.in_(ids[start : start + 500]))
        ):
            grouped[report.placement_id].append(report)
    return grouped


def completed_placements() -> list[Placement]:
    return list(
        db.session.scalars(
            select(Placement)
            .where(Placement.status == PlacementStatus.COMPLETED)
            .options(
                selectinload(Placement.need).selectinload(NeedRow.institution),
                selectinload(Placement.expert).selectinload(ExpertProfile.languages),
                selectinload(Placement.expert).selectinload(ExpertProfile.skills),
                selectinload(Placement.expert).selectinload(ExpertProfile.availability),
            )
            .order_by(Placement.start, Placement.id)
        )
    )


def as_then(placement: Placement) -> tuple[Expert, Need]:
    """The engine's records of a past pair. The expert did the placement, so they were free on
    its dates whatever their availability says today: those dates are added to it (without
    them, every past placement would fail the availability rule today)."""
    expert = expert_record(placement.expert)
    expert = dataclasses.replace(
        expert,
        id=f"{placement.id}:{expert.id}",
        availability=(*expert.availability, Window(placement.start, placement.end)),
    )
    return expert, need_record(placement.need)


def engine_view(pairs: list[tuple[Expert, Need]]) -> list[dict | None]:
    """The heuristic's explanation of each pair, recomputed now by an engine without any learned
    criterion; None where the engine declines to score the pair (ineligible today)."""
    if not pairs:
        return []
    experts = list({e.id: e for e, _n in pairs}.values())
    needs = list({n.id: n for _e, n in pairs}.values())
    matcher = Matcher().fit(experts, needs, taxonomy=get_taxonomy())
    views: list[dict | None] = []
    for expert, need in pairs:
        explained = matcher.explain(expert.id, need.id)
        views.append(explained if explained.get("eligible") and "components" in explained else None)
    return views


def history() -> History:
    """Every completed placement with a label, as rows ordered by start; problems counted."""
    placements = completed_placements()
    reports = _reports([p.id for p in placements])
    labels = {p.id: label_of(reports.get(p.id, [])) for p in placements}
    by_expert: dict[int, list[tuple[date, Label]]] = defaultdict(list)
    for p in placements:
        by_expert[p.expert_id].append((p.end, labels[p.id]))
    quality = Quality()
    chosen = []
    for p in placements:
        quality.add(labels[p.id])
        if labels[p.id].best is not None:
            chosen.append(p)
    pairs = [as_then(p) for p in chosen]
    rows = []
    for p, (expert, need), view in zip(chosen, pairs, engine_view(pairs), strict=True):
        if view is None:
            quality.no_heuristic += 1
            continue
        moment = datetime.combine(p.start, datetime.min.time(), UTC)
        context = Context(p.need.institution.kind.value, bool(p.need.remote))
        record = replace(
            track_record(by_expert[p.expert_id], moment), abroad_since=p.expert.abroad_since
        )
        rows.append(
            Row(
                p.id,
                p.start,
                labels[p.id],
                vector(view["components"], expert, need, context, record),
                float(view["score"]),
                p.expert.gender.value,
                p.expert.origin_country or "",
            )
        )
    return History(rows, quality)
