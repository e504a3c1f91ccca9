"""Long staff and admin lists, a page at a time (placement/pagination.py, pages() macro)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from html import unescape

import pytest
from flask import Flask
from flask.testing import FlaskClient

from placement.models import PlacementStatus, Role, User
from tests import factories

ROWS = 5
SIZE = 2


@dataclass(frozen=True)
class ListPage:
    path: str
    role: Role
    make: Callable[[int], object]  # the n-th row, named "Pagetest n"
    query: str = ""  # a filter the pager's links must keep
    signed_in_row: bool = False  # the signed-in user is listed too (as "Pagetest 0")


def _placement(n: int) -> object:
    return factories.PlacementFactory(need__title=f"Pagetest {n}")


LISTS = {
    "institutions": ListPage(
        "/staff/institutions",
        Role.STAFF,
        lambda n: factories.InstitutionFactory(name=f"Pagetest {n}"),
        "q=Pagetest",
    ),
    "placements": ListPage("/staff/placements", Role.STAFF, _placement, "status=proposed"),
    "partners": ListPage(
        "/staff/partners",
        Role.STAFF,
        lambda n: factories.PartnerOrganisationFactory(name=f"Pagetest {n}"),
    ),
    "admin users": ListPage(
        "/admin/",
        Role.ADMIN,
        lambda n: factories.StaffFactory(email=f"pagetest{n}@example.org"),
        signed_in_row=True,
    ),
}
ROW_NAME = re.compile(r"pagetest ?(\d+)", re.IGNORECASE)


def _fill(spec: ListPage, rows: int, make_user: Callable[..., User]) -> User:
    """``rows`` rows named Pagetest 0..rows-1, and the signed-in user of the list's role."""
    if spec.signed_in_row:
        user = make_user(spec.role, email="pagetest0@example.org")
    else:
        user = make_user(spec.role)
        spec.make(0)
    for n in range(1, rows):
        spec.make(n)
    return user


@pytest.fixture
def small_pages(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(app.config, "LIST_PAGE_SIZE", SIZE)


def _rows(html: str) -> list[int]:
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [int(m) for m in ROW_NAME.findall(body)]


def _pager(html: str) -> str:
    match = re.search(r'<nav class="pager" aria-label="Pages">(.*?)</nav>', html, re.DOTALL)
    assert match, "no pager on the page"
    return unescape(match.group(1))


@pytest.mark.usefixtures("small_pages")
@pytest.mark.parametrize("name", list(LISTS))
def test_a_long_list_is_shown_a_page_at_a_time_with_every_row_once(
    client: FlaskClient, make_user: Callable[..., User], login: Callable[[User], User], name: str
) -> None:
    spec = LISTS[name]
    login(_fill(spec, ROWS, make_user))
    suffix = f"&{spec.query}" if spec.query else ""
    seen: list[int] = []
    last = -(-ROWS // SIZE)
    for number in range(1, last + 1):
        response = client.get(f"{spec.path}?page={number}{suffix}")
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        rows = _rows(html)
        assert len(rows) == (SIZE if number < last else ROWS - SIZE * (last - 1))
        seen += rows
        pager = _pager(html)
        assert re.search(rf'aria-label="Page {number}" aria-current="page">{number}</a>', pager)
        assert pager.count('aria-current="page"') == 1
        links = re.findall(r'href="([^"]+)"', pager)
        assert all(link.startswith(spec.path) for link in links)
        if spec.query:
            assert all(spec.query in link for link in links), links
        assert ('rel="next"' in pager) == (number < last)
        assert ('rel="prev"' in pager) == (number > 1)
    assert sorted(seen) == list(range(ROWS))


@pytest.mark.usefixtures("small_pages")
@pytest.mark.parametrize("name", list(LISTS))
@pytest.mark.parametrize("page", ["0", "-1", "two", "99", "1.5"])
def test_a_page_that_does_not_exist_is_not_found(
    client: FlaskClient,
    make_user: Callable[..., User],
    login: Callable[[User], User],
    name: str,
    page: str,
) -> None:
    spec = LISTS[name]
    login(_fill(spec, ROWS, make_user))
    assert client.get(f"{spec.path}?page={page}").status_code == 404


@pytest.mark.parametrize("name", list(LISTS))
def test_a_short_list_has_no_pager(
    client: FlaskClient, make_user: Callable[..., User], login: Callable[[User], User], name: str
) -> None:
    spec = LISTS[name]
    login(_fill(spec, 1, make_user))
    html = client.get(spec.path).get_data(as_text=True)
    assert _rows(html) == [0]
    assert 'class="pager"' not in html


@pytest.mark.usefixtures("small_pages")
def test_an_empty_filtered_list_is_page_one_not_a_404(
    client: FlaskClient, make_user: Callable[..., User], login: Callable[[User], User]
) -> None:
    login(make_user(Role.STAFF))
    factories.PlacementFactory(status=PlacementStatus.PROPOSED)
    response = client.get("/staff/placements?status=completed")
    assert response.status_code == 200
    assert "No placement matches these filters." in response.get_data(as_text=True)
