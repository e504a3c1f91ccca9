"""The occupation space: free text read as the ESCO occupations it is most like.

Prose channels compare words, so a CV that says "prepared the municipal budget" and terms of
reference that ask for "public finance management" share nothing. This channel compares
what both texts are *about*: each text is scored against every ESCO occupation's own
description (its labels, its description where the taxonomy has one, and the labels of its
essential and optional skills) with TF-IDF cosine in the text's language, the best
:data:`TOP` occupations are kept and normalised, and two records are compared by the cosine
of those occupation vectors (explicit semantic analysis, Gabrilovich and Markovitch 2007,
with ESCO occupations as the concepts).

The anchors are built per language from the labels the taxonomy holds (English, French and
Spanish as shipped; Arabic once ``placement taxonomy load`` brings Arabic labels), and the
occupation vector does not depend on the language, so a French CV and English terms of
reference meet in the same space. Text in a language without anchors gives no vector and
the channel is simply absent for it (the prose channel still reads it).

Like every taxonomy vector, a text's occupation vector depends on that text and the taxonomy
only, never on the other records: one edit recomputes one vector.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp

from matching.text import PROSE_LANGUAGES, TextReader, language_and_tokens

if TYPE_CHECKING:
    from matching.taxonomy import Taxonomy

__all__ = ["TITLE_WEIGHT", "TOP", "OccupationSpace"]

#: Occupations kept per text: enough for a career that spans several related roles, few
#: enough that the long tail of weak resemblances does not drown the strong ones.
TOP = 20
#: Weight of a record's title (the need's title, the expert's stated occupation) read on its
#: own, added to the reading of all its text: the title names the role, the rest describes
#: it, and a long description must not bury what the role is.
TITLE_WEIGHT = 0.5
#: Anchors with fewer content words than this say too little to be a concept of their own.
_MIN_ANCHOR_WORDS = 3


@dataclass
class _Anchors:
    """One language's occupation anchors: vocabulary, IDF and (words x occupations) weights."""

    vocabulary: dict[str, int]
    idf: np.ndarray
    by_word: sp.csr_matrix


class OccupationSpace:
    """Project text onto ESCO occupations (see the module docstring)."""

    def __init__(self, anchors: Mapping[str, _Anchors], n_occupations: int) -> None:
        self.anchors = dict(anchors)
        self.n_occupations = n_occupations

    @classmethod
    def build(cls, taxonomy: Taxonomy) -> OccupationSpace:
        """Anchors for every prose language the taxonomy has labels in."""
        uris = taxonomy.uris("occupation")
        anchors = {}
        for lang in PROSE_LANGUAGES:
            if lang not in taxonomy.languages:
                continue
            texts = [_anchor_text(taxonomy, uri, lang) for uri in uris]
            built = _fit(texts, lang)
            if built is not None:
                anchors[lang] = built
        return cls(anchors, len(uris))

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(sorted(self.anchors))

    def project(self, texts: Iterable[str], title: str | None = None) -> dict[int, float]:
        """Unit occupation vector ``{occupation column: weight}`` of the texts read as one,
        plus :data:`TITLE_WEIGHT` times the reading of ``title`` alone; empty when they have
        no words the anchors of their language know."""
        return self.project_many([(list(texts), title)])[0]

    def project_many(
        self,
        records: Sequence[tuple[Sequence[str], str | None]],
        reader: TextReader | None = None,
    ) -> list[dict[int, float]]:
        """:meth:`project` of many (texts, title) pairs with one sparse product per language
        and chunk: the same arithmetic, row by row, as one record alone (a profile never
        depends on the batch it was made in). ``reader`` may hold words already read (the
        featurizer's batch reader: the prose channel reads the same texts)."""
        reader = reader if reader is not None else TextReader()
        joined = [tuple(texts) for texts, _title in records]
        titles = [(title or "",) for _texts, title in records]
        reads = self._read_many(joined + titles, reader)
        result = []
        for i in range(len(records)):
            vector = dict(reads[i])
            for col, weight in reads[len(records) + i].items():
                vector[col] = vector.get(col, 0.0) + TITLE_WEIGHT * weight
            if not vector:
                result.append({})
                continue
            norm = float(np.sqrt(sum(w * w for w in vector.values())))
            result.append({col: w / norm for col, w in sorted(vector.items())})
        return result

    def _read_many(
        self, texts: Sequence[tuple[str, ...]], reader: TextReader
    ) -> list[dict[int, float]]:
        """The top occupations of each text (its parts read as one, joined by spaces),
        unit-normalised (empty when none); each distinct text is read once (titles repeat
        across a batch: many needs ask for a "Nurse")."""
        distinct = list(dict.fromkeys(texts))
        read = dict(zip(distinct, self._read_distinct(distinct, reader), strict=True))
        return [read[text] for text in texts]

    def _read_distinct(
        self, texts: Sequence[tuple[str, ...]], reader: TextReader
    ) -> list[dict[int, float]]:
        found: list[dict[int, float]] = [{} for _ in texts]
        by_lang: dict[str, list[tuple[int, np.ndarray, np.ndarray]]] = {}
        for i, parts in enumerate(texts):
            lang, tokens = reader.joined(parts)
            anchors = self.anchors.get(lang)
            if anchors is None:
                continue
            vocabulary = anchors.vocabulary
            counts: dict[int, int] = {}
            for token in tokens:
                col = vocabulary.get(token)
                if col is not None:
                    counts[col] = counts.get(col, 0) + 1
            if not counts:
                continue
            cols = np.fromiter(counts, dtype=np.int64, count=len(counts))
            tf = 1.0 + np.log(np.fromiter(counts.values(), dtype=np.float64, count=len(counts)))
            weights = tf * anchors.idf[cols]
            by_lang.setdefault(lang, []).append((i, cols, weights / np.linalg.norm(weights)))
        for lang, queries in by_lang.items():
            by_word = self.anchors[lang].by_word
            for start in range(0, len(queries), _CHUNK):
                chunk = queries[start : start + _CHUNK]
                indptr = np.cumsum([0, *(len(c) for _i, c, _w in chunk)])
                matrix = sp.csr_matrix(
                    (
                        np.concatenate([w for _i, _c, w in chunk]),
                        np.concatenate([c for _i, c, _w in chunk]),
                        indptr,
                    ),
                    shape=(len(chunk), by_word.shape[0]),
                )
                for (i, _c, _w), top in zip(
                    chunk, _tops((matrix @ by_word).toarray()), strict=True
                ):
                    found[i] = top
        return found


#: Texts scored per product: a dense chunk of scores stays near 50 MB.
_CHUNK = 2000


def _tops(scores: np.ndarray) -> list[dict[int, float]]:
    """The :data:`TOP` best positive occupations of each row of scores, unit-normalised, in
    column order of decreasing score (ties by column); empty for a row with none."""
    k = min(TOP, scores.shape[1])
    top = np.argpartition(-scores, k - 1, axis=1)[:, :k]
    values = np.take_along_axis(scores, top, axis=1)
    order = np.lexsort((top, -values), axis=1)
    top, values = np.take_along_axis(top, order, 1), np.take_along_axis(values, order, 1)
    values = np.where(values > 0, values, 0.0)
    norms = np.linalg.norm(values, axis=1)
    result = []
    for cols, vals, norm in zip(top.tolist(), values.tolist(), norms.tolist(), strict=True):
        if norm <= 0:
            result.append({})
            continue
        result.append({c: v / norm for c, v in zip(cols, vals, strict=True) if v > 0})
    return result


def _words(text: str, lang: str) -> list[str]:
    """An anchor's stemmed words, without numbers: "12" or "2019" says nothing about which
    occupation a text is about (and a word no anchor has is ignored in a text read)."""
    return [t for t in language_and_tokens(text, lang)[1] if not t[0].isdigit()]


def _anchor_text(taxonomy: Taxonomy, uri: str, lang: str) -> str:
    """An occupation's words in one language: its labels, description and skill labels."""
    parts = [taxonomy.label_in(uri, lang) or "", *taxonomy.alternative_labels(uri, lang)]
    parts.append(taxonomy.description(uri, lang) or "")
    for skill in taxonomy.occupation_skills(uri):
        parts.append(taxonomy.label_in(skill, lang) or "")
    return " ".join(p for p in parts if p)


def _fit(texts: list[str], lang: str) -> _Anchors | None:
    """Sublinear TF-IDF (smoothed IDF) of the anchor texts, rows L2-normalised, transposed
    to words x occupations for one product per projected text."""
    vocabulary: dict[str, int] = {}
    rows, cols, vals = [], [], []
    for r, text in enumerate(texts):
        counts: dict[int, int] = {}
        for token in _words(text, lang):
            col = vocabulary.setdefault(token, len(vocabulary))
            counts[col] = counts.get(col, 0) + 1
        if len(counts) < _MIN_ANCHOR_WORDS:
            continue
        rows.extend([r] * len(counts))
        cols.extend(counts)
        vals.extend(counts.values())
    if not rows:
        return None
    tf = sp.csr_matrix(
        (1.0 + np.log(np.asarray(vals, dtype=np.float64)), (rows, cols)),
        shape=(len(texts), len(vocabulary)),
    )
    df = np.bincount(tf.indices, minlength=len(vocabulary))
    idf = np.log((1.0 + len(texts)) / (1.0 + df)) + 1.0
    weighted = tf @ sp.diags(idf)
    norms = np.sqrt(np.asarray(weighted.multiply(weighted).sum(axis=1))).ravel()
    norms[norms == 0] = 1.0
    unit = sp.diags(1.0 / norms) @ weighted
    return _Anchors(vocabulary, idf, sp.csr_matrix(unit.T))
