"""Staff declare a crisis, post an urgent remote need and alert experts; an expert answers
"I can help" from a phone; staff turn the answer into a placement."""

from __future__ import annotations

import re
import uuid
from datetime import date, timedelta

import pytest
from flask import Flask
from playwright.sync_api import expect

from placement.extensions import db
from tests import factories
from tests.browser.conftest import log_out

pytestmark = pytest.mark.browser


@pytest.fixture
def people(live_app: Flask) -> dict[str, str]:
    with live_app.app_context():
        staff = factories.StaffFactory()
        host = factories.HostMemberFactory(
            institution__country="HT", institution__name=f"Hôpital {uuid.uuid4().hex[:4]}"
        )
        expert = factories.ExpertFactory(
            origin_country="HT", residence_country="CA", occupation_label="psychologist"
        )
        db.session.commit()
        found = {
            "staff": staff.email,
            "expert": expert.user.email,
            "expert_name": expert.user.full_name,
            "institution": host.institution.name,
        }
        db.session.remove()
    return found


def _log_in(page: object, email: str) -> None:
    page.goto("/")
    log_out(page)
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_crisis_alert_answer_placement(page: object, people: dict[str, str]) -> None:
    crisis = f"Earthquake in the South {uuid.uuid4().hex[:4]}"
    _log_in(page, people["staff"])
    page.goto("/staff/crises")
    page.get_by_label("Name", exact=True).fill(crisis)
    page.get_by_label("Country").select_option("HT")
    page.get_by_label("Affected regions (separate with commas)").fill("Sud, Grand'Anse")
    page.get_by_label("Since").fill(date.today().isoformat())
    page.get_by_role("button", name="Declare the crisis").click()
    expect(page.get_by_role("heading", name=crisis)).to_be_visible()

    page.get_by_role("button", name="Post an urgent need").click()
    page.get_by_label("What is needed").fill("Remote psychological first aid")
    page.get_by_label("Skills (separate with commas)").fill("perform clinical examination")
    page.get_by_label("Host institution").select_option(label=people["institution"])
    page.get_by_label("From when").fill(date.today().isoformat())
    page.get_by_label("For how many weeks").fill("3")
    page.get_by_label("Remotely").check()
    page.get_by_role("button", name="Post the urgent need").click()
    expect(page.get_by_text("Urgent need open")).to_be_visible()
    page.get_by_label(re.compile("Also show this alert")).check()
    page.get_by_role("button", name="Send the alert").click()
    expect(page.get_by_text(re.compile(r"\d+ experts alerted"))).to_be_visible()
    alert_url = page.url

    page.set_viewport_size({"width": 390, "height": 844})
    _log_in(page, people["expert"])
    page.get_by_role("link", name="Remote psychological first aid").click()
    page.get_by_label("Remotely").check()
    page.get_by_label("From").fill((date.today() + timedelta(days=2)).isoformat())
    page.get_by_label("For how many weeks").fill("3")
    page.get_by_role("button", name="I can help").click()
    expect(page.get_by_text("Thank you. Programme staff will contact you.")).to_be_visible()

    page.set_viewport_size({"width": 1280, "height": 900})
    _log_in(page, people["staff"])
    page.goto(alert_url)
    row = page.locator("tr", has_text=people["expert_name"])
    expect(row.get_by_text("I can help")).to_be_visible()
    row.get_by_role("button", name="Make it a placement").click()
    expect(page.get_by_text("Placement proposed from the answer")).to_be_visible()
    expect(page.get_by_text("Online sessions")).to_be_visible()
