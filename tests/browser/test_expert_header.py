"""A signed-in expert's header (the longest: dashboard, notifications, account menu) stays on one
row at 1280 px in every language, and the language applies on change (issue 17 point 10)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import expect

from placement.extensions import db
from tests import factories

pytestmark = pytest.mark.browser
SHOTS = Path(os.environ.get("HOMEWARD_SHOTS", tempfile.gettempdir())) / "homeward-issue17"


@pytest.fixture
def expert_email(live_app: Flask) -> str:
    with live_app.app_context():
        email = factories.ExpertFactory().user.email
        db.session.commit()
        db.session.remove()
    return email


@pytest.mark.parametrize("code", ["en", "fr", "es", "ar"])
def test_expert_header_fits_one_row_at_1280(page: object, expert_email: str, code: str) -> None:
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto("/login")
    page.get_by_label("Email").fill(expert_email)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.locator("main form").get_by_role("button", name="Log in").click()
    page.wait_for_url("**/expert/")
    if code != "en":
        with page.expect_navigation():
            page.locator("header.site select[name=locale]").select_option(code)  # no button
    expect(page.locator("html")).to_have_attribute("lang", code)
    items = page.locator("header.site nav > ul > li:visible")
    tops = {round(items.nth(i).bounding_box()["y"]) for i in range(items.count())}
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"expert-header-1280-{code}.png"))
    assert max(tops) - min(tops) <= 12, f"header items on one row at 1280 px in {code}: {tops}"
    assert page.evaluate("document.documentElement.scrollWidth") <= 1281


def _sign_in(page: object, email: str) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.locator("main form").get_by_role("button", name="Log in").click()
    page.wait_for_url("**/expert/")


@pytest.mark.parametrize(("code", "width"), [("en", 1280), ("ar", 1280), ("en", 390), ("ar", 390)])
def test_timeline_month_names_sit_on_their_months(
    page: object, expert_email: str, code: str, width: int
) -> None:
    """The bar of a window drawn in the timeline starts under its first month's name, in a
    left-to-right and a right-to-left page alike."""
    page.set_viewport_size({"width": width, "height": 900})
    _sign_in(page, expert_email)
    if code != "en":
        with page.expect_navigation():
            page.locator("header.site select[name=locale]").select_option(code)
    page.goto("/expert/availability")
    bar = page.locator("svg.timeline rect.timeline-bar").first.bounding_box()
    names = page.locator("svg.timeline-axis text:visible")
    boxes = [names.nth(i).bounding_box() for i in range(names.count())]
    centres = [b["x"] + b["width"] / 2 for b in boxes if b["y"] < boxes[0]["y"] + 5]
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.locator("figure").first.screenshot(path=str(SHOTS / f"timeline-{code}-{width}.png"))
    ordered = sorted(centres) if code == "en" else sorted(centres, reverse=True)
    assert centres == ordered, "month names run in reading order"
    # The factory's window starts 30 days from today: in the second or third month shown.
    start_edge = bar["x"] if code == "en" else bar["x"] + bar["width"]
    nearest = min(range(len(centres)), key=lambda i: abs(centres[i] - start_edge))
    assert nearest in (0, 1, 2)
    step = abs(centres[1] - centres[2])
    assert abs(centres[nearest] - start_edge) <= step, "the bar starts under a month's name"
