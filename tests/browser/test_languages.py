"""Arabic renders right to left and stays usable on a phone; every language is one choice away
(applied on change, with a submit button for browsers without JavaScript)."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE

pytestmark = pytest.mark.browser


def test_arabic_is_right_to_left_on_a_phone(page: object, tmp_path: Path) -> None:
    page.goto("/register/expert")
    page.get_by_label("Language").select_option("ar")  # applies on change: no button to press
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.get_by_role("heading", name="التسجيل بصفة خبير")).to_be_visible()
    width = page.viewport_size["width"]
    brand = page.locator("a.brand").bounding_box()
    label = page.get_by_label("الاسم الكامل").bounding_box()
    assert brand["x"] > width / 2, "the brand sits on the right in a right-to-left layout"
    assert label["x"] + label["width"] <= width, "fields fit the phone's width"
    assert page.evaluate("document.documentElement.scrollWidth") <= width + 1
    shot = tmp_path / "arabic-phone.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000


@pytest.mark.parametrize(
    ("code", "text"), [("fr", "Se connecter"), ("es", "Iniciar sesión"), ("en", "Log in")]
)
def test_switcher_on_every_page(page: object, code: str, text: str) -> None:
    for path in ("/", "/needs", "/about"):
        page.goto(path)
        page.get_by_role("combobox").first.select_option(code)
        expect(page.locator("html")).to_have_attribute("lang", code)
        expect(page.get_by_role("link", name=text)).to_be_visible()


def test_switcher_without_javascript_has_a_button(browser: object, live_server: str) -> None:
    context = browser.new_context(base_url=live_server, java_script_enabled=False, viewport=PHONE)
    tab = context.new_page()
    tab.goto("/needs")
    tab.get_by_label("Language").select_option("fr")
    expect(tab.locator("html")).to_have_attribute("lang", "en")  # nothing happens on its own
    tab.get_by_role("button", name="Change").click()
    expect(tab.locator("html")).to_have_attribute("lang", "fr")
    context.close()


@pytest.mark.parametrize("code", ["en", "ar"])
def test_header_is_one_row_on_a_desktop_and_stacks_on_a_phone(
    page: object, code: str, tmp_path: Path
) -> None:
    page.goto("/needs")
    page.get_by_label("Language").select_option(code)
    expect(page.locator("html")).to_have_attribute("lang", code)
    page.set_viewport_size({"width": 1280, "height": 800})
    items = page.locator("header.site nav li")
    tops = {round(items.nth(i).bounding_box()["y"]) for i in range(items.count())}
    assert max(tops) - min(tops) <= 12, f"the header items sit on one row at 1280 px: {tops}"
    page.screenshot(path=str(tmp_path / f"header-1280-{code}.png"))
    page.set_viewport_size(PHONE)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1
    brand = page.locator("a.brand").bounding_box()
    first_link = page.locator("header.site nav ul").nth(1).locator("a").first.bounding_box()
    assert first_link["y"] >= brand["y"] + brand["height"] - 1, "links go under the brand"
    page.screenshot(path=str(tmp_path / f"header-390-{code}.png"))
