"""The token pages: create (secret shown once), list, revoke; another user's token is not found."""

from __future__ import annotations

import re
from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from placement.extensions import db
from placement.models import AccessToken, AuditEvent, User
from tests import factories


def _secret(html: str) -> str:
    match = re.search(r'<code id="new-token">([^<]+)</code>', html)
    assert match, html[-2000:]
    return match.group(1)


def test_create_use_and_revoke_a_token(client: FlaskClient, login_as: Callable[..., User]) -> None:
    user = login_as("institution")
    page = client.get("/account/tokens")
    assert page.status_code == 200
    assert "You have no token yet." in page.get_data(as_text=True)
    response = client.post(
        "/account/tokens", data={"name": "HR system", "scopes": "read write", "expires_in_days": 30}
    )
    assert response.status_code == 200
    secret = _secret(response.get_data(as_text=True))
    token = db.session.scalar(select(AccessToken).where(AccessToken.user_id == user.id))
    assert (token.name, token.scopes) == ("HR system", ["read", "write"])
    assert token.expires_at is not None
    # The secret is shown once: the list page shows only the prefix.
    listing = client.get("/account/tokens").get_data(as_text=True)
    assert secret not in listing
    assert token.prefix in listing
    api = client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert api.status_code == 200
    response = client.post("/account/tokens/revoke", data={"token_id": str(token.uuid)})
    assert response.status_code == 302
    api = client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert api.status_code == 401
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.object_uuid == str(token.uuid))
    ).all()
    assert sorted(actions) == ["token.create", "token.revoke"]


def test_another_users_token_is_not_found(
    app: Flask, client: FlaskClient, login_as: Callable[..., User]
) -> None:
    from placement.tokens.services import create_token

    owner = factories.ExpertFactory().user
    with app.test_request_context():
        token, secret = create_token(db.session.get(User, owner.id), "mine", ["read"], None)
        db.session.commit()
    login_as("expert")
    response = client.post("/account/tokens/revoke", data={"token_id": str(token.uuid)})
    assert response.status_code == 404
    assert str(token.uuid) not in client.get("/account/tokens").get_data(as_text=True)
    assert (
        db.session.scalar(select(AccessToken.revoked_at).where(AccessToken.id == token.id)) is None
    )
    assert (
        client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    )


def test_bad_token_forms_are_refused_with_400(
    client: FlaskClient, login_as: Callable[..., User]
) -> None:
    login_as("expert")
    for data in (
        {"name": "", "scopes": "read"},
        {"name": "x" * 101, "scopes": "read"},
        {"name": "ok", "scopes": "admin"},
        {"name": "ok", "scopes": "read", "expires_in_days": "0"},
        {"name": "ok", "scopes": "read", "expires_in_days": "forever"},
    ):
        assert client.post("/account/tokens", data=data).status_code == 400, data
    assert client.post("/account/tokens/revoke", data={}).status_code == 400
    assert client.post("/account/tokens/revoke", data={"token_id": "nope"}).status_code == 404
    assert db.session.scalar(select(AccessToken.id)) is None


def test_token_forms_need_csrf(app: Flask, db_session: object) -> None:
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        client = app.test_client()
        user = factories.ExpertFactory().user
        client.post("/login", data={"email": user.email, "password": factories.PASSWORD})
        response = client.post("/account/tokens", data={"name": "x", "scopes": "read"})
        assert response.status_code == 400
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert db.session.scalar(select(AccessToken.id)) is None
