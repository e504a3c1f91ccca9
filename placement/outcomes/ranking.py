"""The learned term as a criterion of the ranking, guarded by its measured benefit.

The model reads the engine's per-criterion components of a pair, which exist only once the engine
has scored it; so instead of an extra scorer evaluated inside the engine, the learned term is
added to the engine's rankings afterwards, exactly: :class:`OutcomeAwareMatcher` asks the engine
for more candidates than needed, adds ``weight * predicted success`` as one more criterion of the
weighted mean (the engine's own formula), and asks for more only when a candidate it has not
seen could still reach the top ``k`` (its heuristic score plus the largest possible learned term
would beat the ``k``-th combined score).

The weight is the one the held-out evaluation justified (:mod:`placement.outcomes.assessment`):
when it is 0, or no model is in use, the plain engine ranks and nothing is added.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

import numpy as np
from sqlalchemy import select

from matching.engine import Match, Matcher
from placement.extensions import db
from placement.ids import parse_uuid
from placement.models import ExpertProfile, Institution, OutcomeReport, Placement, PlacementStatus
from placement.models import Need as NeedRow
from placement.outcomes import history as versions
from placement.outcomes.features import Context, TrackRecord, track_record, vector
from placement.outcomes.labels import Label, label_of
from placement.outcomes.learner import OutcomeModel

TERM = "predicted_success"


class LearnedTerm:
    """The model in use, its version and weight, and the database facts it needs."""

    def __init__(self, model: OutcomeModel, version: int, weight: float) -> None:
        self.model, self.version, self.weight = model, version, weight
        self._contexts: dict[str, Context] = {}
        self._records: dict[str, TrackRecord] = {}

    def _load(self, expert_ids: Iterable[str], need_ids: Iterable[str]) -> None:
        """Host type and remote work of the needs, and the experts' track records as of now,
        in a few queries for the whole batch."""
        needs = [k for k in set(need_ids) - set(self._contexts) if parse_uuid(k)]
        if needs:
            for key, kind, remote in db.session.execute(
                select(NeedRow.uuid, Institution.kind, NeedRow.remote)
                .join(Institution, Institution.id == NeedRow.institution_id)
                .where(NeedRow.uuid.in_([parse_uuid(k) for k in needs]))
            ):
                self._contexts[str(key)] = Context(kind.value, bool(remote))
        experts = [k for k in set(expert_ids) - set(self._records) if parse_uuid(k)]
        if not experts:
            return
        ended: dict[str, list[tuple[date, int]]] = defaultdict(list)
        for key, placement_id, end in db.session.execute(
            select(ExpertProfile.uuid, Placement.id, Placement.end)
            .join(Placement, Placement.expert_id == ExpertProfile.id)
            .where(
                ExpertProfile.uuid.in_([parse_uuid(k) for k in experts]),
                Placement.status == PlacementStatus.COMPLETED,
            )
        ):
            ended[str(key)].append((end, placement_id))
        ids = [pid for rows in ended.values() for _end, pid in rows]
        reports: dict[int, list[OutcomeReport]] = defaultdict(list)
        if ids:
            for report in db.session.scalars(
                select(OutcomeReport).where(OutcomeReport.placement_id.in_(ids))
            ):
                reports[report.placement_id].append(report)
        abroad = dict(
            db.session.execute(
                select(ExpertProfile.uuid, ExpertProfile.abroad_since).where(
                    ExpertProfile.uuid.in_([parse_uuid(k) for k in experts])
                )
            ).all()
        )
        now = datetime.now(UTC)
        for key in experts:
            past: list[tuple[date, Label]] = [
                (end, label_of(reports.get(pid, []))) for end, pid in ended.get(key, [])
            ]
            since = abroad.get(parse_uuid(key))
            self._records[key] = replace(track_record(past, now), abroad_since=since)

    def predict(self, matcher: Matcher, matches: list[Match]) -> list[float]:
        """Predicted success of each ranked pair."""
        if not matches:
            return []
        self._load([m.expert_id for m in matches], [m.need_id for m in matches])
        rows = [
            vector(
                m.components,
                matcher.experts_[m.expert_id],
                matcher.needs_[m.need_id],
                self._contexts.get(m.need_id, Context()),
                self._records.get(m.expert_id, TrackRecord()),
            )
            for m in matches
        ]
        return [float(p) for p in self.model.predict(np.array(rows, dtype=float))]


class OutcomeAwareMatcher(Matcher):
    """The engine with the learned term added to its rankings (see the module docstring)."""

    def __init__(self, term: LearnedTerm, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.term = term

    def _combine(self, base: float, learned: float) -> float:
        total = sum(self.weights_.values())
        return round((total * base + self.term.weight * learned) / (total + self.term.weight), 6)

    def _with_term(self, match: Match, learned: float) -> Match:
        score = self._combine(match.score, learned)
        components = {**match.components, TERM: round(learned, 4)}
        explanation = {
            **match.explanation,
            "components": components,
            "weights": {**match.explanation.get("weights", self.weights_), TERM: self.term.weight},
            "score": score,
            "heuristic_score": match.score,
            "learned_model_version": self.term.version,
        }
        return Match(match.need_id, match.expert_id, score, components, explanation)

    def _exact(self, fetch, k: int, key) -> list[Match]:
        """Top ``k`` by combined score; ``fetch(n)`` gives the heuristic's best ``n``."""
        size = max(2 * k, k + 10)
        while True:
            base = fetch(size)
            learned = self.term.predict(self, base)
            scored = sorted(
                (self._with_term(m, p) for m, p in zip(base, learned, strict=True)),
                key=lambda m: (-m.score, key(m)),
            )
            if len(base) < size:
                return scored[:k]
            bound = self._combine(base[-1].score, 1.0)
            if len(scored) >= k and bound < scored[k - 1].score:
                return scored[:k]
            size *= 2

    def rank_experts(self, need_id: str, k: int = 10) -> list[Match]:
        return self._exact(
            lambda n: super(OutcomeAwareMatcher, self).rank_experts(need_id, n),
            k,
            lambda m: m.expert_id,
        )

    def rank_needs(self, expert_id: str, k: int = 10) -> list[Match]:
        return self._exact(
            lambda n: super(OutcomeAwareMatcher, self).rank_needs(expert_id, n),
            k,
            lambda m: m.need_id,
        )

    def match_all(
        self, k: int = 10, *, explain: bool = True, chunk: int = 512
    ) -> dict[str, list[Match]]:
        return {need_id: self.rank_experts(need_id, k) for need_id in self.needs_}

    def candidate_links(self, per_need: int | None = None) -> list[tuple[str, str, float]]:
        every = max(1, len(self.experts_))
        return [
            (m.need_id, m.expert_id, m.score)
            for need_id in self.needs_
            for m in self.rank_experts(need_id, per_need or every)
        ]

    def explain(self, expert_id: str, need_id: str) -> dict[str, Any]:
        result = super().explain(expert_id, need_id)
        if not result.get("eligible") or "components" not in result:
            return result
        ranking = self.rank_experts(need_id, max(1, len(self.experts_)))
        match = next((m for m in ranking if m.expert_id == expert_id), None)
        if match is None:
            return result
        rank = ranking.index(match) + 1
        return {**result, **match.explanation, "score": match.score, "rank": rank}


def learned_term() -> LearnedTerm | None:
    """The term in use, or None when there is no model or its measured benefit is nil."""
    found = versions.current()
    if found is None or found[1].weight <= 0:
        return None
    model, version = found
    return LearnedTerm(model, version.version, version.weight)


def outcome_aware_matcher() -> Matcher:
    """The engine the application ranks with: plain, or with the learned term when it helps."""
    term = learned_term()
    return Matcher() if term is None else OutcomeAwareMatcher(term)
