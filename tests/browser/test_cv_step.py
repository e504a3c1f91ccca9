"""An expert uploads a CV with no skill list, the suggestions step opens by itself, and one
suggestion is accepted with one click; in English and Arabic, axe-checked, screenshots kept."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

import pytest
from flask import Flask
from flask_babel import force_locale, gettext
from playwright.sync_api import expect

from placement.extensions import db
from placement.models import ExpertProfile
from tests import factories
from tests.browser.conftest import log_out
from tests.browser.test_accessibility import AXE_OPTIONS, AXE_RUN, AXE_SOURCE, DESKTOP
from tests.samples import pdf_bytes

pytestmark = pytest.mark.browser
SHOTS = Path(os.environ.get("HOMEWARD_SHOTS", tempfile.gettempdir())) / "homeward-cv-step"
CV = (
    "Awa Diop\n"
    "Work experience\n"
    "Hospital finance officer in Dakar: I managed budgets and prepared financial statements.\n"
    "Education\n"
    "MSc Finance"
)


@pytest.fixture(params=["en", "ar"])
def lang(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def expert_email(live_app: Flask, lang: str) -> str:
    with live_app.app_context():
        expert = factories.ExpertFactory()
        expert.skills = []
        db.session.commit()
        email = expert.user.email
        db.session.remove()
    return email


def _violations(page: object) -> list[str]:
    page.evaluate(AXE_SOURCE)
    found = page.evaluate(AXE_RUN, AXE_OPTIONS)["violations"]
    return [f"{v['id']}: {v['help']}" for v in found]


def test_cv_upload_opens_suggestions_and_one_is_accepted(
    page: object, live_app: Flask, lang: str, expert_email: str
) -> None:
    def t(msgid: str, **values: object) -> str:
        with live_app.test_request_context(), force_locale(lang):
            return gettext(msgid, **values)

    page.goto("/")
    log_out(page)
    page.goto("/login")
    page.locator("#email").fill(expert_email)
    page.locator("#password").fill(factories.PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.goto("/about")
    if lang != "en":
        with page.expect_navigation():
            page.locator("#locale-select").select_option(lang)

    page.goto("/expert/documents")
    page.locator("input[type=file]").set_input_files(
        files=[{"name": "cv.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes(CV)}]
    )
    page.locator("main form[enctype] button[type=submit]").click()
    page.wait_for_url(re.compile(r"/expert/documents/[^/]+/skills$"))  # opens by itself

    suggestion = page.locator("ul.suggestions > li").filter(
        has_text="managed budgets and prepared financial statements"
    )
    expect(suggestion.first).to_be_visible()
    assert page.locator("ul.suggestions > li").count() >= 2
    expect(page.locator("ul.suggestions blockquote").first).to_be_visible()
    assert _violations(page) == []
    page.set_viewport_size(DESKTOP)
    assert _violations(page) == []
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{lang}-suggestions.png"), full_page=True)

    first = (
        page.locator("ul.suggestions > li")
        .filter(has=page.locator(".tag", has_text=re.compile(f"^{re.escape(t('Skill'))}$")))
        .first
    )
    label = first.locator("strong").inner_text()
    accept = first.get_by_role("button", name=re.compile(re.escape(t("Accept"))))
    accept.focus()
    page.keyboard.press("Enter")  # one key, no script needed
    expect(page.locator(".flashes")).to_contain_text(label)
    assert (
        page.locator(
            "ul.suggestions > li strong", has_text=re.compile(f"^{re.escape(label)}$")
        ).count()
        == 0
    )
    page.screenshot(path=str(SHOTS / f"{lang}-accepted.png"), full_page=True)

    with live_app.app_context():
        profile = (
            db.session.query(ExpertProfile)
            .join(ExpertProfile.user)
            .filter_by(email=expert_email)
            .one()
        )
        assert any(s.esco_uri for s in profile.skills)
        db.session.remove()

    page.goto("/expert/documents")
    expect(
        page.get_by_role("link", name=re.compile(re.escape(t("Suggest skills from this CV"))))
    ).to_be_visible()


def test_host_adds_a_skill_from_the_terms_of_reference(page: object, live_app: Flask) -> None:
    from placement.models import NeedStatus

    with live_app.app_context():
        member = factories.HostMemberFactory()
        need = factories.NeedFactory(institution=member.institution, status=NeedStatus.DRAFT)
        need.description = (
            "Duties and responsibilities\n"
            "The adviser will manage budgets and prepare financial statements."
        )
        db.session.commit()
        email, need_id = member.user.email, str(need.uuid)
        db.session.remove()
    page.goto("/")
    log_out(page)
    page.goto("/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(factories.PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.goto(f"/host/needs/{need_id}")
    page.get_by_role("button", name="Suggest skills from the description").click()
    expect(page.locator("ul.suggestions blockquote").first).to_be_visible()
    assert _violations(page) == []
    page.get_by_role("button", name="Add as required manage budgets").click()
    expect(page.locator(".flashes")).to_contain_text("“manage budgets” added to the need.")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "en-need-terms.png"), full_page=True)
    assert page.get_by_role("button", name="Add as required manage budgets").count() == 0
