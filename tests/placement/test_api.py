"""The JSON API: tokens, the same rules as the pages, consent, validation and error shape."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from placement.extensions import db, limiter
from placement.models import (
    AccessToken,
    ConsentPurpose,
    ConsentRecord,
    Need,
    NeedStatus,
    OutcomeReport,
    Placement,
    PlacementStatus,
    RespondentRole,
    SurveyPoint,
    User,
    utcnow,
)
from placement.tokens.services import create_token, hash_secret
from tests import factories
from tests.placement.test_api_access import need_body

Tokener = Callable[..., str]


@pytest.fixture
def token_for(app: Flask, db_session: object) -> Tokener:
    """``token_for(user, scopes=("read", "write"))``: a new token's secret."""

    def _make(user: User, scopes: tuple[str, ...] = ("read", "write"), days: int | None = None):
        with app.test_request_context():
            _token, secret = create_token(db.session.get(User, user.id), "test", list(scopes), days)
            db.session.commit()
        return secret

    limiter.reset()
    return _make


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


# tokens -----------------------------------------------------------------------------------------


def test_a_token_acts_as_its_user_and_only_its_hash_is_stored(
    client: FlaskClient, token_for: Tokener
) -> None:
    staff = factories.StaffFactory()
    secret = token_for(staff, ("read",))
    response = client.get("/api/v1/me", headers=bearer(secret))
    assert response.status_code == 200
    assert response.json == {
        "id": str(staff.uuid),
        "role": "staff",
        "email": staff.email,
        "full_name": staff.full_name,
        "token_scopes": ["read"],
    }
    assert response.headers["Cache-Control"] == "no-store"
    row = db.session.scalar(select(AccessToken).where(AccessToken.user_id == staff.id))
    assert row.token_hash == hash_secret(secret)
    assert secret not in (row.token_hash, row.prefix)
    assert secret.startswith(row.prefix)
    assert row.last_used_at is not None


@pytest.mark.parametrize(
    "header",
    [
        "",
        "Bearer",
        "Bearer ",
        "Basic dXNlcjpwYXNz",
        "Bearer hw_not-a-real-token",
        "Bearer " + "x" * 5000,
        "Token hw_abc",
    ],
)
def test_missing_or_bad_tokens_get_401_in_json(client: FlaskClient, header: str) -> None:
    response = client.get("/api/v1/me", headers={"Authorization": header} if header else {})
    assert response.status_code == 401
    assert response.json["status"] == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_revoked_expired_and_deactivated_tokens_stop_working(
    app: Flask, client: FlaskClient, token_for: Tokener
) -> None:
    expert = factories.ExpertFactory().user
    revoked, expired, live = token_for(expert), token_for(expert, days=1), token_for(expert)
    rows = {r.token_hash: r for r in db.session.scalars(select(AccessToken))}
    rows[hash_secret(revoked)].revoked_at = utcnow()
    rows[hash_secret(expired)].expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert client.get("/api/v1/me", headers=bearer(revoked)).status_code == 401
    assert client.get("/api/v1/me", headers=bearer(expired)).status_code == 401
    assert client.get("/api/v1/me", headers=bearer(live)).status_code == 200
    db.session.get(User, expert.id).active = False
    db.session.commit()
    assert client.get("/api/v1/me", headers=bearer(live)).status_code == 401


def test_a_read_token_cannot_write(client: FlaskClient, token_for: Tokener) -> None:
    host = factories.HostMemberFactory().user
    secret = token_for(host, ("read",))
    response = client.post("/api/v1/needs", headers=bearer(secret), json=need_body())
    assert response.status_code == 403
    assert "read-only" in response.json["error"]
    assert db.session.scalar(select(func.count()).select_from(Need)) == 0


# needs ------------------------------------------------------------------------------------------


def test_host_creates_edits_and_submits_a_draft(client: FlaskClient, token_for: Tokener) -> None:
    member = factories.HostMemberFactory()
    secret = token_for(member.user)
    response = client.post("/api/v1/needs", headers=bearer(secret), json=need_body())
    assert response.status_code == 201, response.json
    need_id = response.json["id"]
    assert response.json["status"] == "draft"
    assert response.json["institution"]["id"] == str(member.institution.uuid)
    changed = {**need_body(), "title": "Midwifery trainer", "slots": 2}
    response = client.put(f"/api/v1/needs/{need_id}", headers=bearer(secret), json=changed)
    assert response.status_code == 200
    assert (response.json["title"], response.json["slots"]) == ("Midwifery trainer", 2)
    response = client.post(
        f"/api/v1/needs/{need_id}/transitions", headers=bearer(secret), json={"name": "submit"}
    )
    assert response.status_code == 200
    assert response.json["status"] == "submitted"
    # A submitted need is in staff's hands: no more edits, and hosts cannot approve.
    response = client.put(f"/api/v1/needs/{need_id}", headers=bearer(secret), json=changed)
    assert response.status_code == 409
    response = client.post(
        f"/api/v1/needs/{need_id}/transitions", headers=bearer(secret), json={"name": "approve"}
    )
    assert response.status_code == 409
    assert db.session.scalar(select(Need.status)) is NeedStatus.SUBMITTED


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": 42}, "title"),
        ({"sector": "astrology"}, "sector"),
        ({"start": "yesterday"}, "start"),
        ({"start": (date.today() - timedelta(days=3)).isoformat()}, "start"),
        ({"duration_weeks": 60}, "duration_weeks"),
        ({"duration_weeks": "six"}, "duration_weeks"),
        ({"slots": 0}, "slots"),
        ({"required_skills": []}, "required_skills"),
        ({"languages": [{"code": "english", "level": "B2"}]}, "languages"),
        ({"status": "open"}, "status"),
        ({"institution_id": "not-a-uuid"}, "institution_id"),
    ],
)
def test_bad_need_input_is_a_422_naming_the_field_and_nothing_is_saved(
    client: FlaskClient, token_for: Tokener, change: dict[str, object], field: str
) -> None:
    secret = token_for(factories.HostMemberFactory().user)
    response = client.post("/api/v1/needs", headers=bearer(secret), json={**need_body(), **change})
    assert response.status_code == 422, response.json
    assert response.json["status"] == 422
    assert field in response.json["errors"], response.json
    assert db.session.scalar(select(func.count()).select_from(Need)) == 0


def test_host_puts_a_need_under_a_programme(client: FlaskClient, token_for: Tokener) -> None:
    member = factories.HostMemberFactory()
    programme = factories.ProgrammeFactory(name="Health return 2027")
    secret = token_for(member.user)
    body = {**need_body(), "programme": str(programme.uuid)}
    response = client.post("/api/v1/needs", headers=bearer(secret), json=body)
    assert response.status_code == 201, response.json
    shown = {"id": str(programme.uuid), "code": programme.code, "name": "Health return 2027"}
    assert response.json["programme"] == shown
    need_id = response.json["id"]
    assert db.session.scalar(select(Need.programme_id)) == programme.id
    assert client.get(f"/api/v1/needs/{need_id}", headers=bearer(secret)).json["programme"] == shown
    # A PUT replaces the draft: without a programme, the need has none.
    response = client.put(f"/api/v1/needs/{need_id}", headers=bearer(secret), json=need_body())
    assert response.status_code == 200, response.json
    assert response.json["programme"] is None
    assert db.session.scalar(select(Need.programme_id)) is None
    response = client.put(f"/api/v1/needs/{need_id}", headers=bearer(secret), json=body)
    assert response.json["programme"] == shown


@pytest.mark.parametrize(
    ("programme", "field", "message"),
    [
        ("unknown", "programme", "No such programme."),
        ("not-a-uuid", "programme", None),
        ({"eligible_origin_countries": ["GH"]}, "programme", "does not cover your country"),
        ({"active": False}, "programme", "closed to new needs"),
        (
            {"start": date.today() - timedelta(days=400), "end": date.today() - timedelta(days=1)},
            "programme",
            "closed to new needs",
        ),
        # The programme's own rules, as on the need form, under the field they are about.
        ({"max_weeks": 4}, "duration_weeks", "at most 4 weeks"),
        ({"end": date.today() + timedelta(days=100)}, "start", "within the programme"),
    ],
)
def test_an_unknown_or_ineligible_programme_is_a_422_and_nothing_is_saved(
    client: FlaskClient,
    token_for: Tokener,
    programme: str | dict[str, object],
    field: str,
    message: str | None,
) -> None:
    member = factories.HostMemberFactory()  # in Sierra Leone
    if programme == "unknown":
        value = "00000000-0000-4000-8000-000000000000"
    elif programme == "not-a-uuid":
        value = "Health return 2027"
    else:
        value = str(factories.ProgrammeFactory(**programme).uuid)
    secret = token_for(member.user)
    response = client.post(
        "/api/v1/needs", headers=bearer(secret), json={**need_body(), "programme": value}
    )
    assert response.status_code == 422, response.json
    assert list(response.json["errors"]) == [field]
    if message is not None:
        assert message in response.json["errors"][field][0]
    assert db.session.scalar(select(func.count()).select_from(Need)) == 0


def test_a_draft_keeps_its_programme_when_an_edit_is_refused(
    client: FlaskClient, token_for: Tokener
) -> None:
    member = factories.HostMemberFactory()
    programme = factories.ProgrammeFactory()
    need = factories.NeedFactory(
        institution=member.institution, status=NeedStatus.DRAFT, programme=programme
    )
    elsewhere = factories.ProgrammeFactory(eligible_origin_countries=["GH"])
    secret = token_for(member.user)
    response = client.put(
        f"/api/v1/needs/{need.uuid}",
        headers=bearer(secret),
        json={**need_body(), "title": "Changed", "programme": str(elsewhere.uuid)},
    )
    assert response.status_code == 422
    assert "programme" in response.json["errors"]
    row = db.session.scalar(select(Need).where(Need.id == need.id))
    assert (row.title, row.programme_id) == (need.title, programme.id)


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"{not json", "application/json"),
        (b"[1, 2, 3]", "application/json"),
        (b"title=x", "application/x-www-form-urlencoded"),
        ("\udcff".encode("utf-8", "surrogatepass"), "application/json"),
    ],
)
def test_malformed_bodies_get_a_json_4xx(
    client: FlaskClient, token_for: Tokener, body: bytes, content_type: str
) -> None:
    secret = token_for(factories.HostMemberFactory().user)
    response = client.post(
        "/api/v1/needs", headers=bearer(secret), data=body, content_type=content_type
    )
    assert 400 <= response.status_code < 500
    assert response.json["status"] == response.status_code
    assert "Traceback" not in response.get_data(as_text=True)


def test_hosts_cannot_touch_another_institutions_need(
    client: FlaskClient, token_for: Tokener
) -> None:
    need = factories.NeedFactory(status=NeedStatus.DRAFT)
    intruder = token_for(factories.HostMemberFactory().user)
    for method, path, body in [
        ("GET", f"/api/v1/needs/{need.uuid}", None),
        ("PUT", f"/api/v1/needs/{need.uuid}", need_body()),
        ("POST", f"/api/v1/needs/{need.uuid}/transitions", {"name": "submit"}),
        ("GET", f"/api/v1/needs/{need.uuid}/candidates", None),
    ]:
        response = client.open(path, method=method, headers=bearer(intruder), json=body)
        assert response.status_code == 404, (method, path)
    assert db.session.scalar(select(Need.status).where(Need.id == need.id)) is NeedStatus.DRAFT


def test_public_need_list_shows_open_needs_only(client: FlaskClient) -> None:
    open_need = factories.NeedFactory(country="GH", institution__country="GH")
    factories.NeedFactory(status=NeedStatus.DRAFT)
    response = client.get("/api/v1/needs?country=GH&per_page=5")
    assert response.status_code == 200
    assert [n["id"] for n in response.json["items"]] == [str(open_need.uuid)]
    assert response.json["total"] == 1
    assert "Set-Cookie" not in response.headers
    draft = db.session.scalar(select(Need).where(Need.status == NeedStatus.DRAFT))
    assert client.get(f"/api/v1/needs/{draft.uuid}").status_code == 404
    assert client.get("/api/v1/needs?per_page=1000").status_code == 422


# matches and consent ------------------------------------------------------------------------------


def test_host_candidates_carry_no_contact_and_respect_consent(
    client: FlaskClient, token_for: Tokener
) -> None:
    member = factories.HostMemberFactory()
    need = factories.NeedFactory(institution=member.institution)
    sharing = factories.ExpertFactory()
    withdrawn = factories.ExpertFactory()
    db.session.add(
        ConsentRecord(
            user_id=withdrawn.user_id,
            purpose=ConsentPurpose.SHARE_WITH_HOSTS,
            granted=False,
            text_version="test",
        )
    )
    db.session.commit()
    response = client.get(
        f"/api/v1/needs/{need.uuid}/candidates", headers=bearer(token_for(member.user))
    )
    assert response.status_code == 200
    ids = [c["expert"]["id"] for c in response.json["items"]]
    assert ids == [str(sharing.uuid)]
    text = response.get_data(as_text=True)
    for private in (sharing.user.email, sharing.user.full_name, "full_name", "email", "summary"):
        assert private not in text
    candidate = response.json["items"][0]
    assert candidate["rank"] == 1
    assert 0 <= candidate["match"]["score"] <= 1
    assert candidate["match"]["explanation"]
    # Staff see both (the withdrawn expert still consents to processing).
    staff = token_for(factories.StaffFactory())
    response = client.get(f"/api/v1/needs/{need.uuid}/candidates", headers=bearer(staff))
    assert {c["expert"]["id"] for c in response.json["items"]} == {
        str(sharing.uuid),
        str(withdrawn.uuid),
    }


def test_expert_sees_own_profile_and_ranked_needs(client: FlaskClient, token_for: Tokener) -> None:
    expert = factories.ExpertFactory()
    need = factories.NeedFactory()
    secret = token_for(expert.user)
    response = client.get("/api/v1/experts/me", headers=bearer(secret))
    assert response.status_code == 200
    assert response.json["email"] == expert.user.email
    response = client.patch(
        "/api/v1/experts/me",
        headers=bearer(secret),
        json={"summary": "  Obstetrician  ", "remote_ok": True, "preferred_regions": ["Bo"]},
    )
    assert response.status_code == 200
    assert (response.json["summary"], response.json["remote_ok"]) == ("Obstetrician", True)
    response = client.patch("/api/v1/experts/me", headers=bearer(secret), json={"role": "admin"})
    assert response.status_code == 422
    assert db.session.get(User, expert.user_id).role.value == "expert"
    response = client.get("/api/v1/experts/me/matches?limit=5", headers=bearer(secret))
    assert response.status_code == 200
    assert [m["need"]["id"] for m in response.json["items"]] == [str(need.uuid)]
    # Staff list every profile; an expert may not.
    assert client.get("/api/v1/experts", headers=bearer(secret)).status_code == 403
    staff = token_for(factories.StaffFactory())
    listing = client.get("/api/v1/experts?per_page=1", headers=bearer(staff)).json
    assert listing["total"] >= 1
    assert len(listing["items"]) == 1


# placements and outcomes --------------------------------------------------------------------------


def test_placement_steps_follow_the_workflow(client: FlaskClient, token_for: Tokener) -> None:
    member = factories.HostMemberFactory()
    need = factories.NeedFactory(institution=member.institution)
    placement = factories.PlacementFactory(need=need)
    staff, expert = factories.StaffFactory(), placement.expert.user
    host_token, expert_token = token_for(member.user), token_for(expert)
    url = f"/api/v1/placements/{placement.uuid}"
    response = client.get(url, headers=bearer(host_token))
    assert response.status_code == 200
    assert response.json["role"] == "host"
    assert response.json["expert"]["email"] is None  # not before approval
    # The expert cannot offer to themself; staff can.
    response = client.post(
        f"{url}/transitions", headers=bearer(expert_token), json={"name": "offer"}
    )
    assert response.status_code == 422
    response = client.post(
        f"{url}/transitions", headers=bearer(token_for(staff)), json={"name": "offer"}
    )
    assert response.status_code == 200
    assert response.json["status"] == "offered"
    response = client.post(
        f"{url}/transitions", headers=bearer(expert_token), json={"name": "accept"}
    )
    assert response.json["status"] == "accepted"
    listing = client.get("/api/v1/placements", headers=bearer(expert_token)).json
    assert [p["id"] for p in listing["items"]] == [str(placement.uuid)]
    other = token_for(factories.ExpertFactory().user)
    assert client.get(url, headers=bearer(other)).status_code == 404
    status = db.session.scalar(select(Placement.status).where(Placement.id == placement.id))
    assert status is PlacementStatus.ACCEPTED


def test_respondent_answers_a_survey_once(client: FlaskClient, token_for: Tokener) -> None:
    placement = factories.PlacementFactory()
    report = OutcomeReport(
        placement_id=placement.id,
        point=SurveyPoint.BASELINE,
        respondent_role=RespondentRole.EXPERT,
        respondent_id=placement.expert.user_id,
        questionnaire_version="baseline-expert-1",
        due_on=placement.start,
        answers={},
        invited_at=utcnow(),
    )
    db.session.add(report)
    db.session.commit()
    secret = token_for(placement.expert.user)
    pending = client.get("/api/v1/surveys", headers=bearer(secret)).json["items"]
    assert [s["id"] for s in pending] == [str(report.uuid)]
    url = f"/api/v1/surveys/{report.uuid}"
    bad = {"objectives": "Train", "expected_results": "Skills", "preparation": "9"}
    response = client.post(url, headers=bearer(secret), json={"answers": bad})
    assert response.status_code == 422
    assert "preparation" in response.json["errors"]
    good = {**bad, "preparation": "4"}
    assert client.post(url, headers=bearer(secret), json={"answers": good}).status_code == 200
    assert client.post(url, headers=bearer(secret), json={"answers": good}).status_code == 409
    answers = db.session.scalar(select(OutcomeReport.answers).where(OutcomeReport.id == report.id))
    assert answers["preparation"] == 4


def test_staff_export_is_pseudonymised(client: FlaskClient, token_for: Tokener) -> None:
    placement = factories.PlacementFactory()
    secret = token_for(factories.StaffFactory(), ("read",))
    response = client.get("/api/v1/outcomes/export", headers=bearer(secret))
    assert response.status_code == 200
    assert len(response.json["rows"]) == 1
    text = response.get_data(as_text=True)
    assert placement.expert.user.email not in text
    assert str(placement.uuid) not in text
    assert (
        client.get("/api/v1/outcomes/export?start=never", headers=bearer(secret)).status_code == 422
    )


# documents ---------------------------------------------------------------------------------------


def test_openapi_document_and_docs_page(client: FlaskClient) -> None:
    spec = client.get("/api/openapi.json").json
    assert spec["openapi"].startswith("3.")
    assert "/api/v1/needs/{need_id}/candidates" in spec["paths"]
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    page = client.get("/api/docs")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert re.search(r"vendor/swagger-ui/swagger-ui-bundle\.[0-9a-f]{10}\.js", html)  # hashed
    assert "<script>" not in html  # no inline script: the CSP forbids it
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert client.get("/static/vendor/swagger-ui/homeward-init.js").status_code == 200


def test_unknown_api_urls_and_methods_answer_json(client: FlaskClient) -> None:
    for method, path, status in [
        ("GET", "/api/v1/nothing", 404),
        ("DELETE", "/api/v1/needs", 405),
        ("GET", "/api/v1/needs/not-a-uuid", 404),
    ]:
        response = client.open(path, method=method)
        assert response.status_code == status
        assert response.json == {"error": response.json["error"], "status": status}


def test_a_kept_ranking_still_drops_an_expert_who_withdraws_at_once(
    app: Flask, client: FlaskClient, token_for: Tokener
) -> None:
    """With the per-process ranking cache on, consent is re-read on every view."""
    from placement.matches import services as matches

    member = factories.HostMemberFactory()
    need = factories.NeedFactory(institution=member.institution)
    first, second = factories.ExpertFactory(), factories.ExpertFactory()
    secret = token_for(member.user)
    url = f"/api/v1/needs/{need.uuid}/candidates"
    app.config["MATCH_CACHE_SECONDS"] = 300
    try:
        shown = {c["expert"]["id"] for c in client.get(url, headers=bearer(secret)).json["items"]}
        assert shown == {str(first.uuid), str(second.uuid)}
        db.session.add(
            ConsentRecord(
                user_id=second.user_id,
                purpose=ConsentPurpose.SHARE_WITH_HOSTS,
                granted=False,
                text_version="test",
            )
        )
        db.session.commit()
        items = client.get(url, headers=bearer(secret)).json["items"]
        assert [c["expert"]["id"] for c in items] == [str(first.uuid)]
    finally:
        del app.config["MATCH_CACHE_SECONDS"]
        matches._RANKINGS.clear()
