"""The ESCO taxonomy: resolving free-text skills and occupations to concepts.

Experts and institutions describe skills in their own words, in several languages, with
typos. Resolving each string to ESCO concepts lets "keep up with trends", "follow trends" and
"suivre les tendances" count as the same skill, and lets occupation knowledge (which skills an
occupation needs) inform matching. A string that resolves to nothing is not lost: the engine
still compares it as text.

This service uses the ESCO classification of the European Commission.
"""

from __future__ import annotations

import bisect
import hashlib
import math
import os
import pickle
import re
import tempfile
import threading
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import scipy.sparse as sp
from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from matching.esco_import import FORMAT_VERSION, TaxonomyData, is_taxonomy_dir, read_dir
from matching.search import WordIndex
from matching.semantic import OccupationSpace
from matching.text import TEXT_FEATURES, hash_token, normalise, tokens

__all__ = ["ATTRIBUTION", "Resolution", "SearchHit", "Taxonomy", "normalise"]


ATTRIBUTION = "This service uses the ESCO classification of the European Commission."
ESCO_PREFIX = "http://data.europa.eu/esco/"
KINDS = ("skill", "occupation")

_CLAUSE = re.compile(r"[.;,:!?\n\r\t•|()\[\]{}/]+")
#: Relation weights used to build the occupation × skill matrix.
RELATION_WEIGHTS = {"essential": 1.0, "optional": 0.5}


@dataclass(frozen=True)
class Resolution:
    """One ESCO concept a string resolved to.

    ``method`` says how: ``uri``, ``label`` (a preferred label), ``alt_label``, ``spacing``
    (equal once spaces are ignored), ``fuzzy`` (misspelt) or ``span`` (found inside longer
    text). ``lang`` is the language of the label that matched.
    """

    uri: str
    label: str
    confidence: float
    method: str
    lang: str = "en"
    kind: str = "skill"


@dataclass(frozen=True)
class SearchHit:
    """An autocomplete suggestion: ``label`` is in the requested language when one exists."""

    uri: str
    label: str
    matched: str
    lang: str
    score: float


class _Entry(NamedTuple):
    index: int
    lang: str
    preferred: bool


_LANG_CODES: dict[str, int] = {}
_LANG_NAMES: list[str] = []


def _encode(entry: _Entry) -> int:
    """Entries are stored as plain ints (concept, language, preferred) so that the index
    pickles and loads quickly."""
    if entry.lang not in _LANG_CODES:
        _LANG_CODES[entry.lang] = len(_LANG_NAMES)
        _LANG_NAMES.append(entry.lang)
    return (entry.index << 9) | (_LANG_CODES[entry.lang] << 1) | int(entry.preferred)


def _spaceless_hash(text: str) -> int:
    """A stable 62-bit hash of a label with its spaces removed (Python's own ``hash`` of a
    string changes from process to process, and this one is kept in the cache file)."""
    digest = hashlib.blake2b(text.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little") >> 2


class _Pool(NamedTuple):
    """Labels grouped by their first (or last) three characters: each group one run of
    ``texts``, in :attr:`_LabelIndex.choices` order, with those positions in ``positions``.

    One list and one array for every group, not a list and an array per group: a web worker
    holds the pools of every label, and thousands of small containers cost it several times
    what they hold."""

    spans: dict[str, tuple[int, int]]
    positions: np.ndarray
    texts: list[str]

    @classmethod
    def build(cls, choices: list[str], affix: Any) -> _Pool:
        order = sorted(range(len(choices)), key=lambda i: (affix(choices[i]), i))
        spans: dict[str, tuple[int, int]] = {}
        for at, i in enumerate(order):
            key = affix(choices[i])
            spans[key] = (spans[key][0] if key in spans else at, at + 1)
        return cls(spans, np.array(order, dtype=np.int32), [choices[i] for i in order])


class _Derived(NamedTuple):
    """What :class:`_LabelIndex` derives from its labels, built once and kept in the cache
    file: built lazily, it would cost each new worker seconds on its first misspelt skill or
    long summary, inside a person's request."""

    choices: list[str]  # the labels by length, then alphabetically
    lengths: np.ndarray
    sorted_keys: list[str]
    # Labels ignoring spaces: the stable hash of each label's spaceless form, ascending, and
    # the label's position in ``sorted_keys`` (ties in the order of ``codes``).
    space_hashes: np.ndarray
    space_keys: np.ndarray
    heads: _Pool
    tails: _Pool


class _LabelIndex:
    """Exact, spacing-insensitive and fuzzy lookup of one kind's labels."""

    def __init__(self, entries: dict[str, list[_Entry]]) -> None:
        self.codes = {key: tuple(_encode(e) for e in items) for key, items in entries.items()}
        self.langs = list(_LANG_NAMES)
        self._derived: _Derived | None = None

    def __getstate__(self) -> dict[str, Any]:
        return {"codes": self.codes, "langs": self.langs, "_derived": self._derive()}

    def entries(self, codes: tuple[int, ...]) -> list[_Entry]:
        return [_Entry(c >> 9, self.langs[(c >> 1) & 0xFF], bool(c & 1)) for c in codes]

    def _derive(self) -> _Derived:
        if self._derived is None:
            choices = sorted(self.codes, key=lambda k: (len(k), k))
            sorted_keys = sorted(self.codes)
            where = {key: i for i, key in enumerate(sorted_keys)}
            in_order = list(self.codes)
            hashes = np.array([_spaceless_hash(k.replace(" ", "")) for k in in_order], np.int64)
            order = np.lexsort((np.arange(len(in_order)), hashes))
            self._derived = _Derived(
                choices=choices,
                lengths=np.array([len(k) for k in choices]),
                sorted_keys=sorted_keys,
                space_hashes=hashes[order],
                space_keys=np.array([where[in_order[i]] for i in order.tolist()], np.int32),
                heads=_Pool.build(choices, lambda key: key[:3]),
                tails=_Pool.build(choices, lambda key: key[-3:]),
            )
        return self._derived

    @property
    def choices(self) -> list[str]:
        return self._derive().choices

    @property
    def lengths(self) -> np.ndarray:
        return self._derive().lengths

    @property
    def sorted_keys(self) -> list[str]:
        return self._derive().sorted_keys

    def spaceless(self, short: str) -> tuple[int, ...]:
        """The codes of every label equal to ``short`` once its spaces are removed, in the
        order of :attr:`codes` (empty when none is)."""
        derived = self._derive()
        digest = _spaceless_hash(short)
        lo, hi = np.searchsorted(derived.space_hashes, (digest, digest + 1)).tolist()
        found: tuple[int, ...] = ()
        for position in derived.space_keys[lo:hi].tolist():
            key = derived.sorted_keys[position]
            if key.replace(" ", "") == short:
                found += self.codes[key]
        return found

    def fuzzy(self, queries: Sequence[str]) -> list[tuple[str, float] | None]:
        """Best misspelt-label match for each query (None below the cut-off).

        Candidates are the labels sharing the query's first or last three characters (a
        single slip cannot change both ends of a string of six characters or more) and of a
        length that can reach the cut-off; rapidfuzz ``ratio`` then picks the best, ties going
        to the shorter, then alphabetically first label. Failing that, a label within one
        edit (two for long strings) counting a swap of adjacent letters as one edit (optimal
        string alignment) is accepted, since transpositions are the commonest typing slip.
        """
        derived = self._derive()
        lengths = self._lengths()
        results: list[tuple[str, float] | None] = []
        for query in queries:
            n = len(query)
            if n < 6:
                results.append(None)
                continue
            cutoff = 92 if n < 12 else 85
            # Labels are sorted by length, so those of a length that can reach the cut-off
            # are one range of positions, and each pool (ascending positions) is cut to it by
            # two binary searches. The two pools are searched apart and the better hit kept,
            # ties to the lower position: the first best of their union, as one search of it
            # in position order gives (rapidfuzz keeps the first of equal scores).
            lo = bisect.bisect_left(lengths, math.ceil(n * 0.7))
            hi = bisect.bisect_right(lengths, math.floor(n * 1.4 + 1))
            parts = []
            for pool, key in ((derived.heads, query[:3]), (derived.tails, query[-3:])):
                span = pool.spans.get(key)
                if span is not None:
                    positions = pool.positions[span[0] : span[1]]
                    a, b = np.searchsorted(positions, (lo, hi)).tolist()
                    if b > a:
                        parts.append((positions[a:b], pool.texts[span[0] + a : span[0] + b]))
            best = _first_best(query, parts, fuzz.ratio, cutoff, higher=True)
            if best is None:  # one swapped pair of letters ("statisitcs") counts as one slip
                swap = _first_best(query, parts, OSA.distance, 1 if n < 12 else 2, higher=False)
                best = (swap[0], fuzz.ratio(query, swap[0])) if swap else None
            results.append((best[0], best[1]) if best else None)
        return results

    def _lengths(self) -> list[int]:
        """:attr:`lengths` as a list, for binary searches with plain ints."""
        found = self.__dict__.get("_length_list")
        if found is None:
            found = self._length_list = self.lengths.tolist()
        return found


def _first_best(
    query: str,
    parts: list[tuple[np.ndarray, list[str]]],
    scorer: Any,
    cutoff: float,
    higher: bool,
) -> tuple[str, float] | None:
    """The best label of ``parts`` (positions, labels) for ``scorer`` (a similarity when
    ``higher``, else a distance), ties going to the lowest position."""
    best = None
    for positions, texts in parts:
        hit = process.extractOne(query, texts, scorer=scorer, score_cutoff=cutoff)
        if hit is None:
            continue
        rank = (-hit[1] if higher else hit[1], int(positions[hit[2]]))
        if best is None or rank < best[0]:
            best = (rank, hit[0], hit[1])
    return None if best is None else (best[1], best[2])


def _shipped_dir() -> Path:
    return Path(str(resources.files("matching").joinpath("data")))


_CACHE_VERSION = 4


def _fingerprint(folder: Path) -> str:
    """Cache file stem: the folder, then a key over its files and this package's code (a
    changed index layout must never be read from an old cache file)."""
    where = hashlib.sha256(str(folder.resolve()).encode()).hexdigest()[:16]
    parts = [f"format{FORMAT_VERSION}", f"cache{_CACHE_VERSION}"]
    for module in ("taxonomy.py", "text.py", "esco_import.py", "semantic.py", "search.py"):
        stat = (Path(__file__).parent / module).stat()
        parts.append(f"{module}:{stat.st_size}:{stat.st_mtime_ns}")
    for name in (
        "meta.json",
        "concepts.tsv.gz",
        "labels.tsv.gz",
        "relations.tsv.gz",
        "descriptions.tsv.gz",
    ):
        file = folder / name
        if file.is_file():
            stat = file.stat()
            parts.append(f"{name}:{stat.st_size}:{stat.st_mtime_ns}")
    return f"{where}-{hashlib.sha256('|'.join(parts).encode()).hexdigest()[:16]}"


def _cache_dir() -> Path:
    explicit = os.environ.get("HOMEWARD_MATCHING_CACHE")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "homeward-matching"


def _read_cached(key: str) -> Taxonomy | None:
    file = _cache_dir() / f"taxonomy-{key}.pickle"
    try:
        with file.open("rb") as handle:
            # Our own cache file, in a private folder, written by _write_cached below.
            found = pickle.load(handle)  # noqa: S301
    except (OSError, pickle.PickleError, EOFError, AttributeError, ImportError, TypeError):
        return None
    return found if isinstance(found, Taxonomy) else None


def _write_cached(key: str, taxonomy: Taxonomy) -> Taxonomy:
    folder = _cache_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp = tempfile.mkstemp(prefix=".taxonomy-", dir=folder)
        with os.fdopen(fd, "wb") as handle:
            pickle.dump(taxonomy, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, folder / f"taxonomy-{key}.pickle")
        for stale in folder.glob(f"taxonomy-{key.split('-')[0]}-*.pickle"):
            if stale.name != f"taxonomy-{key}.pickle":
                stale.unlink(missing_ok=True)
    except OSError:
        taxonomy.word_idf()  # no cache: still compute once for this process
    return taxonomy


class _Labels:
    """Each concept's preferred and alternative labels in each language, compactly: one tuple
    per concept (a slot per language for the preferred label, None where the concept has
    none in it, then one for its alternatives joined by a separator), instead of a dict per
    concept and a tuple per label. Every web worker holds every label, and the containers
    used to cost more than the text."""

    _SEPARATOR = "\x1f"

    def __init__(self, labels: dict[str, dict[str, tuple[str, tuple[str, ...]]]]) -> None:
        self.langs = tuple(sorted({lang for by_lang in labels.values() for lang in by_lang}))
        self._at = {lang: i for i, lang in enumerate(self.langs)}
        width = len(self.langs)
        self._rows: dict[str, tuple[str | None, ...]] = {}
        for uri, by_lang in labels.items():
            row: list[str | None] = [None] * (2 * width)
            for lang, (preferred, alternatives) in by_lang.items():
                row[self._at[lang]] = preferred
                row[width + self._at[lang]] = (
                    self._SEPARATOR.join(alternatives) if alternatives else None
                )
            self._rows[uri] = tuple(row)

    def get(self, uri: str, lang: str) -> tuple[str, tuple[str, ...]] | None:
        """(preferred, alternatives) of ``uri`` in ``lang``; None when it has no label in it."""
        row, at = self._rows.get(uri), self._at.get(lang)
        if row is None or at is None or row[at] is None:
            return None
        joined = row[len(self.langs) + at]
        return row[at], () if joined is None else tuple(joined.split(self._SEPARATOR))

    def preferred(self, uri: str, langs: Iterable[str]) -> str | None:
        """The preferred label in the first of ``langs`` the concept has, then in its first
        language alphabetically; None for a concept without labels."""
        row = self._rows.get(uri)
        if row is None:
            return None
        for lang in langs:
            at = self._at.get(lang)
            if at is not None and row[at] is not None:
                return row[at]
        return next((label for label in row[: len(self.langs)] if label is not None), None)

    def in_languages(self, uri: str) -> Iterator[tuple[str, tuple[str, ...]]]:
        """Every (preferred, alternatives) of ``uri``, one per language it has."""
        for lang in self.langs:
            found = self.get(uri, lang)
            if found is not None:
                yield found

    def __iter__(self) -> Iterator[str]:
        return iter(self._rows)


class Taxonomy:
    """ESCO skills and occupations with multilingual labels and occupation–skill relations.

    Build it with :meth:`load`; the constructor takes already-read :class:`TaxonomyData`.

    Parameters
    ----------
    data : TaxonomyData
        Concepts, labels and relations (see :mod:`matching.esco_import`).
    """

    _cache: dict[str, Taxonomy] = {}
    _cache_lock = threading.Lock()

    def __init__(self, data: TaxonomyData) -> None:
        self.languages = tuple(data.languages)
        self.sources = tuple(data.sources)
        self._uris: dict[str, list[str]] = {kind: [] for kind in (*KINDS, "isco_group")}
        self._attrs: dict[str, tuple[str, str, str, str]] = {}
        for uri, attrs in sorted(data.concepts.items()):
            self._uris.setdefault(attrs[0], []).append(uri)
            self._attrs[uri] = attrs
        self._position = {
            kind: {uri: i for i, uri in enumerate(uris)} for kind, uris in self._uris.items()
        }
        labels: dict[str, dict[str, tuple[str, tuple[str, ...]]]] = defaultdict(dict)
        for (uri, lang), value in data.labels.items():
            if uri in self._attrs:
                labels[uri][lang] = value
        self._descriptions: dict[str, dict[str, str]] = defaultdict(dict)
        for (uri, lang), text in data.descriptions.items():
            if uri in self._attrs:
                self._descriptions[uri][lang] = text
        self._isco_by_code = {
            self._attrs[uri][1]: uri for uri in self._uris["isco_group"] if self._attrs[uri][1]
        }
        # The index lists each label's concepts in the order of the data's languages.
        self._index = {kind: self._build_index(kind, labels) for kind in KINDS}
        self._labels = _Labels(labels)
        self._relations = self._build_relations(data.relations)
        self._resolved: dict[tuple[str, str, str | None], tuple[Resolution, ...]] = {}

    # --- loading -------------------------------------------------------------------------

    @classmethod
    def load(cls, path: str | os.PathLike[str] | None = None) -> Taxonomy:
        """Load a taxonomy folder, cached per process and in a prebuilt index file.

        The first load of a folder builds the label index and word statistics (a few
        seconds) and saves them to a cache file (``$HOMEWARD_MATCHING_CACHE``, else
        ``$XDG_CACHE_HOME/homeward-matching`` or ``~/.cache/homeward-matching``); later
        processes read that file, which is what keeps web workers fast to start. The cache
        key covers the folder's files, so loading a new taxonomy rebuilds it.

        Parameters
        ----------
        path : path-like, optional
            A folder written by ``placement taxonomy load``; None loads the ESCO subset shipped
            in ``matching/data`` (English, French and Spanish labels).

        Returns
        -------
        Taxonomy
        """
        folder = Path(path) if path is not None else _shipped_dir()
        if not is_taxonomy_dir(folder):
            raise FileNotFoundError(f"{folder} does not hold a taxonomy (meta.json missing)")
        key = _fingerprint(folder)
        with cls._cache_lock:
            if key not in cls._cache:
                cls._cache[key] = _read_cached(key) or _write_cached(key, cls(read_dir(folder)))
            return cls._cache[key]

    @classmethod
    def load_or_shipped(cls, path: str | os.PathLike[str] | None) -> Taxonomy:
        """The taxonomy in ``path`` if that folder holds one, else the shipped ESCO subset.

        For the application and the command line: ``placement taxonomy load`` writes to the
        configured folder, which does not exist until a programme loads a download.
        """
        if path is not None and is_taxonomy_dir(path):
            return cls.load(path)
        return cls.load()

    def __getstate__(self) -> dict[str, Any]:
        self.word_idf()
        state = self.__dict__.copy()
        state["_resolved"] = {}
        # The search box's word index too, or each worker's first search would build it.
        state["_word_indexes"] = {kind: self._word_index(kind) for kind in KINDS}
        state["_occupation_space"] = self.occupation_space()
        state.pop("_demands", None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)

    def word_idf(self) -> np.ndarray:
        """Inverse document frequency of hashed words and word pairs over all labels.

        A fixed background corpus: weighting text by the taxonomy rather than by the records
        being matched keeps every profile independent of the others.
        """
        idf = getattr(self, "_word_idf", None)
        if idf is None:
            df = np.zeros(TEXT_FEATURES, dtype=np.float64)
            n_docs = 0
            for uri in self._labels:
                if self._attrs[uri][0] not in KINDS:
                    continue
                for preferred, alternatives in self._labels.in_languages(uri):
                    doc = {hash_token(t) for t in tokens(" ".join((preferred, *alternatives)))}
                    df[list(doc)] += 1
                    n_docs += 1
            idf = (np.log((1 + n_docs) / (1 + df)) + 1.0).astype(np.float32)
            self._word_idf = idf
        return idf

    def _build_index(
        self, kind: str, labels: dict[str, dict[str, tuple[str, tuple[str, ...]]]]
    ) -> _LabelIndex:
        entries: dict[str, list[_Entry]] = defaultdict(list)
        for i, uri in enumerate(self._uris[kind]):
            for lang, (preferred, alternatives) in labels[uri].items():
                entries[normalise(preferred)].append(_Entry(i, lang, True))
                for alt in alternatives:
                    entries[normalise(alt)].append(_Entry(i, lang, False))
        entries.pop("", None)
        return _LabelIndex(entries)

    def _build_relations(self, relations: dict[tuple[str, str], str]) -> sp.csr_matrix:
        occ, skill = self._position["occupation"], self._position["skill"]
        rows, cols, vals = [], [], []
        for (o, s), relation in relations.items():
            if o in occ and s in skill:
                rows.append(occ[o])
                cols.append(skill[s])
                vals.append(RELATION_WEIGHTS.get(relation, 0.5))
        shape = (len(self._uris["occupation"]), len(self._uris["skill"]))
        return sp.csr_matrix((vals, (rows, cols)), shape=shape, dtype=np.float64)

    # --- concepts ------------------------------------------------------------------------

    def uris(self, kind: str = "skill") -> list[str]:
        """All concept URIs of ``kind`` in a fixed (sorted) order: the engine's column order."""
        return self._uris[kind]

    def position(self, uri: str, kind: str = "skill") -> int | None:
        """Column of ``uri`` in :meth:`uris` order, or None if unknown."""
        return self._position[kind].get(uri)

    def kind(self, uri: str) -> str | None:
        """``skill``, ``occupation`` or ``isco_group``; None for an unknown URI."""
        attrs = self._attrs.get(uri)
        return attrs[0] if attrs else None

    def reuse_level(self, uri: str) -> str:
        """ESCO reuse level of a skill (``transversal`` … ``occupation-specific``) or ''."""
        return self._attrs.get(uri, ("", "", "", ""))[2]

    def label(self, uri: str, lang: str = "en") -> str | None:
        """Preferred label in ``lang``, falling back to English, then any language."""
        return self._labels.preferred(uri, (lang, "en"))

    def label_in(self, uri: str, lang: str) -> str | None:
        """Preferred label in ``lang`` only (None when the taxonomy has none in it)."""
        found = self._labels.get(uri, lang)
        return None if found is None else found[0]

    def description(self, uri: str, lang: str = "en") -> str | None:
        """An occupation's description in ``lang`` (None when the taxonomy has none)."""
        return self._descriptions.get(uri, {}).get(lang)

    def occupation_space(self) -> OccupationSpace:
        """Text projected onto occupations (:mod:`matching.semantic`), built once and kept
        in the cache file with the other derived lookups."""
        space = self.__dict__.get("_occupation_space")
        if space is None:
            space = self._occupation_space = OccupationSpace.build(self)
        return space

    def alternative_labels(self, uri: str, lang: str = "en") -> tuple[str, ...]:
        """Alternative labels of ``uri`` in ``lang`` (empty if none)."""
        found = self._labels.get(uri, lang)
        return () if found is None else found[1]

    def relation_matrix(self) -> sp.csr_matrix:
        """Occupations × skills, 1.0 for essential and 0.5 for optional skills."""
        return self._relations

    def occupation_skills(self, occupation_uri: str, relation: str | None = None) -> list[str]:
        """Skill URIs ESCO relates to an occupation (``essential``, ``optional`` or both)."""
        row = self.position(occupation_uri, "occupation")
        if row is None:
            return []
        start, end = self._relations.indptr[row], self._relations.indptr[row + 1]
        wanted = None if relation is None else RELATION_WEIGHTS[relation]
        skills = self._uris["skill"]
        return [
            skills[c]
            for c, v in zip(
                self._relations.indices[start:end], self._relations.data[start:end], strict=False
            )
            if wanted is None or v == wanted
        ]

    # --- ISCO ----------------------------------------------------------------------------

    def isco_group(self, occupation_uri: str) -> str | None:
        """The 4-digit ISCO-08 unit group of an ESCO occupation."""
        attrs = self._attrs.get(occupation_uri)
        if not attrs or attrs[0] != "occupation" or not attrs[1]:
            return None
        return attrs[1][:4]

    def isco_major_group(self, occupation_uri: str) -> str | None:
        """The 1-digit ISCO-08 major group (e.g. ``2`` for professionals)."""
        code = self.isco_group(occupation_uri)
        return code[:1] if code else None

    def isco_parents(self, occupation_uri: str) -> list[str]:
        """ISCO codes from major group to unit group, e.g. ``['2', '25', '251', '2512']``."""
        code = self.isco_group(occupation_uri)
        return [code[:n] for n in range(1, len(code) + 1)] if code else []

    def isco_label(self, code: str, lang: str = "en") -> str | None:
        """Label of an ISCO group code, for aggregate maps and reports."""
        uri = self._isco_by_code.get(code)
        return self.label(uri, lang) if uri else None

    # --- resolution ----------------------------------------------------------------------

    def _from_entries(
        self, entries: Iterable[_Entry], kind: str, method: str, lang: str | None, conf: float
    ) -> list[Resolution]:
        best: dict[int, tuple[int, _Entry]] = {}
        for entry in entries:
            rank = (2 if entry.preferred else 0) + (1 if lang is None or entry.lang == lang else 0)
            if entry.index not in best or rank > best[entry.index][0]:
                best[entry.index] = (rank, entry)
        if not best:
            return []
        top = max(rank for rank, _ in best.values())
        results = []
        for index, (rank, entry) in sorted(best.items()):
            if rank < top - 1 or (rank < 2 and top >= 2):
                continue
            uri = self._uris[kind][index]
            label_method = method or ("label" if entry.preferred else "alt_label")
            confidence = conf * (1.0 if entry.preferred else 0.95)
            results.append(
                Resolution(
                    uri,
                    self.label(uri, lang or "en") or "",
                    confidence,
                    label_method,
                    entry.lang,
                    kind,
                )
            )
        return sorted(results, key=lambda r: (-r.confidence, r.uri))

    def _exact(self, key: str, kind: str, lang: str | None) -> list[Resolution]:
        index = self._index[kind]
        if key in index.codes:
            return self._from_entries(index.entries(index.codes[key]), kind, "", lang, 1.0)
        spaceless = key.replace(" ", "")
        found = index.spaceless(spaceless) if len(spaceless) >= 6 else ()
        if found:
            return self._from_entries(index.entries(found), kind, "spacing", lang, 0.9)
        return []

    def _uri(self, text: str, kind: str, lang: str | None) -> list[Resolution] | None:
        if not text.startswith(ESCO_PREFIX):
            return None
        uri = text.strip()
        if self.kind(uri) != kind:
            return []
        return [
            Resolution(uri, self.label(uri, lang or "en") or "", 1.0, "uri", lang or "en", kind)
        ]

    def resolve_many(
        self, texts: Sequence[str], lang: str | None = None, kind: str = "skill"
    ) -> list[tuple[Resolution, ...]]:
        """Resolve many strings at once; misspelt ones are matched in one batched pass.

        See :meth:`resolve` for the meaning of each result.
        """
        results: list[tuple[Resolution, ...] | None] = []
        pending: dict[str, list[int]] = defaultdict(list)
        for i, text in enumerate(texts):
            cache_key = (text, kind, lang)
            if cache_key in self._resolved:
                results.append(self._resolved[cache_key])
                continue
            direct = self._uri(text, kind, lang)
            key = normalise(text)
            found = direct if direct is not None else self._exact(key, kind, lang)
            if found or direct is not None or not key:
                results.append(tuple(found))
                self._resolved[cache_key] = tuple(found)
            else:
                results.append(None)
                pending[key].append(i)
        if pending:
            keys = sorted(pending)
            for key, hit in zip(keys, self._index[kind].fuzzy(keys), strict=False):
                found = ()
                if hit is not None:
                    label, score = hit
                    confidence = round(score / 100.0 - 0.05, 4)
                    index = self._index[kind]
                    found = tuple(
                        self._from_entries(
                            index.entries(index.codes[label]), kind, "fuzzy", lang, confidence
                        )
                    )
                for i in pending[key]:
                    results[i] = found
                    self._resolved[(texts[i], kind, lang)] = found
        return [r if r is not None else () for r in results]

    def resolve(self, text: str, lang: str | None = None, kind: str = "skill") -> list[Resolution]:
        """Resolve one skill or occupation string to ESCO concepts with a confidence.

        Tried in order: an ESCO URI; a preferred or alternative label in any shipped language
        (``lang`` only breaks ties); the same ignoring spaces ("datam odels"); a misspelt
        label (rapidfuzz ``ratio`` of at least 85, 92 for short strings; none under 6
        characters, where typos and abbreviations cannot be told apart).

        Parameters
        ----------
        text : str
        lang : str, optional
            Preferred language of labels and of the returned ``label``.
        kind : {"skill", "occupation"}

        Returns
        -------
        list of Resolution
            Best first (confidence, then URI); empty when nothing matches well enough.
        """
        return list(self.resolve_many([text], lang, kind)[0])

    def extract(self, text: str, kind: str = "skill", lang: str | None = None) -> list[Resolution]:
        """Find concepts mentioned inside free text (a need's description, a summary).

        The text is cut into clauses at punctuation; a clause that is itself a label resolves
        whole, otherwise the longest labels found inside it are taken, and a clause with no
        label inside is tried as a misspelt label (whole and, for a long clause, its last 2–6
        words, since sentences put the skill after the verb phrase). Methods are as in
        :meth:`resolve`, with ``span`` for a label found inside a clause.
        """
        return self.extract_many([text], kind, lang)[0]

    def extract_many(
        self, texts: Sequence[str], kind: str = "skill", lang: str | None = None
    ) -> list[list[Resolution]]:
        """:meth:`extract` for many texts, with all misspelt clauses matched in one pass."""
        found: list[dict[str, Resolution]] = []
        pending: list[tuple[int, list[str]]] = []
        for t, text in enumerate(texts):
            found.append({})
            for clause in filter(None, (normalise(c) for c in _CLAUSE.split(text))):
                spans = self._exact(clause, kind, lang) or self._spans(clause.split(), kind, lang)
                for r in spans:
                    if r.uri not in found[t] or r.confidence > found[t][r.uri].confidence:
                        found[t][r.uri] = r
                if not spans:
                    words = clause.split()
                    tails = [" ".join(words[-n:]) for n in range(6, 1, -1) if len(words) > 6]
                    pending.append((t, [clause, *tails]))
        flat = [q for _, group in pending for q in group]
        resolved = iter(self.resolve_many(flat, lang, kind))
        for t, group in pending:
            options = [next(resolved) for _ in group]
            best = max(options, key=lambda rs: rs[0].confidence if rs else 0.0)
            for r in best:
                found[t].setdefault(r.uri, r)
        return [sorted(f.values(), key=lambda r: (-r.confidence, r.uri)) for f in found]

    def _spans(self, words: list[str], kind: str, lang: str | None) -> list[Resolution]:
        """Longest non-overlapping labels (two words or more) inside a word sequence."""
        index = self._index[kind]
        exact = index.codes
        results: list[Resolution] = []
        i = 0
        while i < len(words):
            for n in range(min(8, len(words) - i), 1, -1):
                key = " ".join(words[i : i + n])
                if key in exact:
                    for r in self._from_entries(index.entries(exact[key]), kind, "span", lang, 0.9):
                        results.append(r)
                    i += n
                    break
            else:
                i += 1
        return results

    # --- autocomplete --------------------------------------------------------------------

    def _demand(self, kind: str) -> np.ndarray:
        """How many occupations ESCO relates to each skill (zeros for occupations): the
        tie-break between labels a search matches equally well."""
        demands = self.__dict__.setdefault("_demands", {})
        if kind not in demands:
            if kind == "skill":
                counts = np.diff(self._relations.tocsc().indptr)
            else:
                counts = np.zeros(len(self._uris[kind]), dtype=np.int64)
            demands[kind] = counts
        return demands[kind]

    def _word_index(self, kind: str) -> WordIndex:
        """The word index of one kind's labels, built once and kept in the cache file (see
        :meth:`__getstate__`) so that no worker builds it on its first search."""
        indexes = self.__dict__.setdefault("_word_indexes", {})
        if kind not in indexes:
            indexes[kind] = WordIndex(self._index[kind].choices)
        return indexes[kind]

    def search(
        self, prefix_or_text: str, lang: str = "en", kind: str = "skill", limit: int = 10
    ) -> list[SearchHit]:
        """Suggest concepts for a search box, in any shipped language.

        The same resolver as the engine comes first: what :meth:`resolve` finds for the whole
        text (exact label, label ignoring spaces, misspelt label). Then labels beginning with
        the text (the phrase being typed), then labels matched word by word with typos
        forgiven (:mod:`matching.search`: whole-phrase and token-set similarity, words under
        three letters never matched on their own). Each concept appears once, labelled in
        ``lang`` (falling back to English).

        Parameters
        ----------
        prefix_or_text : str
        lang : str
        kind : {"skill", "occupation"}
        limit : int

        Returns
        -------
        list of SearchHit
            ``score`` is 0-100, higher is closer.
        """
        query = normalise(prefix_or_text)
        if not query or limit < 1:
            return []
        index = self._index[kind]
        scored: dict[int, tuple[tuple[float, ...], str, str]] = {}

        demand = self._demand(kind)

        def offer(
            key: str, tier: int, score: float, coverage: float = 1.0, evidence: float = 100.0
        ) -> None:
            for entry in index.entries(index.codes[key]):
                rank = (
                    tier,
                    -round(evidence),
                    # Words matched equally well: the skill more occupations need first.
                    -demand[entry.index] if tier == 2 else 0,
                    -round(score, 1),
                    -coverage,
                    0 if entry.lang == lang else 1,
                    0 if entry.preferred else 1,
                    len(key),
                )
                if entry.index not in scored or rank < scored[entry.index][0]:
                    scored[entry.index] = (rank, key, entry.lang)

        if query in index.codes:
            offer(query, 0, 100.0)
        for found in self.resolve(prefix_or_text, lang=lang, kind=kind):
            # The concept the engine resolved, and only it (its label may be shared by others).
            position = self.position(found.uri, kind)
            score = 100.0 * found.confidence
            rank = (0, -round(score), 0, -round(score, 1), -1.0, 0 if found.lang == lang else 1)
            rank = (*rank, 0, len(query))
            if (
                position is not None
                and found.method != "uri"
                and (position not in scored or rank < scored[position][0])
            ):
                scored[position] = (rank, query, found.lang)
        start = bisect.bisect_left(index.sorted_keys, query)
        for key in index.sorted_keys[start : start + 500]:
            if not key.startswith(query):
                break
            offer(key, 1, 100.0, len(query) / len(key))
        if len(scored) < limit:
            for match in self._word_index(kind).match(query, limit=4 * limit):
                offer(match.key, 2, match.score, match.coverage, match.words)
        hits = []
        for i, (rank, key, matched_lang) in sorted(
            scored.items(), key=lambda kv: (kv[1][0], self._uris[kind][kv[0]])
        )[:limit]:
            uri = self._uris[kind][i]
            hits.append(SearchHit(uri, self.label(uri, lang) or key, key, matched_lang, -rank[3]))
        return hits
