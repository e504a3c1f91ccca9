"""Every registered route x method x principal against placement/access.toml (deny by default).

A route missing from the file fails the test, so no new page can ship without its access rule.
"""

from __future__ import annotations

import io
import re
import tomllib
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.datastructures import FileStorage

from placement.experts.documents import store_upload
from placement.extensions import db
from placement.models import (
    AlertRecipient,
    DocumentKind,
    LogisticsItem,
    LogisticsKind,
    OutcomeReport,
    RespondentRole,
    Role,
    SurgeAlert,
    SurveyPoint,
    User,
)
from tests import factories
from tests.samples import pdf_bytes

PACKAGE = Path(__file__).resolve().parents[2] / "placement"
# The core rules, plus one file per feature in access.d/ (so features never edit one file).
MATRIX_FILES = [PACKAGE / "access.toml", *sorted((PACKAGE / "access.d").glob("*.toml"))]
PRINCIPALS = (
    "anonymous",
    "expert",
    "other_expert",
    "host",
    "other_host",
    "staff",
    "admin",
    "partner",
)
IGNORED_METHODS = {"HEAD", "OPTIONS"}
LAST = ("delete", "consent")


def _endpoints() -> tuple[dict[str, list[str]], dict[str, dict[str, object]]]:
    groups: dict[str, list[str]] = {}
    endpoints: dict[str, dict[str, object]] = {}
    for path in MATRIX_FILES:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        groups.update(data.get("groups", {}))
        for endpoint, methods in data.get("endpoints", {}).items():
            assert endpoint not in endpoints, f"{endpoint} is listed twice ({path.name})"
            endpoints[endpoint] = methods
    return groups, endpoints


def load_matrix() -> dict[str, dict[str, frozenset[str]]]:
    raw_groups, endpoints = _endpoints()
    groups = {name: frozenset(members) for name, members in raw_groups.items()}
    matrix: dict[str, dict[str, frozenset[str]]] = {}
    for endpoint, methods in endpoints.items():
        matrix[endpoint] = {}
        for method, who in methods.items():
            names = [who] if isinstance(who, str) else who
            allowed: set[str] = set()
            for name in names:
                allowed |= groups.get(name, {name})
            unknown = allowed - set(PRINCIPALS)
            assert not unknown, f"{endpoint} {method}: unknown principals {unknown}"
            matrix[endpoint][method] = frozenset(allowed)
    return matrix


# The token-authenticated JSON API has its own walk (tests/placement/test_api_access.py).
DELEGATED_PREFIXES = ("api.",)


def _routes(app: Flask) -> list[tuple[str, str, str]]:
    """(endpoint, method, rule) for every page the app serves, static files and API aside."""
    routes = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or rule.endpoint.startswith(DELEGATED_PREFIXES):
            continue
        for method in sorted((rule.methods or set()) - IGNORED_METHODS):
            routes.append((rule.endpoint, method, rule.rule))
    # Routes that delete the test's records, or (posted empty) withdraw the expert's consent,
    # go last, so the others still find what they need.
    return sorted(routes, key=lambda route: any(word in route[0] for word in LAST))


def test_every_route_has_a_row_and_every_row_a_route(app: Flask) -> None:
    matrix = load_matrix()
    served = {(endpoint, method) for endpoint, method, _ in _routes(app)}
    listed = {(endpoint, method) for endpoint, methods in matrix.items() for method in methods}
    assert served - listed == set(), "routes missing from placement/access.toml"
    assert listed - served == set(), "rows in placement/access.toml for routes that do not exist"


@pytest.fixture
def principals(db_session: object) -> dict[str, User | None]:
    expert = factories.ExpertFactory().user
    other_expert = factories.ExpertFactory().user
    host = factories.HostMemberFactory().user
    other_host = factories.HostMemberFactory().user
    return {
        "anonymous": None,
        "expert": expert,
        "other_expert": other_expert,
        "host": host,
        "other_host": other_host,
        "staff": factories.StaffFactory(),
        "admin": factories.AdminFactory(),
        "partner": factories.PartnerRepresentativeFactory().user,
    }


def url_arguments(app: Flask, principals: dict[str, User | None]) -> dict[str, str]:
    """Values for URL variables; records belong to "expert" or "host"."""
    expert = db.session.get(User, principals["expert"].id).expert_profile
    with app.test_request_context():
        document = store_upload(
            expert,
            FileStorage(io.BytesIO(pdf_bytes("Curriculum vitae")), filename="cv.pdf"),
            DocumentKind.CV,
        )
        db.session.commit()
    host = db.session.get(User, principals["host"].id).memberships[0].institution
    need = factories.NeedFactory(institution=host)
    placement = factories.PlacementFactory(need=need, expert=expert)
    placement.logistics.append(LogisticsItem(kind=LogisticsKind.VISA, title="Visa"))
    survey = OutcomeReport(
        placement_id=placement.id,
        point=SurveyPoint.BASELINE,
        respondent_role=RespondentRole.EXPERT,
        respondent_id=expert.user_id,
        questionnaire_version="baseline-expert-1",
        due_on=placement.start,
        answers={},
    )
    db.session.add(survey)
    crisis = factories.CrisisFactory(country=host.country)
    alert = SurgeAlert(
        need_id=need.id,
        crisis_id=crisis.id,
        recipients=[AlertRecipient(expert_id=expert.id, rank=1, score=0.5)],
    )
    db.session.add(alert)
    db.session.commit()
    # A finished export asked for by "staff" (callers without one get a staff member of its own).
    owner = principals.get("staff")
    run = factories.TaskRunFactory(
        requested_by=db.session.get(User, owner.id) if owner else factories.StaffFactory()
    )
    arguments = {
        "run_id": str(run.uuid),
        "placement_id": str(placement.uuid),
        "report_id": str(survey.uuid),
        "crisis_id": str(crisis.uuid),
        "alert_id": str(alert.uuid),
        "recipient_id": str(alert.recipients[0].uuid),
        "organisation_id": str(factories.PartnerOrganisationFactory().uuid),
        "item_id": str(placement.logistics[0].id),
        "transition_name": "accept",
        "token": "not-a-valid-token",
        "step": "1",
        "need_id": str(need.uuid),
        "expert_id": str(expert.uuid),
        "institution_id": str(host.uuid),
        "programme_id": str(factories.ProgrammeFactory().uuid),
        # "close" without a reason is refused, so the walk changes no need's state.
        "action": "close",
        "window_id": str(expert.availability[0].uuid),
        "document_id": str(document.uuid),
    }
    # Last: leaving the request context ends the session the rows above were read in.
    with app.test_request_context():
        factories.write_export(run)
    return arguments


def _fill(rule: str, arguments: dict[str, str]) -> str:
    """Put test values into a rule's variables (``<name>`` or ``<converter:name>``)."""

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        assert name in arguments, f"no test value for <{name}> in {rule}"
        return arguments[name]

    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", value, rule)


def _allowed(response_status: int, location: str) -> bool:
    if response_status in (401, 403, 404):
        return False
    # The guard sends anonymous visitors to /login?next=...; a plain /login (after logout) is fine.
    return not (response_status in (301, 302, 303) and "/login?next=" in location)


def _client_for(app: Flask, user: User | None) -> FlaskClient:
    client = app.test_client()
    if user is not None:
        response = client.post("/login", data={"email": user.email, "password": factories.PASSWORD})
        assert response.status_code == 302, response.get_data(as_text=True)[-3000:]
    return client


def test_access_matches_the_matrix(
    app: Flask, principals: dict[str, User | None], capsys: pytest.CaptureFixture[str]
) -> None:
    matrix = load_matrix()
    arguments = url_arguments(app, principals)
    differences = []
    requests = 0
    for endpoint, method, rule in _routes(app):
        expected = matrix.get(endpoint, {}).get(method, frozenset())
        path = _fill(rule, arguments)
        for principal in PRINCIPALS:
            client = _client_for(app, principals[principal])
            response = client.open(path, method=method, data={})
            requests += 1
            allowed = _allowed(response.status_code, response.headers.get("Location", ""))
            response.close()  # file downloads hold an open file until closed
            if allowed != (principal in expected):
                differences.append(
                    f"{method} {path} as {principal}: got {response.status_code}, "
                    f"expected {'allowed' if principal in expected else 'refused'}"
                )
    with capsys.disabled():
        print(f"\naccess matrix: {requests} requests, {len(differences)} differences")
    assert differences == [], "\n".join(differences)


@pytest.mark.parametrize("role", [Role.EXPERT, Role.INSTITUTION, Role.STAFF, Role.ADMIN])
def test_each_role_lands_on_its_own_dashboard(
    client: FlaskClient, login_as: Callable[..., User], role: Role
) -> None:
    login_as(role)
    response = client.get("/dashboard")
    expected = {
        Role.EXPERT: "/expert/",
        Role.INSTITUTION: "/host/",
        Role.STAFF: "/staff/",
        Role.ADMIN: "/admin/",
    }[role]
    assert response.status_code == 302
    assert response.headers["Location"].endswith(expected)
    assert client.get(expected).status_code == 200
