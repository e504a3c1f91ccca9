"""The outcome-model evaluation on the staff page, with figures to show: axe-clean in English and
Arabic at both widths (the accessibility walk only sees the page before any evaluation ran)."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import expect

from placement.extensions import db
from placement.outcomes import history as versions
from placement.outcomes import model
from tests import factories
from tests.browser.test_accessibility import (
    AXE_SOURCE,
    DESKTOP,
    Walk,
    _check,
    _choose_language,
    _sign_in,
)
from tests.placement.test_outcomes import _history_with_signal

pytestmark = pytest.mark.browser


@pytest.fixture
def staff_email(live_app: Flask) -> object:
    """A staff account and a stored evaluation of 70 labelled placements."""
    with live_app.test_request_context():
        _history_with_signal(70)
        staff = factories.StaffFactory()
        db.session.commit()
        model.evaluate(deploy=True)
        db.session.commit()
        email = staff.email
        db.session.remove()
    yield email
    folder = Path(live_app.config["INSTANCE_PATH"])
    (folder / versions.EVALUATION_FILE).unlink(missing_ok=True)
    for path in (folder / versions.FOLDER).glob("*"):
        path.unlink()


def test_evaluation_figures_are_accessible(
    browser: object, live_server: str, staff_email: str, tmp_path: Path
) -> None:
    context = browser.new_context(base_url=live_server, viewport=DESKTOP, locale="en-GB")
    context.add_init_script(AXE_SOURCE)
    page = context.new_page()
    walk = Walk()
    try:
        _sign_in(page, staff_email)
        for code in ("en", "ar"):
            _choose_language(page, code)
            page.goto("/staff/evaluation")
            expect(page.locator("#model-heading")).to_be_visible()
            _check(page, f"/staff/evaluation [{code}]", walk)
            page.locator("#model-heading").scroll_into_view_if_needed()
            page.screenshot(path=str(tmp_path / f"evaluation-{code}.png"), full_page=False)
        assert page.get_by_role("region").count() >= 3
    finally:
        context.close()
    assert not walk.violations, "\n".join(walk.violations)
