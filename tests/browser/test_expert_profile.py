"""A new expert, on a phone-sized screen, builds a full profile and sees ranked, explained needs."""

from __future__ import annotations

import re
import time
import uuid
from datetime import date, timedelta

import pytest
from flask import Flask
from playwright.sync_api import expect

from placement.extensions import db
from tests import factories
from tests.samples import pdf_bytes

pytestmark = pytest.mark.browser
PASSWORD = "a long and unusual passphrase 7"


@pytest.fixture
def open_need(live_app: Flask) -> str:
    """An open need in Senegal asking for budget management, in the live server's database."""
    with live_app.app_context():
        institution = factories.InstitutionFactory(country="SN", region="Dakar", town="Dakar")
        need = factories.NeedFactory(
            institution=institution,
            title=f"Hospital finance adviser {uuid.uuid4().hex[:6]}",
            start=date.today() + timedelta(days=60),
            end=date.today() + timedelta(days=200),
            duration_weeks=4,
            details=False,
        )
        need.skills = [factories.NeedSkill(label="manage budgets", required=True)]  # type: ignore[attr-defined]
        need.languages = [factories.NeedLanguage(code="fr", level=factories.CEFRLevel.B2)]  # type: ignore[attr-defined]
        db.session.commit()
        title = need.title
        db.session.remove()
    return title


def test_phone_user_completes_a_profile_and_sees_explained_needs(
    page: object, open_need: str, capsys: pytest.CaptureFixture[str]
) -> None:
    started = time.monotonic()
    page.goto("/register/expert")
    page.get_by_label("Full name").fill("Awa Diop")
    page.get_by_label("Email").fill(f"awa-{uuid.uuid4().hex[:8]}@example.org")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Repeat the password").fill(PASSWORD)
    page.get_by_label(re.compile("I agree that Homeward keeps my profile")).check()
    page.get_by_label(re.compile("Show my professional profile")).check()
    page.get_by_role("button", name="Create my account").click()
    page.get_by_role("button", name="Continue my profile").click()

    # Step 1: origin and residence
    page.get_by_label("Country of origin").select_option("SN")
    page.get_by_label("Region or town of origin").fill("Dakar")
    page.get_by_label("Country where you live now").select_option("FR")
    page.get_by_role("button", name="Save and continue").click()

    # Step 2: languages
    page.locator("#languages-0-code").select_option("fr")
    page.locator("#languages-0-level").select_option("native")
    page.locator("#languages-1-code").select_option("en")
    page.locator("#languages-1-level").select_option("B2")
    page.get_by_role("button", name="Save and continue").click()

    # Step 3: occupation and skills, with ESCO suggestions while typing
    skill = page.locator("#skills-0-label")
    skill.press_sequentially("manage budg", delay=30)
    page.wait_for_selector("datalist option[value='manage budgets']", state="attached")
    skill.fill("manage budgets")
    page.locator("#skills-1-label").fill("financial analysis")
    page.get_by_label("Occupation").fill("financial analyst")
    page.get_by_label("Years of professional experience").fill("11")
    page.get_by_label("Health").check()
    page.get_by_role("button", name="Save and continue").click()

    # Steps 4 and 5
    page.get_by_label("Education").fill("MSc Finance, Université Cheikh Anta Diop")
    page.get_by_role("button", name="Save and continue").click()
    page.get_by_label(re.compile("Remote assignments")).check()
    page.get_by_role("button", name="Save and add availability").click()

    # Availability window
    start = date.today() + timedelta(days=45)
    page.get_by_label("From").fill(start.isoformat())
    page.get_by_label("Until").fill((start + timedelta(days=180)).isoformat())
    page.get_by_role("button", name="Add").click()
    assert page.locator("svg.timeline rect.timeline-bar").count() == 1

    # CV upload
    page.get_by_role("link", name="Documents").click()
    page.get_by_label(re.compile("File")).set_input_files(
        files=[
            {
                "name": "cv.pdf",
                "mimeType": "application/pdf",
                "buffer": pdf_bytes(
                    "Awa Diop\nI manage budgets, prepare financial statements and carry out "
                    "financial audits."
                ),
            }
        ]
    )
    page.get_by_role("button", name="Upload").click()
    page.wait_for_url(re.compile(r"/skills$"))
    page.get_by_role("button", name="Accept prepare financial statements").click()
    expect(page.get_by_text("“prepare financial statements” added to your skills.")).to_be_visible()

    # Dashboard: ranked, explained needs
    page.get_by_role("link", name="Dashboard", exact=True).click()
    expect(page.get_by_text(open_need)).to_be_visible()
    page.get_by_text("Why this score").first.click()
    expect(page.get_by_text(re.compile("Required skills matched")).first).to_be_visible()
    expect(page.get_by_text(re.compile("Your profile is (8|9|10)\\d?% complete"))).to_be_visible()
    elapsed = time.monotonic() - started
    with capsys.disabled():
        print(f"\nexpert profile path on a phone-sized window: {elapsed:.1f} s of automated input")
