"""Cross-cutting behaviour: security headers, CSRF, error pages, languages, the audit trail."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from placement import audit
from placement.extensions import db
from placement.models import AuditEvent, AuditTrailIsImmutable, Role, User
from tests import factories

ROOT = Path(__file__).resolve().parents[2]


def test_security_headers_on_every_page(client: FlaskClient) -> None:
    for path in ("/", "/login", "/register", "/about", "/no-such-page"):
        headers = client.get(path).headers
        csp = headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in csp
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_signed_in_pages_are_not_cached(client: FlaskClient, login_as: Callable[..., User]) -> None:
    login_as(Role.EXPERT)
    assert client.get("/expert/").headers["Cache-Control"] == "no-store"


def test_session_cookie_flags(client: FlaskClient, login_as: Callable[..., User]) -> None:
    user = factories.ExpertFactory().user
    response = client.post("/login", data={"email": user.email, "password": factories.PASSWORD})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_production_cookies_are_secure_and_need_a_key(monkeypatch: pytest.MonkeyPatch) -> None:
    from config import load_config

    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        load_config("production")
    monkeypatch.setenv("SECRET_KEY", "x" * 64)
    config = load_config("production")
    assert config.SESSION_COOKIE_SECURE and config.REMEMBER_COOKIE_SECURE


class TestCSRF:
    @pytest.fixture(autouse=True)
    def _csrf_on(self, app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)

    def test_post_without_token_is_refused_and_writes_nothing(self, client: FlaskClient) -> None:
        response = client.post(
            "/register/expert",
            data={
                "full_name": "X",
                "email": "x@example.org",
                "password": "p" * 20,
                "confirm": "p" * 20,
                "consent_processing": "y",
            },
        )
        assert response.status_code == 400
        assert "Reload the page and try again" in response.get_data(as_text=True)
        assert db.session.scalar(select(func.count()).select_from(User)) == 0

    def test_logout_needs_a_token(self, client: FlaskClient) -> None:
        user = factories.ExpertFactory().user
        client.get("/login")
        assert client.post("/logout").status_code == 400
        assert user.session_version == 1


def test_not_found_page_has_no_internals(client: FlaskClient) -> None:
    response = client.get("/expert/../../etc/passwd")
    assert response.status_code == 404
    body = response.get_data(as_text=True)
    assert "We could not find that page." in body
    assert "Traceback" not in body and "werkzeug" not in body.lower()


def test_wrong_method_gives_405(client: FlaskClient) -> None:
    assert client.delete("/login").status_code == 405


def test_api_style_errors_are_json(client: FlaskClient) -> None:
    response = client.get("/api/nothing-here", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.json["status"] == 404


@pytest.mark.parametrize(
    ("locale", "direction"), [("en", "ltr"), ("fr", "ltr"), ("es", "ltr"), ("ar", "rtl")]
)
def test_language_switch_sets_lang_and_direction(
    client: FlaskClient, locale: str, direction: str
) -> None:
    response = client.post("/locale", data={"locale": locale, "next": "/about"})
    assert response.headers["Location"] == "/about"
    page = client.get("/about").get_data(as_text=True)
    assert f'<html lang="{locale}" dir="{direction}">' in page


def test_language_choice_is_kept_on_the_account(
    client: FlaskClient, login_as: Callable[..., User]
) -> None:
    user = login_as(Role.EXPERT)
    client.post("/locale", data={"locale": "fr"})
    assert db.session.get(User, user.id).locale == "fr"


def test_unknown_language_is_ignored(client: FlaskClient) -> None:
    client.post("/locale", data={"locale": "xx"})
    assert '<html lang="en"' in client.get("/").get_data(as_text=True)


def test_browser_language_is_used_when_nothing_is_chosen(client: FlaskClient) -> None:
    page = client.get("/", headers={"Accept-Language": "es-EC,es;q=0.9"}).get_data(as_text=True)
    assert '<html lang="es"' in page


@pytest.mark.parametrize("change", ["update", "delete"])
def test_audit_events_cannot_be_changed_or_deleted(app_ctx: None, change: str) -> None:
    staff = factories.StaffFactory()
    audit.record("user.create", staff, actor=staff, reason="test")
    db.session.commit()
    event = db.session.scalars(select(AuditEvent)).one()
    if change == "update":
        event.reason = "rewritten"
    else:
        db.session.delete(event)
    with pytest.raises(AuditTrailIsImmutable):
        db.session.flush()


def test_a_web_worker_does_not_carry_scikit_learn(tmp_path: Path) -> None:
    """scikit-learn is imported where an outcome model is trained: a web worker that only
    serves pages (and ranks from a stored model, which unpickles it) does not carry ~60 MB."""
    program = (
        "import sys\n"
        "from config import load_config\n"
        "from placement import create_app\n"
        "create_app(load_config('development'))\n"
        "print(sorted(m for m in ('sklearn', 'scipy.stats') if m in sys.modules))\n"
    )
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'app.db'}",
        "PLACEMENT_INSTANCE_PATH": str(tmp_path),
    }
    done = subprocess.run(
        [sys.executable, "-c", program],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert done.stdout.strip().splitlines()[-1] == "[]"
