"""schemathesis against the live OpenAPI document of the API, in-process (WSGI).

Every operation is fuzzed with valid and invalid data, each call made with a token of a role the
access matrix allows (placement/access.d/api.toml), and path ids often swapped for real records
so that successful answers are checked too. Checks: no server error, responses (success and
error) conform to the documented schemas, documented status codes and content types, and
invalid input is refused.
"""

from __future__ import annotations

import os
import random
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.parameters import ParameterLocation
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from placement.extensions import db, limiter
from placement.models import OutcomeReport, RespondentRole, SurveyPoint, User, utcnow
from placement.tokens.services import create_token
from tests import factories
from tests.placement.test_api_access import load_api_matrix

MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "60"))
CHECKS = [
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
    content_type_conformance,
    negative_data_rejection,
]
# Whose token calls an operation: the first of these the access matrix allows.
PREFERRED = ("host", "expert", "staff")


@pytest.fixture
def world(app: Flask, db_session: object) -> Iterator[dict[str, Any]]:
    """Records for the real ids, tokens for three roles, and no rate limit for the fuzzing."""
    member = factories.HostMemberFactory()
    expert = factories.ExpertFactory()
    need = factories.NeedFactory(institution=member.institution)
    placement = factories.PlacementFactory(need=need, expert=expert)
    survey = OutcomeReport(
        placement_id=placement.id,
        point=SurveyPoint.BASELINE,
        respondent_role=RespondentRole.EXPERT,
        respondent_id=expert.user_id,
        questionnaire_version="baseline-expert-1",
        due_on=placement.start,
        answers={},
        invited_at=utcnow(),
    )
    db.session.add(survey)
    db.session.commit()
    users = {"host": member.user, "expert": expert.user, "staff": factories.StaffFactory()}
    tokens = {}
    with app.test_request_context():
        for role, user in users.items():
            _token, tokens[role] = create_token(
                db.session.get(User, user.id), "schemathesis", ["read", "write"], None
            )
        db.session.commit()
    previous = app.config["API_RATE_LIMIT"]
    app.config["API_RATE_LIMIT"] = "1000000 per minute"
    limiter.reset()
    yield {
        "tokens": tokens,
        "ids": {
            "need_id": str(need.uuid),
            "placement_id": str(placement.uuid),
            "report_id": str(survey.uuid),
            "institution_id": str(member.institution.uuid),
            "expert_id": str(expert.uuid),
        },
    }
    app.config["API_RATE_LIMIT"] = previous


def _endpoint(app: Flask, method: str, path: str) -> str:
    rule = path.replace("{", "<").replace("}", ">")
    for candidate in app.url_map.iter_rules():
        if candidate.rule == rule and method.upper() in (candidate.methods or ()):
            return candidate.endpoint
    raise AssertionError(f"no route for {method} {path}")


def test_api_conforms_to_its_openapi_document(
    app: Flask, world: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    matrix = load_api_matrix()
    failures: list[str] = []
    counts: dict[str, int] = {}
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.path == "/api/docs":  # an HTML page, not an API operation
            continue
        method = operation.method.upper()
        allowed = matrix[_endpoint(app, method, operation.path)][method]
        role = next((r for r in PREFERRED if r in allowed), None)
        headers = {"Authorization": f"Bearer {world['tokens'][role]}"} if role else {}
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            _fuzz(operation, mode, headers, world["ids"], counts, failures)
    total = sum(counts.values())
    with capsys.disabled():
        print(f"\nschemathesis: {len(counts)} operations, {total} cases, {len(failures)} failures")
    assert len(counts) >= 18
    assert failures == [], "\n\n".join(failures[:10])


def _fuzz(
    operation: Any,
    mode: GenerationMode,
    headers: dict[str, str],
    ids: dict[str, str],
    counts: dict[str, int],
    failures: list[str],
) -> None:
    """Run up to MAX_EXAMPLES cases of one operation; record each distinct failure once (no
    shrinking: the first example is enough to read)."""
    label = f"{operation.method.upper()} {operation.path}"
    seen: set[str] = set()

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.generate],
    )
    def run(case: Any) -> None:
        counts[label] = counts.get(label, 0) + 1
        meta = case.meta
        # A negative case may drop the token or garble the path on purpose: keep it so.
        bad_path = meta is not None and meta.is_negative_at(ParameterLocation.PATH)
        bad_headers = meta is not None and meta.is_negative_at(ParameterLocation.HEADER)
        if case.path_parameters and not bad_path and _real(case.path_parameters):
            for name in case.path_parameters:
                case.path_parameters[name] = ids[name]
        try:
            case.call_and_validate(headers=None if bad_headers else headers, checks=CHECKS)
        except Exception as error:
            text = str(error).strip() or repr(error)
            key = f"{label} ({mode.value}): {type(error).__name__}: {text.splitlines()[0]}"
            if key not in seen:
                seen.add(key)
                failures.append(f"{key}\n{text[:1500]}")

    try:
        run()
    except Unsatisfiable:
        # Nothing to make invalid (an operation without parameters or body): no negative case.
        assert mode is GenerationMode.NEGATIVE, label


def _real(path_parameters: dict[str, Any]) -> bool:
    """Most calls name real records (so successful answers are checked too), some random ids."""
    return random.Random(repr(sorted(path_parameters.items()))).random() < 0.7
