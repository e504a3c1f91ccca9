"""Every API route x method x principal against [api_endpoints] of placement/access.d/api.toml.

Each principal calls with its own personal access token (read and write scopes); "anonymous"
sends none. A route missing from the file fails the test. Write calls send a body chosen so that
nothing changes (a refused transition, an incomplete form): reaching the view is what counts.
"""

from __future__ import annotations

import tomllib
from datetime import date, timedelta

import pytest
from flask import Flask
from sqlalchemy import select

from placement.extensions import db, limiter
from placement.models import Need, Placement, User
from placement.tokens.services import create_token
from tests import factories
from tests.placement.test_access_matrix import (  # the page matrix's principals and records
    MATRIX_FILES,
    PRINCIPALS,
    _fill,
    principals,  # noqa: F401 (a fixture)
    url_arguments,
)

IGNORED_METHODS = {"HEAD", "OPTIONS"}


def load_api_matrix() -> dict[str, dict[str, frozenset[str]]]:
    groups: dict[str, frozenset[str]] = {}
    rows: dict[str, dict[str, object]] = {}
    for path in MATRIX_FILES:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        groups.update({k: frozenset(v) for k, v in data.get("groups", {}).items()})
        for endpoint, methods in data.get("api_endpoints", {}).items():
            assert endpoint not in rows, f"{endpoint} is listed twice ({path.name})"
            rows[endpoint] = methods
    matrix: dict[str, dict[str, frozenset[str]]] = {}
    for endpoint, methods in rows.items():
        matrix[endpoint] = {}
        for method, who in methods.items():
            allowed: set[str] = set()
            for name in [who] if isinstance(who, str) else who:
                allowed |= groups.get(name, {name})
            unknown = allowed - set(PRINCIPALS)
            assert not unknown, f"{endpoint} {method}: unknown principals {unknown}"
            matrix[endpoint][method] = frozenset(allowed)
    return matrix


def api_routes(app: Flask) -> list[tuple[str, str, str]]:
    routes = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("api."):
            for method in sorted((rule.methods or set()) - IGNORED_METHODS):
                routes.append((rule.endpoint, method, rule.rule))
    return routes


def need_body() -> dict[str, object]:
    start = date.today() + timedelta(days=60)
    return {
        "title": "Trainer in emergency obstetric care",
        "sector": "health",
        "required_skills": ["perform clinical examination"],
        "languages": [{"code": "en", "level": "B2"}],
        "start": start.isoformat(),
        "end": (start + timedelta(days=90)).isoformat(),
        "duration_weeks": 6,
    }


# Bodies that reach the view and change nothing: the test's need is open (so not editable) and
# a close or withdrawal without a reason is refused.
BODIES: dict[str, object] = {
    "api.need_create": {},
    "api.need_update": need_body(),
    "api.need_transition": {"name": "close"},
    "api.placement_transition": {"name": "withdraw"},
    "api.survey_submit": {"answers": {}},
    "api.expert_me_update": {},
}


@pytest.fixture
def tokens(app: Flask, principals: dict[str, User | None]) -> dict[str, str]:  # noqa: F811
    secrets = {}
    with app.test_request_context():
        for name, user in principals.items():
            if user is not None:
                _token, secrets[name] = create_token(
                    db.session.get(User, user.id), "access walk", ["read", "write"], None
                )
        db.session.commit()
    limiter.reset()
    return secrets


def test_every_api_route_has_a_row_and_every_row_a_route(app: Flask) -> None:
    matrix = load_api_matrix()
    served = {(endpoint, method) for endpoint, method, _ in api_routes(app)}
    listed = {(endpoint, method) for endpoint, methods in matrix.items() for method in methods}
    assert served - listed == set(), "API routes missing from placement/access.d/api.toml"
    assert listed - served == set(), "rows in api.toml for API routes that do not exist"


def test_api_access_matches_the_matrix(
    app: Flask,
    principals: dict[str, User | None],  # noqa: F811
    tokens: dict[str, str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    matrix = load_api_matrix()
    arguments = url_arguments(app, principals)
    differences = []
    requests = 0
    client = app.test_client()
    for endpoint, method, rule in api_routes(app):
        expected = matrix.get(endpoint, {}).get(method, frozenset())
        path = _fill(rule, arguments)
        for principal in PRINCIPALS:
            headers = (
                {"Authorization": f"Bearer {tokens[principal]}"} if principal in tokens else {}
            )
            response = client.open(path, method=method, headers=headers, json=BODIES.get(endpoint))
            requests += 1
            allowed = response.status_code not in (401, 403, 404)
            assert response.status_code < 500, f"{method} {path} as {principal}: 5xx"
            if allowed != (principal in expected):
                differences.append(
                    f"{method} {path} as {principal}: got {response.status_code} "
                    f"{response.get_data(as_text=True)[:200]}, "
                    f"expected {'allowed' if principal in expected else 'refused'}"
                )
    with capsys.disabled():
        print(f"\nAPI access matrix: {requests} requests, {len(differences)} differences")
    assert differences == [], "\n".join(differences)
    # The walk changed nothing: the need is still open and the placement still proposed.
    need = db.session.scalar(select(Need.status).where(Need.uuid == _uuid(arguments["need_id"])))
    placement = db.session.scalar(
        select(Placement.status).where(Placement.uuid == _uuid(arguments["placement_id"]))
    )
    assert (need.value, placement.value) == ("open", "proposed")


def _uuid(value: str) -> object:
    import uuid

    return uuid.UUID(value)


def test_a_session_cookie_opens_no_api_route(app: Flask, db_session: object) -> None:
    """Logged in to the pages, but no token: every API route that needs a token says 401, so a
    cross-site request cannot ride on the browser's cookie."""
    client = app.test_client()
    limiter.reset()
    staff = factories.StaffFactory()
    response = client.post("/login", data={"email": staff.email, "password": factories.PASSWORD})
    assert response.status_code == 302
    assert client.get("/staff/").status_code == 200
    public = {"api.openapi_json", "api.docs", "api.needs_list", "api.need_get"}
    checked = 0
    for endpoint, method, rule in api_routes(app):
        if endpoint in public:
            continue
        path = _fill(rule, dict.fromkeys(_names(), "00000000-0000-0000-0000-000000000000"))
        response = client.open(path, method=method, json={})
        assert response.status_code == 401, f"{method} {path}: {response.status_code}"
        assert "Set-Cookie" not in response.headers
        checked += 1
    assert checked >= 15


def _names() -> list[str]:
    return ["expert_id", "institution_id", "need_id", "placement_id", "report_id"]
