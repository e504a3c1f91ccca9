"""A new expert, on a phone-sized screen, builds a full profile and sees ranked, explained needs."""

from __future__ import annotations

import os
import re
import tempfile
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import expect

from placement.extensions import db
from tests import factories
from tests.samples import pdf_bytes

pytestmark = pytest.mark.browser
SHOTS = Path(os.environ.get("HOMEWARD_SHOTS", tempfile.gettempdir())) / "homeward-issue17"
SHOTS.mkdir(parents=True, exist_ok=True)
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

    # Step 2: languages, searched by name and chosen with the keyboard; rows added as needed
    first = page.locator("#languages-0-code")
    expect(first).to_have_attribute("role", "combobox")
    first.press_sequentially("fren", delay=30)
    expect(first).to_have_attribute("aria-expanded", "true")
    first.press("ArrowDown")
    active = first.get_attribute("aria-activedescendant")
    expect(page.locator(f"#{active}")).to_have_text("French")
    first.press("Enter")
    expect(first).to_have_value("French")
    expect(first).to_have_attribute("aria-expanded", "false")
    page.locator("#languages-0-level").select_option("native")
    page.get_by_role("button", name="Add a language").click()
    second = page.locator("#languages-1-code")
    expect(second).to_be_focused()
    second.press_sequentially("wol", delay=30)
    page.get_by_role("option", name="Wolof").click()  # a tap, as on a phone
    page.locator("#languages-1-level").select_option("C1")
    page.get_by_role("button", name="Add a language").click()
    third = page.locator("#languages-2-code")
    third.press_sequentially("engl", delay=30)
    third.press("ArrowDown")
    third.press("Escape")  # closes the list, keeps the text
    expect(third).to_have_attribute("aria-expanded", "false")
    third.press("ArrowDown")
    third.press("Enter")
    page.locator("#languages-2-level").select_option("B2")
    page.screenshot(path=str(SHOTS / "expert-languages-390.png"), full_page=True)
    page.get_by_role("button", name="Save and continue").click()

    # Step 3: occupation and skills, with ESCO suggestions that forgive typos
    skill = page.locator("#skills-0-label")
    expect(page.get_by_text(re.compile("Suggestions appear as you type")).first).to_be_visible()
    skill.press_sequentially("adapt teachng", delay=30)
    options = page.locator(f"#{skill.get_attribute('aria-controls')} [role=option]")
    expect(options.first).to_have_text("adapt teaching to student's capabilities")
    expect(page.get_by_role("status").filter(has_text="Suggestions:")).to_have_count(1)
    page.screenshot(path=str(SHOTS / "expert-skill-suggestions-390.png"), full_page=True)
    skill.fill("")
    skill.press_sequentially("manage budg", delay=30)
    expect(options.first).to_have_text("manage budgets")
    skill.press("ArrowDown")
    skill.press("Enter")
    expect(skill).to_have_value("manage budgets")
    page.get_by_role("button", name="Add a skill").click()
    page.locator("#skills-1-label").fill("financial analysis")
    page.get_by_role("combobox", name="Occupation").fill("financial analyst")
    summary = page.get_by_label("Professional summary")
    summary.fill("Finance adviser to hospitals.")
    expect(page.locator("#summary-counter")).to_contain_text("characters left")
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
    expect(page.locator("svg.timeline rect.timeline-bar")).to_have_count(1)

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


def test_rows_and_fields_work_without_javascript(
    browser: object, live_server: str, live_app: Flask
) -> None:
    """Without JavaScript the language field is a plain select, "Add a language" comes back
    from the server with one more row and what was chosen kept, and Enter in a field saves."""
    with live_app.app_context():
        email = factories.ExpertFactory().user.email
        db.session.commit()
        db.session.remove()
    context = browser.new_context(base_url=live_server, java_script_enabled=False)
    tab = context.new_page()
    tab.goto("/login")
    tab.get_by_label("Email").fill(email)
    tab.get_by_label("Password").fill(factories.PASSWORD)
    tab.locator("main form").get_by_role("button", name="Log in").click()
    tab.goto("/expert/profile/step/2")
    assert tab.locator("select#languages-0-code").count() == 1
    tab.locator("#languages-0-code").select_option("kri")
    tab.get_by_role("button", name="Add a language").click()
    expect(tab.locator("#languages-1-code")).to_be_visible()
    expect(tab.locator("#languages-0-code")).to_have_value("kri")
    tab.locator("#languages-1-code").select_option("tem")
    tab.locator("#languages-1-level").select_option("B2")
    tab.locator("#languages-0-level").select_option("native")
    tab.get_by_role("button", name="Save", exact=True).last.click()
    expect(tab.get_by_text("Saved.")).to_be_visible()
    expect(tab.locator("#languages-1-code")).to_have_value("tem")
    context.close()
