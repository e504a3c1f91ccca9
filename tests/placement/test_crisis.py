"""Crisis response: crises, urgent needs, surge alerts and answers, remote sessions, and
diaspora organisations as partners."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from placement.crisis.forms import DETAILS_MAX
from placement.extensions import db
from placement.models import (
    AlertAnswer,
    AlertRecipient,
    AuditEvent,
    Crisis,
    Need,
    NeedStatus,
    Notification,
    OutboxEmail,
    PartnerMembership,
    PartnerOrganisation,
    Placement,
    PlacementStatus,
    RemoteSession,
    SupportOffer,
    SupportOfferLink,
    SurgeAlert,
    User,
    VerificationStatus,
)
from tests import factories

TODAY = date.today()


def _page(response: object) -> str:
    return response.get_data(as_text=True)  # type: ignore[attr-defined]


def _client(app: Flask, user: User) -> FlaskClient:
    client = app.test_client()
    client.post("/login", data={"email": user.email, "password": factories.PASSWORD})
    return client


def _urgent_form(institution_uuid: str, **changes: object) -> dict[str, object]:
    form = {
        "title": "Trauma counselling for displaced families",
        "skills": "manage budgets, perform clinical examination",
        "institution": institution_uuid,
        "region": "Western Area",
        "start": TODAY.isoformat(),
        "weeks": "4",
        "mode": "remote",
        "language": "en",
    }
    form.update(changes)
    return form


@pytest.fixture
def scene(app: Flask, db_session: object) -> dict[str, object]:
    host = factories.HostMemberFactory()
    crisis = factories.CrisisFactory(country="SL")
    experts = [factories.ExpertFactory() for _ in range(3)]
    staff = factories.StaffFactory()
    return {
        "host": host,
        "crisis": crisis,
        "experts": experts,
        "expert_emails": [e.user.email for e in experts],
        "staff": _client(app, staff),
        "host_client": _client(app, host.user),
    }


def _post_urgent(scene: dict) -> Need:
    response = scene["staff"].post(
        f"/staff/crises/{scene['crisis'].uuid}/needs/new",
        data=_urgent_form(str(scene["host"].institution.uuid)),
    )
    assert response.status_code == 302, _page(response)[-800:]
    return db.session.scalars(select(Need).where(Need.urgent.is_(True))).one()


def test_a_long_urgent_need_description_is_refused_with_its_limit_and_kept(
    scene: dict[str, object],
) -> None:
    url = f"/staff/crises/{scene['crisis'].uuid}/needs/new"
    page = _page(scene["staff"].get(url))
    assert f'data-counter="{DETAILS_MAX}"' in page and "js/counter" in page
    text = ("Counselling for families in the camps. " * 300)[:10_000]
    form = _urgent_form(str(scene["host"].institution.uuid), description=text)
    response = scene["staff"].post(url, data=form)
    page = _page(response)
    assert response.status_code == 200
    assert f"Keep this text to {DETAILS_MAX} characters; it has {len(text.strip())} now" in page
    assert text[:2000] in page and "Trauma counselling for displaced families" in page
    assert db.session.scalar(select(Need).where(Need.urgent.is_(True))) is None


@dataclass(frozen=True)
class Alerted:
    """What a test needs of one alerted expert, read before any request detaches the rows."""

    uuid: str
    expert_id: int
    user: User
    name: str


def _alerted(alert: SurgeAlert) -> list[Alerted]:
    return [
        Alerted(str(r.uuid), r.expert_id, r.expert.user, r.expert.user.full_name)
        for r in alert.recipients
    ]


def _alert(scene: dict, limit: int = 10) -> SurgeAlert:
    need = _post_urgent(scene)
    response = scene["staff"].post(
        f"/staff/needs/{need.uuid}/alert",
        data={"limit": str(limit), "message": "Please help", "public": "y"},
    )
    assert response.status_code == 302, _page(response)[-800:]
    return db.session.scalars(select(SurgeAlert)).one()


class TestCrises:
    def test_declare(self, client: FlaskClient, login_as: Callable) -> None:
        login_as("staff")
        response = client.post(
            "/staff/crises",
            data={
                "name": "Floods in Freetown",
                "country": "SL",
                "regions": "Western Area, Kenema",
                "sectors": ["health"],
                "start": TODAY.isoformat(),
            },
        )
        crisis = db.session.scalars(select(Crisis)).one()
        assert response.headers["Location"].endswith(f"/staff/crises/{crisis.uuid}")
        assert crisis.affected_regions == ["Western Area", "Kenema"]
        assert db.session.scalar(select(AuditEvent.action)) == "crisis.declare"

    @pytest.mark.parametrize(
        ("changes", "message"),
        [
            ({"country": ""}, "This field is required."),
            ({"end": "2000-01-01"}, "must come after"),
            ({"name": ""}, "This field is required."),
            ({"start": "soon"}, "Not a valid date"),
        ],
    )
    def test_bad_input(
        self, client: FlaskClient, login_as: Callable, changes: dict, message: str
    ) -> None:
        login_as("staff")
        data = {"name": "Floods", "country": "SL", "start": TODAY.isoformat(), **changes}
        assert message in _page(client.post("/staff/crises", data=data))
        assert db.session.scalar(select(func.count()).select_from(Crisis)) == 0


class TestUrgentNeeds:
    def test_staff_post_opens_at_once(self, scene: dict) -> None:
        need = _post_urgent(scene)
        assert need.status is NeedStatus.OPEN and need.remote and need.crisis_id
        assert need.skills[0].esco_uri  # "manage budgets" recognised
        actions = db.session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.object_uuid == str(need.uuid))
            .order_by(AuditEvent.id)
        ).all()
        assert actions == ["need.create_urgent", "need.submit", "need.approve", "need.open"]

    def test_host_post_goes_to_staff(self, scene: dict) -> None:
        response = scene["host_client"].post(
            f"/host/crises/{scene['crisis'].uuid}/needs/new",
            data=_urgent_form(str(scene["host"].institution.uuid), mode="on_site"),
        )
        assert response.status_code == 302
        need = db.session.scalars(select(Need)).one()
        assert need.status is NeedStatus.SUBMITTED and not need.remote and need.urgent

    def test_host_of_another_country_cannot(self, app: Flask, scene: dict) -> None:
        other = factories.HostMemberFactory(institution__country="GH")
        client = _client(app, other.user)
        assert client.get(f"/host/crises/{scene['crisis'].uuid}/needs/new").status_code == 404

    def test_closed_crisis_and_unverified_institution(self, scene: dict) -> None:
        pending = factories.InstitutionFactory(status=VerificationStatus.PENDING)
        response = scene["staff"].post(
            f"/staff/crises/{scene['crisis'].uuid}/needs/new", data=_urgent_form(str(pending.uuid))
        )
        assert "Not a valid choice" in _page(response)  # only verified institutions offered
        scene["staff"].post(f"/staff/crises/{scene['crisis'].uuid}/close", data={"reason": "Over"})
        response = scene["staff"].post(
            f"/staff/crises/{scene['crisis'].uuid}/needs/new",
            data=_urgent_form(str(scene["host"].institution.uuid)),
        )
        assert "This crisis is closed." in _page(response)
        assert db.session.scalar(select(func.count()).select_from(Need)) == 0


class TestSurgeAlerts:
    def test_alert_goes_to_the_best_ranked_eligible_experts(self, scene: dict) -> None:
        stranger = factories.ExpertFactory(origin_country="GH")
        alert = _alert(scene, limit=2)
        assert len(alert.recipients) == 2 and [r.rank for r in alert.recipients] == [1, 2]
        assert stranger.id not in {r.expert_id for r in alert.recipients}
        assert (
            db.session.scalar(
                select(func.count())
                .select_from(Notification)
                .where(Notification.kind == "alert.send")
            )
            == 2
        )
        assert (
            db.session.scalar(
                select(func.count())
                .select_from(OutboxEmail)
                .where(OutboxEmail.kind == "alert.send")
            )
            == 2
        )

    def test_answers_ranked_and_turned_into_a_placement(self, app: Flask, scene: dict) -> None:
        alert = _alert(scene)
        alert_uuid = str(alert.uuid)
        first, second = _alerted(alert)[:2]
        no = _client(app, first.user)
        yes = _client(app, second.user)
        no.post(f"/alerts/{first.uuid}", data={"answer": "not_this_time"})
        incomplete = yes.post(f"/alerts/{second.uuid}", data={"answer": "can_help"})
        assert incomplete.status_code == 422 and "how long" in _page(incomplete)
        start = TODAY + timedelta(days=7)
        yes.post(
            f"/alerts/{second.uuid}",
            data={
                "answer": "can_help",
                "mode": "remote",
                "available_from": start.isoformat(),
                "weeks": "3",
                "note": "Evenings only",
            },
        )
        page = _page(scene["staff"].get(f"/staff/alerts/{alert_uuid}"))
        assert page.index(second.name) < page.index(first.name)
        response = scene["staff"].post(
            f"/staff/alerts/{alert_uuid}/answers/{second.uuid}/placement"
        )
        assert response.status_code == 302
        placement = db.session.scalars(select(Placement)).one()
        assert placement.status is PlacementStatus.PROPOSED and placement.start == start
        assert placement.end == start + timedelta(weeks=3, days=-1)
        refused = scene["staff"].post(
            f"/staff/alerts/{alert_uuid}/answers/{first.uuid}/placement", follow_redirects=True
        )
        assert "Only an “I can help” answer" in _page(refused)

    def test_only_the_alerted_expert_sees_the_alert(self, app: Flask, scene: dict) -> None:
        recipient = _alerted(_alert(scene))[0]
        outsider = _client(app, factories.ExpertFactory(origin_country="GH").user)
        assert outsider.get(f"/alerts/{recipient.uuid}").status_code == 404

    def test_stand_down_tells_everyone_and_closes_answers(self, app: Flask, scene: dict) -> None:
        alert = _alert(scene)
        alerted = _alerted(alert)
        scene["staff"].post(
            f"/staff/alerts/{alert.uuid}/stand-down", data={"reason": "Enough volunteers."}
        )
        assert db.session.scalar(
            select(func.count())
            .select_from(Notification)
            .where(Notification.kind == "alert.stand_down")
        ) == len(alerted)
        late = _client(app, alerted[0].user).post(
            f"/alerts/{alerted[0].uuid}", data={"answer": "not_this_time"}
        )
        assert late.status_code == 422 and "stood down" in _page(late)
        assert db.session.scalars(select(AlertRecipient.answer)).all() == [None] * len(alerted)

    def test_public_alerts_show_no_one(self, app: Flask, scene: dict) -> None:
        alert = _alert(scene)
        title, alerted = alert.need.title, _alerted(alert)
        _client(app, alerted[0].user).post(
            f"/alerts/{alerted[0].uuid}", data={"answer": "not_this_time"}
        )
        page = _page(app.test_client().get("/alerts"))
        assert title in page
        assert all(a.name not in page for a in alerted)

    def test_alerting_a_need_that_is_not_open(self, scene: dict) -> None:
        need = factories.NeedFactory(status=NeedStatus.SUBMITTED)
        response = scene["staff"].post(f"/staff/needs/{need.uuid}/alert", data={"limit": "5"})
        assert "Open the need before alerting" in _page(response)
        assert db.session.scalar(select(func.count()).select_from(SurgeAlert)) == 0


class TestRemoteSessions:
    def test_sessions_show_both_time_zones(self, app: Flask, scene: dict) -> None:
        need = factories.NeedFactory(institution=scene["host"].institution, remote=True)
        placement = factories.PlacementFactory(
            need=need, expert=scene["experts"][0], status=PlacementStatus.APPROVED
        )
        when = datetime.combine(TODAY + timedelta(days=10), datetime.min.time()).replace(hour=14)
        response = scene["host_client"].post(
            f"/placements/{placement.uuid}/sessions",
            data={
                "starts_at": when.strftime("%Y-%m-%dT%H:%M"),
                "zone": "Africa/Freetown",
                "minutes": "60",
                "topic": "Case review",
            },
        )
        assert response.status_code == 302
        session = db.session.scalars(select(RemoteSession)).one()
        assert session.starts_at.hour == 14  # Freetown is on UTC
        page = _page(scene["host_client"].get(f"/placements/{placement.uuid}"))
        assert "Europe/Amsterdam" in page and "Africa/Freetown" in page
        summer = when.month in (4, 5, 6, 7, 8, 9, 10) and (when.month != 10 or when.day < 25)
        assert f"{when.strftime('%Y-%m-%d')} {16 if summer else 15}:00" in page

    def test_refusals(self, app: Flask, scene: dict) -> None:
        on_site = factories.PlacementFactory(
            need=factories.NeedFactory(institution=scene["host"].institution),
            expert=scene["experts"][0],
            status=PlacementStatus.APPROVED,
        )
        url = f"/placements/{on_site.uuid}/sessions"
        data = {
            "starts_at": "2099-01-01T10:00",
            "zone": "Africa/Freetown",
            "minutes": "60",
            "topic": "x",
        }
        response = scene["host_client"].post(url, data=data, follow_redirects=True)
        assert "remote placements only" in _page(response)
        expert = app.test_client()
        expert.post(
            "/login", data={"email": scene["expert_emails"][0], "password": factories.PASSWORD}
        )
        assert expert.post(url, data=data).status_code == 403
        assert db.session.scalar(select(func.count()).select_from(RemoteSession)) == 0


class TestPartners:
    def _register(self, client: FlaskClient) -> None:
        response = client.post(
            "/partners/register",
            data={
                "organisation": "Haitian Nurses Abroad",
                "kind": "professional_network",
                "country": "CA",
                "origin_country": "HT",
                "full_name": "Marie Joseph",
                "email": "marie@hna.example",
                "password": "a long and unusual passphrase 7",
                "confirm": "a long and unusual passphrase 7",
                "consent_processing": "y",
            },
        )
        assert response.status_code == 302

    def test_register_verify_invite_join_offer_link(
        self, app: Flask, client: FlaskClient, login_as: Callable
    ) -> None:
        self._register(client)
        organisation = db.session.scalars(select(PartnerOrganisation)).one()
        assert organisation.status is VerificationStatus.PENDING
        organisation_uuid = str(organisation.uuid)
        refused = client.post("/partners/invite", data={"email": "a@b.org"}, follow_redirects=True)
        assert "must verify the organisation first" in _page(refused)
        staff = _client(app, factories.StaffFactory())
        staff.post(f"/staff/partners/{organisation_uuid}", data={"decision": "verify"})
        client.post("/partners/invite", data={"email": "nurse@example.org"})
        mail = db.session.scalars(
            select(OutboxEmail).where(OutboxEmail.kind == "partner.invite")
        ).one()
        link = mail.body_text.split("http://localhost", 1)[1].split()[0]
        newcomer = app.test_client()
        newcomer.post(
            link,
            data={
                "full_name": "Nadège Pierre",
                "password": "a long and unusual passphrase 7",
                "confirm": "a long and unusual passphrase 7",
                "consent_processing": "y",
                "show_membership": "y",
            },
        )
        membership = db.session.scalars(select(PartnerMembership)).one()
        assert membership.shown_on_profile
        assert "Haitian Nurses Abroad" in _page(newcomer.get("/expert/profile"))
        client.post(
            "/partners/offers/new",
            data={
                "title": "30 volunteer nurses",
                "mode": "remote",
                "languages": ["fr", "ht"],
                "capacity": "30",
            },
        )
        offer = db.session.scalars(select(SupportOffer)).one()
        need = factories.NeedFactory()
        staff.post(f"/staff/needs/{need.uuid}/offers", data={"offer_id": str(offer.uuid)})
        assert db.session.scalar(select(func.count()).select_from(SupportOfferLink)) == 1

    def test_reject_needs_a_reason(self, app: Flask, client: FlaskClient) -> None:
        self._register(client)
        organisation = db.session.scalars(select(PartnerOrganisation)).one()
        staff = _client(app, factories.StaffFactory())
        page = _page(
            staff.post(f"/staff/partners/{organisation.uuid}", data={"decision": "reject"})
        )
        assert "Give a reason" in page

    def test_tripartite_placement(self, app: Flask, scene: dict) -> None:
        partner = factories.PartnerOrganisationFactory()
        ngo = factories.InstitutionFactory(kind="ngo")
        placement = factories.PlacementFactory(
            need=factories.NeedFactory(institution=scene["host"].institution),
            expert=scene["experts"][0],
        )
        scene["staff"].post(
            f"/placements/{placement.uuid}/parties",
            data={"partner": str(partner.id), "local_ngo": str(ngo.id)},
        )
        saved = db.session.get(Placement, placement.id)
        assert (saved.partner_organisation_id, saved.local_ngo_id) == (partner.id, ngo.id)
        bad = scene["staff"].post(
            f"/placements/{placement.uuid}/parties", data={"partner": "999999", "local_ngo": ""}
        )
        assert bad.status_code == 302


def test_answer_enum_values_are_stable() -> None:
    assert {a.value for a in AlertAnswer} == {"can_help", "not_this_time"}
