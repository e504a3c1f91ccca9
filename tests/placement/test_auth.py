"""Accounts: registration, login, logout, sessions, password change and reset."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from freezegun import freeze_time
from sqlalchemy import func, select

from placement.extensions import db
from placement.models import (
    ConsentPurpose,
    ConsentRecord,
    ExpertProfile,
    Institution,
    OutboxEmail,
    Role,
    User,
    VerificationStatus,
)
from tests import factories

GOOD_PASSWORD = "a long and unusual passphrase 7"


def _expert_form(**changes: object) -> dict[str, object]:
    form = {
        "full_name": "Aminata Sesay",
        "email": "aminata@example.org",
        "password": GOOD_PASSWORD,
        "confirm": GOOD_PASSWORD,
        "consent_processing": "y",
        "consent_sharing": "y",
    }
    form.update(changes)
    return {k: v for k, v in form.items() if v is not None}


def _user(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == email))


def _page(response: object) -> str:
    return response.get_data(as_text=True)  # type: ignore[attr-defined]


class TestExpertRegistration:
    def test_creates_account_profile_and_consents_then_logs_in(self, client: FlaskClient) -> None:
        response = client.post("/register/expert", data=_expert_form())
        assert response.status_code == 302
        assert response.headers["Location"].endswith("/dashboard")
        user = _user("aminata@example.org")
        assert user is not None and user.role is Role.EXPERT
        assert user.password_hash.startswith("$argon2id$")
        assert db.session.scalar(select(ExpertProfile).where(ExpertProfile.user_id == user.id))
        consents = db.session.scalars(
            select(ConsentRecord).where(ConsentRecord.user_id == user.id)
        ).all()
        assert {(c.purpose, c.granted) for c in consents} == {
            (ConsentPurpose.PROCESSING, True),
            (ConsentPurpose.SHARE_WITH_HOSTS, True),
        }
        assert all(c.text_version for c in consents)
        assert "Welcome, Aminata Sesay" in _page(client.get("/expert/"))

    def test_email_is_case_insensitive_and_unique(self, client: FlaskClient) -> None:
        factories.ExpertFactory(user__email="taken@example.org")
        response = client.post("/register/expert", data=_expert_form(email="Taken@Example.org "))
        assert response.status_code == 200
        page = _page(response)
        assert "An account with this email address already exists." in page
        assert 'value="Aminata Sesay"' in page  # nothing typed is lost

    @pytest.mark.parametrize(
        ("password", "message"),
        [
            ("short", "Use at least 12 characters."),
            ("password1234", "too common"),
            ("aaaaaaaaaaaaaaaa", "too common"),
            ("x" * 129, "Field cannot be longer than 128 characters."),
        ],
    )
    def test_weak_or_overlong_passwords_are_refused(
        self, client: FlaskClient, password: str, message: str
    ) -> None:
        response = client.post(
            "/register/expert", data=_expert_form(password=password, confirm=password)
        )
        assert response.status_code == 200
        assert message in _page(response)
        assert _user("aminata@example.org") is None

    def test_consent_to_processing_is_required(self, client: FlaskClient) -> None:
        response = client.post("/register/expert", data=_expert_form(consent_processing=None))
        assert "We cannot register you without this consent." in _page(response)
        assert _user("aminata@example.org") is None

    def test_sharing_consent_is_optional_and_recorded_as_refused(self, client: FlaskClient) -> None:
        client.post("/register/expert", data=_expert_form(consent_sharing=None))
        user = _user("aminata@example.org")
        sharing = db.session.scalar(
            select(ConsentRecord).where(
                ConsentRecord.user_id == user.id,
                ConsentRecord.purpose == ConsentPurpose.SHARE_WITH_HOSTS,
            )
        )
        assert sharing is not None and sharing.granted is False

    @pytest.mark.parametrize("field", ["full_name", "email", "password", "confirm"])
    def test_missing_fields_are_named(self, client: FlaskClient, field: str) -> None:
        response = client.post("/register/expert", data=_expert_form(**{field: ""}))
        assert response.status_code == 200
        assert 'class="field-error"' in _page(response)
        assert db.session.scalar(select(func.count()).select_from(User)) == 0

    def test_mismatched_confirmation(self, client: FlaskClient) -> None:
        response = client.post("/register/expert", data=_expert_form(confirm="something else 99"))
        assert "The passwords differ." in _page(response)

    def test_role_cannot_be_smuggled_in(self, client: FlaskClient) -> None:
        client.post("/register/expert", data=_expert_form(role="admin", active="0"))
        user = _user("aminata@example.org")
        assert user.role is Role.EXPERT and user.active


class TestInstitutionRegistration:
    def _form(self, **changes: object) -> dict[str, object]:
        form = {
            "full_name": "Hawa Conteh",
            "email": "hawa@bo-hospital.example",
            "password": GOOD_PASSWORD,
            "confirm": GOOD_PASSWORD,
            "job_title": "Medical director",
            "institution_name": "Bo Government Hospital",
            "institution_kind": "hospital",
            "country": "SL",
            "town": "Bo",
            "consent_processing": "y",
        }
        form.update(changes)
        return form

    def test_creates_a_pending_institution_with_the_user_as_admin(
        self, client: FlaskClient
    ) -> None:
        response = client.post("/register/institution", data=self._form())
        assert response.status_code == 302
        institution = db.session.scalar(
            select(Institution).where(Institution.name == "Bo Government Hospital")
        )
        assert institution.status is VerificationStatus.PENDING
        assert institution.members[0].user.email == "hawa@bo-hospital.example"
        page = _page(client.get("/host/"))
        assert "have not verified this institution yet" in page

    @pytest.mark.parametrize(
        ("changes", "message"),
        [
            ({"country": "XX"}, "Not a valid choice."),
            ({"country": ""}, "This field is required."),
            ({"institution_kind": "casino"}, "Not a valid choice."),
            ({"institution_name": ""}, "This field is required."),
        ],
    )
    def test_bad_input_is_refused_with_a_message(
        self, client: FlaskClient, changes: dict[str, str], message: str
    ) -> None:
        response = client.post("/register/institution", data=self._form(**changes))
        assert response.status_code == 200
        assert message in _page(response)
        assert db.session.scalar(select(func.count()).select_from(Institution)) == 0


class TestLogin:
    def test_wrong_password_gives_one_generic_message(self, client: FlaskClient) -> None:
        user = factories.ExpertFactory().user
        for email, password in ((user.email, "wrong password 123"), ("nobody@x.org", "x" * 20)):
            response = client.post("/login", data={"email": email, "password": password})
            assert response.status_code == 200
            assert "The email address or the password is not correct." in _page(response)

    def test_overlong_password_is_refused(self, client: FlaskClient) -> None:
        user = factories.ExpertFactory().user
        response = client.post("/login", data={"email": user.email, "password": "x" * 5000})
        assert response.status_code == 200
        assert client.get("/dashboard").status_code == 302

    def test_deactivated_account_cannot_log_in(self, client: FlaskClient) -> None:
        user = factories.ExpertFactory(user__active=False).user
        response = client.post("/login", data={"email": user.email, "password": factories.PASSWORD})
        assert response.status_code == 200

    def test_login_with_safe_next_goes_there(self, client: FlaskClient) -> None:
        user = factories.StaffFactory()
        response = client.post(
            "/login?next=/staff/", data={"email": user.email, "password": factories.PASSWORD}
        )
        assert response.headers["Location"] == "/staff/"

    @pytest.mark.parametrize(
        "target",
        [
            "//evil.example",
            "https://evil.example/",
            "/\\evil.example",
            "\\\\evil.example",
            "javascript:alert(1)",
            "/%2F%2Fevil.example",
            "%2F%2Fevil.example",
            "/\t/evil.example",
            "http:evil.example",
            "https:/evil.example",
        ],
    )
    def test_login_never_redirects_off_site(self, client: FlaskClient, target: str) -> None:
        user = factories.StaffFactory()
        response = client.post(
            "/login",
            query_string={"next": target},
            data={"email": user.email, "password": factories.PASSWORD},
        )
        assert response.headers["Location"] == "/dashboard"

    def test_pages_need_login_and_come_back_after_it(self, client: FlaskClient) -> None:
        response = client.get("/staff/")
        assert response.status_code == 302
        assert "/login?next=" in response.headers["Location"]

    def test_session_id_changes_at_login(self, client: FlaskClient) -> None:
        user = factories.ExpertFactory().user
        client.get("/login")
        before = client.get_cookie("session")
        client.post("/login", data={"email": user.email, "password": factories.PASSWORD})
        after = client.get_cookie("session")
        assert before is None or after.value != before.value


class TestSessions:
    def test_logout_kills_a_copied_session_cookie(
        self, app: Flask, client: FlaskClient, login_as: Callable[..., User]
    ) -> None:
        login_as(Role.EXPERT)
        stolen = client.get_cookie("session").value
        client.post("/logout")
        thief = app.test_client()
        thief.set_cookie("session", stolen)
        response = thief.get("/expert/")
        assert response.status_code == 302 and "/login" in response.headers["Location"]

    def test_idle_session_expires_after_30_minutes(
        self, client: FlaskClient, login_as: Callable[..., User]
    ) -> None:
        with freeze_time() as frozen:
            login_as(Role.EXPERT)
            assert client.get("/expert/").status_code == 200
            frozen.tick(timedelta(minutes=29))
            assert client.get("/expert/").status_code == 200
            frozen.tick(timedelta(minutes=31))
            response = client.get("/expert/")
        assert response.status_code == 302 and "/login" in response.headers["Location"]

    def test_absolute_lifetime_of_12_hours(
        self, client: FlaskClient, login_as: Callable[..., User]
    ) -> None:
        with freeze_time() as frozen:
            login_as(Role.EXPERT)
            for _ in range(25):  # active every 29 minutes for over 12 hours
                frozen.tick(timedelta(minutes=29))
                response = client.get("/expert/")
        assert response.status_code == 302

    def test_tampered_cookie_is_ignored(self, client: FlaskClient) -> None:
        client.set_cookie("session", "eyJfdXNlcl9pZCI6IjEifQ.forged.signature")
        assert client.get("/expert/").status_code == 302


class TestPasswordChange:
    def test_change_logs_out_other_devices_but_not_this_one(
        self, app: Flask, client: FlaskClient, login_as: Callable[..., User]
    ) -> None:
        user = login_as(Role.EXPERT)
        other_device = app.test_client()
        other_device.post("/login", data={"email": user.email, "password": factories.PASSWORD})
        assert other_device.get("/expert/").status_code == 200

        response = client.post(
            "/account/password",
            data={
                "current_password": factories.PASSWORD,
                "new_password": GOOD_PASSWORD,
                "confirm": GOOD_PASSWORD,
            },
        )
        assert response.status_code == 302
        assert client.get("/expert/").status_code == 200
        assert other_device.get("/expert/").status_code == 302
        fresh = app.test_client()
        ok = fresh.post("/login", data={"email": user.email, "password": GOOD_PASSWORD})
        assert ok.status_code == 302

    def test_wrong_current_password(
        self, client: FlaskClient, login_as: Callable[..., User]
    ) -> None:
        login_as(Role.STAFF)
        response = client.post(
            "/account/password",
            data={
                "current_password": "nope nope nope",
                "new_password": GOOD_PASSWORD,
                "confirm": GOOD_PASSWORD,
            },
        )
        assert "Your current password is not correct." in _page(response)


class TestPasswordReset:
    def _request(self, client: FlaskClient, email: str) -> str:
        response = client.post("/reset", data={"email": email})
        assert response.status_code == 302
        return client.get(response.headers["Location"]).get_data(as_text=True)

    def _link(self, email: str) -> str:
        message = db.session.scalars(
            select(OutboxEmail).where(OutboxEmail.recipient == email)
        ).one()
        match = re.search(r"http://localhost(/reset/\S+)", message.body_text)
        assert match, message.body_text
        return match.group(1)

    def test_full_reset_path_and_link_is_single_use(self, client: FlaskClient) -> None:
        user = factories.ExpertFactory().user
        page = self._request(client, user.email)
        assert "we have sent it a link" in page
        link = self._link(user.email)
        form = {"password": GOOD_PASSWORD, "confirm": GOOD_PASSWORD}
        assert client.post(link, data=form).status_code == 302
        login = client.post("/login", data={"email": user.email, "password": GOOD_PASSWORD})
        assert login.status_code == 302
        client.post("/logout")
        reused = client.post(link, data=form)
        assert reused.headers["Location"].endswith("/reset")

    def test_unknown_address_gets_the_same_answer_and_no_mail(self, client: FlaskClient) -> None:
        page = self._request(client, "nobody@example.org")
        assert "we have sent it a link" in page
        assert db.session.scalar(select(func.count()).select_from(OutboxEmail)) == 0

    def test_link_expires_after_an_hour(self, client: FlaskClient) -> None:
        user = factories.ExpertFactory().user
        with freeze_time() as frozen:
            self._request(client, user.email)
            link = self._link(user.email)
            frozen.tick(timedelta(minutes=61))
            response = client.get(link)
        assert response.status_code == 302 and response.headers["Location"].endswith("/reset")

    def test_weak_new_password_is_refused(self, client: FlaskClient) -> None:
        user = factories.ExpertFactory().user
        self._request(client, user.email)
        response = client.post(
            self._link(user.email), data={"password": "short", "confirm": "short"}
        )
        assert "Use at least 12 characters." in _page(response)

    def test_reset_mail_is_in_the_users_language(self, client: FlaskClient) -> None:
        user = factories.ExpertFactory(user__locale="fr").user
        self._request(client, user.email)
        message = db.session.scalars(select(OutboxEmail)).one()
        assert message.subject == "Réinitialisez votre mot de passe Homeward"


class TestLoginThrottle:
    def test_login_attempts_are_limited(
        self, app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setitem(app.config, "LOGIN_RATE_LIMIT", "3 per minute")
        statuses = [
            client.post("/login", data={"email": "a@b.org", "password": "x" * 12}).status_code
            for _ in range(5)
        ]
        assert statuses[:3] == [200, 200, 200]
        assert statuses[3:] == [429, 429]
        assert client.get("/login").status_code == 200  # only attempts are limited
