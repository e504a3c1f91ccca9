"""WCAG 2.1 A/AA with axe-core on every page each role reaches from the navigation.

For each role (anonymous, expert, host, staff, admin, diaspora-organisation member) the test signs
in once, then walks the links of the pages it sees, breadth first, from the home page and the
role's dashboard: one page per route (the URL map's endpoint; ``?page=2`` or another record of
the same kind is the same page). Each page is checked in English and Arabic (right to left), at
1280 px and 390 px, and so is the error state of each form on it: every visible required field
emptied, posted without the browser's own validation, the answer checked as it comes back.

A failure names the page, language, width, axe rule, its help text and the offending elements:

    /staff/needs/… [ar 390px] scrollable-region-focusable: Ensure elements that have scrollable
    content are accessible by keyboard -> div.table-wrap

Run it alone with ``.venv/bin/pytest tests/browser/test_accessibility.py -q``; set
``AXE_ONLY=/staff/needs`` to check only the paths that start with that prefix.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from flask import Flask

from placement.extensions import db
from placement.models import User
from tests import factories
from tests.browser.conftest import PHONE
from tests.browser.walk import walk as walk_routes
from tests.browser.walk import wanted
from tests.placement.test_access_matrix import url_arguments

pytestmark = pytest.mark.browser

WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": WCAG_21_AA}, "resultTypes": ["violations"]}
DESKTOP = {"width": 1280, "height": 800}
WIDTHS = (DESKTOP, PHONE)
LANGUAGES = ("en", "ar")
ROLES = ("anonymous", "expert", "host", "staff", "admin", "partner")
# Forms that are not about the page: the header's language switch and log-out.
FORM_FILTER = "main form[method=post i]"

# axe-core from axe-playwright-python, put into every page by the context (so once per role,
# not once per check); the page's Content Security Policy does not apply to it.
AXE_SOURCE = Axe().axe_script
AXE_RUN = "options => axe.run(document, options)"


@dataclass
class Walk:
    """What one role's walk saw, and every violation found on the way."""

    pages: list[str] = field(default_factory=list)
    forms: int = 0
    violations: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def people(live_app: Flask) -> dict[str, str | None]:
    """One account per role, with the records that make their pages non-empty (a need with a
    placement, a CV, a survey, a crisis with an alert, a partner organisation)."""
    with live_app.app_context():
        principals: dict[str, User | None] = {
            "anonymous": None,
            "expert": factories.ExpertFactory().user,
            "host": factories.HostMemberFactory().user,
            "staff": factories.StaffFactory(),
            "admin": factories.AdminFactory(),
            "partner": factories.PartnerRepresentativeFactory().user,
        }
        db.session.commit()
        url_arguments(live_app, principals)
        emails = {role: user.email if user else None for role, user in principals.items()}
        db.session.remove()
    return emails


def _same_site_links(page: object, origin: str) -> list[str]:
    hrefs = page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)")
    paths = []
    for href in hrefs:
        parts = urlsplit(href)
        if f"{parts.scheme}://{parts.netloc}" == origin and wanted(parts.path):
            paths.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return paths


def _check(page: object, where: str, walk: Walk) -> None:
    """axe at both widths on the page as it is now (no reload: only the viewport changes)."""
    for size in WIDTHS:
        page.set_viewport_size(size)
        results = page.evaluate(AXE_RUN, AXE_OPTIONS)
        for violation in results["violations"]:
            targets = ", ".join(
                " ".join(str(t) for t in node["target"]) for node in violation["nodes"][:5]
            )
            walk.violations.append(
                f"{where} [{size['width']}px] {violation['id']} ({violation['impact']}): "
                f"{violation['help']} -> {targets}"
            )


def _check_page(page: object, path: str, where: str, walk: Walk) -> None:
    _check(page, where, walk)
    _post_empty_forms(page, path, where, walk)


def _post_empty_forms(page: object, path: str, where: str, walk: Walk) -> None:
    """Each form with a visible required field, emptied and posted, then its answer checked."""
    count = page.evaluate(
        """selector => [...document.querySelectorAll(selector)].filter(form =>
             [...form.elements].some(el => el.required && el.type !== 'hidden'
               && !['checkbox', 'radio', 'select-one', 'select-multiple'].includes(el.type)
               && el.offsetParent !== null)).length""",
        FORM_FILTER,
    )
    for index in range(count):
        if index:
            page.goto(path)
        with page.expect_navigation():
            page.evaluate(
                """([selector, index]) => {
                     const forms = [...document.querySelectorAll(selector)].filter(form =>
                       [...form.elements].some(el => el.required && el.type !== 'hidden'
                         && !['checkbox', 'radio', 'select-one', 'select-multiple']
                              .includes(el.type)
                         && el.offsetParent !== null));
                     const form = forms[index];
                     for (const el of form.elements) {
                       if (el.required && el.type !== 'hidden' && 'value' in el
                           && !['checkbox', 'radio'].includes(el.type)
                           && !el.type.startsWith('select')) el.value = '';
                     }
                     form.noValidate = true;
                     form.requestSubmit();
                   }""",
                [FORM_FILTER, index],
            )
        walk.forms += 1
        _check(page, f"{where} form {index + 1} posted empty", walk)


def _sign_in(page: object, email: str) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(factories.PASSWORD)
    with page.expect_navigation():
        page.locator("main form").get_by_role("button", name="Log in").click()


def _choose_language(page: object, code: str) -> None:
    page.goto("/about")
    if page.locator("html").get_attribute("lang") != code:
        with page.expect_navigation():
            page.locator("#locale-select").select_option(code)  # labelled in any language


def _walk(
    page: object, app: Flask, origin: str, starts: list[str], walk: Walk, checked: set[str]
) -> None:
    """Visit one page per route (tests/browser/walk.py) and check each route that no earlier
    role has checked (in the walk's language)."""
    only = os.environ.get("AXE_ONLY", "")

    def load(path: str) -> tuple[str, list[str], None] | None:
        response = page.goto(path)
        if response is None or not response.ok:
            return None
        if not response.headers.get("content-type", "").startswith("text/html"):
            return None
        landed = urlsplit(page.url)
        here = landed.path + (f"?{landed.query}" if landed.query else "")
        return here, _same_site_links(page, origin), None

    for path, key, _ in walk_routes(app, starts, load):
        if key not in checked and urlsplit(path).path.startswith(only):
            checked.add(key)
            walk.pages.append(path)
            _check_page(page, path, f"{path} [{LANGUAGES[0]}]", walk)


# Routes already checked by an earlier role: public pages are checked once, by the first role
# that reaches them (every role's header is checked on its own pages).
_CHECKED: set[str] = set()


@pytest.mark.slow
@pytest.mark.parametrize("role", ROLES)
def test_every_page_meets_wcag_21_aa(
    browser: object, live_app: Flask, live_server: str, people: dict[str, str | None], role: str
) -> None:
    context = browser.new_context(base_url=live_server, viewport=DESKTOP, locale="en-GB")
    context.set_default_timeout(20_000)
    context.add_init_script(AXE_SOURCE)
    page = context.new_page()
    if people[role]:
        _sign_in(page, people[role])
    starts = ["/", "/dashboard"] if people[role] else ["/"]
    walk = Walk()
    try:
        _choose_language(page, LANGUAGES[0])
        _walk(page, live_app, live_server, starts, walk, _CHECKED)
        for code in LANGUAGES[1:]:
            _choose_language(page, code)
            for path in walk.pages:
                page.goto(path)
                _check_page(page, path, f"{path} [{code}]", walk)
    finally:
        context.close()
    print(f"\n{role}: {len(walk.pages)} pages, {walk.forms} form error states: {walk.pages}")
    assert not walk.violations, (
        f"{len(walk.violations)} WCAG 2.1 A/AA violations for {role} "
        f"({len(walk.pages)} pages, {walk.forms} form error states):\n" + "\n".join(walk.violations)
    )


@pytest.mark.slow
def test_the_pager_of_long_lists_meets_wcag_21_aa(
    browser: object,
    live_app: Flask,
    live_server: str,
    people: dict[str, str | None],
    tmp_path: object,
) -> None:
    """The walk's lists are too short for a pager, so one is made: a middle page of the admin's
    account list, two rows a page, in both languages and at both widths."""
    with live_app.app_context():
        for _ in range(4):
            factories.StaffFactory()
        db.session.commit()
        db.session.remove()
    live_app.config["LIST_PAGE_SIZE"] = 2
    context = browser.new_context(base_url=live_server, viewport=DESKTOP, locale="en-GB")
    context.set_default_timeout(20_000)
    context.add_init_script(AXE_SOURCE)
    page = context.new_page()
    walk = Walk()
    try:
        _sign_in(page, str(people["admin"]))
        for code in LANGUAGES:
            _choose_language(page, code)
            page.goto("/admin/?page=2")
            current = page.locator("nav.pager a[aria-current=page]")
            assert current.inner_text() == "2"
            assert page.locator("nav.pager a[rel=prev]").count() == 1
            _check(page, f"/admin/?page=2 [{code}]", walk)
            page.set_viewport_size(PHONE)
            page.screenshot(path=f"{tmp_path}/pager-{code}.png", full_page=True)
    finally:
        live_app.config.pop("LIST_PAGE_SIZE", None)
        context.close()
    assert not walk.violations, "\n".join(walk.violations)
