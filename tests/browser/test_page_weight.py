"""Page weight: each page's HTML plus the assets it loads, as transferred (Brotli), under the
budget of docs/page-weight.md. No browser: the app's test client walks the same pages as the axe
test (one per route, every role, following links from the home page and the dashboard).

A failure names the page, its weight and what it is made of, e.g.

    /diaspora/ weighs 104.2 KB (budget 100 KB): html 61.0, /static/css/app.….css 2.9, ...

``PAGE_WEIGHT_REPORT=1 .venv/bin/pytest tests/browser/test_page_weight.py -s`` prints every
page's weight.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient

from placement.models import Role, User
from tests import factories
from tests.browser.walk import walk
from tests.placement.test_access_matrix import url_arguments

KB = 1000
BUDGET = 40 * KB  # ordinary pages
MAP_BUDGET = 100 * KB  # the diaspora pages, with their world map
MAP_ENDPOINTS = {"diaspora.index", "diaspora.staff"}
ASSET = re.compile(
    r'<(?:link[^>]*\bhref|script[^>]*\bsrc|img[^>]*\bsrc)="(/static/[^"]+)"', re.IGNORECASE
)
LINK = re.compile(r'<a[^>]*\bhref="(/[^"#]*)', re.IGNORECASE)


def _transferred(client: FlaskClient, path: str) -> int:
    response = client.get(path, headers={"Accept-Encoding": "br"})
    size = len(response.get_data())
    response.close()
    return size


def _weigh(client: FlaskClient, html_size: int, html: str) -> tuple[int, list[str]]:
    parts, total = [f"html {html_size / KB:.1f}"], html_size
    for asset in dict.fromkeys(ASSET.findall(html)):
        size = _transferred(client, asset)
        total += size
        parts.append(f"{asset} {size / KB:.1f}")
    return total, parts


def _pages(client: FlaskClient, app: Flask, starts: list[str]) -> list[tuple[str, str, int, str]]:
    """(path, route key, transferred HTML size, HTML) of one page per route."""

    def load(path: str) -> tuple[str, list[str], tuple[int, str]] | None:
        response = client.get(path, headers={"Accept-Encoding": "br"}, follow_redirects=True)
        if response.status_code != 200 or response.mimetype != "text/html":
            return None
        if response.request.path != urlsplit(path).path:  # a redirect: weigh where it lands
            path = response.request.path
        size = len(response.get_data())
        html = client.get(path).get_data(as_text=True)
        return path, [link.replace("&amp;", "&") for link in LINK.findall(html)], (size, html)

    return [(path, key, size, html) for path, key, (size, html) in walk(app, starts, load)]


@pytest.mark.parametrize(
    "role", [None, Role.EXPERT, Role.INSTITUTION, Role.STAFF, Role.ADMIN, Role.PARTNER]
)
def test_every_page_is_within_its_weight_budget(
    app: Flask,
    client: FlaskClient,
    make_user: Callable[..., User],
    login: Callable[[User], User],
    role: Role | None,
) -> None:
    principals: dict[str, User | None] = {
        "expert": factories.ExpertFactory().user,
        "host": factories.HostMemberFactory().user,
    }
    url_arguments(app, principals)  # a need, placement, CV, survey, crisis and alert to see
    people = {
        Role.EXPERT: lambda: principals["expert"],
        Role.INSTITUTION: lambda: principals["host"],
        Role.PARTNER: lambda: factories.PartnerRepresentativeFactory().user,
    }
    if role is not None:
        login(people.get(role, lambda: make_user(role))())
    pages = _pages(client, app, ["/", "/dashboard"] if role else ["/"])
    assert len(pages) >= 3, f"the walk found too few pages: {[p[0] for p in pages]}"
    over = []
    for path, key, size, html in pages:
        budget = MAP_BUDGET if key in MAP_ENDPOINTS else BUDGET
        total, parts = _weigh(client, size, html)
        if os.environ.get("PAGE_WEIGHT_REPORT"):
            print(f"{(role and role.value) or 'anonymous'}\t{key}\t{total / KB:.1f} KB\t{parts}")
        if total > budget:
            over.append(
                f"{path} weighs {total / KB:.1f} KB (budget {budget / KB:.0f} KB): "
                + ", ".join(parts)
            )
    assert not over, "pages over their weight budget (docs/page-weight.md):\n" + "\n".join(over)
