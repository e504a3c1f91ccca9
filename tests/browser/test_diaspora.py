"""The public diaspora page in Chromium: the world map and the charts are drawn, with figures."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask

from placement.extensions import db
from placement.models import Gender
from tests import factories

pytestmark = pytest.mark.browser
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture(scope="module")
def diaspora_data(live_app: Flask) -> None:
    """Enough experts for figures above 10 and some below, and open needs to compare with."""
    with live_app.app_context():
        plan = [
            ("SL", "NL", Gender.FEMALE, "health", 16),
            ("SL", "DE", Gender.MALE, "ict", 12),
            ("GH", "GB", Gender.FEMALE, "education", 11),
            ("GH", "US", Gender.MALE, "health", 4),
            ("SN", "FR", Gender.UNDISCLOSED, "engineering", 3),
        ]
        for origin, residence, gender, sector, count in plan:
            for _ in range(count):
                factories.ExpertFactory(
                    origin_country=origin,
                    residence_country=residence,
                    gender=gender,
                    sectors=[sector],
                )
        for country, sector in [("SL", "health"), ("GH", "education"), ("SL", "ict")]:
            factories.NeedFactory(
                institution=factories.InstitutionFactory(country=country), sector=sector, slots=2
            )
        db.session.commit()
        db.session.remove()


def test_map_and_charts_render(page: object, diaspora_data: None, tmp_path: Path) -> None:
    page.set_viewport_size(DESKTOP)
    page.goto("/diaspora/")
    assert page.get_by_role("heading", name="Know your diaspora").is_visible()

    world = page.locator("svg.world-map")
    assert world.is_visible()
    box = world.bounding_box()
    assert box["width"] > 600 and box["height"] > 250
    assert page.locator("svg.world-map path.country.none").count() == 1  # no experts: one shape
    assert page.locator("svg.world-map *").count() < 300  # not one element per country
    netherlands = page.locator('svg.world-map path[data-code="NL"]')
    assert int(netherlands.get_attribute("data-value")) >= 15  # 16 experts, and maybe others
    assert "q" in netherlands.get_attribute("class")  # coloured by its class, not "none"
    assert netherlands.locator("title").text_content().startswith("Netherlands:")
    assert page.locator(".map-legend li").count() >= 3

    for chart_id in ("#sector-chart", "#occupation-chart", "#supply-SL"):
        chart = page.locator(f"{chart_id} svg.bar-chart")
        assert chart.is_visible(), chart_id
        chart_box = chart.bounding_box()
        assert chart_box["width"] > 200 and chart_box["height"] > 20, chart_id
        bars = chart.locator("rect.bar")
        assert bars.count() >= 1, chart_id
        widest = max(bars.nth(i).bounding_box()["width"] for i in range(bars.count()))
        assert widest > 50, chart_id
    assert page.locator("#supply-SL rect.series-1").count() >= 1  # the needs beside the supply

    # No figure about people from 1 to 9, as the browser shows them.
    texts = page.locator('[data-figure="people"]').all_text_contents()
    values = [t.strip().replace(",", "") for t in texts if t.strip()]
    assert values
    assert not [v for v in values if v.isdigit() and 1 <= int(v) <= 9]

    shot = tmp_path / "diaspora.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 50_000
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_page_fits_a_phone(page: object, diaspora_data: None, tmp_path: Path) -> None:
    page.goto("/diaspora/")
    width = page.evaluate("document.documentElement.clientWidth")
    assert page.evaluate("document.documentElement.scrollWidth") <= width + 1
    world = page.locator("svg.world-map").bounding_box()
    assert 300 < world["width"] <= width
    shot = tmp_path / "diaspora-phone.png"
    page.locator("#where").screenshot(path=str(shot))
    assert shot.stat().st_size > 10_000
