"""Terms of reference: the skills and occupation a need's prose names, added by the host."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from matching.taxonomy import Taxonomy
from placement.extensions import db
from placement.models import Need, NeedStatus, User
from placement.needs.terms import NeedSuggestion, suggestions
from tests import factories

TERMS = (
    "District health finance adviser\n"
    "Duties and responsibilities\n"
    "The adviser will manage budgets of the district health office and prepare financial "
    "statements every quarter.\n"
    "Requirements\n"
    "project management"
)


@pytest.fixture
def draft(client: FlaskClient, login: Callable[[User], User]) -> Need:
    member = factories.HostMemberFactory()
    need = factories.NeedFactory(
        institution=member.institution, status=NeedStatus.DRAFT, title="Finance adviser"
    )
    need.description = TERMS
    db.session.commit()
    login(member.user)
    return need


def _page(response: object) -> str:
    return response.get_data(as_text=True)  # type: ignore[attr-defined]


def _found(app: Flask, need: Need) -> list[NeedSuggestion]:
    with app.app_context():
        return suggestions(need)


def _key(app: Flask, need: Need, label: str) -> str:
    uri = Taxonomy.load().resolve(label)[0].uri
    return next(s.uuid for s in _found(app, need) if s.esco_uri == uri)


def test_host_adds_required_and_desired_skills_from_the_terms(
    app: Flask, client: FlaskClient, draft: Need
) -> None:
    host_page = _page(client.get(f"/host/needs/{draft.uuid}"))
    assert f"/host/needs/{draft.uuid}/skills" in host_page
    page = _page(client.get(f"/host/needs/{draft.uuid}/skills"))
    assert "manage budgets" in page and "prepare financial statements" in page
    assert "The adviser will manage budgets of the district health office" in page
    url = f"/host/needs/{draft.uuid}/skills"
    budgets = _key(app, draft, "manage budgets")
    statements = _key(app, draft, "prepare financial statements")
    response = client.post(url, data={"suggestion": budgets, "decision": "required"})
    assert response.status_code == 302
    client.post(url, data={"suggestion": statements, "decision": "desired"})
    db.session.expire_all()
    need = db.session.get(Need, draft.id)
    added = {s.label: s.required for s in need.skills if s.esco_uri}
    assert added == {"manage budgets": True, "prepare financial statements": False}
    assert "manage budgets" not in {  # no longer proposed once on the need
        Taxonomy.load().label(s.esco_uri) for s in _found(app, need)
    }


def test_bad_keys_other_hosts_and_non_drafts(app: Flask, client: FlaskClient, draft: Need) -> None:
    url = f"/host/needs/{draft.uuid}/skills"
    assert client.post(url, data={"suggestion": "nope", "decision": "required"}).status_code == 404
    other = factories.HostMemberFactory()
    intruder = app.test_client()
    intruder.post("/login", data={"email": other.user.email, "password": factories.PASSWORD})
    assert intruder.get(url).status_code == 404
    db.session.get(Need, draft.id).status = NeedStatus.OPEN
    db.session.commit()
    response = client.get(url)
    assert response.status_code == 302 and response.headers["Location"].endswith(
        f"/host/needs/{draft.uuid}"
    )
