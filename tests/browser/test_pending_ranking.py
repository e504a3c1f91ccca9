"""A host opens a need whose ranking a worker has not made yet: the page says so, and shows the
candidates by itself once the ranking is ready (no reload), announced through aria-live."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import expect

from placement.extensions import db
from placement.matches import pending, services
from placement.models import NeedStatus
from tests import factories

pytestmark = pytest.mark.browser
SHOTS = Path(os.environ.get("HOMEWARD_SHOTS", tempfile.gettempdir())) / "homeward-index"


@pytest.fixture
def queued_live_app(live_app: Flask, monkeypatch: pytest.MonkeyPatch) -> Iterator[Flask]:
    """The live server with a broker (Kombu's in-memory one: nothing runs the task) and kept
    rankings, as in production."""
    monkeypatch.setitem(live_app.config, "TASK_BROKER_URL", "memory://")
    monkeypatch.setitem(live_app.config, "MATCH_CACHE_SECONDS", 300)
    pending._ASKED.clear()
    yield live_app
    services._RANKINGS.clear()


def test_the_pending_ranking_appears_by_itself(page: object, queued_live_app: Flask) -> None:
    app = queued_live_app
    with app.app_context():
        host = factories.HostMemberFactory()
        factories.ExpertFactory(occupation_label="general practitioner")
        need = factories.NeedFactory(
            institution=host.institution,
            status=NeedStatus.OPEN,
            start=date.today() + timedelta(days=40),
            end=date.today() + timedelta(days=160),
            duration_weeks=4,
        )
        email, need_id, need_uuid = host.user.email, need.id, need.uuid
        db.session.remove()

    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"/host/needs/{need_uuid}")
    section = page.locator("#candidates")
    expect(section).to_contain_text("The ranking of candidates is being made.")
    expect(section).to_have_attribute("aria-live", "polite")
    expect(section.get_by_role("link", name="Refresh")).to_be_visible()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "pending.png"), full_page=True)
    page.evaluate("window.__sameDocument = true")

    with app.test_request_context():  # what the worker does
        # The live server's database is shared by the browser tests: others' experts may rank too.
        assert services.rank_and_keep(need_id) >= 1
        db.session.commit()
        db.session.remove()

    expect(section).to_contain_text("Candidate 1", timeout=30_000)
    expect(section).not_to_contain_text("being made")
    expect(section).to_have_attribute("aria-busy", "false")
    assert page.evaluate("window.__sameDocument === true")  # updated in place, not reloaded
    page.screenshot(path=str(SHOTS / "ready.png"), full_page=True)
