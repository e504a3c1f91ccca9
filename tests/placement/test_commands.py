"""The `placement` commands that act on the database: accounts and demo data."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import func, select

from placement.demo.seed import DEMO_LOGINS, seed_demo
from placement.extensions import db
from placement.models import (
    AuditEvent,
    ExpertProfile,
    Institution,
    Need,
    Placement,
    PlacementStatus,
    Programme,
    Role,
    User,
)


def _count(model: type) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


class TestCreateUser:
    def test_creates_a_staff_account_and_audits_it(self, app: Flask, db_session: object) -> None:
        result = app.test_cli_runner().invoke(
            args=[
                "create-user",
                "--email",
                "Officer@Example.org",
                "--role",
                "staff",
                "--name",
                "Grace",
                "--password",
                "a long and unusual passphrase 7",
            ]
        )
        assert result.exit_code == 0, result.output
        user = db.session.scalar(select(User).where(User.email == "officer@example.org"))
        assert user.role is Role.STAFF and user.full_name == "Grace"
        assert db.session.scalar(select(AuditEvent.action)) == "user.create"

    def test_refuses_a_weak_password_and_a_duplicate(self, app: Flask, db_session: object) -> None:
        runner = app.test_cli_runner()
        weak = runner.invoke(
            args=[
                "create-user",
                "--email",
                "a@example.org",
                "--role",
                "admin",
                "--password",
                "short",
            ]
        )
        assert weak.exit_code == 1 and "Use at least 12 characters." in weak.output
        args = [
            "create-user",
            "--email",
            "b@example.org",
            "--role",
            "staff",
            "--password",
            "a long and unusual passphrase 7",
        ]
        assert runner.invoke(args=args).exit_code == 0
        duplicate = runner.invoke(args=args)
        assert duplicate.exit_code == 1 and "already exists" in duplicate.output

    def test_refuses_an_unknown_role(self, app: Flask, db_session: object) -> None:
        result = app.test_cli_runner().invoke(
            args=[
                "create-user",
                "--email",
                "c@example.org",
                "--role",
                "root",
                "--password",
                "a long and unusual passphrase 7",
            ]
        )
        assert result.exit_code == 2 and "root" in result.output


class TestDemoData:
    def test_is_realistic_and_covers_every_placement_status(self, app_ctx: None) -> None:
        created = seed_demo()
        assert created["experts"] >= 200
        assert _count(ExpertProfile) >= 200
        assert _count(Institution) >= 30
        assert _count(Need) >= 60
        origins = {
            country
            for programme in db.session.scalars(select(Programme))
            for country in programme.eligible_origin_countries
        }
        assert len(origins) >= 5
        statuses = set(db.session.scalars(select(Placement.status).distinct()))
        assert statuses == set(PlacementStatus)
        for login in DEMO_LOGINS:
            assert db.session.scalar(select(User).where(User.email == login.email))

    def test_running_twice_adds_nothing(self, app_ctx: None) -> None:
        seed_demo()
        counts = [_count(m) for m in (User, ExpertProfile, Institution, Need, Placement)]
        assert seed_demo() == {}
        assert [_count(m) for m in (User, ExpertProfile, Institution, Need, Placement)] == counts

    def test_each_demo_role_sees_its_dashboard(self, app: Flask, db_session: object) -> None:
        from placement.demo.seed import DEMO_PASSWORD

        with app.app_context():  # popped before the clients run (they must not share ``g``)
            seed_demo()
            db.session.commit()
        expected = {
            "admin": "Administration",
            "staff": "Programme staff dashboard",
            "institution": "Host institution dashboard",
            "expert": "My offers and",
            "partner": "Sierra Leone Health Professionals Abroad",
        }
        for login in DEMO_LOGINS:
            client = app.test_client()
            client.post("/login", data={"email": login.email, "password": DEMO_PASSWORD})
            page = client.get("/dashboard", follow_redirects=True).get_data(as_text=True)
            assert expected[login.role] in page, login.role
