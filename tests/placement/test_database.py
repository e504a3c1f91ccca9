"""Transactions: read requests never hold SQLite's write lock, and never write in their read
transaction; the few writes a read request must make go through commit_apart."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, create_engine, insert, select

from placement.database import WriteInReadRequest, commit_apart, configure_engine, reads_only
from placement.extensions import db
from placement.models import ExpertProfile, Notification, Role
from tests import factories


def _notification_row(user_id: int) -> dict[str, object]:
    return {"user_id": user_id, "kind": "test", "title": "Hello", "body": "Hello"}


def _sqlite_with_another_writer(tmp_path: Path) -> tuple[Engine, sqlite3.Connection]:
    """A scratch SQLite file with our engine set-up, and a second connection that fails at once
    (no busy wait) if it cannot take the write lock."""
    path = tmp_path / "locks.db"
    engine = create_engine(f"sqlite:///{path}")
    configure_engine(engine)
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE t (x INTEGER)")
    return engine, sqlite3.connect(path, timeout=0, isolation_level=None)


@pytest.mark.parametrize("method", ["GET", "HEAD", "OPTIONS"])
def test_a_write_inside_a_read_request_is_refused(app: Flask, db_session: object, method: str):
    user = factories.StaffFactory()
    with app.test_request_context("/", method=method):
        app.preprocess_request()
        with pytest.raises(WriteInReadRequest, match=f"{method} / wrote"):
            db.session.execute(insert(Notification).values(**_notification_row(user.id)))


def test_commit_apart_lets_a_read_request_write(app: Flask, db_session: object) -> None:
    user = factories.StaffFactory()
    with app.test_request_context("/", method="GET"):
        app.preprocess_request()
        commit_apart(
            lambda: db.session.execute(insert(Notification).values(**_notification_row(user.id)))
        )
        stored = db.session.scalar(
            select(Notification.title).where(Notification.user_id == user.id)
        )
    assert stored == "Hello"


def test_a_post_request_writes_as_before(app: Flask, db_session: object) -> None:
    user = factories.StaffFactory()
    with app.test_request_context("/", method="POST"):
        app.preprocess_request()
        db.session.execute(insert(Notification).values(**_notification_row(user.id)))
        assert db.session.scalar(select(Notification.id).where(Notification.user_id == user.id))


def test_code_outside_requests_is_not_a_read_request(app: Flask, db_session: object) -> None:
    """Jobs, commands and tests write without a request: nothing to refuse."""
    user = factories.StaffFactory()
    with app.test_request_context("/", method="GET"):  # no request dispatched
        db.session.execute(insert(Notification).values(**_notification_row(user.id)))


def test_an_expert_without_a_profile_gets_one_on_a_read_request(
    client: FlaskClient, login: object
) -> None:
    """The repair path of profile_for writes from GET pages, apart from the read transaction."""
    user = factories.UserFactory(role=Role.EXPERT)
    login(user)  # type: ignore[operator]
    response = client.get("/expert/", follow_redirects=True)
    assert response.status_code == 200
    assert db.session.scalar(select(ExpertProfile.id).where(ExpertProfile.user_id == user.id))


def test_a_read_request_does_not_hold_the_sqlite_write_lock(app: Flask, tmp_path: Path) -> None:
    """While a page view reads, another process writes at once (no busy wait): the view's
    transaction began with a plain BEGIN, not BEGIN IMMEDIATE."""
    engine, other = _sqlite_with_another_writer(tmp_path)
    try:
        with app.test_request_context("/", method="GET"), engine.connect() as reader:
            app.preprocess_request()
            reader.exec_driver_sql("SELECT count(*) FROM t").scalar()
            other.execute("BEGIN IMMEDIATE")  # would raise "database is locked" at once
            other.execute("INSERT INTO t VALUES (1)")
            other.execute("COMMIT")
        with app.test_request_context("/", method="POST"), engine.connect() as writer:
            app.preprocess_request()
            writer.exec_driver_sql("SELECT count(*) FROM t").scalar()
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
    finally:
        other.close()
        engine.dispose()


def test_a_write_inside_reads_only_is_refused(app: Flask, db_session: object) -> None:
    user = factories.StaffFactory()
    with app.app_context(), reads_only(), pytest.raises(WriteInReadRequest, match="reads_only"):
        db.session.execute(insert(Notification).values(**_notification_row(user.id)))


def test_a_reading_job_does_not_hold_the_sqlite_write_lock(app: Flask, tmp_path: Path) -> None:
    engine, other = _sqlite_with_another_writer(tmp_path)
    try:
        with app.app_context(), reads_only(), engine.connect() as reader:
            reader.exec_driver_sql("SELECT count(*) FROM t").scalar()
            other.execute("BEGIN IMMEDIATE")
            other.execute("INSERT INTO t VALUES (1)")
            other.execute("COMMIT")
    finally:
        other.close()
        engine.dispose()
