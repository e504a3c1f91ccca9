"""Staff propose an expert, the expert accepts from a phone, the host confirms, staff approve."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from playwright.sync_api import expect

from placement.extensions import db
from tests import factories
from tests.browser.conftest import log_out

pytestmark = pytest.mark.browser


@pytest.fixture
def cast(live_app: Flask) -> dict[str, str]:
    with live_app.app_context():
        host = factories.HostMemberFactory()
        need = factories.NeedFactory(
            institution=host.institution, title="Emergency medicine mentor"
        )
        expert = factories.ExpertFactory(occupation_label="emergency physician")
        staff = factories.StaffFactory()
        db.session.commit()
        names = {
            "host": host.user.email,
            "expert": expert.user.email,
            "staff": staff.email,
            "expert_name": expert.user.full_name,
            "need": str(need.uuid),
        }
        db.session.remove()
    return names


def _as(page: object, email: str) -> None:
    page.goto("/")
    log_out(page)
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_propose_accept_confirm_approve(page: object, cast: dict[str, str]) -> None:
    _as(page, cast["staff"])
    page.goto(f"/staff/needs/{cast['need']}")
    candidate = page.locator("article.candidate", has_text=cast["expert_name"])
    candidate.get_by_text("Propose this expert").click()
    candidate.get_by_role("button", name="Propose").click()
    expect(page.get_by_text("Proposal recorded")).to_be_visible()
    page.get_by_role("button", name="Send the offer").click()
    expect(page.get_by_text(re.compile("answer by"))).to_be_visible()
    placement_url = page.url

    _as(page, cast["expert"])
    page.goto("/notifications/")
    page.get_by_role("link", name=re.compile("You have an offer")).click()
    page.get_by_role("button", name="Accept").click()
    expect(page.get_by_text("waiting for the host to confirm")).to_be_visible()

    _as(page, cast["host"])
    page.goto(placement_url)
    expect(page.get_by_text(cast["expert_name"])).to_have_count(0)
    page.get_by_role("button", name="Confirm this expert").click()
    expect(page.get_by_text("confirmed by the host")).to_be_visible()

    _as(page, cast["staff"])
    page.goto(placement_url)
    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_text("Done: the placement is now “Approved”.")).to_be_visible()

    _as(page, cast["host"])
    page.goto(placement_url)
    expect(page.get_by_text(cast["expert_name"]).first).to_be_visible()
