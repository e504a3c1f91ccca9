"""The host's candidates page: honest rankings (candidates with skill or occupation evidence
first, weaker matches apart, a plain warning and advice when no one has the skills, the rules
that excluded people and how many each removed) and a ranking pending while a worker makes it."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import date, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_babel import force_locale, gettext

from matching import evidence
from matching.engine import Match
from placement import tasks
from placement.extensions import db
from placement.matches import pending, services
from placement.models import (
    CEFRLevel,
    ConsentPurpose,
    ConsentRecord,
    ExpertLanguage,
    ExpertProfile,
    ExpertSkill,
    InstitutionMember,
    Need,
    NeedLanguage,
    NeedSkill,
    NeedStatus,
    Role,
    User,
)
from placement.needs import candidates_view
from tests import factories

TODAY = date.today()
UNRELATED = "Accountant who trains staff in the district office."


@pytest.fixture
def host(login: Callable[[User], User]) -> InstitutionMember:
    member = factories.HostMemberFactory()
    login(member.user)
    return member


def _gp_need(host: InstitutionMember, **fields: object) -> Need:
    need = factories.NeedFactory(
        institution=host.institution,
        title="General practitioner for the district",
        description="Train staff in the district.",
        occupation_label="general practitioner",
        **fields,
    )
    need.skills = [NeedSkill(label="perform clinical examination", required=True)]
    db.session.commit()
    return need


def _accountant(**fields: object):
    expert = factories.ExpertFactory(
        occupation_label="accountant", summary=UNRELATED, years_experience=12, **fields
    )
    expert.skills[0].label = "prepare financial statements"
    db.session.commit()
    return expert


def _section(client: FlaskClient, need: Need) -> str:
    page = client.get(f"/host/needs/{need.uuid}").get_data(as_text=True)
    return page[page.index('id="candidates"') :]


def _ranked(client: FlaskClient, need: Need) -> list[tuple[int, Match]]:
    with client.application.test_request_context():
        return services.ranked_expert_ids(need, 20, for_host=True)


def _match(expert_id: str, score: float, **components: float) -> Match:
    return Match("need", expert_id, score, components, {"components": components})


# --- evidence first ------------------------------------------------------------------------------


def test_a_weaker_match_never_ranks_above_one_with_evidence() -> None:
    ranked = [
        (1, _match("a", 0.9, occupation=0.0, required_skills=0.0, text=0.9)),
        (2, _match("b", 0.5, occupation=0.6)),
        (3, _match("c", 0.4, required_skills=0.05, skills=0.2)),
        (4, _match("d", 0.3, required_skills=0.05)),
    ]
    strong, weaker = services.evidence_first(ranked)
    assert [i for i, _m in strong] == [2, 3]
    assert [i for i, _m in weaker] == [1, 4]


def test_the_host_ranking_uses_the_one_evidence_rule() -> None:
    """The host's ranking judges a match by matching.evidence, like the expert's list."""
    least = evidence.SIMILARITY_MIN
    assert not services.has_evidence(_match("a", 0.5, text=0.8))  # missing ones: none
    assert not services.has_evidence(_match("a", 0.5, required_skills=0.25, skills=least / 2))
    assert services.has_evidence(_match("a", 0.5, required_skills=evidence.COVERAGE_MIN))
    assert services.has_evidence(_match("a", 0.5, desired_skills=1 / 3))
    assert services.has_evidence(_match("a", 0.5, occupation=least))
    assert not services.has_evidence(_match("a", 0.5, occupation=least * 0.9))


def test_the_page_shows_weaker_matches_apart_and_after(
    client: FlaskClient, host: InstitutionMember
) -> None:
    gp = factories.ExpertFactory(occupation_label="general practitioner")
    weak = _accountant()
    need = _gp_need(host)
    ranked = _ranked(client, need)
    evidence = {i: services.has_evidence(m) for i, m in ranked}
    assert evidence == {gp.id: True, weak.id: False}
    section = _section(client, need)
    assert "Weaker matches" in section
    assert "No candidate has the skills" not in section
    head, apart = section.split("Weaker matches", 1)
    assert "general practitioner" in head and "accountant" not in head
    assert "accountant" in apart


def test_no_one_with_the_skills_is_said_plainly_with_advice(
    client: FlaskClient, host: InstitutionMember
) -> None:
    _accountant()
    need = _gp_need(host)
    ranked = _ranked(client, need)
    assert ranked and not any(services.has_evidence(m) for _i, m in ranked)
    section = _section(client, need)
    assert "No candidate has the skills or the occupation this need asks for." in section
    for advice in ("Widen the languages", "Widen the dates", "Check the skills", "Invite experts"):
        assert advice in section
    assert "Weaker matches" in section


def _staff_section(client: FlaskClient, need: Need, login_as: Callable[..., User]) -> str:
    client.post("/logout")
    login_as("staff")
    page = client.get(f"/staff/needs/{need.uuid}").get_data(as_text=True)
    return page[page.index('id="candidates-heading"') : page.index('id="history-heading"')]


def test_staff_see_weaker_matches_apart_and_after(
    client: FlaskClient, host: InstitutionMember, login_as: Callable[..., User]
) -> None:
    gp = factories.ExpertFactory(occupation_label="general practitioner")
    weak = _accountant()
    need = _gp_need(host, status=NeedStatus.OPEN)
    section = _staff_section(client, need, login_as)
    assert "No candidate has the skills" not in section
    head, apart = section.split("Weaker matches", 1)
    assert gp.user.display_name in head and weak.user.display_name not in head
    assert weak.user.display_name in apart
    # Each candidate's proposal field keeps its own id across both lists.
    assert 'id="propose-reason-1"' in head and 'id="propose-reason-2"' in apart


def test_staff_are_told_when_no_candidate_has_the_skills(
    client: FlaskClient, host: InstitutionMember, login_as: Callable[..., User]
) -> None:
    weak = _accountant()
    need = _gp_need(host)
    section = _staff_section(client, need, login_as)
    assert "No candidate has the skills or the occupation this need asks for." in section
    assert weak.user.display_name in section.split("Weaker matches", 1)[1]
    assert "No eligible candidate." not in section


def test_an_arabic_reader_gets_the_warning_in_arabic(
    client: FlaskClient, host: InstitutionMember
) -> None:
    _accountant()
    need = _gp_need(host)
    page = client.get(f"/host/needs/{need.uuid}", headers={"Accept-Language": "ar"})
    section = page.get_data(as_text=True)
    assert "لا يملك أي مرشح المهارات أو المهنة التي تطلبها هذه الحاجة." in section
    with client.application.test_request_context(), force_locale("ar"):
        weaker = gettext("Weaker matches")
    assert weaker != "Weaker matches" and weaker in section  # one wording, the expert's list's


# --- why no one is listed -----------------------------------------------------------------------


def test_each_rule_that_excluded_people_is_counted(
    client: FlaskClient, host: InstitutionMember
) -> None:
    need = _gp_need(host)
    need.languages = [NeedLanguage(code="fr", level=CEFRLevel.C1)]
    db.session.commit()
    french = [ExpertLanguage(code="fr", level=CEFRLevel.C2)]
    factories.ExpertFactory(residence_country="SL").languages = list(french)
    factories.ExpertFactory()  # speaks English only
    factories.ExpertFactory()  # English only too
    late = factories.ExpertFactory()
    late.languages = [ExpertLanguage(code="fr", level=CEFRLevel.C2)]
    late.availability[0].start = need.end + timedelta(days=10)
    late.availability[0].end = need.end + timedelta(days=90)
    private = factories.ExpertFactory()
    private.languages = [ExpertLanguage(code="fr", level=CEFRLevel.C2)]
    db.session.add(
        ConsentRecord(
            user_id=private.user_id,
            purpose=ConsentPurpose.SHARE_WITH_HOSTS,
            granted=False,
            text_version="test",
        )
    )
    factories.ExpertFactory(origin_country="GH")
    db.session.commit()
    with client.application.test_request_context():
        found = services.exclusions(need, for_host=True)
    assert found.considered == 6
    assert found.by_rule == {
        "origin_country": 1,
        "residence_country": 1,
        "language": 2,
        "availability": 1,
        "sharing": 1,
    }
    section = _section(client, need)
    assert "No eligible candidate yet" in section
    assert "1 expert comes from another country of origin." in section
    assert "1 expert already lives in the country of the need." in section
    assert "2 experts do not speak a language asked for at the level asked for." in section
    assert "1 expert is not available long enough within the need&#39;s dates." in section
    assert "1 expert has not agreed to share their profile with host institutions." in section


def test_staff_see_why_no_expert_is_listed_too(
    client: FlaskClient, host: InstitutionMember, login: Callable[[User], User]
) -> None:
    need = _gp_need(host)
    factories.ExpertFactory(origin_country="GH")
    factories.ExpertFactory(residence_country="SL")
    db.session.commit()
    client.post("/logout")
    login(factories.UserFactory(role=Role.STAFF))
    page = client.get(f"/staff/needs/{need.uuid}").get_data(as_text=True)
    assert "No eligible candidate." in page and "Why no expert is listed:" in page
    assert "1 expert comes from another country of origin." in page
    assert "1 expert already lives in the country of the need." in page


def test_eligible_experts_with_nothing_to_match_on_are_counted(
    app_ctx: None, host: InstitutionMember
) -> None:
    need = _gp_need(host)
    need.description = "Consultations."
    db.session.commit()
    farmer = factories.ExpertFactory(occupation_label="farmer", summary="Grows cassava.")
    farmer.skills[0].label = "grow cassava"
    empty = factories.ExpertFactory(occupation_label=None, summary=None)
    empty.skills = []
    db.session.commit()
    assert services.ranked_expert_ids(need, 20, for_host=True) == []
    found = services.exclusions(need, for_host=True)
    assert found.by_rule == {"no_overlap": 1, "empty_profile": 1}
    assert candidates_view.exclusion_lines(found) == [
        "1 expert has no skills, occupation or summary to match on yet.",
        "1 eligible expert has nothing in their skills, occupation or summary related to "
        "this need.",
    ]


# --- a ranking pending while a worker makes it -------------------------------------------------


@pytest.fixture
def queued(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A broker configured (Kombu's in-memory transport: messages stay queued, no worker) and
    rankings kept, as in production."""
    monkeypatch.setitem(app.config, "TASK_BROKER_URL", "memory://")
    monkeypatch.setitem(app.config, "MATCH_CACHE_SECONDS", 300)
    services._RANKINGS.clear()
    pending._ASKED.clear()
    yield
    services._RANKINGS.clear()
    pending._ASKED.clear()


def _status(client: FlaskClient, need_id: object) -> tuple[int, object]:
    response = client.get(f"/host/needs/{need_id}/candidates/status")
    return response.status_code, response.get_json(silent=True)


def test_a_page_without_its_ranking_says_it_is_pending(
    app: Flask, client: FlaskClient, host: InstitutionMember, queued: None
) -> None:
    factories.ExpertFactory()
    need = factories.NeedFactory(institution=host.institution)
    section = _section(client, need)
    assert "The ranking of candidates is being made." in section
    assert 'aria-live="polite"' in section
    assert f'data-ranking-status="/host/needs/{need.uuid}/candidates/status"' in section
    assert f'href="/host/needs/{need.uuid}#candidates"' in section  # works without JS
    assert "Candidate 1" not in section
    assert _status(client, need.uuid) == (
        200,
        {"status": "pending", "page": f"/host/needs/{need.uuid}"},
    )
    with app.test_request_context():
        assert services.rank_and_keep(need.id) == 1
        db.session.commit()
    code, body = _status(client, need.uuid)
    assert (code, body["status"]) == (200, "ready")
    section = _section(client, need)
    assert "Candidate 1" in section
    assert "being made" not in section


def test_the_status_is_refused_for_bad_or_foreign_needs(
    client: FlaskClient, host: InstitutionMember, queued: None
) -> None:
    foreign = factories.NeedFactory()
    draft = factories.NeedFactory(institution=host.institution, status=NeedStatus.DRAFT)
    assert _status(client, "not-a-uuid")[0] == 404
    assert _status(client, "00000000-0000-0000-0000-000000000000")[0] == 404
    assert _status(client, foreign.uuid)[0] == 404
    assert _status(client, draft.uuid)[0] == 404


def test_the_status_needs_a_signed_in_host(client: FlaskClient, login) -> None:
    need = factories.NeedFactory()
    assert client.get(f"/host/needs/{need.uuid}/candidates/status").status_code in (302, 401)
    login(factories.ExpertFactory().user)
    assert client.get(f"/host/needs/{need.uuid}/candidates/status").status_code in (403, 404)


def test_without_a_broker_the_page_ranks_at_once(
    client: FlaskClient, host: InstitutionMember
) -> None:
    factories.ExpertFactory()
    need = factories.NeedFactory(institution=host.institution)
    assert not tasks.queued(client.application)
    section = _section(client, need)
    assert "Candidate 1" in section and "being made" not in section
    assert _status(client, need.uuid)[1]["status"] == "ready"


def test_an_approved_need_is_sent_to_its_country_shard(
    app: Flask,
    app_ctx: None,
    queued: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(app.config, "TASK_COUNTRY_SHARDS", "GH;SL")
    sent = []
    monkeypatch.setattr(
        tasks.rank_need, "apply_async", lambda args, queue: sent.append((args, queue))
    )
    need = factories.NeedFactory(status=NeedStatus.SUBMITTED)
    assert sent == []
    db.session.get(Need, need.id).status = NeedStatus.APPROVED
    db.session.commit()
    assert sent == [((need.id, True), "countries-1")]


@pytest.mark.slow
def test_the_demo_gp_need_ranks_a_doctor_first_or_says_no_one_has_the_skills(
    client: FlaskClient, login: Callable[[User], User]
) -> None:
    """Issue 18's defect on the demo data: the GP need for Bo listed a pharmacist, an
    agricultural engineer and an agronomist as its best candidates, with no warning."""
    from sqlalchemy import select

    from placement.demo.seed import seed_demo
    from placement.models import ExpertProfile

    with client.application.test_request_context():
        seed_demo()
        db.session.commit()
        need = db.session.scalar(select(Need).where(Need.title.like("General practitioner%Bo%")))
        ranked = services.ranked_expert_ids(need, 20, for_host=True)
        strong, _weaker = services.evidence_first(ranked)
        first = db.session.get(ExpertProfile, strong[0][0]) if strong else None
        user = factories.HostMemberFactory(institution=need.institution).user
    login(user)
    section = _section(client, need)
    if first is None:
        assert "No candidate has the skills or the occupation this need asks for." in section
    else:
        label = (first.occupation_label or "").lower()
        assert any(word in label for word in ("practitioner", "physician", "doctor")), label


# --- each candidate's card kept per process, the reader's own CSRF token in it -------------------

# The page's one interest form, which every card's button submits (form + formaction).
INTEREST_TOKEN = re.compile(
    r'<form method="post" id="interest-form" hidden>[^<]*<input[^>]*name="csrf_token"[^>]*'
    r'value="([^"]+)"'
)


@pytest.fixture
def kept(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Rankings kept, as in production."""
    monkeypatch.setitem(app.config, "MATCH_CACHE_SECONDS", 300)
    services._RANKINGS.clear()
    yield
    services._RANKINGS.clear()


def test_a_kept_card_shows_a_profile_edit_at_once(
    client: FlaskClient, host: InstitutionMember, kept: None
) -> None:
    expert = factories.ExpertFactory(occupation_label="general practitioner")
    need = _gp_need(host)
    assert "general practitioner" in _section(client, need)
    expert = db.session.get(ExpertProfile, expert.id)  # the request ended the test's session
    expert.occupation_label = "district general practitioner"
    expert.skills[0].label = "perform clinical examination of children"
    db.session.commit()
    section = _section(client, need)  # the same kept ranking, the profile as it is now
    assert "district general practitioner" in section
    assert "perform clinical examination of children" in section


def test_a_card_says_at_once_that_the_host_marked_the_candidate(
    client: FlaskClient, host: InstitutionMember, kept: None
) -> None:
    expert = factories.ExpertFactory(occupation_label="general practitioner")
    need = _gp_need(host)
    assert "I am interested" in _section(client, need)
    marked = client.post(f"/host/needs/{need.uuid}/candidates/{expert.uuid}/interest")
    assert marked.status_code == 302
    section = _section(client, need)
    assert "Interested ✓ (withdraw)" in section and "I am interested" not in section


def test_a_kept_card_is_in_each_readers_language(
    client: FlaskClient, host: InstitutionMember, kept: None
) -> None:
    factories.ExpertFactory(occupation_label="general practitioner")
    need = _gp_need(host)
    english = _section(client, need)
    page = client.get(f"/host/needs/{need.uuid}", headers={"Accept-Language": "fr"})
    with client.application.test_request_context(), force_locale("fr"):
        why = gettext("Why this score")
    assert why != "Why this score"
    assert "Why this score" in english
    assert why in page.get_data(as_text=True)


def test_a_kept_card_carries_each_readers_own_csrf_token(
    app: Flask, host: InstitutionMember, kept: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two members of the institution view the need from the same kept ranking: the page's
    one interest form, which each card's button submits to its own address, works for its
    reader only (no HTML is kept, so no token is shared)."""
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    expert = factories.ExpertFactory(occupation_label="general practitioner")
    need = _gp_need(host)
    other = factories.HostMemberFactory(institution=host.institution)
    first, second = app.test_client(), app.test_client()
    for reader, user in ((first, host.user), (second, other.user)):
        login = reader.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', login)[1]
        data = {"email": user.email, "password": factories.PASSWORD, "csrf_token": token}
        assert reader.post("/login", data=data).status_code == 302
    pages = [
        reader.get(f"/host/needs/{need.uuid}").get_data(as_text=True) for reader in (first, second)
    ]
    tokens = [INTEREST_TOKEN.findall(page) for page in pages]
    assert [len(t) for t in tokens] == [1, 1]
    action = f"/host/needs/{need.uuid}/candidates/{expert.uuid}/interest"
    button = f'<button type="submit" form="interest-form" formaction="{action}"'
    cards = [re.findall(r'<article class="match candidate">.*?</article>', p, re.S) for p in pages]
    assert all(button in page for page in pages) and all(cards)
    assert not any('name="csrf_token"' in card for found in cards for card in found)
    assert second.post(action, data={"csrf_token": tokens[0][0]}).status_code == 400
    assert second.post(action, data={"csrf_token": tokens[1][0]}).status_code == 302


def test_cards_read_each_profile_with_its_skills_in_order_and_none_for_no_skills(
    app_ctx: None,
) -> None:
    """One query, a row per skill: an expert without skills still gets a card, and a profile
    that is gone gets none."""
    skilled = factories.ExpertFactory(occupation_label="nurse")
    skilled.skills.append(ExpertSkill(label="triage", proficiency=2))
    bare = factories.ExpertFactory(occupation_label="midwife", years_experience=None)
    bare.skills = []
    db.session.commit()
    cards = candidates_view.card_experts([bare.id, skilled.id, 10**9])
    assert set(cards) == {bare.id, skilled.id}
    assert cards[skilled.id].skill_labels == ("perform clinical examination", "triage")
    assert cards[skilled.id].occupation_label == "nurse"
    assert cards[bare.id].skill_labels == ()
    assert (cards[bare.id].uuid, cards[bare.id].years_experience) == (bare.uuid, None)
    assert candidates_view.card_experts([]) == {}
