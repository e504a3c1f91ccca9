"""A new expert registers on a phone-sized screen, logs out, logs in and sees the dashboard."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_out

pytestmark = pytest.mark.browser

PASSWORD = "a long and unusual passphrase 7"


def test_expert_registers_logs_in_and_sees_dashboard(page: object) -> None:
    email = f"amina-{uuid.uuid4().hex[:8]}@example.org"
    page.goto("/")
    page.get_by_role("button", name="Create an account").click()
    page.get_by_role("button", name="Register as an expert").click()

    page.get_by_label("Full name").fill("Amina Kamara")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Repeat the password").fill(PASSWORD)
    page.get_by_label(re.compile("I agree that Homeward keeps my profile")).check()
    page.get_by_role("button", name="Create my account").click()

    page.wait_for_url(re.compile(r"/expert/$"))
    expect(page.get_by_role("heading", name="Welcome, Amina Kamara")).to_be_visible()

    log_out(page)
    page.wait_for_url(re.compile(r"/login$"))

    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/expert/$"))
    expect(page.get_by_role("heading", name="My offers and placements")).to_be_visible()


def test_registration_keeps_what_was_typed_when_a_field_is_wrong(page: object) -> None:
    page.goto("/register/expert")
    page.get_by_label("Full name").fill("Kofi Mensah")
    page.get_by_label("Email").fill(f"kofi-{uuid.uuid4().hex[:8]}@example.org")
    page.get_by_label("Password", exact=True).fill("short")
    page.get_by_label("Repeat the password").fill("short")
    page.get_by_label(re.compile("I agree that Homeward keeps my profile")).check()
    page.get_by_role("button", name="Create my account").click()

    expect(page.get_by_text("Use at least 12 characters.")).to_be_visible()
    assert page.get_by_label("Full name").input_value() == "Kofi Mensah"
