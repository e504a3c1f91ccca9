"""Arabic renders right to left and stays usable on a phone; every language is one click away."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_arabic_is_right_to_left_on_a_phone(page: object, tmp_path: Path) -> None:
    page.goto("/register/expert")
    page.get_by_label("Language").select_option("ar")
    page.get_by_role("button", name="Change").click()
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
        page.locator("form.locale-form button").click()
        expect(page.locator("html")).to_have_attribute("lang", code)
        expect(page.get_by_role("link", name=text)).to_be_visible()
