"""BREACH: compressed pages never carry the same CSRF token bytes twice (placement/static_assets).

Signed-in pages stay compressed; instead each copy of the token is signed afresh from a
different spelling of the session's secret, and Flask-WTF still accepts every one of them.
"""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_wtf.csrf import validate_csrf

from placement.models import User
from placement.static_assets import varied_token
from tests import factories

TOKEN = re.compile(r'name="csrf_token"[^>]*\bvalue="([^"]+)"')


@pytest.fixture(autouse=True)
def _csrf_on(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)


def _tokens(client: FlaskClient, path: str) -> list[str]:
    response = client.get(path)
    assert response.status_code == 200
    return TOKEN.findall(response.get_data(as_text=True))


def _sign_in(client: FlaskClient, user: User) -> None:
    token = _tokens(client, "/login")[-1]
    response = client.post(
        "/login",
        data={"email": user.email, "password": factories.PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 302


def test_every_token_on_every_signed_in_page_is_different_and_each_is_accepted(
    client: FlaskClient, db_session: object
) -> None:
    _sign_in(client, factories.ExpertFactory().user)
    first, second = _tokens(client, "/expert/availability"), _tokens(client, "/expert/availability")
    assert len(first) >= 2  # the header's forms and the page's own
    tokens = first + second
    assert len(set(tokens)) == len(tokens)
    # What an attacker must recover is a whole signed token (the secret alone is useless without
    # the server's key to sign it): its signature differs on every copy.
    signatures = [token.rsplit(".", 1)[1] for token in tokens]
    assert len(set(signatures)) == len(signatures)
    assert client.post("/logout", data={"csrf_token": "not-a-token"}).status_code == 400
    assert client.post("/logout", data={"csrf_token": first[0]}).status_code == 302


def test_anonymous_pages_vary_their_tokens_too(client: FlaskClient) -> None:
    assert len(set(_tokens(client, "/login") + _tokens(client, "/login"))) >= 2


def test_signed_in_html_is_still_compressed(client: FlaskClient, db_session: object) -> None:
    _sign_in(client, factories.ExpertFactory().user)
    response = client.get("/expert/availability", headers={"Accept-Encoding": "br"})
    assert response.headers["Content-Encoding"] == "br"


def test_a_varied_token_is_valid_for_flask_wtf_and_only_for_its_secret(app: Flask) -> None:
    raw = "0123456789abcdef0123456789abcdef01234567"
    with app.test_request_context():
        from flask import session

        session["csrf_token"] = raw
        spellings = {varied_token(raw, app.secret_key) for _ in range(20)}
        assert len(spellings) == 20
        for token in spellings:
            validate_csrf(token)  # raises when invalid
        session["csrf_token"] = "f" * 40
        with pytest.raises(Exception, match="do not match"):
            validate_csrf(next(iter(spellings)))
