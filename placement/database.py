"""Connection set-up that makes SQLite safe and fast for a multi-process web app.

SQLite has one writer at a time. A deferred BEGIN that later upgrades to a write lock fails at
once and ignores the busy timeout, so every transaction that may write starts with BEGIN
IMMEDIATE, in WAL mode with foreign keys on (SQLAlchemy's pysqlite "serializable isolation"
recipe). But a transaction that only reads must not take that lock: with BEGIN IMMEDIATE for
page views too, the workers would queue behind each other on every request. So a request whose
method only reads (GET, HEAD, OPTIONS) begins with a plain BEGIN (in WAL mode, readers never wait
for the writer), and must not write. The rare read request that has to record something (a
token's last use) ends its read transaction and writes in one of its own, inside
:func:`commit_apart`. A write inside a read request's transaction is a bug: it fails under
load on SQLite. Under TESTING it raises :class:`WriteInReadRequest`, so the test suite finds it;
elsewhere it is logged.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

from flask import Flask, current_app, g, has_app_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine

T = TypeVar("T")
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_WRITE_STATEMENTS = ("INSERT", "UPDATE", "DELETE", "REPLACE")
_writes_first: ContextVar[bool] = ContextVar("writes_first", default=False)
_reading: ContextVar[bool] = ContextVar("reading", default=False)
log = logging.getLogger(__name__)


class WriteInReadRequest(RuntimeError):
    """A GET, HEAD or OPTIONS request wrote inside its read transaction."""


def configure_engine(engine: Engine) -> None:
    """Install the per-connection pragmas and the transaction hooks."""
    event.listen(engine, "before_cursor_execute", _refuse_write_in_read_request)
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        reading = in_read_request() and not _writes_first.get()
        connection.exec_driver_sql("BEGIN" if reading else "BEGIN IMMEDIATE")


def install_read_requests(app: Flask) -> None:
    """Mark each GET, HEAD and OPTIONS request as reading, before any other request hook runs
    (so the session's first transaction already knows)."""

    def _mark_reading() -> None:
        g.read_request = request.method in READ_METHODS

    app.before_request_funcs.setdefault(None, []).insert(0, _mark_reading)


def in_read_request() -> bool:
    """Whether only reading is going on: a request that only reads is being served (not a
    test's request context), or code inside :func:`reads_only`."""
    return _reading.get() or (has_app_context() and bool(g.get("read_request")))


@contextmanager
def reads_only() -> Iterator[None]:
    """Work outside a request (a job) that reads for long: its transactions begin with a plain
    BEGIN, so it does not hold SQLite's write lock, and it may not write. Commit (end the read
    transaction) before writing what it found."""
    token = _reading.set(True)
    try:
        yield
    finally:
        _reading.reset(token)


@contextmanager
def writes_first() -> Iterator[None]:
    """Transactions begun inside take the write lock at once (BEGIN IMMEDIATE on SQLite)."""
    token = _writes_first.set(True)
    try:
        yield
    finally:
        _writes_first.reset(token)


def commit_apart(change: Callable[[], T]) -> T:
    """Make ``change`` and commit it in a transaction of its own, which takes the write lock
    first: the way for a read request (or any request) to write now. The session's current
    transaction is committed before, so the change never joins a transaction that began reading
    (on SQLite that upgrade fails at once under load)."""
    from placement.extensions import db

    db.session.commit()
    with writes_first():
        result = change()
        db.session.commit()
    return result


def _refuse_write_in_read_request(
    _connection: Any, _cursor: Any, statement: str, *_args: Any
) -> None:
    if _writes_first.get() or not in_read_request():
        return
    if not statement.lstrip()[:7].upper().startswith(_WRITE_STATEMENTS):
        return
    where = "reads_only()" if _reading.get() else f"{request.method} {request.path}"
    message = f"{where} wrote inside its read transaction: {statement}"
    if current_app.testing:
        raise WriteInReadRequest(message)
    log.error(message)
