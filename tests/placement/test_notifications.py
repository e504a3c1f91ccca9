"""The notification list: opening it only reads; "Mark all as read" is a POST with a CSRF token."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from placement.extensions import db
from placement.models import Notification, Role, User
from tests import factories

EARLIER = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)


def _read_at(note: Notification) -> datetime | None:
    return db.session.scalar(select(Notification.read_at).where(Notification.id == note.id))


def _unread_titles(page: str) -> set[str]:
    """Titles of the list items marked unread."""
    items = re.findall(r'<li class="unread">.*?<a href="[^"]*">([^<]+)</a>', page, re.S)
    return set(items)


def test_opening_the_list_shows_what_is_unread_and_writes_nothing(
    client: FlaskClient, login_as: Callable[..., User]
) -> None:
    user = login_as(Role.EXPERT)
    unread = factories.NotificationFactory(user=user, title="You have an offer from Bo")
    read = factories.NotificationFactory(user=user, title="Your survey is due", read_at=EARLIER)

    for _ in range(2):  # a second visit still shows it new: the GET changed nothing
        page = client.get("/notifications/")
        assert page.status_code == 200
        body = page.get_data(as_text=True)
        assert _unread_titles(body) == {"You have an offer from Bo"}
        assert "Your survey is due" in body
        assert "Mark all as read" in body

    assert _read_at(unread) is None
    assert _read_at(read) == EARLIER


def test_the_button_is_hidden_when_nothing_is_unread(
    client: FlaskClient, login_as: Callable[..., User]
) -> None:
    user = login_as(Role.EXPERT)
    factories.NotificationFactory(user=user, read_at=EARLIER)
    assert "Mark all as read" not in client.get("/notifications/").get_data(as_text=True)


def test_mark_all_read_marks_only_my_notifications(
    client: FlaskClient, login_as: Callable[..., User]
) -> None:
    user = login_as(Role.INSTITUTION)
    mine = factories.NotificationFactory.create_batch(2, user=user)
    already = factories.NotificationFactory(user=user, read_at=EARLIER)
    someone_else = factories.NotificationFactory(user=factories.ExpertFactory().user)

    response = client.post("/notifications/read")
    assert response.status_code == 302
    assert response.headers["Location"] == "/notifications/"

    page = client.get("/notifications/").get_data(as_text=True)
    assert "All your notifications are marked as read." in page
    assert _unread_titles(page) == set()
    assert "Mark all as read" not in page
    assert all(_read_at(note) is not None for note in mine)
    assert _read_at(already) == EARLIER
    assert _read_at(someone_else) is None


def test_the_flash_message_is_translated(
    client: FlaskClient, login_as: Callable[..., User]
) -> None:
    user = login_as(Role.EXPERT)
    factories.NotificationFactory(user=user)
    client.post("/locale", data={"locale": "fr"})
    assert "Tout marquer comme lu" in client.get("/notifications/").get_data(as_text=True)
    page = client.post("/notifications/read", follow_redirects=True).get_data(as_text=True)
    assert "Toutes vos notifications sont marquées comme lues." in page


class TestCSRF:
    @pytest.fixture
    def signed_in(self, client: FlaskClient, login_as: Callable[..., User]) -> User:
        """Log in with CSRF off (the login form has its own tests), then switch it on."""
        return login_as(Role.EXPERT)

    @pytest.fixture(autouse=True)
    def _csrf_on(self, app: Flask, signed_in: User, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)

    def test_post_without_token_is_refused_and_writes_nothing(
        self, client: FlaskClient, signed_in: User
    ) -> None:
        note = factories.NotificationFactory(user=signed_in)
        response = client.post("/notifications/read")
        assert response.status_code == 400
        assert "Reload the page and try again" in response.get_data(as_text=True)
        assert _read_at(note) is None

    def test_the_button_carries_a_valid_token(self, client: FlaskClient, signed_in: User) -> None:
        note = factories.NotificationFactory(user=signed_in)
        page = client.get("/notifications/").get_data(as_text=True)
        form = re.search(
            r'<form method="post" action="/notifications/read">(.*?)</form>', page, re.S
        )
        assert form is not None
        token = re.search(r'name="csrf_token" value="([^"]+)"', form.group(1))
        assert token is not None
        response = client.post("/notifications/read", data={"csrf_token": token.group(1)})
        assert response.status_code == 302
        assert _read_at(note) is not None


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_anonymous_visitors_are_sent_to_log_in(client: FlaskClient, method: str) -> None:
    note = factories.NotificationFactory()
    path = "/notifications/" if method == "GET" else "/notifications/read"
    response = client.open(path, method=method)
    assert response.status_code == 302
    assert "/login?next=" in response.headers["Location"]
    assert _read_at(note) is None
