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
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import scoped_session, sessionmaker

from config import load_config, normalise_database_url
from placement import create_app
from placement.auth import passwords
from placement.extensions import db, limiter
from placement.models import Role, User
from tests import factories

# Argon2 with minimal cost: the real parameters are deliberately slow, and tests log in a lot.
passwords._hasher = passwords.PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


def _database_url(tmp_dir: Path) -> str:
    url = os.environ.get("TEST_DATABASE_URL", "")
    return normalise_database_url(url) if url else f"sqlite:///{tmp_dir / 'test.db'}"


def scratch_database_url(tmp_dir: Path, suffix: str) -> str:
    """A fresh, empty database of the kind under test, for tests whose writes really commit
    (the browser's live server, migration round trips)."""
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        return f"sqlite:///{tmp_dir / f'{suffix}.db'}"
    base = make_url(normalise_database_url(url))
    name = f"{base.database}_{suffix}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


def _drop_everything() -> None:
    """Start from an empty database, whatever a previous (perhaps crashed) run left."""
    db.drop_all()
    with db.engine.begin() as connection:
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))


def make_test_app(database_url: str, instance: Path, **overrides: object) -> Flask:
    os.environ["PLACEMENT_INSTANCE_PATH"] = str(instance)
    settings: dict[str, object] = {
        "SQLALCHEMY_DATABASE_URI": database_url,
        "WTF_CSRF_ENABLED": False,
        "UPLOAD_DIR": str(instance / "uploads"),
        # The access-matrix walk logs in once per request; throttling has its own tests.
        "LOGIN_RATE_LIMIT": "100000 per minute",
        "REGISTER_RATE_LIMIT": "1000 per minute",
        "RESET_RATE_LIMIT": "1000 per minute",
    }
    settings.update(overrides)
    config = load_config("testing", **settings)
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
    code under test only release savepoints.

    No app context stays pushed during the test: Flask would reuse it for every test-client
    request, and ``g`` (with flask-login's cached user) would leak from one request to the next.
    Tests that call services directly use the ``app_ctx`` fixture.
    """
    with app.app_context():
        connection = db.engine.connect()
    transaction = connection.begin()
    original = db.session
    # A plain SQLAlchemy session: Flask-SQLAlchemy's own picks the engine, not our bind.
    # expire_on_commit=False keeps a test's records readable after a request has ended (each
    # request removes the session); tests re-read with db_session.get(...) to see changes.
    db.session = scoped_session(
        sessionmaker(
            bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
        )
    )
    try:
        yield db.session
    finally:
        db.session.remove()
        db.session = original
        transaction.rollback()
        connection.close()


@pytest.fixture
def app_ctx(app: Flask, db_session: object) -> Iterator[None]:
    """An app context (and a request context, for url_for and audit) for service-level tests."""
    with app.test_request_context():
        yield


@pytest.fixture
def client(app: Flask, db_session: object) -> FlaskClient:
    limiter.reset()
    # Not "with app.test_client()": a preserved request context would share ``g`` (and
    # flask-login's cached user) with the requests of any second client in the same test.
    return app.test_client()


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
