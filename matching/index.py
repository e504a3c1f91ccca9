"""A persistent matching index: expert profiles computed once, when an expert changes.

Featurising an expert (resolving skills, inferring occupations, hashing text) is the costly
part of ranking; scoring is one sparse product. This module turns an expert's record and the
:class:`~matching.features.Profile` the engine's featurizer made for it into bytes that can be
kept (a database row, a file), and back, so that a ranking fits the engine with
``Matcher.fit(..., expert_profiles=...)`` instead of featurising every expert again. The
engine's own scoring is used unchanged, so rankings from stored profiles are identical to a
fit from scratch (``tests/matching/test_index.py`` holds the two together).

Plain data only: no Flask, no database. Every stored profile carries :func:`feature_version`,
a stamp over the engine version, the featurizer's settings, the taxonomy and the source of the
modules that make features; a row with another stamp is stale and must be rebuilt.
"""

from __future__ import annotations

import gc
import hashlib
import json
import math
import multiprocessing as mp
import multiprocessing.connection
import struct
from collections import deque
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from matching.engine import (
    ENGINE_VERSION,
    LANGUAGE_COLUMNS,
    Matcher,
    experience_fit,
    prose_row,
)
from matching.features import EVIDENCE, Featurizer, Profile, SkillItem, collector_paused
from matching.records import Expert, Language, Window
from matching.taxonomy import Taxonomy
from matching.text import TEXT_FEATURES

__all__ = [
    "CountryBlock",
    "IndexedExpert",
    "build",
    "build_index",
    "by_country",
    "dump",
    "feature_version",
    "featurizer_for",
    "load",
    "read_file",
    "write_file",
]

_MAGIC = b"HWX1"
_HEADER = struct.Struct("<4sI")
# The row's column blocks, in the featurizer's order (Featurizer.offsets).
_BLOCKS = ("concepts", "skills", "occupation", "semantic")
_VERSIONS: dict[int, tuple[Featurizer, str]] = {}
# What json.dumps(..., ensure_ascii=False, separators=(",", ":")) makes, built once.
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


@dataclass(frozen=True)
class IndexedExpert:
    """One expert as the index keeps them: the engine's record and its profile."""

    record: Expert
    profile: Profile


def featurizer_for(taxonomy: Taxonomy, matcher: Matcher | None = None) -> Featurizer:
    """The featurizer a :class:`Matcher` with these settings uses on this taxonomy (shared)."""
    settings = matcher or Matcher()
    return (
        Matcher(
            occupation_top=settings.occupation_top,
            occupation_power=settings.occupation_power,
            title_weight=settings.title_weight,
        )
        .fit([], [], taxonomy=taxonomy)
        .featurizer_
    )


def feature_version(featurizer: Featurizer) -> str:
    """Stamp of everything a stored profile depends on; another stamp means rebuild it."""
    found = _VERSIONS.get(id(featurizer))
    if found is not None and found[0] is featurizer:
        return found[1]
    digest = hashlib.sha256()
    digest.update(f"{ENGINE_VERSION}|{_MAGIC.decode()}|{featurizer.width}|".encode())
    digest.update(
        f"{featurizer.occupation_top}|{featurizer.occupation_power}|{featurizer.title_weight}|".encode()
    )
    taxonomy = featurizer.taxonomy
    for kind in ("skill", "occupation"):
        digest.update("\n".join(taxonomy.uris(kind)).encode())
    digest.update(str(taxonomy.relation_matrix().nnz).encode())
    here = Path(__file__).parent
    for module in (
        "features.py",
        "semantic.py",
        "taxonomy.py",
        "text.py",
        "records.py",
        "index.py",
    ):
        digest.update((here / module).read_bytes())
    stamp = digest.hexdigest()[:24]
    _VERSIONS[id(featurizer)] = (featurizer, stamp)
    return stamp


# --- one expert ------------------------------------------------------------------------------


def dump(record: Expert, profile: Profile) -> bytes:
    """An expert's record and profile as bytes (a JSON header, then the row's arrays)."""
    row = profile.row
    if row is None:
        raise ValueError("the profile has no row: make it with Featurizer.expert")
    return _dump(record, profile, row.indices, row.data)


def _dump(
    record: Expert,
    profile: Profile,
    cols: Sequence[int],
    vals: Sequence[float],
    fragments: dict[int, str] | None = None,
) -> bytes:
    """:func:`dump` from a row's columns and values. ``fragments`` keeps the JSON of skill
    items by identity across the dumps of one batch (its items are shared, and alive while
    it is dumped); the bytes are those of one ``json.dumps`` of the whole header."""
    indices = np.asarray(cols, dtype=np.int32)
    data = np.asarray(vals, dtype=np.float64)
    encode = _ENCODER.encode
    kept = {} if fragments is None else fragments

    def items(found: list[SkillItem]) -> str:
        parts = []
        for i in found:
            text = kept.get(id(i))
            if text is None:
                text = kept[id(i)] = encode([i.text, i.column, i.confidence, i.uri, i.label])
            parts.append(text)
        return "[" + ",".join(parts) + "]"

    header = "".join(
        (
            '{"r":',
            encode(_record_fields(record)),
            ',"s":',
            items(profile.skills),
            ',"o":',
            encode([[uri, weight] for uri, weight in profile.occupations]),
            ',"g":',
            items(profile.suggested),
            ',"e":',
            encode(profile.empty),
            ',"k":',
            encode(profile.evidence),
            ',"p":',
            encode([[col, tf] for col, tf in profile.prose.items()]),
            ',"n":',
            str(len(indices)),
            "}",
        )
    ).encode()
    return b"".join((_HEADER.pack(_MAGIC, len(header)), header, indices.tobytes(), data.tobytes()))


def load(blob: bytes, featurizer: Featurizer) -> IndexedExpert:
    """The record and profile :func:`dump` wrote; the profile equals ``featurizer.expert``'s."""
    magic, size = _HEADER.unpack_from(blob)
    if magic != _MAGIC:
        raise ValueError("not a stored expert profile")
    start = _HEADER.size
    header = json.loads(blob[start : start + size])
    n = header["n"]
    start += size
    indices = np.frombuffer(blob, dtype=np.int32, count=n, offset=start)
    data = np.frombuffer(blob, dtype=np.float64, count=n, offset=start + 4 * n)
    base = EVIDENCE.index(header["k"]) * featurizer.profile_width
    blocks = _split(indices, data, featurizer.offsets + base)
    profile = Profile(
        blocks.pop("concepts"),
        skills=[SkillItem(t, c, conf, uri, label) for t, c, conf, uri, label in header["s"]],
        occupations=[(uri, weight) for uri, weight in header["o"]],
        blocks=blocks,
        row=sp.csr_matrix(
            (data, indices.astype(np.int64), np.array([0, n], dtype=np.int64)),
            shape=(1, featurizer.width),
        ),
        empty=header["e"],
        prose={int(col): float(tf) for col, tf in header["p"]},
        evidence=header["k"],
        suggested=[SkillItem(t, c, conf, uri, label) for t, c, conf, uri, label in header["g"]],
    )
    return IndexedExpert(_record(header["r"]), profile)


def _split(
    indices: np.ndarray, data: np.ndarray, offsets: np.ndarray
) -> dict[str, dict[int, float]]:
    bounds = np.searchsorted(indices, offsets)
    blocks = {}
    for name, (a, b), offset in zip(_BLOCKS, pairwise(bounds), offsets, strict=False):
        cols = (indices[a:b].astype(np.int64) - int(offset)).tolist()
        blocks[name] = dict(zip(cols, data[a:b].tolist(), strict=True))
    return blocks


def _record_fields(record: Expert) -> list[object]:
    return [
        record.id,
        record.origin_country,
        record.residence_country,
        [[x.code, x.level] for x in record.languages],
        record.occupation,
        list(record.skills),
        record.summary,
        record.years_experience,
        [[w.start.toordinal(), w.end.toordinal()] for w in record.availability],
        list(record.sectors),
        record.origin_region,
        record.gender,
        list(record.suggested_skills),
    ]


def _record(fields: list) -> Expert:
    (ident, origin, residence, languages, occupation, skills, summary, years, windows) = fields[:9]
    sectors, region, gender, suggested = fields[9:13]
    return Expert(
        id=ident,
        origin_country=origin,
        residence_country=residence,
        languages=tuple(Language(code, level) for code, level in languages),
        occupation=occupation,
        skills=tuple(skills),
        summary=summary,
        years_experience=years,
        availability=tuple(Window(date.fromordinal(a), date.fromordinal(b)) for a, b in windows),
        sectors=tuple(sectors),
        origin_region=region,
        gender=gender,
        suggested_skills=tuple(suggested),
    )


# --- many experts ----------------------------------------------------------------------------


def build(experts: Iterable[Expert], featurizer: Featurizer) -> dict[str, bytes]:
    """Stored form of many experts at once (:meth:`Featurizer.expert_rows`: each distinct
    string resolved once, one sparse product for the occupations), which is much faster than
    one expert at a time and gives the same bytes."""
    experts = list(experts)
    rows, fragments = featurizer.expert_rows(experts), {}
    return {
        e.id: _dump(e, profile, cols, vals, fragments)
        for e, (profile, cols, vals) in zip(experts, rows, strict=True)
    }


def profiles(stored: Iterable[IndexedExpert]) -> tuple[list[Expert], dict[str, Profile]]:
    """Records and profiles, as ``Matcher.fit(records, needs, expert_profiles=profiles)``
    takes them."""
    records, by_id = [], {}
    for item in stored:
        records.append(item.record)
        by_id[item.record.id] = item.profile
    return records, by_id


def write_file(path: str | Path, blobs: Mapping[str, bytes]) -> None:
    """One country's (or shard's) stored experts as a single file, written atomically (a
    reader never sees half a file)."""
    path = Path(path)
    ids = list(blobs)
    sizes = np.array([len(blobs[i]) for i in ids], dtype=np.int64)
    body = np.frombuffer(b"".join(blobs[i] for i in ids), dtype=np.uint8)
    partial = path.with_name(path.name + ".partial")
    with partial.open("wb") as handle:
        np.savez(handle, ids=np.array(ids, dtype=str), sizes=sizes, body=body)
    partial.replace(path)


def read_file(path: str | Path) -> Iterator[tuple[str, bytes]]:
    """(expert id, stored bytes) from a file :func:`write_file` made."""
    with np.load(Path(path), allow_pickle=False) as archive:
        ids, sizes, body = archive["ids"], archive["sizes"], archive["body"].tobytes()
    ends = np.cumsum(sizes).tolist()
    start = 0
    for ident, end in zip(ids.tolist(), ends, strict=True):
        yield ident, body[start:end]
        start = end


# --- one country's experts as one block --------------------------------------------------------

_NO_WINDOW = 1 << 30
_BLOCK_ARRAYS = (
    "ids",
    "keys",
    "stamps",
    "residence",
    "empty",
    "win_start",
    "win_end",
    "languages",
    "experience",
    "region",
)
_LANGUAGE = {code: i for i, code in enumerate(LANGUAGE_COLUMNS)}
#: A stored block's first bytes, and the alignment of each array in it.
_BLOCK_MAGIC = b"HWB2\n"
_ALIGN = 64


@dataclass(frozen=True)
class CountryBlock:
    """One origin country's experts as the engine ranks them, in arrays: their taxonomy rows
    and prose rows (CSR, one row per expert, in expert-id order) and the small per-expert
    facts the hard rules and practical criteria read. A worker loads it in one read and ranks
    against it with ``Matcher.fit_stored``, without a Python object per expert.

    ``keys`` are the caller's ids of the experts (a database's row ids; -1 when none) and
    ``stamps`` their change stamps, so that :meth:`updated` replaces only the rows that
    changed. ``version`` is the :func:`feature_version` the rows were made with.
    """

    country: str
    version: str
    ids: np.ndarray
    keys: np.ndarray
    stamps: np.ndarray
    matrix: sp.csr_matrix
    prose: sp.csr_matrix
    residence: np.ndarray
    empty: np.ndarray
    win_start: np.ndarray
    win_end: np.ndarray
    languages: np.ndarray
    experience: np.ndarray
    region: np.ndarray

    def __len__(self) -> int:
        return len(self.ids)

    def windows(self, row: int) -> tuple[Window, ...]:
        """The availability windows of one row, as the record states them."""
        return tuple(
            Window(date.fromordinal(a), date.fromordinal(b))
            for a, b in zip(self.win_start[row].tolist(), self.win_end[row].tolist(), strict=True)
            if a != _NO_WINDOW
        )

    def held(self, keys: Iterable[int]) -> np.ndarray:
        """One flag per row: whether its key is among ``keys``."""
        return np.isin(self.keys, np.fromiter(keys, dtype=np.int64))

    def updated(self, fresh: CountryBlock, drop: Iterable[int] = ()) -> CountryBlock:
        """This block with the rows of ``fresh`` (a block of the rows that changed) added or
        replaced, by key, and the rows of ``drop`` (keys) removed: the cost is that of the
        rows that changed plus one re-stacking, not a load of every expert."""
        if fresh.country != self.country or fresh.version != self.version:
            raise ValueError("a block is updated with rows of its country and version")
        gone = np.union1d(fresh.keys, np.fromiter(drop, dtype=np.int64))
        kept = np.flatnonzero(~np.isin(self.keys, gone))
        return _concat(self.country, self.version, [(self, kept), (fresh, None)])

    def _arrays(self) -> dict[str, np.ndarray]:
        arrays = {name: getattr(self, name) for name in _BLOCK_ARRAYS}
        for name in ("matrix", "prose"):
            m = getattr(self, name)
            arrays.update(
                {
                    f"{name}_data": m.data,
                    f"{name}_indices": m.indices,
                    f"{name}_indptr": m.indptr,
                    f"{name}_shape": np.array(m.shape, dtype=np.int64),
                }
            )
        return arrays

    def to_bytes(self) -> bytes:
        """The block as one blob: a JSON header naming each array's type, shape and place,
        then the arrays' bytes, each at an offset that is a multiple of 64 (no pickles).

        :meth:`from_bytes` reads the arrays in place, as views of the blob: a worker holds
        one copy of its country's block rather than the blob and the arrays at once."""
        arrays = {name: np.ascontiguousarray(a) for name, a in self._arrays().items()}
        places, offset = [], 0
        for name, array in arrays.items():
            if array.dtype.hasobject:
                raise ValueError(f"{name}: a block holds no Python objects")
            places.append([name, array.dtype.str, list(array.shape), offset])
            offset += -(-array.nbytes // _ALIGN) * _ALIGN
        header = json.dumps(
            {"country": self.country, "version": self.version, "arrays": places}
        ).encode()
        start = -(-(len(_BLOCK_MAGIC) + 8 + len(header)) // _ALIGN) * _ALIGN
        blob = bytearray(start + offset)
        blob[: len(_BLOCK_MAGIC) + 8] = _BLOCK_MAGIC + len(header).to_bytes(8, "little")
        blob[len(_BLOCK_MAGIC) + 8 : len(_BLOCK_MAGIC) + 8 + len(header)] = header
        view = np.frombuffer(blob, dtype=np.uint8)
        for (_name, _dtype, _shape, at), array in zip(places, arrays.values(), strict=True):
            view[start + at : start + at + array.nbytes] = array.reshape(-1).view(np.uint8)
        return bytes(blob)

    @classmethod
    def from_bytes(cls, blob: bytes) -> CountryBlock:
        """The block :meth:`to_bytes` wrote, its arrays read-only views of ``blob``. (A block
        of an earlier layout has another :func:`feature_version` and is never read.)"""
        blob = bytes(blob)  # read-only, and one type whatever the driver returned
        if not blob.startswith(_BLOCK_MAGIC):
            raise ValueError("not a stored country block")
        size = int.from_bytes(blob[len(_BLOCK_MAGIC) : len(_BLOCK_MAGIC) + 8], "little")
        try:
            meta = json.loads(blob[len(_BLOCK_MAGIC) + 8 : len(_BLOCK_MAGIC) + 8 + size])
            start = -(-(len(_BLOCK_MAGIC) + 8 + size) // _ALIGN) * _ALIGN
            arrays = {}
            for name, dtype, shape, at in meta["arrays"]:
                kind = np.dtype(dtype)
                if kind.hasobject or kind.itemsize == 0 or min(shape, default=0) < 0:
                    raise ValueError(f"{name}: not an array a block holds")
                count = math.prod(shape)
                array = np.frombuffer(blob, dtype=kind, count=count, offset=start + at)
                arrays[name] = array.reshape(shape)
            return cls._from_arrays(meta["country"], meta["version"], arrays)
        except (KeyError, TypeError, ValueError) as error:
            raise ValueError(f"not a stored country block: {error}") from error

    @classmethod
    def _from_arrays(
        cls, country: str, version: str, arrays: dict[str, np.ndarray]
    ) -> CountryBlock:
        fields: dict[str, Any] = {name: arrays[name] for name in _BLOCK_ARRAYS}
        for name in ("matrix", "prose"):
            fields[name] = sp.csr_matrix(
                (arrays[f"{name}_data"], arrays[f"{name}_indices"], arrays[f"{name}_indptr"]),
                shape=tuple(arrays[f"{name}_shape"].tolist()),
            )
        return cls(country=country, version=version, **fields)


def country_block(
    country: str, items: Iterable[tuple[int, int, IndexedExpert]], featurizer: Featurizer
) -> CountryBlock:
    """A block from loaded experts ((key, stamp, expert), any order) of one origin country."""
    facts = []
    for key, stamp, item in items:
        record, profile = item.record, item.profile
        prose = prose_row(profile, featurizer.prose_width)
        facts.append(
            _Facts(
                record.id,
                key,
                stamp,
                record.origin_country,
                record.residence_country,
                profile.empty,
                [(w.start.toordinal(), w.end.toordinal()) for w in record.availability],
                [(lang.code, lang.rank) for lang in record.languages],
                record.years_experience,
                record.origin_region,
                (profile.row.indices, profile.row.data),
                (prose.indices, prose.data),
            )
        )
    return _assemble(country, featurizer, facts)


def block_from_blobs(
    country: str, items: Iterable[tuple[int, int, bytes]], featurizer: Featurizer
) -> CountryBlock:
    """A block straight from stored rows ((key, stamp, bytes :func:`dump` wrote)), without
    making each expert's record and profile: what a worker does when a country's block is
    missing or many of its rows changed. Equal to :func:`country_block` of the loaded rows."""
    facts = []
    for key, stamp, blob in items:
        magic, size = _HEADER.unpack_from(blob)
        if magic != _MAGIC:
            raise ValueError("not a stored expert profile")
        header = json.loads(blob[_HEADER.size : _HEADER.size + size])
        n, start = header["n"], _HEADER.size + size
        r = header["r"]
        prose = header["p"]
        offset = EVIDENCE.index(header["k"]) * TEXT_FEATURES
        cols = np.array([c for c, _tf in prose], dtype=np.int64) + offset
        order = np.argsort(cols, kind="stable")
        facts.append(
            _Facts(
                r[0],
                key,
                stamp,
                r[1],
                r[2],
                header["e"],
                [(a, b) for a, b in r[8]],
                [(code, Language(code, level).rank) for code, level in r[3]],
                r[7],
                r[10],
                (
                    np.frombuffer(blob, dtype=np.int32, count=n, offset=start),
                    np.frombuffer(blob, dtype=np.float64, count=n, offset=start + 4 * n),
                ),
                (cols[order], np.array([tf for _c, tf in prose], dtype=np.float64)[order]),
            )
        )
    return _assemble(country, featurizer, facts)


@dataclass(frozen=True)
class _Facts:
    """What a block keeps of one expert."""

    id: str
    key: int
    stamp: int
    origin: str
    residence: str
    empty: bool
    windows: list[tuple[int, int]]
    languages: list[tuple[str, int]]
    years: float | None
    region: str | None
    row: tuple[np.ndarray, np.ndarray]
    prose: tuple[np.ndarray, np.ndarray]


def _csr(rows: list[tuple[np.ndarray, np.ndarray]], width: int) -> sp.csr_matrix:
    """Rows stacked as the engine stacks its blocks (int64 indices, rows in order)."""
    indptr = np.zeros(len(rows) + 1, dtype=np.int64)
    indptr[1:] = np.cumsum([len(i) for i, _d in rows])
    if not rows:
        return sp.csr_matrix((0, width))
    indices = np.concatenate([i for i, _d in rows]).astype(np.int64)
    data = np.concatenate([d for _i, d in rows]).astype(np.float64)
    return sp.csr_matrix((data, indices, indptr), shape=(len(rows), width))


def _assemble(country: str, featurizer: Featurizer, facts: list[_Facts]) -> CountryBlock:
    facts.sort(key=lambda f: f.id)
    if any(f.origin != country for f in facts):
        raise ValueError(f"a block holds experts of one origin country ({country})")
    n = len(facts)
    k = max([len(f.windows) for f in facts] + [1])
    win_start = np.full((n, k), _NO_WINDOW, dtype=np.int64)
    win_end = np.zeros((n, k), dtype=np.int64)
    languages = np.zeros((n, len(LANGUAGE_COLUMNS)), dtype=np.int8)
    for r, f in enumerate(facts):
        for c, (a, b) in enumerate(f.windows):
            win_start[r, c], win_end[r, c] = a, b
        for code, rank in f.languages:
            languages[r, _LANGUAGE[code]] = rank
    return CountryBlock(
        country=country,
        version=feature_version(featurizer),
        ids=np.array([f.id for f in facts], dtype=str),
        keys=np.array([f.key for f in facts], dtype=np.int64),
        stamps=np.array([f.stamp for f in facts], dtype=np.int64),
        matrix=_csr([f.row for f in facts], featurizer.width),
        prose=_csr([f.prose for f in facts], featurizer.prose_width),
        residence=np.array([f.residence for f in facts], dtype=str),
        empty=np.array([f.empty for f in facts], dtype=bool),
        win_start=win_start,
        win_end=win_end,
        languages=languages,
        experience=np.array([experience_fit(f.years) or 0.0 for f in facts], dtype=np.float64),
        region=np.array([f.region or "" for f in facts], dtype=str),
    )


def _concat(
    country: str, version: str, parts: list[tuple[CountryBlock, np.ndarray | None]]
) -> CountryBlock:
    """Rows of several blocks (all rows, or the given ones) as one block, in expert-id order."""
    chosen = [(b, np.arange(len(b)) if rows is None else rows) for b, rows in parts]
    k = max(b.win_start.shape[1] for b, _rows in chosen)

    def padded(name: str, fill: int) -> np.ndarray:
        return np.concatenate(
            [
                np.pad(
                    getattr(b, name)[rows],
                    ((0, 0), (0, k - b.win_start.shape[1])),
                    constant_values=fill,
                )
                for b, rows in chosen
            ]
        )

    fields: dict[str, np.ndarray | sp.csr_matrix] = {
        name: np.concatenate([getattr(b, name)[rows] for b, rows in chosen])
        for name in (
            "ids",
            "keys",
            "stamps",
            "residence",
            "empty",
            "languages",
            "experience",
            "region",
        )
    }
    fields["win_start"], fields["win_end"] = padded("win_start", _NO_WINDOW), padded("win_end", 0)
    for name in ("matrix", "prose"):
        fields[name] = sp.vstack([getattr(b, name)[rows] for b, rows in chosen], format="csr")
    order = np.argsort(fields["ids"], kind="stable")
    fields = {name: value[order] for name, value in fields.items()}
    return CountryBlock(country=country, version=version, **fields)


# --- the whole index at once -------------------------------------------------------------------

#: Experts featurised per task of a full build: large enough that a batch shares most of its
#: strings, small enough that the processes stay busy until the end.
BUILD_CHUNK = 20_000
#: Below this many experts a full build runs in this process (starting workers costs more).
PARALLEL_FROM = 10_000
Item = tuple[int, int, Expert]


def by_country(items: Iterable[Item]) -> list[tuple[str, list[Item]]]:
    """(key, stamp, record) items grouped by origin country, as :func:`build_index` takes
    them."""
    groups: dict[str, list[Item]] = {}
    for item in items:
        groups.setdefault(item[2].origin_country, []).append(item)
    return sorted(groups.items())


def build_index(
    groups: Iterable[tuple[str, Sequence[Item]]],
    featurizer: Featurizer,
    processes: int = 1,
    chunk: int = BUILD_CHUNK,
) -> Iterator[tuple[str, dict[int, bytes], CountryBlock | None]]:
    """Stored rows and blocks of many experts: for each (origin country, its experts as
    (key, stamp, record)), ``(country, {key: bytes dump wrote}, block)``, the block None for
    experts without an origin country. What ``placement reindex`` writes.

    Each country's experts are featurised in batches of ``chunk``
    (:meth:`Featurizer.expert_rows`), serialised, and the block assembled from the same
    arrays without reading the rows back. With ``processes`` > 1 the batches run in that many
    forked worker processes: ``groups`` is read lazily, in this process, while they work (a
    caller reading one country from a database overlaps the featurisation of the previous
    one), and each country is yielded, in order, as soon as its batches are done (so its
    writing overlaps the next ones). Rows and blocks are those of :func:`build` and
    :func:`block_from_blobs` (``tests/matching/test_index.py`` holds them together).
    """
    size = max(1, chunk)

    def parts(items: Sequence[Item]) -> list[list[Item]]:
        ordered = sorted(items, key=lambda i: i[2].id)
        return [ordered[start : start + size] for start in range(0, len(ordered), size)]

    if processes <= 1 or "fork" not in mp.get_all_start_methods():
        for country, items in groups:
            done = [_build_chunk(country, part, featurizer) for part in parts(items)]
            yield _country_result(country, done, featurizer)
        return
    yield from _forked(groups, parts, featurizer, processes)


def _forked(
    groups: Iterable[tuple[str, Sequence[Item]]],
    parts: Any,
    featurizer: Featurizer,
    processes: int,
) -> Iterator[tuple[str, dict[int, bytes], CountryBlock | None]]:
    """The batches in forked processes, at most ``processes`` at a time, each handed its
    batch by the fork itself (nothing to send) and sending back its rows and block part.

    No pool: a pool's feeder and result threads would share this process's interpreter
    lock with the caller's database reads and writes, and a thread that releases the lock
    for every row it fetches waits each time for the busy one (measured: reads five times
    slower). Here this process only waits on pipes between its own reads and writes."""
    context = mp.get_context("fork")
    source = iter(groups)
    queue: deque[tuple[int, int, list[Item]]] = deque()
    countries: list[tuple[str, int]] = []  # code, batches still out
    done: dict[int, list[tuple[int, tuple[dict[int, bytes], CountryBlock | None]]]] = {}
    running: dict[Any, tuple[Any, int, int]] = {}  # pipe -> (process, country, batch)
    exhausted = False
    while True:
        while len(running) < processes and (queue or not exhausted):
            if not queue:
                try:
                    country, items = next(source)  # the caller's read, while the workers work
                except StopIteration:
                    exhausted = True
                    continue
                batches = parts(items)
                c = len(countries)
                countries.append((country, len(batches)))
                done[c] = []
                if not batches:
                    done.pop(c)
                    yield country, {}, None
                queue.extend((c, k, batch) for k, batch in enumerate(batches))
                continue
            c, k, batch = queue.popleft()
            receive, send = context.Pipe(duplex=False)
            # Everything alive now is left out of the garbage collector's passes (here and in
            # the child), or the child's first full collection would touch, and so copy, every
            # page it shares with this process.
            gc.freeze()
            process = context.Process(
                target=_child, args=(send, countries[c][0], batch, featurizer), daemon=True
            )
            process.start()
            send.close()
            running[receive] = (
                process,
                c,
                len(done[c]) + sum(1 for r in running.values() if r[1] == c),
            )
        if not running:
            gc.unfreeze()
            return
        for receive in mp.connection.wait(list(running)):
            process, c, k = running.pop(receive)
            try:
                result = receive.recv()
            except EOFError as error:  # pragma: no cover - a worker that died
                raise RuntimeError("an index build worker died") from error
            finally:
                receive.close()
                process.join()
            if isinstance(result, BaseException):  # pragma: no cover - re-raised here
                raise result
            done[c].append((k, result))
            code, expected = countries[c]
            if len(done[c]) == expected:
                ordered = [r for _k, r in sorted(done.pop(c), key=lambda x: x[0])]
                yield _country_result(code, ordered, featurizer)


def _child(send: Any, country: str, batch: list[Item], featurizer: Featurizer) -> None:
    try:
        result: Any = _build_chunk(country, batch, featurizer)
    except BaseException as error:  # pragma: no cover - sent back, raised by the parent
        result = error
    send.send(result)
    send.close()


def _country_result(
    country: str,
    done: list[tuple[dict[int, bytes], CountryBlock | None]],
    featurizer: Featurizer,
) -> tuple[str, dict[int, bytes], CountryBlock | None]:
    blobs: dict[int, bytes] = {}
    for chunk_blobs, _part in done:
        blobs.update(chunk_blobs)
    blocks = [part for _blobs, part in done if part is not None]
    if not country or not blocks:
        return country, blobs, None
    return country, blobs, _join(country, feature_version(featurizer), blocks)


@collector_paused
def _build_chunk(
    country: str, items: list[Item], featurizer: Featurizer
) -> tuple[dict[int, bytes], CountryBlock | None]:
    """One batch of one country's experts (consecutive in id order): their rows and their
    part of the country's block."""
    rows = featurizer.expert_rows([record for _key, _stamp, record in items])
    blobs, facts, fragments = {}, [], {}
    for (key, stamp, record), (profile, cols, vals) in zip(items, rows, strict=True):
        blobs[key] = _dump(record, profile, cols, vals, fragments)
        if country:
            facts.append(_facts_of(key, stamp, record, profile, cols, vals))
    return blobs, _assemble(country, featurizer, facts) if country else None


def _facts_of(
    key: int, stamp: int, record: Expert, profile: Profile, cols: list[int], vals: list[float]
) -> _Facts:
    """What a block keeps of one expert, from the featurizer's output (as
    :func:`block_from_blobs` reads it from the stored row)."""
    offset = EVIDENCE.index(profile.evidence) * TEXT_FEATURES
    prose_cols = np.fromiter(profile.prose, dtype=np.int64, count=len(profile.prose)) + offset
    prose_vals = np.fromiter(profile.prose.values(), dtype=np.float64, count=len(prose_cols))
    order = np.argsort(prose_cols, kind="stable")
    return _Facts(
        record.id,
        key,
        stamp,
        record.origin_country,
        record.residence_country,
        profile.empty,
        [(w.start.toordinal(), w.end.toordinal()) for w in record.availability],
        [(lang.code, lang.rank) for lang in record.languages],
        record.years_experience,
        record.origin_region,
        (np.asarray(cols, dtype=np.int32), np.asarray(vals, dtype=np.float64)),
        (prose_cols[order], prose_vals[order]),
    )


def _join(country: str, version: str, parts: list[CountryBlock]) -> CountryBlock:
    """Blocks of consecutive runs of one country's experts (in id order) as one block: what
    :func:`_assemble` makes of all their rows at once."""
    if len(parts) == 1:
        return parts[0]
    k = max(p.win_start.shape[1] for p in parts)

    def padded(name: str, fill: int) -> np.ndarray:
        return np.concatenate(
            [
                np.pad(
                    getattr(p, name), ((0, 0), (0, k - p.win_start.shape[1])), constant_values=fill
                )
                for p in parts
            ]
        )

    fields: dict[str, np.ndarray | sp.csr_matrix] = {
        name: np.concatenate([getattr(p, name) for p in parts])
        for name in (
            "ids",
            "keys",
            "stamps",
            "residence",
            "empty",
            "languages",
            "experience",
            "region",
        )
    }
    fields["win_start"], fields["win_end"] = padded("win_start", _NO_WINDOW), padded("win_end", 0)
    for name in ("matrix", "prose"):
        matrices = [getattr(p, name) for p in parts]
        indptr = np.zeros(sum(m.shape[0] for m in matrices) + 1, dtype=np.int64)
        indptr[1:] = np.cumsum(np.concatenate([np.diff(m.indptr) for m in matrices]))
        fields[name] = sp.csr_matrix(
            (
                np.concatenate([m.data for m in matrices]),
                np.concatenate([m.indices for m in matrices]).astype(np.int64),
                indptr,
            ),
            shape=(len(indptr) - 1, matrices[0].shape[1]),
        )
    return CountryBlock(country=country, version=version, **fields)
