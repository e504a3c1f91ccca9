"""Connection set-up that makes SQLite safe for a multi-process web app.

SQLite writers collide: a deferred BEGIN that later upgrades to a write lock fails at once and
ignores the busy timeout. So every SQLite transaction starts with BEGIN IMMEDIATE, in WAL mode with
foreign keys on (SQLAlchemy's pysqlite "serializable isolation" recipe).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine


def configure_engine(engine: Engine) -> None:
    """Install the per-connection pragmas and the immediate-transaction hook on SQLite."""
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
        connection.exec_driver_sql("BEGIN IMMEDIATE")
