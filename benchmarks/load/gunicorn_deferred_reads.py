"""gunicorn config for measuring a proposed change, not the shipped behaviour.

placement/database.py starts every SQLite transaction with BEGIN IMMEDIATE, reads included, so
each page view holds the database's single write lock for its whole length and the workers queue
behind each other. This config makes GET and HEAD requests begin with a plain (deferred) BEGIN,
as they do not write; other requests keep BEGIN IMMEDIATE. run_load.py uses it with
--deferred-reads, to show what the change would give.
"""

from __future__ import annotations

from typing import Any


def post_fork(server: Any, worker: Any) -> None:
    from flask import has_request_context, request
    from sqlalchemy import event

    import placement.database as database

    original = database.configure_engine

    def configure_engine(engine: Any) -> None:
        original(engine)
        if engine.dialect.name != "sqlite":
            return
        listeners = list(engine.dispatch.begin)
        for listener in listeners:
            event.remove(engine, "begin", listener)

        @event.listens_for(engine, "begin")
        def _begin(connection: Any) -> None:
            reading = has_request_context() and request.method in ("GET", "HEAD")
            connection.exec_driver_sql("BEGIN" if reading else "BEGIN IMMEDIATE")

    database.configure_engine = configure_engine
