"""A host registers, staff verify it, the host posts a need, staff approve and open it, and the
host sees ranked, explained candidates (professional information only)."""

from __future__ import annotations

import re
import uuid
from datetime import date, timedelta

import pytest
from flask import Flask
from playwright.sync_api import expect

from placement.extensions import db
from placement.models import ExpertSkill
from tests import factories
from tests.browser.conftest import log_out

pytestmark = pytest.mark.browser
PASSWORD = "a long and unusual passphrase 7"


@pytest.fixture
def staff_and_expert(live_app: Flask) -> tuple[str, str]:
    """A staff account and an eligible Ghanaian expert living abroad, in the live database."""
    with live_app.app_context():
        staff = factories.StaffFactory()
        expert = factories.ExpertFactory(
            origin_country="GH", residence_country="GB", occupation_label="civil engineer"
        )
        expert.skills.append(ExpertSkill(label="manage budgets"))
        db.session.commit()
        emails = (staff.email, expert.user.full_name)
        db.session.remove()
    return emails


def _log_in(page: object, email: str, password: str) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def _log_out(page: object) -> None:
    log_out(page)


def test_host_to_ranked_candidates(page: object, staff_and_expert: tuple[str, str]) -> None:
    staff_email, expert_name = staff_and_expert
    host_email = f"host-{uuid.uuid4().hex[:8]}@example.org"
    institution = f"Kumasi Water Board {uuid.uuid4().hex[:4]}"

    page.goto("/register/institution")
    page.get_by_label("Institution name").fill(institution)
    page.get_by_label("Type of institution").select_option("municipality")
    page.get_by_label("Country").select_option("GH")
    page.get_by_label("Town or city").fill("Kumasi")
    page.get_by_label("Full name").fill("Kwame Owusu")
    page.get_by_label("Email").fill(host_email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Repeat the password").fill(PASSWORD)
    page.get_by_label(re.compile("I agree")).check()
    page.get_by_role("button", name="Register the institution").click()
    expect(page.get_by_text("Waiting for verification").first).to_be_visible()
    _log_out(page)

    _log_in(page, staff_email, factories.PASSWORD)
    page.get_by_role("link", name="Institutions to verify").click()
    page.get_by_role("link", name=institution).click()
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_text("Decision recorded.")).to_be_visible()
    _log_out(page)

    _log_in(page, host_email, PASSWORD)
    page.get_by_role("button", name="Describe a new need").click()
    page.get_by_label("Title").fill("Water network engineer")
    page.get_by_label("Sector").select_option("engineering")
    page.locator("#required_skills-0").fill("manage budgets")
    page.locator("#languages-0-code").select_option("en")
    page.locator("#languages-0-level").select_option("B2")
    start = date.today() + timedelta(days=40)
    page.get_by_label("Earliest start").fill(start.isoformat())
    page.get_by_label("Latest end").fill((start + timedelta(days=100)).isoformat())
    page.get_by_label("Length of the assignment, in weeks").fill("6")
    page.get_by_role("button", name="Save the draft").click()
    expect(page.get_by_text("Only your institution sees this draft")).to_be_visible()
    page.get_by_role("button", name="Send to programme staff").click()
    expect(page.get_by_text("Programme staff are reviewing it")).to_be_visible()
    _log_out(page)

    _log_in(page, staff_email, factories.PASSWORD)
    page.get_by_role("link", name="Needs to review").click()
    page.get_by_role("link", name="Water network engineer").first.click()
    page.get_by_role("button", name="Approve").click()
    page.get_by_role("button", name="Open to experts").click()
    expect(page.get_by_text("Experts can see it")).to_be_visible()
    _log_out(page)

    _log_in(page, host_email, PASSWORD)
    page.get_by_role("link", name="Water network engineer").click()
    expect(page.get_by_role("heading", name="Ranked candidates")).to_be_visible()
    expect(page.get_by_text("Candidate 1")).to_be_visible()
    expect(page.get_by_text("civil engineer").first).to_be_visible()
    expect(page.get_by_text(expert_name)).to_have_count(0)  # no identity before approval
    page.get_by_role("button", name="I am interested").first.click()
    expect(page.get_by_text("Staff can see that you are interested")).to_be_visible()
