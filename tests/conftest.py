"""Shared fixtures: one app per session, a migrated database, a rolled-back session per test.

The suite runs on SQLite by default and on PostgreSQL when TEST_DATABASE_URL is set (for example
postgresql://postgres@127.0.0.1:5432/test). The schema is built by the Alembic migrations, not by
``create_all``, so every run also tests the migration history.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import text
from sqlalchemy.orm import scoped_session, sessionmaker

from config import load_config, normalise_database_url
from placement import create_app
from placement.extensions import db, limiter
from placement.models import Role, User
from tests import factories


def _database_url(tmp_dir: Path) -> str:
    url = os.environ.get("TEST_DATABASE_URL", "")
    return normalise_database_url(url) if url else f"sqlite:///{tmp_dir / 'test.db'}"


def _drop_everything() -> None:
    """Start from an empty database, whatever a previous (perhaps crashed) run left."""
    db.drop_all()
    with db.engine.begin() as connection:
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))


def make_test_app(database_url: str, instance: Path, **overrides: object) -> Flask:
    os.environ["PLACEMENT_INSTANCE_PATH"] = str(instance)
    config = load_config(
        "testing",
        SQLALCHEMY_DATABASE_URI=database_url,
        WTF_CSRF_ENABLED=False,
        UPLOAD_DIR=str(instance / "uploads"),
        LOGIN_RATE_LIMIT="1000 per minute",
        REGISTER_RATE_LIMIT="1000 per minute",
        RESET_RATE_LIMIT="1000 per minute",
        **overrides,
    )
    return create_app(config)


@pytest.fixture(scope="session")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    instance = tmp_path_factory.mktemp("instance")
    application = make_test_app(_database_url(instance), instance)
    with application.app_context():
        _drop_everything()
        upgrade()
        db.session.remove()
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def db_session(app: Flask) -> Iterator[object]:
    """Each test runs inside a transaction that is rolled back at the end; commits made by the
    code under test only release savepoints."""
    with app.app_context():
        connection = db.engine.connect()
        transaction = connection.begin()
        original = db.session
        # A plain SQLAlchemy session: Flask-SQLAlchemy's own picks the engine, not our bind.
        db.session = scoped_session(
            sessionmaker(bind=connection, join_transaction_mode="create_savepoint")
        )
        try:
            yield db.session
        finally:
            db.session.remove()
            db.session = original
            transaction.rollback()
            connection.close()


@pytest.fixture
def client(app: Flask, db_session: object) -> Iterator[FlaskClient]:
    limiter.reset()
    with app.test_client() as test_client:
        yield test_client


@pytest.fixture
def make_user(db_session: object) -> Callable[..., User]:
    """Create a user of any role; experts get a profile, hosts an institution."""

    def _make(role: str | Role = Role.EXPERT, **kwargs: object) -> User:
        role = Role(role)
        if role is Role.EXPERT:
            return factories.ExpertFactory(**kwargs).user
        if role is Role.INSTITUTION:
            return factories.HostMemberFactory(**kwargs).user
        if role is Role.ADMIN:
            return factories.AdminFactory(**kwargs)
        return factories.StaffFactory(**kwargs)

    return _make


@pytest.fixture
def login(client: FlaskClient) -> Callable[[User], User]:
    """Log a given user in through the real login form."""

    def _login(user: User) -> User:
        response = client.post("/login", data={"email": user.email, "password": factories.PASSWORD})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return user

    return _login


@pytest.fixture
def login_as(make_user: Callable[..., User], login: Callable[[User], User]) -> Callable[..., User]:
    """``login_as("staff")``: create a user of that role and log the test client in as it."""

    def _login_as(role: str | Role, **kwargs: object) -> User:
        return login(make_user(role, **kwargs))

    return _login_as
