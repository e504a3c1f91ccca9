"""Expert features kept in the database: featurised when a profile changes, loaded to rank.

Featurising a country's experts (resolving skills, inferring occupations, hashing text) is what
made the first view of a need wait seconds; scoring is one sparse product. So each expert's
profile, as :mod:`matching.index` serialises it, is kept in ``expert_features``:

- written when a profile, its skills, languages or availability change, by a session hook at
  commit (an import commits in batches, so a batch is featurised in one batched pass);
- rebuilt for everyone by ``placement reindex`` (after an engine or taxonomy upgrade);
- loaded by the ranking path (:func:`country_experts`); a missing row, or one whose version
  stamp is not the engine's current :func:`matching.index.feature_version`, is featurised
  there and stored, so a stale index never changes a ranking, it only costs time.

Rows carry the engine's record of the expert too, so ranking a country reads one table. Loaded
profiles are also kept in this process, keyed by row and stamp, so a worker reads only the rows
that changed since its last ranking of that country.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import ColumnElement, delete, event, func, insert, select
from sqlalchemy.orm import Session

from matching import index
from matching.features import Featurizer, Profile
from matching.records import Expert as ExpertRecord
from placement.database import commit_apart, in_read_request
from placement.extensions import db
from placement.matches.records import expert_records_where
from placement.models import (
    AvailabilityWindow,
    CountryIndex,
    CvSuggestion,
    ExpertFeatures,
    ExpertLanguage,
    ExpertProfile,
    ExpertSkill,
    utcnow,
)
from placement.taxonomy import get_taxonomy

# Rows read or written per statement (IN lists stay well under every driver's limit).
CHUNK = 1000
_PENDING = "stored_index.pending"
# CV suggestions count: undecided ones are ranked (at a lower weight) as ``suggested_skills``.
_CHILDREN = (ExpertLanguage, ExpertSkill, AvailabilityWindow, CvSuggestion)

# expert profile id -> (row updated_at, version, record, profile); see country_experts.
_LOADED: dict[int, tuple[Any, str, index.IndexedExpert]] = {}
_LOCK = threading.Lock()


def featurizer() -> Featurizer:
    """The featurizer the ranking engine uses on the application's taxonomy (shared)."""
    return index.featurizer_for(get_taxonomy())


def current_version() -> str:
    return index.feature_version(featurizer())


def store_features(expert_ids: Iterable[int]) -> int:
    """Featurise these profiles now (one batched pass) and replace their rows; profiles that
    were erased or deleted lose their row. Runs in the caller's transaction. Returns how many
    rows were written."""
    ids = sorted(set(expert_ids))
    written = 0
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        records = expert_records_where(
            ExpertProfile.id.in_(chunk), ExpertProfile.anonymised_at.is_(None)
        )
        blobs = _featurise({i: record for i, (_user, record) in records.items()})
        _write(chunk, blobs)
        written += len(blobs)
    return written


def _featurise(records: dict[int, ExpertRecord]) -> dict[int, bytes]:
    if not records:
        return {}
    by_uuid = index.build(records.values(), featurizer())
    return {i: by_uuid[record.id] for i, record in records.items()}


def _write(expert_ids: list[int], blobs: dict[int, bytes]) -> None:
    """Replace the rows of ``expert_ids`` by ``blobs`` (a delete then an insert: portable, and
    one transaction, so a reader sees the old row or the new one, never none)."""
    session = db.session
    session.execute(delete(ExpertFeatures).where(ExpertFeatures.expert_id.in_(expert_ids)))
    if blobs:
        version, now = current_version(), utcnow()
        session.execute(
            insert(ExpertFeatures),
            [
                {"expert_id": i, "version": version, "profile": blob, "updated_at": now}
                for i, blob in blobs.items()
            ],
        )


def reindex(
    batch: int = index.BUILD_CHUNK, only_stale: bool = False, processes: int | None = None
) -> int:
    """Rebuild the stored features of every profile not erased, and every origin country's
    block from them (``only_stale``: only the rows of profiles without a current row; their
    blocks follow on use). Returns how many rows were written.

    A full build (:func:`matching.index.build_index`): each country's records read in one
    pass, featurised in batches of ``batch`` (from :data:`matching.index.PARALLEL_FROM`
    experts on, in ``processes`` forked workers, default two, while the next country is read),
    its rows written with bulk inserts (COPY on PostgreSQL) and its block with them. Each
    country commits on its own, so an interrupted run leaves whole countries current and
    ``--stale-only`` finishes it."""
    version = current_version()
    criteria = [ExpertProfile.anonymised_at.is_(None)]
    if only_stale:
        current = select(ExpertFeatures.expert_id).where(ExpertFeatures.version == version)
        criteria.append(ExpertProfile.id.not_in(current))
    sizes = dict(
        db.session.execute(
            select(ExpertProfile.origin_country, func.count())
            .where(*criteria)
            .group_by(ExpertProfile.origin_country)
        ).all()
    )
    if sum(sizes.values()) < index.PARALLEL_FROM:
        processes = 1
    elif processes is None:
        processes = min(2, os.cpu_count() or 1)
    now = utcnow()
    stamp = _stamp(now)

    def countries() -> Iterator[tuple[str, list[index.Item]]]:
        for code in sorted(sizes, key=lambda c: c or ""):
            where = (
                ExpertProfile.origin_country.is_(None)
                if code is None
                else ExpertProfile.origin_country == code
            )
            records = expert_records_where(*criteria, where)
            yield code or "", [(i, stamp, record) for i, (_user, record) in records.items()]

    written = 0
    for _country, blobs, block in index.build_index(countries(), featurizer(), processes, batch):
        _replace_rows(blobs, version, now)
        if block is not None and not only_stale:
            _write_block(block)
        db.session.commit()
        written += len(blobs)
    return written


def _replace_rows(blobs: dict[int, bytes], version: str, now: datetime) -> None:
    """Replace the rows of these profiles (delete then bulk insert, in the caller's
    transaction); PostgreSQL takes them with COPY, the fastest way in."""
    session = db.session
    ids = sorted(blobs)
    for start in range(0, len(ids), CHUNK):
        session.execute(
            delete(ExpertFeatures).where(ExpertFeatures.expert_id.in_(ids[start : start + CHUNK]))
        )
    dialect = session.get_bind().dialect
    if dialect.name == "postgresql":
        cursor = session.connection().connection.driver_connection.cursor()
        columns = "expert_id, version, profile, updated_at"
        with cursor.copy(f"COPY expert_features ({columns}) FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(["int4", "varchar", "bytea", "timestamptz"])
            for i in ids:
                copy.write_row((i, version, blobs[i], now))
        return
    if dialect.name == "sqlite":
        # The driver's executemany with the time converted once as the column type would
        # (SQLAlchemy's per-row parameter processing costs more than SQLite's insert).
        convert = ExpertFeatures.__table__.c.updated_at.type.bind_processor(dialect)
        stored_at = convert(now) if convert is not None else now
        session.connection().exec_driver_sql(
            "INSERT INTO expert_features (expert_id, version, profile, updated_at) "
            "VALUES (?, ?, ?, ?)",
            [(i, version, blobs[i], stored_at) for i in ids],
        )
        return
    for start in range(0, len(ids), CHUNK * 10):
        session.execute(
            insert(ExpertFeatures),
            [
                {"expert_id": i, "version": version, "profile": blobs[i], "updated_at": now}
                for i in ids[start : start + CHUNK * 10]
            ],
        )


def _stamped_rows(*criteria: ColumnElement[bool]) -> list[Any]:
    """Id, user id and the stored row's version and time of each profile matching
    ``criteria`` (version None when it has no row yet), in id order."""
    return list(
        db.session.execute(
            select(
                ExpertProfile.id,
                ExpertProfile.user_id,
                ExpertFeatures.version,
                ExpertFeatures.updated_at,
            )
            .outerjoin(ExpertFeatures, ExpertFeatures.expert_id == ExpertProfile.id)
            .where(*criteria)
            .order_by(ExpertProfile.id)
        ).all()
    )


def country_experts(
    *criteria: ColumnElement[bool],
) -> dict[int, tuple[int, index.IndexedExpert]]:
    """Profile id -> (user id, stored record and profile) for the profiles matching
    ``criteria``, from the stored rows. Rows missing or stale are featurised now and stored
    (in a transaction of their own when serving a page, which only reads)."""
    version = current_version()
    rows = _stamped_rows(*criteria)
    users = {row.id: row.user_id for row in rows}
    found: dict[int, index.IndexedExpert] = {}
    to_read, to_build = [], []
    with _LOCK:
        for row in rows:
            kept = _LOADED.get(row.id)
            if row.version != version:
                to_build.append(row.id)
            elif kept is not None and kept[0] == row.updated_at and kept[1] == version:
                found[row.id] = kept[2]
            else:
                to_read.append(row.id)
    found.update(_read(to_read, version))
    if to_build:
        found.update(_rebuild(to_build))
    return {i: (users[i], found[i]) for i in users if i in found}


def _read(expert_ids: list[int], version: str) -> dict[int, index.IndexedExpert]:
    loaded = {}
    feat = featurizer()
    for start in range(0, len(expert_ids), CHUNK):
        for expert_id, blob, updated_at in db.session.execute(
            select(ExpertFeatures.expert_id, ExpertFeatures.profile, ExpertFeatures.updated_at)
            .where(ExpertFeatures.expert_id.in_(expert_ids[start : start + CHUNK]))
            .where(ExpertFeatures.version == version)
        ):
            item = index.load(bytes(blob), feat)
            loaded[expert_id] = item
            with _LOCK:
                _LOADED[expert_id] = (updated_at, version, item)
    return loaded


def _rebuild(expert_ids: list[int]) -> dict[int, index.IndexedExpert]:
    """Featurise rows that are missing or stale, use them now and store them."""
    records = {}
    for start in range(0, len(expert_ids), CHUNK):
        chunk = expert_records_where(ExpertProfile.id.in_(expert_ids[start : start + CHUNK]))
        records.update({i: record for i, (_user, record) in chunk.items()})
    blobs = _featurise(records)
    feat = featurizer()

    def write() -> None:
        for start in range(0, len(expert_ids), CHUNK):
            chunk = expert_ids[start : start + CHUNK]
            _write(chunk, {i: blobs[i] for i in chunk if i in blobs})

    if in_read_request():
        commit_apart(write)
    else:
        write()
    return {i: index.load(blob, feat) for i, blob in blobs.items()}


def forget_loaded() -> None:
    """Drop this process's loaded profiles and blocks (tests; an erasure also deletes the
    rows)."""
    with _LOCK:
        _LOADED.clear()
        _BLOCKS.clear()


# --- one block per origin country ------------------------------------------------------------

#: A block whose rows changed more than this since it was stored is stored again (by the
#: worker that noticed), so that other workers do not each apply the same changes.
RESTORE_AFTER = 50
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# country -> the block this process last used.
_BLOCKS: dict[str, index.CountryBlock] = {}


def _stamp(updated_at: datetime) -> int:
    """A row's change stamp: its update time in microseconds."""
    if updated_at.tzinfo is None:
        updated_at = updated_at.replace(tzinfo=UTC)
    return (updated_at - _EPOCH) // timedelta(microseconds=1)


def country_block(country: str) -> tuple[index.CountryBlock, dict[int, int]]:
    """The block of every expert of origin ``country`` not erased, current with their stored
    rows, and profile id -> user id of those experts.

    The block comes from this process, or from ``country_index`` in one read; rows whose
    change stamp moved since (edits, imports) are read and replaced in it, rows of erased or
    moved experts dropped. Missing or stale rows are featurised first (as
    :func:`country_experts`). A block missing, of another version or with many changes is
    stored again (apart from the request's transaction when serving a page)."""
    version = current_version()
    rows = _stamped_rows(
        ExpertProfile.origin_country == country, ExpertProfile.anonymised_at.is_(None)
    )
    users = {row.id: row.user_id for row in rows}
    stale = [row.id for row in rows if row.version != version]
    if stale:
        _rebuild(stale)
        stamps = dict(
            db.session.execute(
                select(ExpertFeatures.expert_id, ExpertFeatures.updated_at).where(
                    ExpertFeatures.expert_id.in_(list(users))
                )
            ).all()
        )
    else:
        stamps = {row.id: row.updated_at for row in rows}
    current = {i: _stamp(at) for i, at in stamps.items()}
    with _LOCK:
        block = _BLOCKS.get(country)
    if block is None or block.version != version:
        block = _stored_block(country, version)
    store = block is None
    if block is None:
        changed, drop = sorted(current), []
        block = index.block_from_blobs(country, [], featurizer())
    else:
        had = dict(zip(block.keys.tolist(), block.stamps.tolist(), strict=True))
        changed = [i for i, stamp in current.items() if had.get(i) != stamp]
        drop = [i for i in had if i not in current]
    if changed or drop:
        block = block.updated(_blob_block(country, changed), drop)
        store = store or len(changed) + len(drop) > RESTORE_AFTER
    if store:
        _store_block(block)
    with _LOCK:
        _BLOCKS[country] = block
    return block, users


def _blob_block(country: str, expert_ids: list[int]) -> index.CountryBlock:
    """A block of these experts' stored rows (read in chunks)."""
    items = []
    for start in range(0, len(expert_ids), CHUNK):
        items.extend(
            (expert_id, _stamp(updated_at), bytes(blob))
            for expert_id, blob, updated_at in db.session.execute(
                select(ExpertFeatures.expert_id, ExpertFeatures.profile, ExpertFeatures.updated_at)
                .where(ExpertFeatures.expert_id.in_(expert_ids[start : start + CHUNK]))
                .where(ExpertFeatures.version == current_version())
            )
        )
    return index.block_from_blobs(country, items, featurizer())


def _stored_block(country: str, version: str) -> index.CountryBlock | None:
    blob = db.session.scalar(
        select(CountryIndex.block).where(
            CountryIndex.country == country, CountryIndex.version == version
        )
    )
    return None if blob is None else index.CountryBlock.from_bytes(bytes(blob))


def _store_block(block: index.CountryBlock) -> None:
    if in_read_request():
        commit_apart(lambda: _write_block(block))
    else:
        _write_block(block)


def _write_block(block: index.CountryBlock) -> None:
    """Replace the stored block of the block's country (in the caller's transaction)."""
    db.session.execute(delete(CountryIndex).where(CountryIndex.country == block.country))
    db.session.execute(
        insert(CountryIndex),
        [
            {
                "country": block.country,
                "version": block.version,
                "block": block.to_bytes(),
                "built_at": utcnow(),
            }
        ],
    )


def loader_for(block: index.CountryBlock) -> Any:
    """``Matcher.fit_stored``'s ``load``: engine ids to (record, profile), from the rows the
    block was made of (this process's loaded ones reused when their stamp is the block's)."""
    rows = {
        ident: (key, stamp)
        for ident, key, stamp in zip(
            block.ids.tolist(), block.keys.tolist(), block.stamps.tolist(), strict=True
        )
    }

    def load(ids: list[str]) -> Mapping[str, tuple[ExpertRecord, Profile]]:
        version = current_version()
        wanted = [rows[i] for i in ids if i in rows]
        found, to_read = [], []
        with _LOCK:
            for key, stamp in wanted:
                kept = _LOADED.get(key)
                if kept is not None and kept[1] == version and _stamp(kept[0]) == stamp:
                    found.append(kept[2])
                else:
                    to_read.append(key)
        found.extend(_read(to_read, version).values())
        return {
            item.record.id: (item.record, item.profile)
            for item in found
            if rows.get(item.record.id, (None,))[0] is not None
        }

    return load


def forget_blocks() -> None:
    """Delete the stored country blocks and drop this process's (an erasure: a block holds
    the erased expert's features; they are built again from the rows)."""
    db.session.execute(delete(CountryIndex))
    with _LOCK:
        _BLOCKS.clear()


# --- keeping rows current: a session hook ----------------------------------------------------


def _changed_experts(session: Session) -> set[int]:
    ids = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, ExpertProfile) and obj.id is not None:
            ids.add(obj.id)
        elif isinstance(obj, _CHILDREN) and obj.expert_id is not None:
            ids.add(obj.expert_id)
    return ids


@event.listens_for(Session, "after_flush")
def _note_changes(session: Session, _context: object) -> None:
    changed = _changed_experts(session)
    if changed:
        session.info.setdefault(_PENDING, set()).update(changed)


@event.listens_for(Session, "before_commit")
def _store_changes(session: Session) -> None:
    """Featurise the profiles this transaction changed, inside it: the row commits with the
    profile or not at all."""
    if not _hook_enabled(session):
        session.info.pop(_PENDING, None)
        return
    session.flush()
    pending = session.info.pop(_PENDING, None)
    if pending:
        store_features(pending)


@event.listens_for(Session, "after_rollback")
def _forget_changes(session: Session) -> None:
    session.info.pop(_PENDING, None)


def _hook_enabled(session: Session) -> bool:
    if not has_app_context() or not current_app.config.get("STORED_FEATURES_ON_SAVE", True):
        return False
    return session is db.session()
