"""Global assignment: the set of placements with the largest total score.

Ranking each need on its own can propose the same expert everywhere; programme staff need one
plan in which each expert goes to at most one need and each need gets at most its ``slots``.
That is a maximum-weight bipartite *b*-matching. It is solved exactly by expanding every need
into one column per slot, giving every expert a private zero-score "unassigned" column (so a
full matching always exists and leaving an expert out is allowed) and running scipy's sparse
Jonker–Volgenant solver (:func:`scipy.sparse.csgraph.min_weight_full_bipartite_matching`) on
each connected component of the candidate graph. A greedy plan (best remaining link first) is
computed alongside, so reports can show what optimisation gains.

Determinism: links are put in a canonical order (need id, expert id) before solving, so the
same links give the same plan whatever order they arrive in.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components, min_weight_full_bipartite_matching

__all__ = ["AssignmentError", "AssignmentResult", "GreedyResult", "assign", "greedy_assign"]

Link = tuple[str, str, float]


class AssignmentError(ValueError):
    """Contradictory constraints, e.g. two locks for one expert or more locks than slots."""


@dataclass(frozen=True)
class GreedyResult:
    """The greedy baseline: repeatedly take the best remaining admissible link."""

    pairs: tuple[Link, ...]
    total_score: float

    @property
    def placements(self) -> int:
        return len(self.pairs)


@dataclass(frozen=True)
class AssignmentResult:
    """An optimal plan.

    Attributes
    ----------
    pairs : tuple of (need_id, expert_id, score)
        Sorted by need id, then score (best first), then expert id. Locked pairs included.
    total_score : float
        Sum of the pairs' scores, the maximum possible under the constraints.
    greedy : GreedyResult
        The greedy plan on the same links and constraints, for comparison.
    links : int
        Candidate links considered after filtering.
    seconds : float
        Solver wall time.
    """

    pairs: tuple[Link, ...]
    total_score: float
    greedy: GreedyResult
    links: int = 0
    seconds: float = 0.0
    locked: tuple[Link, ...] = field(default=())

    @property
    def placements(self) -> int:
        return len(self.pairs)

    def compare_greedy(self) -> dict[str, float | int]:
        """Totals and placement counts of the optimal and the greedy plan, side by side."""
        return {
            "optimal_total": round(self.total_score, 6),
            "optimal_placements": self.placements,
            "greedy_total": round(self.greedy.total_score, 6),
            "greedy_placements": self.greedy.placements,
            "gain": round(self.total_score - self.greedy.total_score, 6),
        }


def _filtered_links(
    links: Iterable[Link],
    min_score: float,
    bans: set[tuple[str, str]],
    busy: Mapping[str, Iterable[str]] | Iterable[str] | None,
) -> dict[tuple[str, str], float]:
    blocked_experts: set[str] = set()
    blocked_pairs: set[tuple[str, str]] = set()
    if isinstance(busy, Mapping):
        blocked_pairs = {(n, e) for e, needs in busy.items() for n in needs}
    elif busy is not None:
        blocked_experts = set(busy)
    best: dict[tuple[str, str], float] = {}
    for need_id, expert_id, score in links:
        key = (need_id, expert_id)
        score = float(score)
        if (
            score < min_score
            or score <= 0
            or key in bans
            or key in blocked_pairs
            or expert_id in blocked_experts
        ):
            continue
        if score > best.get(key, -1.0):
            best[key] = score
    return best


def _apply_locks(
    locks: Iterable[tuple[str, str]],
    scores: dict[tuple[str, str], float],
    slots: Mapping[str, int],
) -> tuple[list[Link], dict[str, int]]:
    locked: list[Link] = []
    left = {need: int(n) for need, n in slots.items()}
    seen: set[str] = set()
    for need_id, expert_id in sorted(set(locks)):
        if expert_id in seen:
            raise AssignmentError(f"expert {expert_id!r} is locked to more than one need")
        if left.get(need_id, 0) <= 0:
            raise AssignmentError(f"need {need_id!r} has more locks than slots")
        seen.add(expert_id)
        left[need_id] -= 1
        locked.append((need_id, expert_id, scores.get((need_id, expert_id), 0.0)))
    for key in [k for k in scores if k[1] in seen]:
        del scores[key]
    return locked, left


def greedy_assign(scores: Mapping[tuple[str, str], float], slots: Mapping[str, int]) -> list[Link]:
    """Best link first, skipping full needs and placed experts (ties: need id, expert id)."""
    left = dict(slots)
    used: set[str] = set()
    pairs = []
    for (need_id, expert_id), score in sorted(scores.items(), key=lambda kv: (-kv[1], kv[0])):
        if left.get(need_id, 0) > 0 and expert_id not in used:
            left[need_id] -= 1
            used.add(expert_id)
            pairs.append((need_id, expert_id, score))
    return pairs


def _solve(scores: Mapping[tuple[str, str], float], slots: Mapping[str, int]) -> list[Link]:
    """Exact maximum-weight b-matching on the links, one connected component at a time."""
    keys = sorted(k for k in scores if slots.get(k[0], 0) > 0)
    if not keys:
        return []
    needs = sorted({n for n, _ in keys})
    experts = sorted({e for _, e in keys})
    need_ix = {n: i for i, n in enumerate(needs)}
    expert_ix = {e: i for i, e in enumerate(experts)}
    n_idx = np.fromiter((need_ix[n] for n, _ in keys), dtype=np.int64, count=len(keys))
    e_idx = np.fromiter((expert_ix[e] for _, e in keys), dtype=np.int64, count=len(keys))
    weight = np.fromiter((scores[k] for k in keys), dtype=np.float64, count=len(keys))
    graph = sp.coo_matrix(
        (np.ones(len(keys)), (n_idx, len(needs) + e_idx)),
        shape=(len(needs) + len(experts),) * 2,
    )
    _, label = connected_components(graph, directed=False)
    cap = np.array([min(slots[n], len(experts)) for n in needs], dtype=np.int64)
    order = np.argsort(label[n_idx], kind="stable")
    bounds = np.flatnonzero(np.r_[True, np.diff(label[n_idx][order]) != 0, True])
    chosen: list[Link] = []
    for s, t in itertools.pairwise(bounds):
        part = order[s:t]
        for ni, ei in _solve_component(n_idx[part], e_idx[part], weight[part], cap):
            chosen.append((needs[ni], experts[ei], float(scores[(needs[ni], experts[ei])])))
    return chosen


def _solve_component(
    n_idx: np.ndarray, e_idx: np.ndarray, weight: np.ndarray, cap: np.ndarray
) -> list[tuple[int, int]]:
    need_u, n_loc = np.unique(n_idx, return_inverse=True)
    exp_u, e_loc = np.unique(e_idx, return_inverse=True)
    n_exp = len(exp_u)
    caps = np.minimum(cap[need_u], n_exp)
    first_slot = np.r_[0, np.cumsum(caps)[:-1]]
    reps = caps[n_loc]
    rows = np.repeat(e_loc, reps)
    offset = np.arange(reps.sum()) - np.repeat(np.cumsum(reps) - reps, reps)
    cols = np.repeat(first_slot[n_loc], reps) + offset
    base = 2.0  # costs must be positive; a constant per row does not move the optimum
    costs = np.repeat(base - weight, reps)
    n_slots = int(caps.sum())
    matrix = sp.csr_matrix(
        (
            np.r_[costs, np.full(n_exp, base)],
            (np.r_[rows, np.arange(n_exp)], np.r_[cols, n_slots + np.arange(n_exp)]),
        ),
        shape=(n_exp, n_slots + n_exp),
    )
    row_ind, col_ind = min_weight_full_bipartite_matching(matrix)
    slot_need = np.repeat(np.arange(len(need_u)), caps)
    real = col_ind < n_slots
    return list(
        zip(need_u[slot_need[col_ind[real]]].tolist(), exp_u[row_ind[real]].tolist(), strict=False)
    )


def _sorted(pairs: Iterable[Link]) -> tuple[Link, ...]:
    return tuple(sorted(pairs, key=lambda p: (p[0], -p[2], p[1])))


def assign(
    links: Iterable[Link],
    slots: Mapping[str, int],
    *,
    min_score: float = 0.0,
    locks: Iterable[tuple[str, str]] = (),
    bans: Iterable[tuple[str, str]] = (),
    busy: Mapping[str, Iterable[str]] | Iterable[str] | None = None,
) -> AssignmentResult:
    """Choose placements maximising the total score.

    Parameters
    ----------
    links : iterable of (need_id, expert_id, score)
        Candidate pairs, normally :meth:`matching.engine.Matcher.candidate_links` (every
        eligible pair, so only eligible pairs can be chosen). A repeated pair keeps its best
        score.
    slots : mapping of need id to int
        How many experts each need takes; a need missing here takes none.
    min_score : float
        Links scoring below this are ignored; links scoring 0 never make a placement.
    locks : iterable of (need_id, expert_id)
        Pairs staff have decided: always in the plan, using up a slot and the expert.
    bans : iterable of (need_id, expert_id)
        Pairs staff have ruled out.
    busy : iterable of expert ids, or mapping expert id -> need ids, optional
        Experts already placed elsewhere (left out), or, per expert, the needs whose dates
        overlap their existing placements.

    Returns
    -------
    AssignmentResult

    Raises
    ------
    AssignmentError
        If an expert is locked twice or a need has more locks than slots.
    """
    started = time.perf_counter()
    scores = _filtered_links(links, min_score, set(bans), busy)
    locked, left = _apply_locks(locks, scores, slots)
    n_links = len(scores)
    optimal = _sorted([*locked, *_solve(scores, left)])
    greedy = _sorted([*locked, *greedy_assign(scores, left)])
    return AssignmentResult(
        pairs=optimal,
        total_score=float(sum(p[2] for p in optimal)),
        greedy=GreedyResult(greedy, float(sum(p[2] for p in greedy))),
        links=n_links,
        seconds=time.perf_counter() - started,
        locked=_sorted(locked),
    )
