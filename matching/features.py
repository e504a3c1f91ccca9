"""Turning records into sparse feature vectors.

Taxonomy vectors depend only on their own record and on the taxonomy, never on the other
records being matched; the prose channel keeps raw term frequencies per record and the engine
applies the IDF of the records it holds at scoring time. That is what makes the engine
incremental: adding or changing one expert computes one row, and the result is identical to a
full refit.

Every record has an *evidence profile*: ``structured`` when it lists skills or states an
occupation the taxonomy resolves, ``prose`` when its only content is free text. An expert's
columns sit in the column range of its profile, and a need's row carries one copy of its
weighted blocks per profile (each with the criterion weights fitted for that kind of
evidence), so one sparse product still scores every pair with the weights its evidence calls
for.

Column blocks of each profile range (the same layout for experts and needs):

``concepts``
    ESCO skills (resolved strings), then hashed columns for strings that resolved to nothing,
    so an unresolved required skill still matches the same words elsewhere.
``skills``
    The same concepts IDF-weighted and L2-normalised: overall skill-profile similarity.
``occupation``
    The profile's inferred occupation distribution over ESCO occupations, from its stated
    occupation or title and from the occupation–skill relations of its resolved skills.
``semantic``
    The record's text read as the ESCO occupations it is most like (the occupation space of
    :mod:`matching.semantic`), unit-normalised: what a CV and terms of reference written in
    different words, or different languages, are about.

and, in a separate row (``Profile.prose``), the stemmed words of all the record's text
(:func:`matching.text.prose_tokens`) as sublinear term frequencies.
"""

from __future__ import annotations

import functools
import gc
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from itertools import chain
from typing import ParamSpec, TypeVar

import numpy as np
import scipy.sparse as sp

from matching.records import Expert, Need
from matching.taxonomy import Resolution, Taxonomy
from matching.text import TEXT_FEATURES, TextReader, hash_token, normalise

__all__ = ["EVIDENCE", "SUGGESTED_WEIGHT", "Featurizer", "Profile", "SkillItem", "prose_vector"]

UNRESOLVED_FEATURES = 1 << 18
#: Distinct strings a featurizer remembers (what each skill string resolves to, the words of
#: each text) before it forgets them all and starts again.
CACHED_STRINGS = 500_000
#: Evidence profiles, in column-range order.
EVIDENCE = ("structured", "prose")
#: A suggested (unconfirmed) skill counts as this share of a confirmed one.
SUGGESTED_WEIGHT = 0.5
#: Occupations stated or resolved from a title below this confidence are not structured
#: evidence (a loose fuzzy match of a free-text title is no better than its words).
CONFIDENT = 0.8


_P = ParamSpec("_P")
_R = TypeVar("_R")


def collector_paused(batch: Callable[_P, _R]) -> Callable[_P, _R]:
    """Run a featurisation batch with the cyclic garbage collector paused.

    A batch allocates hundreds of thousands of small dicts, lists and tuples that live until
    it ends, and each few hundred allocations start a collection that walks the young
    objects again; the full collections they trigger walk every object of the process (in a
    worker holding a country's records, millions). Measured: 12-25% of a batch's time. What a
    batch frees is freed by reference counting as before; the collector resumes when the
    batch ends (left off if someone else had turned it off, and across threads it only ever
    resumes what it paused).
    """

    @functools.wraps(batch)
    def paused(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        if not gc.isenabled():
            return batch(*args, **kwargs)
        gc.disable()
        try:
            return batch(*args, **kwargs)
        finally:
            gc.enable()

    return paused


@dataclass(frozen=True)
class SkillItem:
    """One skill string of a record and the concept column it counts as."""

    text: str
    column: int
    confidence: float
    uri: str | None
    label: str


@dataclass
class Profile:
    """Everything the engine keeps about one record's content."""

    concepts: dict[int, float]
    required: list[SkillItem] = field(default_factory=list)
    desired: list[SkillItem] = field(default_factory=list)
    skills: list[SkillItem] = field(default_factory=list)
    occupations: list[tuple[str, float]] = field(default_factory=list)
    blocks: dict[str, dict[int, float]] = field(default_factory=dict)
    row: sp.csr_matrix | None = None
    empty: bool = False
    prose: dict[int, float] = field(default_factory=dict)
    evidence: str = "structured"
    suggested: list[SkillItem] = field(default_factory=list)
    text_weights: tuple[float, ...] = ()
    given: dict[str, dict[str, bool]] = field(default_factory=dict)


class Featurizer:
    """Builds :class:`Profile` rows from records with one taxonomy.

    Parameters
    ----------
    taxonomy : Taxonomy
    occupation_top : int
        How many occupations each profile's occupation distribution keeps.
    occupation_power : float
        Sharpening exponent applied to occupation similarities before normalising, so that a
        profile's best-fitting occupations dominate its distribution.
    title_weight : float
        Weight of the stated occupation or title against the skill evidence.
    """

    def __init__(
        self,
        taxonomy: Taxonomy,
        occupation_top: int = 10,
        occupation_power: float = 4.0,
        title_weight: float = 4.0,
    ) -> None:
        self.taxonomy = taxonomy
        self.occupation_top = occupation_top
        self.occupation_power = occupation_power
        self.title_weight = title_weight
        self.n_skills = len(taxonomy.uris("skill"))
        self.n_concepts = self.n_skills + UNRESOLVED_FEATURES
        self.n_occupations = len(taxonomy.uris("occupation"))
        self.semantic = taxonomy.occupation_space()
        self.offsets = np.cumsum(
            [0, self.n_concepts, self.n_concepts, self.n_occupations, self.n_occupations]
        )
        self.profile_width = int(self.offsets[-1])
        self.width = self.profile_width * len(EVIDENCE)
        self.prose_width = TEXT_FEATURES * len(EVIDENCE)
        relations = taxonomy.relation_matrix()
        df = np.bincount(relations.indices, minlength=self.n_skills)
        self.skill_idf = np.log((1 + self.n_occupations) / (1 + df)) + 1.0
        self.max_skill_idf = float(self.skill_idf.max())
        self._idf_values: list[float] = self.skill_idf.tolist()
        self._offsets = [int(o) for o in self.offsets]
        weighted = relations.multiply(self.skill_idf[None, :]).tocsr()
        norms = np.sqrt(np.asarray(weighted.multiply(weighted).sum(axis=1))).ravel()
        norms[norms == 0] = 1.0
        self.occupation_profiles = sp.csr_matrix(sp.diags(1.0 / norms) @ weighted)
        self._by_skill = self.occupation_profiles.T.tocsr()
        self._by_skill.sort_indices()
        # What each distinct skill string counts as, and the word counts of each distinct
        # text: they depend on the taxonomy only, so batches (and edits) share them.
        self._items: dict[str, SkillItem] = {}
        self._prose = _ProseCounts()

    # --- building blocks -----------------------------------------------------------------

    def skill_items(self, texts: Sequence[str]) -> list[SkillItem]:
        """Resolve skill strings; each counts as its best concept or as an unresolved column."""
        items = []
        for text, found in zip(texts, self.taxonomy.resolve_many(list(texts)), strict=False):
            items.append(self._item(text, found))
        return items

    def _item(self, text: str, found: Sequence[Resolution]) -> SkillItem:
        if found:
            best = found[0]
            col = self.taxonomy.position(best.uri)
            if col is None:  # pragma: no cover - resolutions only name known concepts
                raise KeyError(best.uri)
            return SkillItem(text, col, best.confidence, best.uri, best.label)
        key = normalise(text)
        return SkillItem(
            text, self.n_skills + hash_token(key, UNRESOLVED_FEATURES), 1.0, None, text
        )

    def _idf(self, col: int) -> float:
        return self._idf_values[col] if col < self.n_skills else self.max_skill_idf

    def occupation_distribution(
        self, concepts: dict[int, float], titles: Sequence[Resolution]
    ) -> dict[int, float]:
        """Occupation weights from the profile's skills (cosine with each occupation's
        IDF-weighted skill set) plus its stated occupation or title."""
        return self.occupation_distributions([concepts], [titles])[0]

    def occupation_distributions(
        self, concepts: Sequence[dict[int, float]], titles: Sequence[Sequence[Resolution]]
    ) -> list[dict[int, float]]:
        """:meth:`occupation_distribution` of many profiles: the similarities of all of them
        with every occupation come from one sparse product (each row summed in the order a
        profile alone is, so the figures are the same)."""
        n_skills, idf = self.n_skills, self._idf_values
        indptr, cols, vals = [0], [], []
        for vec in concepts:
            known = {c: w * idf[c] for c, w in vec.items() if c < n_skills}
            order = sorted(known)
            cols.extend(order)
            vals.extend(known[c] for c in order)
            indptr.append(len(cols))
        data = np.asarray(vals, dtype=np.float64)
        counts = np.diff(indptr)
        norms = np.ones(len(concepts))
        for r in np.flatnonzero(counts).tolist():
            norms[r] = np.linalg.norm(data[indptr[r] : indptr[r + 1]])
        data /= np.repeat(norms, counts)
        weights = sp.csr_matrix(
            (data, np.asarray(cols, dtype=np.int64), np.asarray(indptr, dtype=np.int64)),
            shape=(len(concepts), n_skills),
        )
        sims = weights @ self._by_skill
        sims.sort_indices()
        top_n, power = self.occupation_top, self.occupation_power
        found = []
        for r, stated_titles in enumerate(titles):
            a, b = int(sims.indptr[r]), int(sims.indptr[r + 1])
            dist: dict[int, float] = {}
            if b > a:
                top = sims.indices[a:b].astype(np.int64)
                values = sims.data[a:b]
                if top.size > top_n:
                    cut = np.argpartition(-values, top_n - 1)[:top_n]
                    top, values = top[cut], values[cut]
                order = np.lexsort((top, -values))
                sharp = values[order] ** power
                dist = dict(
                    zip(top[order].tolist(), (sharp / np.linalg.norm(sharp)).tolist(), strict=True)
                )
            if stated_titles:
                stated: dict[int, float] = {}
                for t in stated_titles:
                    col = self.taxonomy.position(t.uri, "occupation")
                    if col is not None:
                        stated[col] = max(stated.get(col, 0.0), t.confidence)
                stated = _unit(stated)
                for col, w in stated.items():
                    dist[col] = dist.get(col, 0.0) + self.title_weight * w
            found.append(_unit(dist))
        return found

    def _occupations(self, dist: dict[int, float]) -> list[tuple[str, float]]:
        uris = self.taxonomy.uris("occupation")
        ranked = sorted(dist.items(), key=lambda kv: (-kv[1], kv[0]))[:3]
        return [(uris[c], round(w, 4)) for c, w in ranked]

    def _row(self, *per_profile: Sequence[dict[int, float]]) -> sp.csr_matrix:
        """One row from the blocks of each evidence profile in turn (empty ones skipped)."""
        return self._row_of(*self._row_parts(*per_profile))

    def _row_parts(self, *per_profile: Sequence[dict[int, float]]) -> tuple[list[int], list[float]]:
        """The columns and values of :meth:`_row`, in column order."""
        cols: list[int] = []
        vals: list[float] = []
        for k, blocks in enumerate(per_profile):
            if not blocks:
                continue
            base = k * self.profile_width
            for offset, block in zip(self._offsets, blocks, strict=False):
                for col in sorted(block):
                    cols.append(base + offset + col)
                    vals.append(block[col])
        return cols, vals

    def _row_of(self, cols: list[int], vals: list[float]) -> sp.csr_matrix:
        return sp.csr_matrix(
            (np.asarray(vals, dtype=np.float64), np.asarray(cols, dtype=np.int64), [0, len(cols)]),
            shape=(1, self.width),
        )

    def _skill_block(self, concepts: dict[int, float]) -> dict[int, float]:
        return _unit({c: w * self._idf(c) for c, w in concepts.items()})

    # --- records -------------------------------------------------------------------------

    def expert(self, expert: Expert) -> Profile:
        """Profile of an expert: row = [concepts | skills | occupation] in the column range of
        its evidence profile, plus its prose term frequencies."""
        return self.experts([expert])[0]

    def experts(self, experts: Sequence[Expert]) -> list[Profile]:
        """Profiles of many experts, each equal to :meth:`expert`'s (one code path, so a
        profile never depends on the batch it was made in)."""
        profiles = []
        for profile, cols, vals in self.expert_rows(experts):
            profile.row = self._row_of(cols, vals)
            profiles.append(profile)
        return profiles

    @collector_paused
    def expert_rows(
        self, experts: Sequence[Expert]
    ) -> list[tuple[Profile, list[int], list[float]]]:
        """Profiles of many experts without their sparse row, with the row's columns and
        values instead (what :mod:`matching.index` stores; a million one-row matrices would
        cost more than the features).

        Batched because most of the cost is shared: each distinct skill, occupation, summary
        and prose string is resolved, extracted or stemmed once for the whole batch, and
        every occupation distribution comes from one sparse product. The arithmetic per
        expert is the same, in the same order, as for an expert alone.
        """
        experts = list(experts)
        tx = self.taxonomy
        items = self._items
        if len(items) > CACHED_STRINGS:
            items.clear()
        texts = sorted(
            {s for e in experts for s in (*e.skills, *e.suggested_skills)}.difference(items)
        )
        items.update(
            (text, self._item(text, found))
            for text, found in zip(texts, tx.resolve_many(texts), strict=True)
        )
        suggested_items = {
            text: replace(items[text], confidence=items[text].confidence * SUGGESTED_WEIGHT)
            for text in {s for e in experts for s in e.suggested_skills}
        }
        titles_of = _resolved_titles(tx, {e.occupation for e in experts if e.occupation})
        summaries = sorted({e.summary for e in experts if e.summary})
        in_summary = dict(zip(summaries, tx.extract_many(summaries), strict=True))
        occupations_in_summary = dict(
            zip(summaries, tx.extract_many(summaries, kind="occupation"), strict=True)
        )
        prose_of = self._prose
        if len(prose_of) > CACHED_STRINGS:
            prose_of.clear()
        # One reader per batch: the prose counts and the occupation space share its words,
        # and a batch's unique texts (summaries, descriptions) are not kept after it.
        reader = prose_of.reader = TextReader()

        parts = []
        semantic_input: list[tuple[list[str], str | None]] = []
        for expert in experts:
            skills = [items[t] for t in expert.skills]
            suggested = [suggested_items[t] for t in expert.suggested_skills]
            concepts: dict[int, float] = {}
            for item in (*skills, *suggested):
                concepts[item.column] = max(concepts.get(item.column, 0.0), item.confidence)
            if expert.summary:
                for r in in_summary[expert.summary]:
                    col = tx.position(r.uri)
                    if col is not None:
                        concepts[col] = max(concepts.get(col, 0.0), r.confidence * 0.8)
            titles = list(titles_of[expert.occupation]) if expert.occupation else []
            structured = bool(skills or suggested) or any(r.confidence >= CONFIDENT for r in titles)
            if expert.summary:
                titles += [
                    replace(r, confidence=r.confidence * 0.8)
                    for r in occupations_in_summary[expert.summary]
                ]
            texts = [
                *expert.skills,
                *expert.suggested_skills,
                expert.occupation or "",
                expert.summary or "",
            ]
            prose = prose_of.vector(texts)
            parts.append((expert, skills, suggested, concepts, titles, structured, prose))
            semantic_input.append((texts, expert.occupation))

        distributions = self.occupation_distributions(
            [concepts for _e, _s, _g, concepts, _t, _k, _p in parts],
            [titles for _e, _s, _g, _c, titles, _k, _p in parts],
        )
        semantics = self.semantic.project_many(semantic_input, reader)
        rows = []
        for (expert, skills, suggested, concepts, _t, structured, prose), occ, semantic in zip(
            parts, distributions, semantics, strict=True
        ):
            profile = Profile(concepts, skills=skills, occupations=self._occupations(occ))
            profile.suggested = suggested
            profile.empty = not expert.has_profile
            profile.prose = prose
            profile.evidence = EVIDENCE[0] if structured else EVIDENCE[1]
            profile.blocks = {
                "skills": self._skill_block(concepts),
                "occupation": occ,
                "semantic": semantic,
            }
            blocks = [concepts, profile.blocks["skills"], occ, semantic]
            cols, vals = self._row_parts(*([blocks] if structured else [[], blocks]))
            rows.append((profile, cols, vals))
        reader.clear()
        return rows

    def need(self, need: Need, weights: Mapping[str, Mapping[str, float]]) -> Profile:
        """Profile of a need; its row carries, per evidence profile, the blocks scaled by the
        criterion weights that profile's experts are scored with (:func:`evidence_weights`),
        so that one product with expert rows gives the weighted content score.

        ``weights`` maps each name of :data:`EVIDENCE` to content-criterion weights.
        """
        return self.needs([need], weights)[0]

    @collector_paused
    def needs(
        self, needs: Sequence[Need], weights: Mapping[str, Mapping[str, float]]
    ) -> list[Profile]:
        """Profiles of many needs, each equal to :meth:`need`'s.

        Batched as :meth:`expert_rows` is, and for the same reason: a fit over thousands of
        needs resolves each distinct skill and title once, extracts every description in one
        pass, and takes the occupation distributions and the occupation-space readings from
        one sparse product each instead of one small product per need. The arithmetic per
        need is the same, in the same order, as for a need alone.
        """
        needs = list(needs)
        tx = self.taxonomy
        skills = sorted({s for n in needs for s in (*n.required_skills, *n.desired_skills)})
        item_of = {
            text: self._item(text, found)
            for text, found in zip(skills, tx.resolve_many(skills), strict=True)
        }
        titles_of = _resolved_titles(tx, {t for n in needs for t in (n.occupation, n.title) if t})
        descriptions = sorted({n.description for n in needs if n.description})
        in_description = dict(zip(descriptions, tx.extract_many(descriptions), strict=True))
        prose_of = self._prose
        if len(prose_of) > CACHED_STRINGS:
            prose_of.clear()
        # One reader per batch: the prose counts and the occupation space share its words,
        # and a batch's unique texts (summaries, descriptions) are not kept after it.
        reader = prose_of.reader = TextReader()

        parts = []
        for need in needs:
            required = [item_of[t] for t in need.required_skills]
            desired = [item_of[t] for t in need.desired_skills]
            concepts: dict[int, float] = {}
            for item in (*required, *desired):
                concepts[item.column] = max(concepts.get(item.column, 0.0), item.confidence)
            if need.description:
                for r in in_description[need.description]:
                    col = tx.position(r.uri)
                    if col is not None:
                        concepts[col] = max(concepts.get(col, 0.0), r.confidence * 0.8)
            titles = [r for t in (need.occupation, need.title) if t for r in titles_of[t]]
            texts = [
                need.title,
                need.occupation or "",
                need.description or "",
                *need.required_skills,
                *need.desired_skills,
            ]
            parts.append((need, required, desired, concepts, titles, texts))

        distributions = self.occupation_distributions(
            [concepts for _n, _r, _d, concepts, _t, _x in parts],
            [titles for _n, _r, _d, _c, titles, _x in parts],
        )
        semantics = self.semantic.project_many(
            [(texts, need.title) for need, _r, _d, _c, _t, texts in parts], reader
        )
        profiles = [
            self._need_profile(
                need, required, desired, concepts, occ, prose_of.vector(texts), semantic, weights
            )
            for (need, required, desired, concepts, _t, texts), occ, semantic in zip(
                parts, distributions, semantics, strict=True
            )
        ]
        reader.clear()
        return profiles

    def _need_profile(
        self,
        need: Need,
        required: list[SkillItem],
        desired: list[SkillItem],
        concepts: dict[int, float],
        occ: dict[int, float],
        prose: dict[int, float],
        semantic: dict[int, float],
        weights: Mapping[str, Mapping[str, float]],
    ) -> Profile:
        """A need's profile from its resolved parts: its blocks, what it gives, and its row
        weighted per evidence profile."""
        profile = Profile(
            concepts, required=required, desired=desired, occupations=self._occupations(occ)
        )
        profile.blocks = {
            "skills": self._skill_block(concepts),
            "occupation": occ,
            "semantic": semantic,
        }
        profile.prose = prose
        given = {
            "required_skills": bool(required),
            "desired_skills": bool(desired),
            "skills": bool(profile.blocks["skills"]),
            "occupation": bool(occ),
            "text": bool(prose),
            "semantic": bool(semantic),
        }
        # Against a structured expert, the need's text is evidence of its own only when the
        # need has a description: otherwise it is its title and skill labels, which the
        # taxonomy channels already read, and a cosine over them would count them twice
        # (and favour whoever lists the fewest skills). Against a prose-only expert, text is
        # all there is.
        # The same holds for the occupation space, which reads the same words.
        profile.given = {
            "structured": {
                **given,
                "text": given["text"] and bool(need.description),
                "semantic": given["semantic"] and bool(need.description),
            },
            "prose": given,
        }
        per_profile = []
        text_weights = []
        for name in EVIDENCE:
            w = evidence_weights(weights[name], profile.given[name])
            coverage: dict[int, float] = {}
            for items, criterion in ((required, "required_skills"), (desired, "desired_skills")):
                unique = distinct(items)
                for item in unique:
                    share = w.get(criterion, 0.0) * item.confidence / len(unique)
                    coverage[item.column] = coverage.get(item.column, 0.0) + share
            per_profile.append(
                [
                    coverage,
                    _scale(profile.blocks["skills"], w.get("skills", 0.0)),
                    _scale(occ, w.get("occupation", 0.0)),
                    _scale(semantic, w.get("semantic", 0.0)),
                ]
            )
            text_weights.append(w.get("text", 0.0))
        profile.text_weights = tuple(text_weights)
        profile.row = self._row(*per_profile)
        profile.empty = not concepts and not prose
        return profile


def evidence_weights(weights: Mapping[str, float], given: Mapping[str, bool]) -> dict[str, float]:
    """Content-criterion weights for what a need actually gives.

    A criterion the need gives no evidence for (no required skills, no text...) passes its
    weight to the others in proportion to theirs, so the content share of the score stays the
    same and the evidence there is carries it. All zero when the need gives nothing.
    """
    total = sum(weights.values())
    present = sum(w for name, w in weights.items() if given.get(name))
    if present <= 0:
        return dict.fromkeys(weights, 0.0)
    return {name: (w * total / present if given.get(name) else 0.0) for name, w in weights.items()}


def prose_vector(texts: Iterable[str]) -> dict[int, float]:
    """Sublinear term frequencies (1 + log tf) of the stemmed words of ``texts``, by hashed
    column; the engine weighs them with the IDF of the records it holds."""
    return _ProseCounts().vector(texts)


class _ProseCounts:
    """The hashed words of each distinct text, made once (a batch of experts shares most of
    its skill and occupation strings), counted into prose vectors. A text not counted yet is
    read with the batch's :class:`~matching.text.TextReader` (``reader``), which the
    occupation space then reads the same texts with."""

    def __init__(self) -> None:
        self._by_text: dict[str, tuple[int, ...]] = {}
        self.reader = TextReader()

    def __len__(self) -> int:
        return len(self._by_text)

    def clear(self) -> None:
        self._by_text.clear()

    def columns(self, text: str) -> tuple[int, ...]:
        found = self._by_text.get(text)
        if found is None:
            found = self._by_text[text] = tuple(hash_token(t) for t in self.reader.tokens(text))
        return found

    def vector(self, texts: Iterable[str]) -> dict[int, float]:
        counts = Counter(chain.from_iterable([self.columns(text) for text in texts]))
        if not counts:
            return {}
        table = _SUBLINEAR
        _sublinear(max(counts.values()))  # the table reaches the largest count
        return {col: table[n] for col, n in sorted(counts.items())}


_SUBLINEAR: list[float] = [0.0]


def _sublinear(n: int) -> float:
    """``1 + log(n)`` as the engine has always computed it (numpy's log), kept in a table."""
    while n >= len(_SUBLINEAR):
        _SUBLINEAR.append(1.0 + float(np.log(len(_SUBLINEAR))))
    return _SUBLINEAR[n]


def _resolved_titles(taxonomy: Taxonomy, texts: Iterable[str]) -> dict[str, tuple[Resolution, ...]]:
    """Each distinct occupation string (an expert's occupation, a need's title) resolved once."""
    ordered = sorted(texts)
    return dict(zip(ordered, taxonomy.resolve_many(ordered, kind="occupation"), strict=True))


def distinct(items: Sequence[SkillItem]) -> list[SkillItem]:
    """One item per concept column (a need listing a skill twice does not count it twice)."""
    seen: dict[int, SkillItem] = {}
    for item in items:
        if item.column not in seen or item.confidence > seen[item.column].confidence:
            seen[item.column] = item
    return [seen[c] for c in sorted(seen)]


def _unit(vec: dict[int, float]) -> dict[int, float]:
    norm = float(np.sqrt(sum(v * v for v in vec.values())))
    return {k: v / norm for k, v in vec.items()} if norm > 0 else {}


def _scale(vec: dict[int, float], factor: float) -> dict[int, float]:
    return {k: v * factor for k, v in vec.items()} if factor else {}
