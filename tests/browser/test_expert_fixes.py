"""Issue 17's fixes on the expert's path, driven in Chromium in English and Arabic at 1280 px and
390 px: the language combobox searched by keyboard, rows added as needed, the skill combobox by
keyboard, the summary's counter and over-limit message, a tiny file's size in bytes, and a match
list that keeps weaker matches apart. One walk per language and width keeps the CI time small;
the screenshots are saved under $HOMEWARD_SHOTS/homeward-issue17/."""

from __future__ import annotations

import os
import re
import tempfile
import uuid
from pathlib import Path

import pytest
from flask import Flask
from flask_babel import force_locale, gettext
from playwright.sync_api import expect

from placement.experts.forms import SUMMARY_MAX
from placement.experts.services import file_size
from placement.extensions import db
from placement.geo import language_name
from placement.models import Document, DocumentKind
from tests import factories
from tests.browser.conftest import log_out

pytestmark = pytest.mark.browser
SHOTS = Path(os.environ.get("HOMEWARD_SHOTS", tempfile.gettempdir())) / "homeward-issue17"
TINY = 170  # bytes: "0 kB" before the fix
OVER = 120  # characters over the summary's limit


@pytest.fixture
def walk(live_app: Flask) -> dict[str, str]:
    """An expert from Sierra Leone with one tiny document, a need that fits their skills and one
    that fits only their circumstances (the same country, dates and language)."""
    tag = uuid.uuid4().hex[:6]
    with live_app.app_context():
        expert = factories.ExpertFactory()
        db.session.add(
            Document(
                expert_id=expert.id,
                kind=DocumentKind.CV,
                original_name=f"note-{tag}.pdf",
                stored_name=uuid.uuid4().hex + ".pdf",
                content_type="application/pdf",
                size_bytes=TINY,
                sha256="0" * 64,
            )
        )
        fitting = factories.NeedFactory(title=f"Clinical examination trainer {tag}")
        far = factories.NeedFactory(
            title=f"Hospital accounts officer {tag}",
            description="Keep the hospital's accounts; physician practice budgets.",
            details=False,
        )
        far.skills = [factories.NeedSkill(label="prepare financial statements", required=True)]  # type: ignore[attr-defined]
        far.languages = [factories.NeedLanguage(code="en", level=factories.CEFRLevel.B2)]  # type: ignore[attr-defined]
        db.session.commit()
        found = {
            "email": expert.user.email,
            "fitting": fitting.title,
            "far": far.title,
            "document": f"note-{tag}.pdf",
        }
        db.session.remove()
    return found


@pytest.mark.parametrize(("lang", "width"), [("en", 1280), ("ar", 1280), ("en", 390), ("ar", 390)])
def test_the_expert_fixes_in_each_language_and_width(
    page: object, live_app: Flask, walk: dict[str, str], lang: str, width: int
) -> None:
    def t(msgid: str, **values: object) -> str:
        with live_app.test_request_context(), force_locale(lang):
            return gettext(msgid, **values)

    def shot(name: str) -> None:
        page.screenshot(path=str(SHOTS / f"fixes-{name}-{lang}-{width}.png"), full_page=True)
        wide = page.evaluate("document.documentElement.scrollWidth")
        assert wide <= width + 1, f"{name} scrolls sideways: {wide} px wide at {width} px"

    SHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": width, "height": 900})
    page.goto("/")
    log_out(page)
    page.goto("/login")
    page.locator("#email").fill(walk["email"])
    page.locator("#password").fill(factories.PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/expert/")
    if lang != "en":
        with page.expect_navigation():
            page.locator("header.site select[name=locale]").select_option(lang)
    expect(page.locator("html")).to_have_attribute("lang", lang)

    # The match list: a need backed by skills is recommended, the other is shown apart.
    recommended = page.locator("section[aria-labelledby=matches-heading]")
    weaker = page.locator("section[aria-labelledby=weaker-heading]")
    expect(recommended.get_by_text(walk["fitting"])).to_be_visible()
    expect(recommended.get_by_text(walk["far"])).to_have_count(0)
    expect(weaker.get_by_text(walk["far"])).to_be_visible()
    expect(page.locator("#weaker-heading")).to_have_text(t("Weaker matches"))
    shot("matches")

    # Languages: searched by name in the page's language, chosen with the keyboard; one more row.
    page.goto("/expert/profile/step/2")
    with live_app.test_request_context(), force_locale(lang):
        french = language_name("fr")
    code = page.locator("#languages-0-code")
    expect(code).to_have_attribute("role", "combobox")
    code.fill("")
    code.press_sequentially(french[:4], delay=20)
    expect(code).to_have_attribute("aria-expanded", "true")
    code.press("ArrowDown")
    active = code.get_attribute("aria-activedescendant")
    expect(page.locator(f"#{active}")).to_have_text(french)
    code.press("Enter")
    expect(code).to_have_value(french)
    rows = page.locator("[data-rows=languages] [data-row]")
    before = rows.count()
    page.get_by_role("button", name=t("Add a language")).click()
    expect(rows).to_have_count(before + 1)
    expect(page.locator(f"#languages-{before}-code")).to_be_focused()
    shot("languages")

    # Skills by keyboard, then the summary's counter and the server's over-limit message.
    page.goto("/expert/profile/step/3")
    skill = page.locator("#skills-0-label")
    skill.fill("")
    skill.press_sequentially("manage budg", delay=20)
    options = page.locator(f"#{skill.get_attribute('aria-controls')} [role=option]")
    expect(options.first).to_have_text("manage budgets")
    skill.press("ArrowDown")
    skill.press("Enter")
    expect(skill).to_have_value("manage budgets")
    summary = page.locator("#summary")
    summary.fill("Emergency physician and trainer.")
    counter = page.locator("#summary-counter")
    expect(counter).to_have_text(t("{n} characters left").replace("{n}", str(SUMMARY_MAX - 32)))
    text = ("Trainer of emergency care. " * 200)[: SUMMARY_MAX + OVER]
    # Set as a paste would, past any maxlength, so that the server's check is what answers.
    summary.evaluate("(el, v) => { el.value = v; el.dispatchEvent(new Event('input')); }", text)
    expect(counter).to_have_text(t("{n} characters too many").replace("{n}", str(OVER)))
    expect(counter).to_have_class(re.compile("over-limit"))
    shot("summary-counter")
    page.get_by_role("button", name=t("Save and continue")).click()
    message = t(
        "Keep this text to %(max)d characters; it has %(length)d now. "
        "What you wrote is still here to shorten.",
        max=SUMMARY_MAX,
        length=len(text.strip()),
    )
    expect(page.locator("#summary-error")).to_have_text(message)
    expect(page.locator("#summary")).to_have_value(text.strip())
    expect(page.locator("#skills-0-label")).to_have_value("manage budgets")
    shot("summary-refused")

    # Qualifications: one block to start with, another on demand.
    page.goto("/expert/profile/step/4")
    blocks = page.locator("[data-rows=qualifications] [data-row]")
    count = blocks.count()
    assert count <= 1
    page.get_by_role("button", name=t("Add another qualification")).click()
    expect(blocks).to_have_count(count + 1)
    shot("qualifications")

    # A tiny document's size, in bytes and in the page's language.
    page.goto("/expert/documents")
    with live_app.test_request_context(), force_locale(lang):
        size = file_size(TINY)
    row = page.locator("tr", has_text=walk["document"])
    expect(row.first).to_contain_text(size)
    assert "0 kB" not in row.first.inner_text()
    shot("documents")


@pytest.mark.parametrize(("lang", "width"), [("en", 1280), ("ar", 390)])
def test_staff_see_weaker_matches_apart(
    page: object, live_app: Flask, lang: str, width: int
) -> None:
    """The staff view of a need lists a candidate with the skills first and one who could only
    come (languages, dates) apart, under the same heading as the host's page."""
    tag = uuid.uuid4().hex[:6]
    with live_app.app_context():
        institution = factories.InstitutionFactory(country="LR", region="Bong", town="Gbarnga")
        need = factories.NeedFactory(
            institution=institution, title=f"General practitioner {tag}", details=False
        )
        need.languages = [factories.NeedLanguage(code="en", level=factories.CEFRLevel.B2)]  # type: ignore[attr-defined]
        doctor = factories.ExpertFactory(origin_country="LR", user__full_name=f"Doctor {tag}")
        clerk = factories.ExpertFactory(
            origin_country="LR",
            occupation_label="accountant",
            summary="Accountant who trains staff in the district office.",
            user__full_name=f"Clerk {tag}",
        )
        clerk.skills[0].label = "prepare financial statements"
        staff = factories.StaffFactory()
        db.session.commit()
        url, email = f"/staff/needs/{need.uuid}", staff.email
        names = doctor.user.display_name, clerk.user.display_name
        db.session.remove()
    page.set_viewport_size({"width": width, "height": 900})
    page.goto("/")
    log_out(page)
    page.goto("/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(factories.PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    if lang != "en":
        with page.expect_navigation():
            page.locator("header.site select[name=locale]").select_option(lang)
    page.goto(url)
    weaker = page.locator("section.weaker-matches")
    with live_app.test_request_context(), force_locale(lang):
        heading = gettext("Weaker matches")
    expect(page.locator("#weaker-heading")).to_have_text(heading)
    expect(weaker.get_by_text(names[1])).to_be_visible()
    expect(weaker.get_by_text(names[0])).to_have_count(0)
    expect(page.get_by_text(names[0])).to_be_visible()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"staff-weaker-{lang}-{width}.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= width + 1
