"""Account settings: a person chooses the time zone their dates, times and remote sessions are
shown in; anything but a known zone is refused and nothing changes."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime

from flask.testing import FlaskClient

from placement.extensions import db
from placement.models import Role, User
from placement.placements.sessions import expert_zone
from tests import factories


def _zone(user: User) -> str | None:
    db.session.expire_all()
    return db.session.get(User, user.id).timezone


def test_a_user_chooses_a_time_zone_and_can_go_back_to_automatic(
    client: FlaskClient, login_as: Callable[..., User]
) -> None:
    user = login_as(Role.EXPERT)
    page = client.get("/account/settings").get_data(as_text=True)
    assert "Automatic: from your country of residence" in page
    assert "Canada (Toronto) Time" in page
    response = client.post("/account/settings", data={"timezone": "America/Toronto"})
    assert response.status_code == 302
    assert _zone(user) == "America/Toronto"
    assert "Your settings are saved." in client.get("/account/settings").get_data(as_text=True)
    client.post("/account/settings", data={"timezone": ""})
    assert _zone(user) is None


def test_an_unknown_zone_is_refused_and_nothing_changes(
    client: FlaskClient, login_as: Callable[..., User]
) -> None:
    user = login_as(Role.INSTITUTION)
    client.post("/account/settings", data={"timezone": "Europe/Paris"})
    for bad in ("Mars/Olympus_Mons", "UTC'; DROP TABLE users; --", "x" * 500):
        response = client.post("/account/settings", data={"timezone": bad})
        assert response.status_code == 200
        assert "Not a valid choice" in response.get_data(as_text=True)
        assert _zone(user) == "Europe/Paris"


def test_zone_names_follow_the_reader_language(
    client: FlaskClient, login_as: Callable[..., User]
) -> None:
    user = login_as(Role.STAFF)
    db.session.get(User, user.id).locale = "fr"
    db.session.commit()
    page = client.get("/account/settings").get_data(as_text=True)
    assert "heure : Canada (Toronto)" in page


def test_anonymous_visitors_are_sent_to_log_in(client: FlaskClient) -> None:
    for response in (client.get("/account/settings"), client.post("/account/settings")):
        assert response.status_code == 302
        assert "/login" in response.headers["Location"]


def test_the_chosen_zone_is_the_expert_side_of_remote_sessions(app_ctx: None) -> None:
    placement = factories.PlacementFactory()
    user = placement.expert.user
    assert expert_zone(placement) == "Europe/Amsterdam"  # from the country of residence (NL)
    user.timezone = "America/Toronto"
    db.session.commit()
    assert expert_zone(placement) == "America/Toronto"


def test_dates_are_shown_in_the_chosen_zone(
    client: FlaskClient, login_as: Callable[..., User]
) -> None:
    user = login_as(Role.EXPERT)
    moment = datetime(2026, 12, 1, 23, 30, tzinfo=UTC)
    factories.NotificationFactory(user=db.session.get(User, user.id), created_at=moment)
    shown = re.compile(r"<time datetime=[^>]+>([^<]+)</time>")
    page = client.get("/notifications/").get_data(as_text=True)
    assert shown.findall(page) == ["12/1/26, 11:30\u202fPM"]  # UTC: the country's zone unknown
    client.post("/account/settings", data={"timezone": "Asia/Tokyo"})  # UTC+9: the next morning
    page = client.get("/notifications/").get_data(as_text=True)
    assert shown.findall(page) == ["12/2/26, 8:30\u202fAM"]
