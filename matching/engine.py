"""The matching engine: eligible candidates, per-criterion scores, deterministic rankings.

Pipeline (per country of placement, since rule 1 ties an expert to their country of origin):

1. **Candidates.** Experts of that origin who live elsewhere, pass the programme's country
   rules and have a profile at all; then, per pair, availability (minus existing placements)
   and languages. Ineligible pairs are never scored.
2. **Content score.** One sparse product of need rows and expert rows gives, exactly, the
   weighted sum of the content criteria: required-skill coverage, desired-skill coverage,
   skill-profile similarity, occupation fit and text similarity (see
   :mod:`matching.features`). A pair whose content score is zero is not a match and is never
   listed, whatever its other criteria: an empty profile cannot rank.
3. **Practical criteria**, vectorised over the candidate pairs: language fit, availability
   fit, experience and region-of-origin affinity. Missing data makes a criterion *unknown*
   (``None`` in ``components``): it contributes nothing, it is never scored as a match.
4. **Combine**: ``score = sum(weight * component) / sum(weights)``, in [0, 1], rounded to 6
   decimals; order by score, then id.

Caller-supplied criteria (``extra_scorers``) are evaluated only where they can change the top
``k``, which keeps the ranking exact without calling them on every pair.
"""

from __future__ import annotations

import json
import math
import os
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import scipy.sparse as sp

from matching.eligibility import ProgrammeRules, exclusion_reasons, free_windows
from matching.features import (
    EVIDENCE,
    Featurizer,
    Profile,
    collector_paused,
    distinct,
    evidence_weights,
)
from matching.records import LEVELS, Expert, Need, language_codes
from matching.taxonomy import Taxonomy, normalise
from matching.text import TEXT_FEATURES

if TYPE_CHECKING:
    from matching.index import CountryBlock

__all__ = [
    "CONTENT",
    "DEFAULT_WEIGHTS",
    "ENGINE_VERSION",
    "FUSION",
    "PRACTICAL",
    "Match",
    "Matcher",
    "load_fusion",
    "prose_row",
]

ENGINE_VERSION = "homeward-matching 1.2"
CONTENT = ("required_skills", "desired_skills", "skills", "occupation", "text", "semantic")
PRACTICAL = ("language", "availability", "experience", "region")
FUSION_PATH = Path(__file__).parent / "data" / "fusion.json"


def load_fusion(path: Path = FUSION_PATH) -> dict[str, dict[str, float]]:
    """Content-criterion weights per evidence profile, as ``benchmarks/fit_fusion.py`` fitted
    them on development sets (not set by hand); each profile's weights sum to the content
    share of the score."""
    data = json.loads(path.read_text(encoding="utf-8"))["evidence"]
    missing = [(k, c) for k in EVIDENCE for c in CONTENT if c not in data.get(k, {})]
    if missing:
        raise ValueError(f"{path}: missing fusion weights {missing}")
    return {k: {c: float(data[k][c]) for c in CONTENT} for k in EVIDENCE}


#: The shipped fitted fusion (``matching/data/fusion.json``).
FUSION = load_fusion()
DEFAULT_WEIGHTS: dict[str, float] = {
    **FUSION["structured"],
    "language": 0.05,
    "availability": 0.05,
    "experience": 0.05,
    "region": 0.05,
}
#: Years of experience at which the experience criterion saturates.
EXPERIENCE_FULL_YEARS = 15.0
_NATIVE = len(LEVELS)
#: Threads of a batch (:meth:`Matcher.match_all`) by default: one per core, up to this.
_MAX_THREADS = 4
#: Spoken-language columns of an expert block (level rank per language code).
LANGUAGE_COLUMNS = tuple(sorted(language_codes()))
_REGION_NOISE = {"region", "district", "province", "city", "county", "state", "town", "of", "the"}

ExtraScorer = tuple[float, Callable[[Expert, Need], float | None]]


@dataclass(frozen=True)
class Match:
    """One ranked pair.

    Attributes
    ----------
    need_id, expert_id : str
    score : float
        In [0, 1], higher is better, rounded to 6 decimals.
    components : dict
        Criterion name to value in [0, 1], or None where data is missing (unknown).
    explanation : dict
        JSON-serialisable detail: matched and missing skills, occupations, weights, unknown
        criteria and the engine version.
    """

    need_id: str
    expert_id: str
    score: float
    components: dict[str, float | None] = field(hash=False)
    explanation: dict[str, Any] = field(hash=False, compare=False)


def region_key(region: str | None) -> str | None:
    """Comparable form of a free-text region ("Kenema District" and "kenema" agree)."""
    if not region:
        return None
    words = [w for w in normalise(region).split() if w not in _REGION_NOISE]
    return " ".join(words) or normalise(region) or None


def language_fit(spoken: Mapping[str, int], required: Iterable[tuple[str, int]]) -> float | None:
    """Mean margin over the required languages: 0.5 at the required level, 1.0 at native.

    None when the need requires no language (nothing to compare); the caller has already
    excluded experts below a required level.
    """
    values = []
    for code, rank in required:
        have = spoken.get(code, 0)
        values.append(1.0 if rank >= _NATIVE else 0.5 + 0.5 * (have - rank) / (_NATIVE - rank))
    return float(np.mean(values)) if values else None


def experience_fit(years: float | None) -> float | None:
    """Years of experience scaled to [0, 1], saturating at 15 years; None when unknown."""
    return None if years is None else min(1.0, years / EXPERIENCE_FULL_YEARS)


@dataclass
class _ExpertBlock:
    """Candidates of one country, stacked for vectorised scoring."""

    ids: list[str]
    position: dict[str, int]
    matrix_t: sp.csr_matrix
    prose: sp.csr_matrix
    prose_t: sp.csr_matrix
    win_start: np.ndarray
    win_end: np.ndarray
    languages: np.ndarray
    experience_score: np.ndarray
    region: np.ndarray
    inv_norm: np.ndarray = field(default_factory=lambda: np.zeros(0))
    version: int = -1


@dataclass
class _NeedBlock:
    ids: list[str]
    position: dict[str, int]
    matrix: sp.csr_matrix
    prose: sp.csr_matrix
    start: np.ndarray
    end: np.ndarray
    min_days: np.ndarray
    lang_cols: np.ndarray
    lang_ranks: np.ndarray
    region: np.ndarray
    allowed: np.ndarray
    version: int = -1


class Matcher:
    """Rank experts for needs and needs for experts.

    Parameters
    ----------
    weights : dict, optional
        Criterion weights, merged over :data:`DEFAULT_WEIGHTS`. A weight of 0 switches a
        criterion off. Content criteria not given here take the fitted fusion weights of
        each evidence profile (:data:`FUSION`), scaled to the same content share.
    extra_scorers : dict, optional
        ``{name: (weight, scorer)}`` where ``scorer(expert, need)`` returns a value in [0, 1] or
        None (unknown). Used for criteria the application learns, such as predicted success.
    fusion : dict, optional
        Content-criterion weights per evidence profile (``{"structured": {...}, "prose":
        {...}}``) instead of the shipped fitted ones; ``benchmarks/fit_fusion.py`` uses it.
    occupation_top, occupation_power, title_weight
        Occupation inference settings, see :class:`~matching.features.Featurizer`.

    Attributes
    ----------
    taxonomy_ : Taxonomy
    rules_ : ProgrammeRules or None
    weights_ : dict
    experts_, needs_ : dict
        Fitted records by id, in insertion order.
    """

    def __init__(
        self,
        weights: Mapping[str, float] | None = None,
        *,
        extra_scorers: Mapping[str, ExtraScorer] | None = None,
        fusion: Mapping[str, Mapping[str, float]] | None = None,
        occupation_top: int = 10,
        occupation_power: float = 4.0,
        title_weight: float = 4.0,
    ) -> None:
        self.weights = weights
        self.extra_scorers = extra_scorers
        self.fusion = fusion
        self.occupation_top = occupation_top
        self.occupation_power = occupation_power
        self.title_weight = title_weight

    # --- fitting -------------------------------------------------------------------------

    def fit(
        self,
        experts: Iterable[Expert],
        needs: Iterable[Need],
        taxonomy: Taxonomy | None = None,
        rules: ProgrammeRules | None = None,
        *,
        expert_profiles: Mapping[str, Profile] | None = None,
    ) -> Matcher:
        """Build every profile and index.

        Parameters
        ----------
        experts, needs : iterables of records
        taxonomy : Taxonomy, optional
            Defaults to the ESCO subset shipped with the package.
        rules : ProgrammeRules, optional
            Programme constraints on top of the four contract rules.
        expert_profiles : mapping, optional
            Expert id to the profile this matcher's featurizer made for that expert earlier
            (kept by :mod:`matching.index`); those experts are not featurised again.

        Returns
        -------
        Matcher
            ``self``.
        """
        weights = dict(DEFAULT_WEIGHTS)
        weights.update(self.weights or {})
        extra = dict(self.extra_scorers or {})
        unknown = set(weights) - set(DEFAULT_WEIGHTS)
        if unknown:
            raise ValueError(f"unknown criteria in weights: {sorted(unknown)}")
        if any(w < 0 for w in weights.values()) or any(w < 0 for w, _ in extra.values()):
            raise ValueError("weights must not be negative")
        self.weights_ = weights
        share = sum(weights[c] for c in CONTENT)
        self.content_weights_: dict[str, dict[str, float]] = {}
        for name in EVIDENCE:
            fitted = (self.fusion or FUSION)[name]
            merged = {c: (self.weights or {}).get(c, fitted[c]) for c in CONTENT}
            total = sum(merged.values())
            self.content_weights_[name] = {
                c: (w * share / total if total > 0 else 0.0) for c, w in merged.items()
            }
        self.extra_scorers_ = extra
        self.weight_sum_ = sum(weights.values()) + sum(w for w, _ in extra.values()) or 1.0
        self.taxonomy_ = taxonomy or Taxonomy.load()
        self.rules_ = rules
        self.featurizer_ = _featurizer(
            self.taxonomy_, self.occupation_top, self.occupation_power, self.title_weight
        )
        experts, needs = list(experts), list(needs)
        known = expert_profiles or {}
        self.experts_: dict[str, Expert] = {}
        self.needs_: dict[str, Need] = {}
        self._expert_profiles: dict[str, Profile] = {}
        self._need_profiles: dict[str, Profile] = {}
        self._expert_blocks: dict[str, _ExpertBlock] = {}
        self._need_blocks: dict[str, _NeedBlock] = {}
        self._regions: dict[str, int] = {}
        self._lang_col = {code: i for i, code in enumerate(LANGUAGE_COLUMNS)}
        # Document frequencies of prose words over every record held (experts and needs):
        # the prose channel's IDF, kept exact under incremental updates.
        self._df = np.zeros(TEXT_FEATURES, dtype=np.int64)
        self._n_docs = 0
        self._df_version = 0
        # Experts without a stored profile are featurised in one batch (the same profiles as
        # one by one, made faster by what they share).
        missing = [e for e in experts if e.id not in known]
        made = iter(self.featurizer_.experts(missing))
        for expert in experts:
            found = known.get(expert.id)
            self.add_or_update_expert(expert, found if found is not None else next(made))
        for need, profile in zip(
            needs, self.featurizer_.needs(needs, self.content_weights_), strict=True
        ):
            self.add_or_update_need(need, profile)
        return self

    def fit_stored(
        self,
        block: CountryBlock,
        needs: Iterable[Need],
        taxonomy: Taxonomy | None = None,
        rules: ProgrammeRules | None = None,
        *,
        held: np.ndarray | None = None,
        load: Callable[[list[str]], Mapping[str, tuple[Expert, Profile]]],
    ) -> Matcher:
        """Fit on needs and a stored block of one origin country's experts
        (:class:`matching.index.CountryBlock`), without a Python object per expert.

        The block's rows are the rows this matcher's featurizer makes, so the rankings are
        those of ``fit(experts, needs, ...)`` on the same experts: the same candidates, the
        same prose IDF (document frequencies counted from the block's columns), the same
        sparse products. Records and profiles are loaded, with ``load(ids)``, only for the
        experts a ranking lists (and for pairs caller-supplied criteria must see).

        Parameters
        ----------
        block : CountryBlock
        needs : iterable of Need
        taxonomy, rules : see :meth:`fit`
        held : boolean array, optional
            The block's rows this fit holds (default all): experts who may be ranked.
        load : callable
            Expert ids to ``{id: (record, profile)}``, for the experts ranked.
        """
        self.fit([], needs, taxonomy, rules)
        held = np.ones(len(block.ids), dtype=bool) if held is None else np.asarray(held, bool)
        if held.shape != (len(block.ids),):
            raise ValueError("held must have one flag per row of the block")
        prose = block.prose[held]
        self._df += np.bincount(prose.indices % TEXT_FEATURES, minlength=TEXT_FEATURES)
        self._n_docs += int(held.sum())
        self._df_version += 1
        stored = _StoredExperts(load)
        self.experts_, self._expert_profiles = stored.records, stored.profiles
        self._stored = stored
        self._expert_blocks[block.country] = self._block_from(block, held)
        return self

    def _block_from(self, block: CountryBlock, held: np.ndarray) -> _ExpertBlock:
        """The engine's candidates of a stored block: held, not empty, living elsewhere and
        allowed by the programme's country rules (as :meth:`_candidate`)."""
        keep = held & ~block.empty & (block.residence != block.country)
        rules = self.rules_
        if rules is not None:
            origins, residences = (
                rules.eligible_origin_countries,
                rules.eligible_residence_countries,
            )
            if origins is not None and block.country not in origins:
                keep[:] = False
            if residences is not None:
                keep &= np.isin(block.residence, sorted(residences))
        rows = np.flatnonzero(keep)
        ids = block.ids[rows].tolist()
        win_start, win_end = block.win_start[rows], block.win_end[rows]
        busy = rules.busy if rules is not None else {}
        changed = {
            r: free_windows(block.windows(rows[r]), busy[i])
            for r, i in enumerate(ids)
            if busy.get(i)
        }
        if changed:
            k = max([win_start.shape[1], *(len(w) for w in changed.values())])
            pad = k - win_start.shape[1]
            win_start = np.pad(win_start, ((0, 0), (0, pad)), constant_values=1 << 30)
            win_end = np.pad(win_end, ((0, 0), (0, pad)))
            for r, windows in changed.items():
                win_start[r], win_end[r] = 1 << 30, 0
                for c, w in enumerate(windows):
                    win_start[r, c], win_end[r, c] = w.start.toordinal(), w.end.toordinal()
        regions, inverse = np.unique(block.region[rows], return_inverse=True)
        codes = np.array([self._region_id(key or None) for key in regions.tolist()], dtype=np.int64)
        matrix, prose = block.matrix[rows], block.prose[rows]
        return _ExpertBlock(
            ids=ids,
            position={i: r for r, i in enumerate(ids)},
            matrix_t=matrix.T.tocsr(),
            prose=prose,
            prose_t=prose.T.tocsr(),
            win_start=win_start,
            win_end=win_end,
            languages=block.languages[rows],
            experience_score=block.experience[rows],
            region=codes[inverse.ravel()] if len(rows) else np.zeros(0, dtype=np.int64),
        )

    def _check_fitted(self) -> None:
        if not hasattr(self, "featurizer_"):
            raise RuntimeError("this Matcher is not fitted yet; call fit() first")

    def _check_not_stored(self) -> None:
        if getattr(self, "_stored", None) is not None:
            raise RuntimeError("a matcher fitted on a stored block does not take expert updates")

    # --- incremental updates -------------------------------------------------------------

    def add_or_update_expert(self, expert: Expert, profile: Profile | None = None) -> None:
        """Add an expert or replace the one with the same id; only their row is recomputed
        (not even that when ``profile``, made earlier by this featurizer, is given)."""
        self._check_fitted()
        self._check_not_stored()
        old = self.experts_.pop(expert.id, None)
        if old is not None:
            self._expert_blocks.pop(old.origin_country, None)
            self._count(self._expert_profiles[expert.id], -1)
        self.experts_[expert.id] = expert
        profile = profile if profile is not None else self.featurizer_.expert(expert)
        self._expert_profiles[expert.id] = profile
        self._count(profile, 1)
        self._expert_blocks.pop(expert.origin_country, None)

    def add_or_update_need(self, need: Need, profile: Profile | None = None) -> None:
        """Add a need or replace the one with the same id; only its row is recomputed (not
        even that when ``profile``, made by this featurizer with these weights, is given)."""
        self._check_fitted()
        old = self.needs_.pop(need.id, None)
        if old is not None:
            self._need_blocks.pop(old.country, None)
            self._count(self._need_profiles[need.id], -1)
        self.needs_[need.id] = need
        profile = (
            profile if profile is not None else self.featurizer_.need(need, self.content_weights_)
        )
        self._need_profiles[need.id] = profile
        self._count(profile, 1)
        self._need_blocks.pop(need.country, None)

    def remove_expert(self, expert_id: str) -> None:
        """Forget an expert (no error if unknown)."""
        self._check_fitted()
        self._check_not_stored()
        old = self.experts_.pop(expert_id, None)
        if old is not None:
            self._count(self._expert_profiles.pop(expert_id), -1)
            self._expert_blocks.pop(old.origin_country, None)

    def remove_need(self, need_id: str) -> None:
        """Forget a need (no error if unknown)."""
        self._check_fitted()
        old = self.needs_.pop(need_id, None)
        if old is not None:
            self._count(self._need_profiles.pop(need_id), -1)
            self._need_blocks.pop(old.country, None)

    def _count(self, profile: Profile, sign: int) -> None:
        """Add (1) or take away (-1) one record's words from the document frequencies."""
        cols = np.fromiter(profile.prose, dtype=np.int64, count=len(profile.prose))
        self._df[cols] += sign
        self._n_docs += sign
        self._df_version += 1

    def _idf(self, cols: np.ndarray) -> np.ndarray:
        """Smoothed IDF of prose columns over the records held (scikit-learn's formula)."""
        return np.log((1.0 + self._n_docs) / (1.0 + self._df[cols])) + 1.0

    # --- blocks --------------------------------------------------------------------------

    def _region_id(self, region: str | None) -> int:
        key = region_key(region)
        if key is None:
            return -1
        return self._regions.setdefault(key, len(self._regions))

    def _candidate(self, expert: Expert, country: str) -> bool:
        rules = self.rules_
        if expert.residence_country == country or self._expert_profiles[expert.id].empty:
            return False
        if rules is None:
            return True
        origins, residences = rules.eligible_origin_countries, rules.eligible_residence_countries
        return (origins is None or expert.origin_country in origins) and (
            residences is None or expert.residence_country in residences
        )

    def _expert_block(self, country: str) -> _ExpertBlock:
        block = self._expert_blocks.get(country)
        if block is None:
            block = self._build_expert_block(country)
            self._expert_blocks[country] = block
        if block.version != self._df_version:
            # 1 / |tf * idf| of every expert's prose with the current IDF (cheap: one pass
            # over the block's non-zeros), so the prose channel is an exact cosine.
            p = block.prose
            weighted = p.data * self._idf(p.indices % TEXT_FEATURES)
            row_of = np.repeat(np.arange(p.shape[0]), np.diff(p.indptr))
            norms = np.sqrt(np.bincount(row_of, weights=weighted**2, minlength=p.shape[0]))
            block.inv_norm = np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0)
            block.version = self._df_version
        return block

    def _build_expert_block(self, country: str) -> _ExpertBlock:
        ids = sorted(
            e.id
            for e in self.experts_.values()
            if e.origin_country == country and self._candidate(e, country)
        )
        rows = [self._expert_profiles[i].row for i in ids]
        width = self.featurizer_.width
        matrix = _stack(rows, width)
        prose = _stack(
            [self._prose_row(self._expert_profiles[i]) for i in ids], self.featurizer_.prose_width
        )
        busy = self.rules_.busy if self.rules_ is not None else {}
        windows = [free_windows(self.experts_[i].availability, busy.get(i, ())) for i in ids]
        k = max([len(w) for w in windows] + [1])
        start = np.full((len(ids), k), 1 << 30, dtype=np.int64)
        end = np.zeros((len(ids), k), dtype=np.int64)
        for r, ws in enumerate(windows):
            for c, w in enumerate(ws):
                start[r, c], end[r, c] = w.start.toordinal(), w.end.toordinal()
        langs = np.zeros((len(ids), len(self._lang_col)), dtype=np.int8)
        for r, i in enumerate(ids):
            for lang in self.experts_[i].languages:
                langs[r, self._lang_col[lang.code]] = lang.rank
        years = [experience_fit(self.experts_[i].years_experience) for i in ids]
        return _ExpertBlock(
            ids=ids,
            position={i: r for r, i in enumerate(ids)},
            matrix_t=matrix.T.tocsr(),
            prose=prose,
            prose_t=prose.T.tocsr(),
            win_start=start,
            win_end=end,
            languages=langs,
            experience_score=np.array([y or 0.0 for y in years], dtype=np.float64),
            region=np.array(
                [self._region_id(self.experts_[i].origin_region) for i in ids], dtype=np.int64
            ),
        )

    def _need_block(self, country: str) -> _NeedBlock:
        block = self._need_blocks.get(country)
        if block is None or block.version != self._df_version:
            ids = [n.id for n in self.needs_.values() if n.country == country]
            block = self._build_need_block(ids)
            self._need_blocks[country] = block
        return block

    def _build_need_block(self, ids: list[str]) -> _NeedBlock:
        needs = [self.needs_[i] for i in ids]
        r = max([len(n.languages) for n in needs] + [1])
        cols = np.zeros((len(ids), r), dtype=np.int64)
        ranks = np.zeros((len(ids), r), dtype=np.int8)
        for row, need in enumerate(needs):
            for c, lang in enumerate(need.languages):
                cols[row, c], ranks[row, c] = self._lang_col[lang.code], lang.rank
        rules = self.rules_
        allowed = [
            rules is None
            or (
                (rules.min_weeks is None or n.duration_weeks >= rules.min_weeks)
                and (rules.max_weeks is None or n.duration_weeks <= rules.max_weeks)
            )
            for n in needs
        ]
        return _NeedBlock(
            ids=ids,
            position={i: row for row, i in enumerate(ids)},
            matrix=_stack([self._need_profiles[i].row for i in ids], self.featurizer_.width),
            prose=_stack(
                [self._need_prose_row(self._need_profiles[i]) for i in ids],
                self.featurizer_.prose_width,
            ),
            start=np.array([n.start.toordinal() for n in needs], dtype=np.int64),
            end=np.array([n.end.toordinal() for n in needs], dtype=np.int64),
            min_days=np.array([7 * n.duration_weeks for n in needs], dtype=np.int64),
            lang_cols=cols,
            lang_ranks=ranks,
            region=np.array([self._region_id(n.region) for n in needs], dtype=np.int64),
            allowed=np.array(allowed, dtype=bool),
            version=self._df_version,
        )

    def _prose_row(self, profile: Profile) -> sp.csr_matrix:
        return prose_row(profile, self.featurizer_.prose_width)

    def _need_prose_row(self, profile: Profile) -> sp.csr_matrix:
        """A need's prose as tf * idf^2 / |tf * idf|, once per evidence profile scaled by that
        profile's text weight: its product with an expert's raw tf, times the expert's
        1 / |tf * idf|, is the weighted cosine."""
        cols = np.fromiter(profile.prose, dtype=np.int64, count=len(profile.prose))
        if not len(cols):
            return _one_row(cols, np.zeros(0), self.featurizer_.prose_width)
        tf = np.fromiter(profile.prose.values(), dtype=np.float64, count=len(cols))
        idf = self._idf(cols)
        vals = tf * idf * idf / np.linalg.norm(tf * idf)
        all_cols, all_vals = [], []
        for k, weight in enumerate(profile.text_weights):
            if weight > 0:
                all_cols.append(cols + k * TEXT_FEATURES)
                all_vals.append(vals * weight)
        if not all_cols:
            return _one_row(cols[:0], np.zeros(0), self.featurizer_.prose_width)
        return _one_row(
            np.concatenate(all_cols), np.concatenate(all_vals), self.featurizer_.prose_width
        )

    def _content(self, nb: _NeedBlock, eb: _ExpertBlock, need_rows, expert_cols=None):
        """Weighted content score of need rows against expert columns: the taxonomy product
        plus the prose product scaled by each expert's inverse prose norm."""
        taxonomy_t, prose_t, inv = eb.matrix_t, eb.prose_t, eb.inv_norm
        if expert_cols is not None:
            taxonomy_t, prose_t, inv = (
                taxonomy_t[:, expert_cols],
                prose_t[:, expert_cols],
                inv[expert_cols],
            )
        main = sp.csr_matrix(nb.matrix[need_rows] @ taxonomy_t)
        prose = sp.csr_matrix(nb.prose[need_rows] @ prose_t)
        prose.data *= inv[prose.indices]  # the products scaled in place, not by a third product
        return (main + prose).tocoo()

    # --- vectorised scoring --------------------------------------------------------------

    def _score_pairs(
        self,
        nb: _NeedBlock,
        eb: _ExpertBlock,
        rows: np.ndarray,
        cols: np.ndarray,
        content: np.ndarray,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Eligible pairs among (need row, expert column) and their final scores.

        Filters as it goes (availability, then languages) so that later criteria are only
        computed for pairs still in the running; the order of pairs is preserved.
        """
        w = self.weights_
        at = np.flatnonzero((content > 0) & nb.allowed[rows])
        rows, cols, content = rows.take(at), cols.take(at), content.take(at)
        ns, ne = nb.start.take(rows), nb.end.take(rows)
        if eb.win_start.shape[1] == 1:
            best = np.minimum(eb.win_end[:, 0].take(cols), ne)
            best -= np.maximum(eb.win_start[:, 0].take(cols), ns)
            best += 1
        else:
            overlap = np.minimum(eb.win_end[cols], ne[:, None])
            overlap -= np.maximum(eb.win_start[cols], ns[:, None])
            best = overlap.max(axis=1) + 1
        at = np.flatnonzero(best >= nb.min_days.take(rows))
        rows, cols, content, best = rows.take(at), cols.take(at), content.take(at), best.take(at)
        lang_cols, req_rank = nb.lang_cols[rows], nb.lang_ranks[rows]
        have = eb.languages[cols[:, None], lang_cols]
        at = np.flatnonzero(np.all(have >= req_rank, axis=1))
        rows, cols, content, best = rows.take(at), cols.take(at), content.take(at), best.take(at)
        req_rank = req_rank.take(at, axis=0).astype(np.float64)
        have = have.take(at, axis=0).astype(np.float64)
        real = req_rank > 0
        margin = np.where(
            req_rank >= _NATIVE,
            1.0,
            0.5 + 0.5 * (have - req_rank) / np.maximum(_NATIVE - req_rank, 1.0),
        )
        n_req = real.sum(axis=1)
        language = (margin * real).sum(axis=1) / np.maximum(n_req, 1)
        availability = best / (nb.end.take(rows) - nb.start.take(rows) + 1)
        need_region = nb.region.take(rows)
        region = (need_region >= 0) & (need_region == eb.region.take(cols))
        total = content + w["availability"] * availability
        total += w["language"] * language
        total += w["experience"] * eb.experience_score.take(cols)
        total += w["region"] * region
        score = np.round(np.minimum(total / self.weight_sum_, 1.0), 6)
        return rows, cols, score

    def _pairs(self, nb: _NeedBlock, eb: _ExpertBlock, need_rows: np.ndarray):
        """All eligible scored pairs of the given need rows: (rows, cols, scores), grouped
        by row."""
        if not len(need_rows) or not eb.ids:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty, np.zeros(0)
        product = self._content(nb, eb, need_rows)
        rows = need_rows[product.row]
        cols = product.col.astype(np.int64)
        return self._score_pairs(nb, eb, rows, cols, product.data)

    # --- rankings ------------------------------------------------------------------------

    def _top(
        self,
        nb: _NeedBlock,
        eb: _ExpertBlock,
        rows: np.ndarray,
        cols: np.ndarray,
        score: np.ndarray,
        k: int,
        by_need: bool,
    ) -> dict[int, list[tuple[int, int, float]]]:
        """Best ``k`` per need row (or per expert column), by score then id.

        Pairs arrive grouped by need row (or all for one expert); each group is cut to its
        ``k`` best with a partition before the small final sort, which is much cheaper than
        sorting every candidate pair.
        """
        group, other = (rows, cols) if by_need else (cols, rows)
        result: dict[int, list[tuple[int, int, float]]] = {}
        if not len(group) or k <= 0:
            return result
        if not by_need:
            order = np.argsort(group, kind="stable")
            group, other, score = group[order], other[order], score[order]
        starts = np.flatnonzero(np.r_[True, group[1:] != group[:-1]])
        ends = np.r_[starts[1:], len(group)]
        for s, e in zip(starts.tolist(), ends.tolist(), strict=True):
            seg_score, seg_other = score[s:e], other[s:e]
            if e - s > k and not self.extra_scorers_:
                threshold = np.partition(seg_score, e - s - k)[e - s - k]
                near = np.flatnonzero(seg_score >= threshold)
                seg_score, seg_other = seg_score[near], seg_other[near]
            order = np.lexsort((seg_other, -seg_score))
            if not self.extra_scorers_:
                order = order[:k]
            g = int(group[s])
            pairs = [
                (g, o, sc) if by_need else (o, g, sc)
                for o, sc in zip(seg_other[order].tolist(), seg_score[order].tolist(), strict=True)
            ]
            result[g] = self._apply_extra(nb, eb, pairs, k, by_need)
        return result

    def _apply_extra(
        self,
        nb: _NeedBlock,
        eb: _ExpertBlock,
        pairs: list[tuple[int, int, float]],
        k: int,
        by_need: bool,
    ) -> list[tuple[int, int, float]]:
        """Add caller-supplied criteria, evaluating only pairs that can still reach the top k.

        Pairs arrive sorted by base score; extra criteria add at most their weight, so once a
        pair's best possible score falls below the current k-th final score, none after it can
        enter the top k.
        """
        if not self.extra_scorers_:
            return pairs
        bonus = sum(w for w, _ in self.extra_scorers_.values()) / self.weight_sum_
        final: list[tuple[float, str, tuple[int, int, float]]] = []
        for r, c, base in pairs:
            kth_best = -final[k - 1][0] if len(final) >= k else -1.0
            if base + bonus < kth_best:
                break
            expert, need = self.experts_[eb.ids[c]], self.needs_[nb.ids[r]]
            extra = sum(
                w * (_unit_value(fn(expert, need)) or 0.0) for w, fn in self.extra_scorers_.values()
            )
            score = round(min(1.0, base + extra / self.weight_sum_), 6)
            key = eb.ids[c] if by_need else nb.ids[r]
            final.append((-score, key, (r, c, score)))
            final.sort()
        return [item for _, _, item in final[:k]]

    def rank_experts(self, need_id: str, k: int = 10) -> list[Match]:
        """Best eligible experts for a need, by score then expert id.

        Parameters
        ----------
        need_id : str
        k : int

        Returns
        -------
        list of Match
            At most ``k``; empty if no eligible expert shares any content with the need.
        """
        self._check_fitted()
        need = self.needs_[need_id]
        nb, eb = self._build_need_block([need_id]), self._expert_block(need.country)
        rows, cols, score = self._pairs(nb, eb, np.array([0]))
        top = self._top(nb, eb, rows, cols, score, k, by_need=True)
        self._fetch(eb, top)
        return [self._match(nb, eb, r, c, s) for r, c, s in top.get(0, [])]

    def rank_needs(self, expert_id: str, k: int = 10) -> list[Match]:
        """Best needs for an expert, by score then need id (see :meth:`rank_experts`)."""
        self._check_fitted()
        expert = self.experts_[expert_id]
        nb, eb = self._need_block(expert.origin_country), self._expert_block(expert.origin_country)
        if expert_id not in eb.position or not nb.ids:
            return []
        col = eb.position[expert_id]
        product = self._content(nb, eb, np.arange(len(nb.ids)), [col])
        rows = product.row.astype(np.int64)
        cols = np.full(len(rows), col, dtype=np.int64)
        rows, cols, score = self._score_pairs(nb, eb, rows, cols, product.data)
        top = self._top(nb, eb, rows, cols, score, k, by_need=False)
        return [self._match(nb, eb, r, c, s) for r, c, s in top.get(col, [])]

    @collector_paused
    def match_all(
        self, k: int = 10, *, explain: bool = True, chunk: int = 512, threads: int | None = None
    ) -> dict[str, list[Match]]:
        """Top ``k`` experts for every need, in fitted need order.

        The batch version of :meth:`rank_experts`, with identical results.

        Parameters
        ----------
        k : int
        explain : bool
            Build ``components`` and ``explanation`` for every match (the costly part of a
            batch run). With False they are left empty; scores and order are unchanged.
        chunk : int
            Needs scored per sparse product (bounds memory).
        threads : int, optional
            Threads scoring chunks of needs at once (default: one per core, at most
            :data:`_MAX_THREADS`). The scoring is numpy and scipy work that releases the
            interpreter lock, so a batch uses every core of a task worker; the rankings are
            the same for any number.

        Returns
        -------
        dict of need id to list of Match
        """
        self._check_fitted()
        result: dict[str, list[Match]] = {}
        for row_lists in self._batches(k, chunk, explain, threads):
            result.update(row_lists)
        return {need_id: result.get(need_id, []) for need_id in self.needs_}

    def _batches(self, k: int, chunk: int, explain: bool, threads: int | None):
        """Each chunk's rankings, in order. Chunks are scored on a thread pool, as many at
        once as there are threads (which bounds memory), and cut to their top ``k`` and turned
        into matches in this thread."""
        work = [
            (nb, eb, need_rows)
            for country in sorted({n.country for n in self.needs_.values()})
            for nb, eb in [(self._need_block(country), self._expert_block(country))]
            for need_rows in [
                np.arange(st, min(st + chunk, len(nb.ids))) for st in range(0, len(nb.ids), chunk)
            ]
        ]
        threads = threads or min(os.cpu_count() or 1, _MAX_THREADS)
        with ThreadPoolExecutor(max_workers=threads) as pool:
            pending: deque = deque()
            for item in work:
                pending.append((*item, pool.submit(self._pairs, *item)))
                if len(pending) >= threads:
                    yield self._chunk_matches(k, explain, *pending.popleft())
            while pending:
                yield self._chunk_matches(k, explain, *pending.popleft())

    def _chunk_matches(
        self, k: int, explain: bool, nb: _NeedBlock, eb: _ExpertBlock, need_rows, scored: Future
    ) -> dict[str, list[Match]]:
        """One chunk's scored pairs cut to each need's top ``k``, as matches."""
        top = self._top(nb, eb, *scored.result(), k, by_need=True)
        if explain:
            self._fetch(eb, top)
        build = self._match if explain else _bare_match
        return {nb.ids[r]: [build(nb, eb, *t) for t in top.get(r, [])] for r in need_rows.tolist()}

    def candidate_links(self, per_need: int | None = None) -> list[tuple[str, str, float]]:
        """Every eligible, positively scored (need id, expert id, score), for assignment.

        Parameters
        ----------
        per_need : int, optional
            Keep only each need's best ``per_need`` experts (None: all). The scores are
            exactly those of :meth:`rank_experts`.
        """
        self._check_fitted()
        links: list[tuple[str, str, float]] = []
        for country in sorted({n.country for n in self.needs_.values()}):
            nb, eb = self._need_block(country), self._expert_block(country)
            for start in range(0, len(nb.ids), 512):
                need_rows = np.arange(start, min(start + 512, len(nb.ids)))
                rows, cols, score = self._pairs(nb, eb, need_rows)
                if per_need is not None or self.extra_scorers_:
                    top = self._top(nb, eb, rows, cols, score, per_need or len(eb.ids), True)
                    triples = [t for r in sorted(top) for t in top[r]]
                else:
                    triples = zip(rows.tolist(), cols.tolist(), score.tolist(), strict=False)
                links.extend((nb.ids[r], eb.ids[c], s) for r, c, s in triples)
        return links

    def _fetch(self, eb: _ExpertBlock, top: Mapping[int, list[tuple[int, int, float]]]) -> None:
        """Load, in one call, the stored experts a ranking lists (no-op for a plain fit)."""
        stored = getattr(self, "_stored", None)
        if stored is not None:
            stored.fetch([eb.ids[c] for pairs in top.values() for _r, c, _s in pairs])

    # --- explanations --------------------------------------------------------------------

    def _match(self, nb: _NeedBlock, eb: _ExpertBlock, r: int, c: int, score: float) -> Match:
        need, expert = self.needs_[nb.ids[r]], self.experts_[eb.ids[c]]
        components, explanation = self._explain_pair(expert, need)
        explanation["score"] = score
        return Match(need.id, expert.id, score, components, explanation)

    def _components(self, expert: Expert, need: Need) -> dict[str, float | None]:
        ep, np_ = self._expert_profiles[expert.id], self._need_profiles[need.id]
        components: dict[str, float | None] = {
            "required_skills": _coverage(np_.required, ep.concepts),
            "desired_skills": _coverage(np_.desired, ep.concepts),
        }
        for name in ("skills", "occupation", "semantic"):
            a, b = np_.blocks.get(name), ep.blocks.get(name)
            components[name] = (
                _rounded(sum(v * b.get(col, 0.0) for col, v in a.items())) if a and b else None
            )
        components["text"] = self._prose_cosine(np_.prose, ep.prose)
        busy = self.rules_.busy.get(expert.id, ()) if self.rules_ is not None else ()
        windows = free_windows(expert.availability, busy)
        overlap = max((w.overlap_days(need.window) for w in windows), default=0)
        spoken = {lang.code: lang.rank for lang in expert.languages}
        required = [(lang.code, lang.rank) for lang in need.languages]
        a, b = region_key(need.region), region_key(expert.origin_region)
        components.update(
            language=_rounded(language_fit(spoken, required)),
            availability=_rounded(min(1.0, overlap / need.window.days)),
            experience=_rounded(experience_fit(expert.years_experience)),
            region=None if a is None or b is None else float(a == b),
        )
        for name, (_, scorer) in self.extra_scorers_.items():
            components[name] = _rounded(_unit_value(scorer(expert, need)))
        return components

    def _prose_cosine(self, a: Mapping[int, float], b: Mapping[int, float]) -> float | None:
        """Cosine of two prose vectors with the current IDF (None when either is empty)."""
        if not a or not b:
            return None
        va, vb = (
            np.fromiter(v.values(), dtype=np.float64, count=len(v))
            * self._idf(np.fromiter(v, dtype=np.int64, count=len(v)))
            for v in (a, b)
        )
        ia = dict(zip(a, va.tolist(), strict=True))
        dot = sum(ia.get(col, 0.0) * w for col, w in zip(b, vb.tolist(), strict=True))
        return _rounded(dot / (np.linalg.norm(va) * np.linalg.norm(vb)))

    def pair_weights(self, expert: Expert, need: Need) -> tuple[str, dict[str, float]]:
        """The expert's evidence profile and the content-criterion weights its pair with this
        need is scored with (what both records give decides them)."""
        ep, np_ = self._expert_profiles[expert.id], self._need_profiles[need.id]
        weights = evidence_weights(self.content_weights_[ep.evidence], np_.given[ep.evidence])
        return ep.evidence, {c: round(w, 6) for c, w in weights.items()}

    def _explain_pair(
        self, expert: Expert, need: Need
    ) -> tuple[dict[str, float | None], dict[str, Any]]:
        ep, np_ = self._expert_profiles[expert.id], self._need_profiles[need.id]
        components = self._components(expert, need)
        profile, content = self.pair_weights(expert, need)
        weights = {
            **self.weights_,
            **content,
            **{n: w for n, (w, _) in self.extra_scorers_.items()},
        }
        contributions = {
            name: round(weights[name] * (components.get(name) or 0.0) / self.weight_sum_, 6)
            for name in weights
        }
        label = self.taxonomy_.label
        explanation: dict[str, Any] = {
            "engine": ENGINE_VERSION,
            "components": components,
            "weights": weights,
            "evidence": {
                "profile": profile,
                "carried_by": [
                    n
                    for n, v in sorted(contributions.items(), key=lambda kv: (-kv[1], kv[0]))
                    if v > 0
                ][:2],
                "contributions": contributions,
            },
            "unknown": sorted(name for name, value in components.items() if value is None),
            "required_skills": _skill_report(np_.required, ep.concepts),
            "desired_skills": _skill_report(np_.desired, ep.concepts),
            "occupation": {
                "need": [label(uri) for uri, _ in np_.occupations[:1]],
                "expert": [label(uri) for uri, _ in ep.occupations[:1]],
            },
            "semantic": {"shared": self._shared_occupations(np_, ep)},
        }
        return components, explanation

    def _shared_occupations(self, need: Profile, expert: Profile, k: int = 3) -> list[str]:
        """Labels of the occupations both texts read most like (the terms that carry the
        semantic cosine), so an explanation can say what the two texts have in common."""
        a, b = need.blocks.get("semantic") or {}, expert.blocks.get("semantic") or {}
        shared = sorted(((a[c] * b[c], c) for c in a.keys() & b.keys()), reverse=True)[:k]
        uris = self.taxonomy_.uris("occupation")
        return [self.taxonomy_.label(uris[c]) or uris[c] for _, c in shared]

    def explain(self, expert_id: str, need_id: str) -> dict[str, Any]:
        """Why a pair scores as it does, or why it is not listed at all.

        Returns
        -------
        dict
            ``eligible`` (bool); ``reasons`` (list of ``{"code", "message"}`` when not eligible
            or when there is nothing to match on); otherwise ``score``, ``rank`` (position in
            the need's full ranking), ``components`` and the explanation fields of
            :class:`Match`.
        """
        self._check_fitted()
        expert, need = self.experts_[expert_id], self.needs_[need_id]
        result: dict[str, Any] = {"need_id": need_id, "expert_id": expert_id}
        reasons = [
            {"code": r.code, "message": r.message}
            for r in exclusion_reasons(expert, need, self.rules_)
        ]
        if reasons:
            return {**result, "eligible": False, "reasons": reasons, "score": None}
        if self._expert_profiles[expert_id].empty:
            reason = {
                "code": "empty_profile",
                "message": "the expert's profile has no skills, occupation or summary to match on",
            }
            return {**result, "eligible": True, "reasons": [reason], "score": 0.0}
        nb, eb = self._build_need_block([need_id]), self._expert_block(need.country)
        rows, cols, score = self._pairs(nb, eb, np.array([0]))
        ranking = self._top(nb, eb, rows, cols, score, max(1, len(eb.ids)), True).get(0, [])
        col = eb.position.get(expert_id)
        position = next((i for i, (_, c, _) in enumerate(ranking, 1) if c == col), None)
        if position is None:
            reason = {
                "code": "no_overlap",
                "message": "nothing in the expert's skills, occupation or text relates to "
                "this need",
            }
            return {**result, "eligible": True, "reasons": [reason], "score": 0.0}
        match = self._match(nb, eb, *ranking[position - 1])
        return {
            **result,
            "eligible": True,
            "reasons": [],
            "score": match.score,
            "rank": position,
            **match.explanation,
        }


# --- helpers -------------------------------------------------------------------------------


class _StoredExperts:
    """Records and profiles of a stored block's experts, loaded when first needed."""

    def __init__(self, load: Callable[[list[str]], Mapping[str, tuple[Expert, Profile]]]) -> None:
        self.load = load
        self.records: dict[str, Expert] = _Loaded(self)
        self.profiles: dict[str, Profile] = _Loaded(self)

    def fetch(self, ids: list[str]) -> None:
        missing = [i for i in dict.fromkeys(ids) if not dict.__contains__(self.records, i)]
        if not missing:
            return
        for expert_id, (record, profile) in self.load(missing).items():
            dict.__setitem__(self.records, expert_id, record)
            dict.__setitem__(self.profiles, expert_id, profile)


class _Loaded(dict):
    def __init__(self, owner: _StoredExperts) -> None:
        super().__init__()
        self.owner = owner

    def __missing__(self, key: str) -> Any:
        self.owner.fetch([key])
        if not dict.__contains__(self, key):
            raise KeyError(key)
        return dict.__getitem__(self, key)


def _bare_match(nb: _NeedBlock, eb: _ExpertBlock, r: int, c: int, score: float) -> Match:
    return Match(nb.ids[r], eb.ids[c], score, {}, {})


_FEATURIZERS: dict[tuple[int, int, float, float], Featurizer] = {}


def _featurizer(taxonomy: Taxonomy, top: int, power: float, title: float) -> Featurizer:
    """Featurizers are costly to build (IDF tables) and immutable: share them per taxonomy."""
    key = (id(taxonomy), top, power, title)
    found = _FEATURIZERS.get(key)
    if found is None or found.taxonomy is not taxonomy:
        found = Featurizer(taxonomy, top, power, title)
        _FEATURIZERS[key] = found
    return found


def prose_row(profile: Profile, width: int) -> sp.csr_matrix:
    """An expert's prose term frequencies in the column range of its evidence profile."""
    offset = EVIDENCE.index(profile.evidence) * TEXT_FEATURES
    cols = np.fromiter(profile.prose, dtype=np.int64, count=len(profile.prose))
    vals = np.fromiter(profile.prose.values(), dtype=np.float64, count=len(cols))
    return _one_row(cols + offset, vals, width)


def _stack(rows: list[sp.csr_matrix], width: int) -> sp.csr_matrix:
    if not rows:
        return sp.csr_matrix((0, width))
    indptr = np.zeros(len(rows) + 1, dtype=np.int64)
    indptr[1:] = np.cumsum([r.nnz for r in rows])
    indices = np.concatenate([r.indices for r in rows]).astype(np.int64)
    data = np.concatenate([r.data for r in rows])
    return sp.csr_matrix((data, indices, indptr), shape=(len(rows), width))


def _one_row(cols: np.ndarray, vals: np.ndarray, width: int) -> sp.csr_matrix:
    order = np.argsort(cols, kind="stable")
    return sp.csr_matrix(
        (vals[order], cols[order].astype(np.int64), np.array([0, len(cols)], dtype=np.int64)),
        shape=(1, width),
    )


def _coverage(items, concepts: Mapping[int, float]) -> float | None:
    unique = distinct(items)
    if not unique:
        return None
    return _rounded(sum(i.confidence * concepts.get(i.column, 0.0) for i in unique) / len(unique))


def _skill_report(items, concepts: Mapping[int, float]) -> dict[str, list[str]]:
    matched = [i.text for i in items if i.column in concepts]
    missing = [i.text for i in items if i.column not in concepts]
    return {"matched": matched, "missing": missing}


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(float(value), 4)


def _unit_value(value: float | None) -> float | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return min(1.0, max(0.0, float(value)))
