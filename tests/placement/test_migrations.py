"""The Alembic history builds exactly the schema the models describe, and runs both ways."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from placement.extensions import db
from placement.models import Base
from tests.conftest import make_test_app, scratch_database_url


def _differences(connection: object) -> list[object]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return compare_metadata(context, Base.metadata)


def test_alembic_head_matches_the_models(app: Flask) -> None:
    with app.app_context(), db.engine.connect() as connection:
        assert _differences(connection) == []


def test_downgrade_to_nothing_and_up_again(tmp_path: pytest.TempPathFactory) -> None:
    scratch = make_test_app(scratch_database_url(tmp_path, "migrations"), tmp_path)
    with scratch.app_context():
        upgrade()
        assert "placements" in inspect(db.engine).get_table_names()
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade()
        with db.engine.connect() as connection:
            assert _differences(connection) == []
        db.session.remove()
        db.engine.dispose()


def test_migrations_keep_data_both_ways(tmp_path: pytest.TempPathFactory) -> None:
    """Batch rebuilds on SQLite must not trip over foreign keys, and rows must survive."""
    from sqlalchemy import func, select

    from placement.demo.seed import seed_demo
    from placement.models import Need, Placement

    scratch = make_test_app(scratch_database_url(tmp_path, "migration_data"), tmp_path)
    with scratch.app_context():
        upgrade()
        seed_demo()
        db.session.commit()
        counts = [db.session.scalar(select(func.count()).select_from(m)) for m in (Need, Placement)]
        db.session.remove()
        downgrade(revision="c8b26996ed08")  # the first migration: every later one runs twice
        upgrade()
        assert [
            db.session.scalar(select(func.count()).select_from(m)) for m in (Need, Placement)
        ] == counts
        db.session.remove()
        db.engine.dispose()
