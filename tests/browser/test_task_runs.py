"""A staff member asks for an export: the request returns at once to the run's page, which says
it is waiting, then shows by itself (no reload, announced through aria-live) that the file is
ready once a worker has made it; the file downloads from there."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import expect
from sqlalchemy import select

from placement import tasks
from placement.extensions import db
from placement.models import TaskRun
from tests import factories

pytestmark = pytest.mark.browser
SHOTS = Path(os.environ.get("HOMEWARD_SHOTS", tempfile.gettempdir())) / "homeward-async"


@pytest.fixture
def queued_live_app(live_app: Flask, monkeypatch: pytest.MonkeyPatch) -> Flask:
    """The live server with a broker (Kombu's in-memory one: nothing runs the task)."""
    monkeypatch.setitem(live_app.config, "TASK_BROKER_URL", "memory://")
    return live_app


def test_a_staff_export_completes_on_its_page(page: object, queued_live_app: Flask) -> None:
    app = queued_live_app
    with app.app_context():
        staff = factories.StaffFactory()
        factories.PlacementFactory()
        email = staff.email
        db.session.remove()

    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto("/staff/evaluation")
    page.get_by_role("button", name="Prepare the placements with outcomes (CSV)").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Export of placements with outcomes")
    section = page.locator("#task-run-state")
    expect(section).to_contain_text("Waiting for a worker to start it.")
    expect(section).to_have_attribute("aria-live", "polite")
    expect(section).to_have_attribute("aria-busy", "true")
    expect(section.get_by_role("link", name="Refresh")).to_be_visible()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "export-waiting.png"), full_page=True)
    page.evaluate("window.__sameDocument = true")

    with app.app_context():  # what the worker does
        run_id = db.session.scalar(select(TaskRun.id).where(TaskRun.requested_by_id == staff.id))
        db.session.remove()
    assert tasks.export_placements.apply(args=(None, run_id)).get() >= 1

    expect(section).to_contain_text("The export is ready", timeout=30_000)
    expect(section).not_to_contain_text("Waiting")
    expect(section).to_have_attribute("aria-busy", "false")
    assert page.evaluate("window.__sameDocument === true")  # updated in place, not reloaded
    page.screenshot(path=str(SHOTS / "export-ready.png"), full_page=True)
    with page.expect_download() as download:
        section.get_by_role("button", name="Download the file").click()
    saved = Path(download.value.path())
    assert saved.read_text(encoding="utf-8").startswith("placement,expert,programme")
    assert download.value.suggested_filename.startswith("homeward-placements-")
