"""The placement workflow: proposals, offers, answers, approval rules, logistics, budget,
reminders and expiry, the global assignment, and no double booking under concurrency."""

from __future__ import annotations

import threading
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from decimal import Decimal
from http.cookiejar import CookieJar
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import func, select
from werkzeug.serving import make_server

from placement.extensions import db
from placement.jobs import run_due
from placement.models import (
    AuditEvent,
    BudgetLine,
    CountryQuota,
    ExpertProfile,
    ExpertSkill,
    LogisticsItem,
    LogisticsKind,
    Need,
    NeedSkill,
    Notification,
    OutboxEmail,
    PairRule,
    Placement,
    PlacementStatus,
    User,
    utcnow,
)
from placement.placements import workflow
from tests import factories
from tests.conftest import make_test_app, scratch_database_url

S = PlacementStatus
TODAY = date.today()


def _page(response: object) -> str:
    return response.get_data(as_text=True)  # type: ignore[attr-defined]


def _placement(placement: Placement) -> Placement:
    db.session.expire_all()
    return db.session.get(Placement, placement.id)


def _client_for(app: Flask, user: User) -> FlaskClient:
    client = app.test_client()
    client.post("/login", data={"email": user.email, "password": factories.PASSWORD})
    return client


@pytest.fixture
def parties(app: Flask, db_session: object) -> dict[str, object]:
    """An open need, an eligible expert, and logged-in clients for staff, expert and host."""
    host = factories.HostMemberFactory()
    need = factories.NeedFactory(institution=host.institution)
    expert = factories.ExpertFactory()
    staff = factories.StaffFactory()
    return {
        "need": need,
        "expert": expert,
        "host": host,
        "staff_user": staff,
        "staff": _client_for(app, staff),
        "expert_client": _client_for(app, expert.user),
        "host_client": _client_for(app, host.user),
    }


def _propose(parties: dict, reason: str = "") -> Placement:
    response = parties["staff"].post(
        f"/staff/needs/{parties['need'].uuid}/propose",
        data={"expert_id": str(parties["expert"].uuid), "reason": reason},
    )
    assert response.status_code == 302, _page(response)
    return db.session.scalars(select(Placement)).one()


class TestHappyPath:
    def test_propose_offer_accept_confirm_approve_schedule_start_complete(
        self, parties: dict
    ) -> None:
        placement = _propose(parties)
        assert placement.status is S.PROPOSED and placement.match_score
        steps = [
            ("staff", "offer"),
            ("expert_client", "accept"),
            ("host_client", "confirm"),
            ("staff", "approve"),
            ("staff", "schedule"),
            ("staff", "start"),
            ("staff", "complete"),
        ]
        for who, name in steps:
            response = parties[who].post(f"/placements/{placement.uuid}/{name}")
            assert response.status_code == 302, (name, _page(response)[-600:])
        assert _placement(placement).status is S.COMPLETED
        actions = db.session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.object_uuid == str(placement.uuid))
            .order_by(AuditEvent.id)
        ).all()
        assert actions == ["placement.propose", *[f"placement.{n}" for _, n in steps]]
        expert_user = parties["expert"].user_id
        assert (
            db.session.scalar(
                select(func.count())
                .select_from(Notification)
                .where(Notification.user_id == expert_user)
            )
            >= 2
        )  # offer, approval, schedule
        assert db.session.scalar(select(func.count()).select_from(OutboxEmail)) >= 4

    def test_offer_sets_a_deadline_and_the_expert_sees_it(self, parties: dict) -> None:
        placement = _propose(parties)
        parties["staff"].post(f"/placements/{placement.uuid}/offer")
        assert _placement(placement).offer_deadline == TODAY + timedelta(days=14)
        page = _page(parties["expert_client"].get(f"/placements/{placement.uuid}"))
        assert "answer by" in page and "Accept" in page and "Decline" in page

    def test_decline_with_a_reason(self, parties: dict) -> None:
        placement = _propose(parties)
        parties["staff"].post(f"/placements/{placement.uuid}/offer")
        parties["expert_client"].post(
            f"/placements/{placement.uuid}/decline",
            data={"reason": "My hospital needs me in March."},
        )
        placement = _placement(placement)
        assert placement.status is S.DECLINED
        assert placement.status_reason == "My hospital needs me in March."

    def test_host_sees_identity_only_after_approval(self, parties: dict) -> None:
        placement = _propose(parties)
        name = parties["expert"].user.full_name
        assert name not in _page(parties["host_client"].get(f"/placements/{placement.uuid}"))
        for who, step in (
            ("staff", "offer"),
            ("expert_client", "accept"),
            ("host_client", "confirm"),
            ("staff", "approve"),
        ):
            parties[who].post(f"/placements/{placement.uuid}/{step}")
        page = _page(parties["host_client"].get(f"/placements/{placement.uuid}"))
        assert name in page and parties["expert"].user.email in page


class TestProposals:
    def test_choosing_outside_the_top_needs_a_reason(self, parties: dict) -> None:
        finance = ["manage budgets", "prepare financial statements", "conduct financial audits"]
        need = factories.NeedFactory(institution=parties["host"].institution, details=False)
        need.skills = [NeedSkill(label=label, required=True) for label in finance]
        for _ in range(3):  # three experts holding every required skill
            strong = factories.ExpertFactory()
            strong.skills = [ExpertSkill(label=label) for label in finance]
        weak = factories.ExpertFactory()
        weak.skills = [ExpertSkill(label=finance[0])]
        db.session.commit()
        need_key, weak_key = need.id, weak.id
        response = parties["staff"].post(
            f"/staff/needs/{need.uuid}/propose",
            data={"expert_id": str(weak.uuid), "reason": ""},
            follow_redirects=True,
        )
        assert "give a reason" in _page(response)
        # The refused request rolled back the shared test session: load the records again.
        parties["need"] = db.session.get(Need, need_key)
        parties["expert"] = db.session.get(ExpertProfile, weak_key)
        placement = _propose(parties, reason="Speaks Krio; the host asked for her.")
        assert placement.proposal_reason == "Speaks Krio; the host asked for her."

    def test_an_ineligible_expert_is_refused(self, parties: dict) -> None:
        parties["expert"] = factories.ExpertFactory(origin_country="GH")
        response = parties["staff"].post(
            f"/staff/needs/{parties['need'].uuid}/propose",
            data={"expert_id": str(parties["expert"].uuid), "reason": "try"},
            follow_redirects=True,
        )
        assert "not eligible" in _page(response)
        assert db.session.scalar(select(func.count()).select_from(Placement)) == 0

    def test_no_duplicate_proposal(self, parties: dict) -> None:
        _propose(parties)
        response = parties["staff"].post(
            f"/staff/needs/{parties['need'].uuid}/propose",
            data={"expert_id": str(parties["expert"].uuid)},
            follow_redirects=True,
        )
        assert "already proposed" in _page(response)

    @pytest.mark.parametrize("expert_id", ["not-a-uuid", "00000000-0000-0000-0000-000000000000"])
    def test_unknown_expert(self, parties: dict, expert_id: str) -> None:
        response = parties["staff"].post(
            f"/staff/needs/{parties['need'].uuid}/propose", data={"expert_id": expert_id}
        )
        assert response.status_code == 404


# Every (state, step, actor) the workflow allows; any other combination must be refused.
ALLOWED = {
    (source, name, step.actor)
    for name, step in workflow.STEPS.items()
    for source in step.sources
    if step.actor != "system"
}
ACTORS = {"staff": "staff", "expert": "expert_client", "host": "host_client"}


@pytest.mark.parametrize("status", list(S))
@pytest.mark.parametrize("name", [n for n, s in workflow.STEPS.items() if s.actor != "system"])
def test_transition_matrix(parties: dict, status: PlacementStatus, name: str) -> None:
    """Allowed transitions apply; all others are refused with a message and change nothing."""
    step = workflow.STEPS[name]
    placement = factories.PlacementFactory(
        need=parties["need"], expert=parties["expert"], status=status, host_confirmed_at=utcnow()
    )
    client = parties[ACTORS[step.actor]]
    response = client.post(f"/placements/{placement.uuid}/{name}", data={"reason": "because"})
    if (status, name, step.actor) in ALLOWED:
        assert response.status_code == 302, _page(response)[-500:]
        assert _placement(placement).status is step.target
    else:
        assert response.status_code in (409, 422)
        assert "cannot be changed that way" in _page(response)
        assert _placement(placement).status is status


@pytest.mark.parametrize(
    ("who", "name"), [("expert_client", "approve"), ("host_client", "accept"), ("staff", "accept")]
)
def test_the_wrong_party_is_refused(parties: dict, who: str, name: str) -> None:
    placement = factories.PlacementFactory(
        need=parties["need"],
        expert=parties["expert"],
        status=S.ACCEPTED if name == "approve" else S.OFFERED,
        host_confirmed_at=utcnow(),
    )
    response = parties[who].post(f"/placements/{placement.uuid}/{name}")
    assert response.status_code == 422 and "You cannot make this change." in _page(response)


@pytest.mark.parametrize("name", ["cancel", "withdraw"])
def test_cancel_and_withdraw_need_a_reason(parties: dict, name: str) -> None:
    placement = factories.PlacementFactory(
        need=parties["need"], expert=parties["expert"], status=S.APPROVED
    )
    who = "staff" if name == "cancel" else "expert_client"
    response = parties[who].post(f"/placements/{placement.uuid}/{name}", data={"reason": " "})
    assert response.status_code == 422 and "Give a reason" in _page(response)
    assert _placement(placement).status is S.APPROVED


def test_others_cannot_see_or_act_on_a_placement(app: Flask, parties: dict) -> None:
    placement = factories.PlacementFactory(
        need=parties["need"], expert=parties["expert"], status=S.OFFERED
    )
    for outsider in (factories.ExpertFactory().user, factories.HostMemberFactory().user):
        client = _client_for(app, outsider)
        assert client.get(f"/placements/{placement.uuid}").status_code == 404
        assert client.post(f"/placements/{placement.uuid}/accept").status_code == 404
    assert _placement(placement).status is S.OFFERED


class TestApprovalRules:
    def _ready(self, parties: dict, **need_changes: object) -> Placement:
        return factories.PlacementFactory(
            need=parties["need"],
            expert=parties["expert"],
            status=S.ACCEPTED,
            host_confirmed_at=utcnow(),
        )

    def test_host_confirmation_comes_first(self, parties: dict) -> None:
        placement = factories.PlacementFactory(
            need=parties["need"], expert=parties["expert"], status=S.ACCEPTED
        )
        response = parties["staff"].post(f"/placements/{placement.uuid}/approve")
        assert response.status_code == 422 and "has not confirmed" in _page(response)

    def test_quota_and_budget(self, parties: dict) -> None:
        programme = factories.ProgrammeFactory(quotas=[])
        programme.quotas.append(
            CountryQuota(country="SL", max_placements=1, budget=Decimal("1000"))
        )
        need = _need_in(parties, programme)
        placement = self._ready(parties)
        placement.budget_lines.append(
            BudgetLine(category=LogisticsKind.TRAVEL, planned=Decimal("1500"), currency="EUR")
        )
        other = factories.PlacementFactory(
            need=need, expert=factories.ExpertFactory(), status=S.COMPLETED
        )
        db.session.commit()
        url, placement_id, other_id = f"/placements/{placement.uuid}", placement.id, other.id
        programme_url = f"/staff/programmes/{programme.uuid}/budget"

        response = parties["staff"].post(f"{url}/approve")
        assert response.status_code == 422 and "quota for this country is used up" in _page(
            response
        )
        db.session.get(Placement, other_id).status = S.CANCELLED
        db.session.commit()
        response = parties["staff"].post(f"{url}/approve")
        assert response.status_code == 422 and "Not enough budget left" in _page(response)
        db.session.get(Placement, placement_id).budget_lines[0].planned = Decimal("800")
        db.session.commit()
        assert parties["staff"].post(f"{url}/approve").status_code == 302
        page = _page(parties["staff"].get(programme_url))
        assert "1 / 1" in page and "800" in page

    def test_no_overlap_with_another_approved_placement(self, parties: dict) -> None:
        booked = factories.PlacementFactory(
            need=factories.NeedFactory(), expert=parties["expert"], status=S.APPROVED
        )
        placement = self._ready(parties)
        assert booked.start <= placement.end and placement.start <= booked.end
        response = parties["staff"].post(f"/placements/{placement.uuid}/approve")
        assert response.status_code == 409
        assert "overlapping dates" in _page(response)
        assert _placement(placement).status is S.ACCEPTED


def _need_in(parties: dict, programme: object) -> object:
    need = parties["need"]
    need.programme_id = programme.id  # type: ignore[attr-defined]
    db.session.add(need)
    db.session.commit()
    return need


class TestLogisticsAndBudget:
    def test_checklist_and_budget_lines(self, parties: dict) -> None:
        placement = factories.PlacementFactory(
            need=parties["need"], expert=parties["expert"], status=S.APPROVED
        )
        url = f"/placements/{placement.uuid}"
        parties["staff"].post(
            f"{url}/logistics",
            data={
                "kind": "visa",
                "title": "Business visa",
                "due_on": "2030-01-01",
                "owner": str(parties["expert"].user_id),
            },
        )
        item = db.session.scalars(select(LogisticsItem)).one()
        assert item.owner_id == parties["expert"].user_id and item.done_at is None
        parties["staff"].post(f"{url}/logistics/{item.id}")
        assert db.session.get(LogisticsItem, item.id).done_at is not None
        parties["staff"].post(
            f"{url}/budget",
            data={"category": "travel", "planned": "640.50", "actual": "612.00", "currency": "EUR"},
        )
        line = db.session.scalars(select(BudgetLine)).one()
        assert line.planned == Decimal("640.50") and line.actual == Decimal("612.00")
        bad = parties["staff"].post(
            f"{url}/budget",
            data={"category": "travel", "planned": "-5", "currency": "eur"},
            follow_redirects=True,
        )
        assert "Check the budget line" in _page(bad)
        assert "Business visa" in _page(parties["expert_client"].get(url))

    def test_remote_placements_need_no_travel(self, parties: dict) -> None:
        parties["need"].remote = True
        db.session.add(parties["need"])
        db.session.commit()
        placement = factories.PlacementFactory(
            need=parties["need"], expert=parties["expert"], status=S.APPROVED
        )
        response = parties["staff"].post(
            f"/placements/{placement.uuid}/logistics",
            data={"kind": "travel", "title": "Flight"},
            follow_redirects=True,
        )
        assert "needs no travel" in _page(response)
        assert db.session.scalar(select(func.count()).select_from(LogisticsItem)) == 0

    def test_experts_and_hosts_cannot_edit_logistics(self, parties: dict) -> None:
        placement = factories.PlacementFactory(need=parties["need"], expert=parties["expert"])
        for who in ("expert_client", "host_client"):
            assert (
                parties[who]
                .post(
                    f"/placements/{placement.uuid}/budget",
                    data={"category": "travel", "planned": "1"},
                )
                .status_code
                == 403
            )


class TestOfferDeadlines:
    def test_reminder_once_then_expiry(self, app: Flask, parties: dict) -> None:
        placement = factories.PlacementFactory(
            need=parties["need"],
            expert=parties["expert"],
            status=S.OFFERED,
            offer_deadline=TODAY + timedelta(days=2),
        )
        assert run_due(app, TODAY)["remind-offers"] == 1
        assert run_due(app, TODAY)["remind-offers"] == 0
        assert run_due(app, TODAY + timedelta(days=3))["expire-offers"] == 1
        assert run_due(app, TODAY + timedelta(days=3))["expire-offers"] == 0
        assert _placement(placement).status is S.EXPIRED
        kinds = db.session.scalars(select(Notification.kind).order_by(Notification.id)).all()
        assert kinds == ["placement.reminder", "placement.expire"]

    def test_answering_after_the_deadline_is_refused(self, parties: dict) -> None:
        placement = factories.PlacementFactory(
            need=parties["need"],
            expert=parties["expert"],
            status=S.OFFERED,
            offer_deadline=TODAY - timedelta(days=1),
        )
        response = parties["expert_client"].post(f"/placements/{placement.uuid}/accept")
        assert response.status_code == 422 and "deadline" in _page(response)


class TestGlobalAssignment:
    def test_plan_locks_bans_and_proposals(self, parties: dict) -> None:
        programme = factories.ProgrammeFactory()
        need = _need_in(parties, programme)
        second = factories.ExpertFactory()
        page = _page(parties["staff"].get(f"/staff/programmes/{programme.uuid}/assignment"))
        assert "placements in the optimal plan" in page and "total score, greedy" in page
        for expert in (parties["expert"], second):
            parties["staff"].post(
                f"/staff/programmes/{programme.uuid}/assignment/rule",
                data={
                    "need_id": str(need.uuid),
                    "expert_id": str(expert.uuid),
                    "kind": "ban" if expert is second else "lock",
                    "reason": "Agreed with the host" if expert is second else "Already agreed",
                },
            )
        assert {r.kind.value for r in db.session.scalars(select(PairRule))} == {"lock", "ban"}
        parties["staff"].post(f"/staff/programmes/{programme.uuid}/assignment/propose")
        proposals = db.session.scalars(select(Placement)).all()
        assert [(p.need_id, p.expert_id) for p in proposals] == [(need.id, parties["expert"].id)]
        assert proposals[0].proposal_reason.startswith("Chosen by the programme")

    def test_rule_for_a_need_of_another_programme(self, parties: dict) -> None:
        programme = factories.ProgrammeFactory()
        response = parties["staff"].post(
            f"/staff/programmes/{programme.uuid}/assignment/rule",
            data={
                "need_id": str(parties["need"].uuid),
                "expert_id": str(parties["expert"].uuid),
                "kind": "lock",
            },
            follow_redirects=True,
        )
        assert "does not belong to the programme" in _page(response)


# Concurrency: 50 approvals of one expert on overlapping dates, against a real threaded server.

APPROVALS = 50


@pytest.fixture
def concurrent_server(tmp_path: Path) -> object:
    app = make_test_app(scratch_database_url(tmp_path, "concurrency"), tmp_path)
    with app.app_context():
        upgrade()
        staff = factories.StaffFactory()
        expert = factories.ExpertFactory()
        institution = factories.InstitutionFactory()
        ids = []
        for _ in range(APPROVALS):
            need = factories.NeedFactory(institution=institution)
            ids.append(
                str(
                    factories.PlacementFactory(
                        need=need, expert=expert, status=S.ACCEPTED, host_confirmed_at=utcnow()
                    ).uuid
                )
            )
        db.session.commit()
        email = staff.email
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield app, f"http://127.0.0.1:{server.server_port}", email, ids
    server.shutdown()
    with app.app_context():
        db.engine.dispose()


def test_fifty_concurrent_approvals_book_the_expert_once(concurrent_server: object) -> None:
    app, base, email, ids = concurrent_server
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), _NoRedirect())
    login = urllib.parse.urlencode({"email": email, "password": factories.PASSWORD}).encode()
    with pytest.raises(urllib.error.HTTPError, match="302"):  # a successful login redirects
        opener.open(f"{base}/login", data=login)
    assert any(cookie.name == "session" for cookie in jar)

    def approve(placement_id: str) -> int:
        request = urllib.request.Request(
            f"{base}/placements/{placement_id}/approve", data=b"", method="POST"
        )
        try:
            with opener.open(request, timeout=120) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code

    with ThreadPoolExecutor(max_workers=APPROVALS) as pool:
        statuses = Counter(pool.map(approve, ids))
    print(
        f"\n50 concurrent approvals on {app.config['SQLALCHEMY_DATABASE_URI'].split(':')[0]}: "
        f"{dict(statuses)}"
    )
    assert statuses == Counter({302: 1, 409: APPROVALS - 1})
    with app.app_context():
        approved = db.session.scalar(
            select(func.count()).select_from(Placement).where(Placement.status == S.APPROVED)
        )
        db.session.remove()
    assert approved == 1


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None
