"""Issue 18, the host's and the staff's paths as people feel them: buttons offered only when they
can succeed (otherwise what is missing and who must act), a crisis that closes in one confirmed
step, honest wording, decisions per state, the audit trail written for people, locks and bans
with reasons that can be undone, people told apart, and no silent defaults."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from placement.extensions import db
from placement.models import (
    AlertRecipient,
    AlertStatus,
    AuditEvent,
    CrisisStatus,
    Institution,
    Need,
    NeedStatus,
    Notification,
    PairRule,
    PartnerOrganisation,
    Placement,
    PlacementStatus,
    SurgeAlert,
    User,
    VerificationStatus,
    utcnow,
)
from tests import factories

S = PlacementStatus
TODAY = date.today()


def _page(response: object) -> str:
    return response.get_data(as_text=True)  # type: ignore[attr-defined]


def _trail(response: object) -> str:
    """The entries of the audit page, without its filter lists."""
    page = _page(response)
    return page[page.index('<ol class="history audit-trail">') :]


def _client(app: Flask, user: User) -> FlaskClient:
    client = app.test_client()
    client.post("/login", data={"email": user.email, "password": factories.PASSWORD})
    return client


@pytest.fixture
def cast(app: Flask, db_session: object) -> dict[str, object]:
    host = factories.HostMemberFactory()
    staff = factories.StaffFactory(full_name="Fatmata Staff")
    need = factories.NeedFactory(institution=host.institution, title="Mechanical engineer")
    expert = factories.ExpertFactory()
    return {
        "host": host,
        "need": need,
        "expert": expert,
        "staff_user": staff,
        "staff": _client(app, staff),
        "host_client": _client(app, host.user),
        "expert_client": _client(app, expert.user),
    }


def _accepted(cast: dict, **changes: object) -> Placement:
    return factories.PlacementFactory(
        need=cast["need"], expert=cast["expert"], status=S.ACCEPTED, **changes
    )


class TestApproveWaitsForTheHost:
    def test_staff_see_who_must_act_not_an_approve_button(self, cast: dict) -> None:
        placement = _accepted(cast)
        page = _page(cast["staff"].get(f"/placements/{placement.uuid}"))
        assert "“Approve” is not possible yet." in page
        assert "Waiting for the host to confirm this expert." in page
        assert "the host institution" in page and "Remind the host" in page
        assert f'action="/placements/{placement.uuid}/approve"' not in page

    def test_remind_the_host_notifies_with_a_link_and_is_audited(self, cast: dict) -> None:
        placement = _accepted(cast)
        response = cast["staff"].post(
            f"/placements/{placement.uuid}/remind-host", follow_redirects=True
        )
        assert "Reminder sent to 1 member of the host institution." in _page(response)
        note = db.session.scalars(
            select(Notification).where(Notification.kind == "placement.remind_host")
        ).one()
        assert note.user_id == cast["host"].user_id
        assert note.link == f"/placements/{placement.uuid}"
        assert db.session.scalars(
            select(AuditEvent.action).where(AuditEvent.object_uuid == str(placement.uuid))
        ).all() == ["placement.remind_host"]

    def test_reminding_when_nothing_to_confirm_is_refused_clearly(self, cast: dict) -> None:
        placement = _accepted(cast, host_confirmed_at=utcnow())
        response = cast["staff"].post(
            f"/placements/{placement.uuid}/remind-host", follow_redirects=True
        )
        assert "The host has nothing to confirm on this placement." in _page(response)
        assert not db.session.scalars(select(Notification)).all()

    def test_only_staff_may_remind(self, cast: dict) -> None:
        placement = _accepted(cast)
        for who in ("host_client", "expert_client"):
            assert cast[who].post(f"/placements/{placement.uuid}/remind-host").status_code in (
                403,
                404,
            )

    def test_host_dashboard_and_placement_prompt_to_confirm(self, cast: dict) -> None:
        placement = _accepted(cast)
        dashboard = _page(cast["host_client"].get("/host/"))
        assert "Waiting for your confirmation" in dashboard
        assert f"/placements/{placement.uuid}" in dashboard
        view = _page(cast["host_client"].get(f"/placements/{placement.uuid}"))
        assert "Your confirmation is needed:" in view and "Confirm this expert" in view
        cast["host_client"].post(f"/placements/{placement.uuid}/confirm")
        assert "Waiting for your confirmation" not in _page(cast["host_client"].get("/host/"))

    def test_once_confirmed_approve_is_offered_and_succeeds(self, cast: dict) -> None:
        placement = _accepted(cast, host_confirmed_at=utcnow())
        page = _page(cast["staff"].get(f"/placements/{placement.uuid}"))
        assert f'action="/placements/{placement.uuid}/approve"' in page
        assert cast["staff"].post(f"/placements/{placement.uuid}/approve").status_code == 302

    def test_overlapping_booking_is_shown_before_and_refused_on_post(self, cast: dict) -> None:
        other = factories.NeedFactory(institution=cast["host"].institution)
        factories.PlacementFactory(need=other, expert=cast["expert"], status=S.APPROVED)
        placement = _accepted(cast, host_confirmed_at=utcnow())
        page = _page(cast["staff"].get(f"/placements/{placement.uuid}"))
        message = "The expert already has an approved placement on overlapping dates."
        assert message in page and f'action="/placements/{placement.uuid}/approve"' not in page
        response = cast["staff"].post(f"/placements/{placement.uuid}/approve")
        assert response.status_code == 409 and message in _page(response)

    def test_the_refusal_still_comes_from_the_workflow(self, cast: dict) -> None:
        placement = _accepted(cast)
        response = cast["staff"].post(f"/placements/{placement.uuid}/approve")
        assert response.status_code == 422
        assert "The host institution has not confirmed this expert yet." in _page(response)


class TestNeedActions:
    def test_approved_need_says_who_opens_it(self, cast: dict) -> None:
        need = factories.NeedFactory(
            institution=cast["host"].institution, status=NeedStatus.APPROVED
        )
        page = _page(cast["host_client"].get(f"/host/needs/{need.uuid}"))
        assert "opens to experts shortly" not in page
        assert "programme staff open it to experts next, and you are told when they do" in page
        staff_page = _page(cast["staff"].get("/staff/"))
        assert "Approved needs to open to experts" in staff_page

    def test_unverified_institution_blocks_approval_with_a_link(self, cast: dict) -> None:
        institution = factories.InstitutionFactory(status=VerificationStatus.PENDING)
        need = factories.NeedFactory(institution=institution, status=NeedStatus.SUBMITTED)
        page = _page(cast["staff"].get(f"/staff/needs/{need.uuid}"))
        assert "“Approve” is not possible yet." in page
        assert "The institution must be verified by programme staff first." in page
        assert f"/staff/institutions/{institution.uuid}" in page
        assert f'action="/staff/needs/{need.uuid}/approve"' not in page
        assert f'action="/staff/needs/{need.uuid}/send_back"' in page

    def test_host_cannot_send_a_need_of_an_unverified_institution(
        self, app: Flask, cast: dict
    ) -> None:
        member = factories.HostMemberFactory(institution__status=VerificationStatus.PENDING)
        need = factories.NeedFactory(institution=member.institution, status=NeedStatus.DRAFT)
        page = _page(_client(app, member.user).get(f"/host/needs/{need.uuid}"))
        assert "“Send to programme staff” is not possible yet." in page
        assert f'action="/host/needs/{need.uuid}/submit"' not in page


class TestVerificationPerState:
    def test_verified_institution_offers_no_decision(self, cast: dict) -> None:
        institution = cast["host"].institution
        page = _page(cast["staff"].get(f"/staff/institutions/{institution.uuid}"))
        assert 'value="verify"' not in page and 'value="reject"' not in page
        assert "No decision is open." in page
        response = cast["staff"].post(
            f"/staff/institutions/{institution.uuid}", data={"decision": "reject", "reason": "x"}
        )
        assert "that decision is not open" in _page(response)
        db.session.expire_all()
        assert db.session.get(Institution, institution.id).status is VerificationStatus.VERIFIED

    def test_pending_offers_both_and_rejected_offers_verify(self, cast: dict) -> None:
        pending = factories.InstitutionFactory(status=VerificationStatus.PENDING)
        page = _page(cast["staff"].get(f"/staff/institutions/{pending.uuid}"))
        assert 'value="verify"' in page and 'value="reject"' in page
        rejected = factories.InstitutionFactory(status=VerificationStatus.REJECTED)
        page = _page(cast["staff"].get(f"/staff/institutions/{rejected.uuid}"))
        assert 'value="verify"' in page and 'value="reject"' not in page

    def test_verified_partner_offers_no_decision(self, cast: dict) -> None:
        organisation = factories.PartnerOrganisationFactory()
        page = _page(cast["staff"].get(f"/staff/partners/{organisation.uuid}"))
        assert 'value="verify"' not in page and "no decision is open" in page
        cast["staff"].post(
            f"/staff/partners/{organisation.uuid}", data={"decision": "reject", "reason": "x"}
        )
        db.session.expire_all()
        status = db.session.get(PartnerOrganisation, organisation.id).status
        assert status is VerificationStatus.VERIFIED


@pytest.fixture
def crisis_scene(cast: dict) -> dict[str, object]:
    crisis = factories.CrisisFactory(country="SL")
    other = factories.CrisisFactory(country="SL", name="Cholera outbreak")
    institution = cast["host"].institution
    urgent = [
        factories.NeedFactory(
            institution=institution, urgent=True, crisis_id=crisis.id, title=f"Urgent {n}"
        )
        for n in range(3)
    ]
    done = factories.NeedFactory(
        institution=institution, urgent=True, crisis_id=crisis.id, status=NeedStatus.FILLED
    )
    alert = SurgeAlert(
        need_id=urgent[0].id,
        crisis_id=crisis.id,
        public=True,
        recipients=[AlertRecipient(expert_id=cast["expert"].id, rank=1, score=0.7)],
    )
    db.session.add(alert)
    db.session.commit()
    return {"crisis": crisis, "other": other, "urgent": urgent, "done": done, "alert": alert}


class TestClosingACrisis:
    def test_confirmation_page_lists_what_will_happen(self, cast: dict, crisis_scene: dict) -> None:
        crisis = crisis_scene["crisis"]
        page = _page(cast["staff"].get(f"/staff/crises/{crisis.uuid}/close"))
        assert "Alerts that will be stood down" in page and "Urgent 0" in page
        assert "removed from the public page of urgent calls" in page
        for need in crisis_scene["urgent"]:
            assert f'name="need-{need.uuid}"' in page
        assert f'name="need-{crisis_scene["done"].uuid}"' not in page
        assert "Cholera outbreak" in page  # a need can move to the other active crisis
        assert " checked" not in page  # no silent default for any need
        crisis_page = _page(cast["staff"].get(f"/staff/crises/{crisis.uuid}"))
        assert f"/staff/alerts/{crisis_scene['alert'].uuid}#stand-down" in crisis_page
        assert f"/staff/crises/{crisis.uuid}/close" in crisis_page

    def test_one_step_closes_stands_down_moves_and_audits(
        self, app: Flask, cast: dict, crisis_scene: dict
    ) -> None:
        crisis, urgent = crisis_scene["crisis"], crisis_scene["urgent"]
        assert "Urgent 0" in _page(app.test_client().get("/alerts"))
        response = cast["staff"].post(
            f"/staff/crises/{crisis.uuid}/close",
            data={
                "reason": "The floods are over.",
                f"need-{urgent[0].uuid}": "close",
                f"need-{urgent[1].uuid}": "keep",
                f"need-{urgent[2].uuid}": str(crisis_scene["other"].uuid),
            },
            follow_redirects=True,
        )
        assert "1 alerts stood down, 3 urgent needs closed or moved" in _page(response)
        db.session.expire_all()
        needs = [db.session.get(Need, n.id) for n in urgent]
        assert needs[0].status is NeedStatus.CLOSED
        assert needs[1].status is NeedStatus.OPEN and not needs[1].urgent and not needs[1].crisis_id
        assert needs[2].crisis_id == crisis_scene["other"].id and needs[2].urgent
        assert db.session.get(SurgeAlert, crisis_scene["alert"].id).status is AlertStatus.STOOD_DOWN
        assert db.session.get(type(crisis), crisis.id).status is CrisisStatus.CLOSED
        actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
        assert actions.count("need.reassign") == 2
        assert {"alert.stand_down", "need.close", "crisis.close"} <= set(actions)
        assert "Urgent 0" not in _page(app.test_client().get("/alerts"))
        told = db.session.scalars(
            select(Notification.kind).where(Notification.user_id == cast["expert"].user_id)
        ).all()
        assert "alert.stand_down" in told

    def test_missing_choice_or_reason_changes_nothing(self, cast: dict, crisis_scene: dict) -> None:
        crisis, urgent = crisis_scene["crisis"], crisis_scene["urgent"]
        response = cast["staff"].post(
            f"/staff/crises/{crisis.uuid}/close",
            data={"reason": "Over", f"need-{urgent[0].uuid}": "close"},
        )
        assert response.status_code == 422
        page = _page(response)
        assert "Choose what happens to each urgent need:" in page
        assert "Urgent 1" in page.split("Choose what happens")[1].split("</li>")[0]
        assert "Urgent 0" not in page.split("Choose what happens")[1].split("</li>")[0]
        assert 'value="close" required checked' in page  # what was chosen is kept
        response = cast["staff"].post(
            f"/staff/crises/{crisis.uuid}/close",
            data={f"need-{n.uuid}": "close" for n in urgent},
        )
        assert response.status_code == 422 and "Give a reason" in _page(response)
        response = cast["staff"].post(
            f"/staff/crises/{crisis.uuid}/close",
            data={"reason": "Over", **{f"need-{n.uuid}": "elsewhere" for n in urgent}},
        )
        assert response.status_code == 422
        db.session.expire_all()
        assert db.session.get(type(crisis), crisis.id).status is CrisisStatus.ACTIVE
        assert not db.session.scalars(select(AuditEvent)).all()

    def test_no_alert_offered_once_closed(self, cast: dict, crisis_scene: dict) -> None:
        crisis, urgent = crisis_scene["crisis"], crisis_scene["urgent"]
        cast["staff"].post(
            f"/staff/crises/{crisis.uuid}/close",
            data={"reason": "Over", **{f"need-{n.uuid}": "keep" for n in urgent}},
        )
        page = _page(cast["staff"].get(f"/staff/crises/{crisis.uuid}"))
        assert "Alert experts" not in page and "Close this crisis" not in page
        # A kept need is ordinary now; a need still tied to the closed crisis cannot alert.
        tied = factories.NeedFactory(
            institution=cast["host"].institution, urgent=True, crisis_id=crisis.id
        )
        page = _page(cast["staff"].get(f"/staff/needs/{tied.uuid}/alert"))
        assert "The crisis of this need is closed: no alert can be sent." in page
        assert "Send the alert</button>" not in page


class TestAssignmentRules:
    @pytest.fixture
    def plan(self, cast: dict) -> dict[str, object]:
        programme = factories.ProgrammeFactory()
        need = cast["need"]
        need.programme_id = programme.id
        db.session.add(need)
        db.session.commit()
        return {"programme": str(programme.uuid), "need": str(need.uuid), "expert": cast["expert"]}

    def _rule(self, cast: dict, plan: dict, kind: str, reason: str = "") -> object:
        return cast["staff"].post(
            f"/staff/programmes/{plan['programme']}/assignment/rule",
            data={
                "need_id": plan["need"],
                "expert_id": str(plan["expert"].uuid),
                "kind": kind,
                "reason": reason,
            },
            follow_redirects=True,
        )

    def test_lock_needs_a_reason_then_shows_it_and_unlock(self, cast: dict, plan: dict) -> None:
        assert "Give a reason for the lock" in _page(self._rule(cast, plan, "lock"))
        assert not db.session.scalars(select(PairRule)).all()
        page = _page(self._rule(cast, plan, "lock", "Agreed with the ministry"))
        assert "“Agreed with the ministry”" in page and "Unlock" in page
        assert 'value="lock"' not in page  # a locked row offers no Lock
        rule = db.session.scalars(select(PairRule)).one()
        assert rule.reason == "Agreed with the ministry"
        page = _page(self._rule(cast, plan, "clear"))
        assert "Rule removed" in page and not db.session.scalars(select(PairRule)).all()
        reasons = db.session.scalars(select(AuditEvent.reason)).all()
        assert reasons == ["Agreed with the ministry", None]

    def test_ban_needs_a_reason_and_can_be_lifted(self, cast: dict, plan: dict) -> None:
        assert "Give a reason for the ban" in _page(self._rule(cast, plan, "ban", "  "))
        page = _page(self._rule(cast, plan, "ban", "Conflict of interest"))
        assert "Lift the ban" in page and "Conflict of interest" in page
        self._rule(cast, plan, "clear")
        assert not db.session.scalars(select(PairRule)).all()
        assert "There is no rule on this pair" in _page(self._rule(cast, plan, "clear"))

    def test_totals_are_explained_and_people_told_apart(self, cast: dict, plan: dict) -> None:
        page = _page(cast["staff"].get(f"/staff/programmes/{plan['programme']}/assignment"))
        assert "match score is between 0 (no fit) and 1 (a perfect fit)" in page
        assert "the sum of the scores of the 1 pair chosen" in page
        assert "No other choice of pairs gives a higher total" in page
        assert f"#{plan['expert'].uuid.hex[:6]}" in page and "general practitioner" in page


class TestReadableAuditTrail:
    def test_sentences_people_records_and_reasons(self, cast: dict) -> None:
        need = factories.NeedFactory(
            institution=cast["host"].institution, status=NeedStatus.SUBMITTED
        )
        cast["staff"].post(f"/staff/needs/{need.uuid}/send_back", data={"reason": "Add dates"})
        page = _trail(cast["staff"].get("/staff/audit"))
        assert "Fatmata Staff" in page and "(programme staff)" in page
        assert "sent the need back to the host for changes" in page
        assert "from “Waiting for staff approval” to “Draft (not sent to staff)”" in page
        assert f'href="/staff/needs/{need.uuid}"' in page and "“Add dates”" in page
        assert "need.send_back" not in page and "submitted -&gt;" not in page
        history = _page(cast["staff"].get(f"/staff/needs/{need.uuid}"))
        assert "sent the need back to the host for changes" in history

    def test_filters_and_csv(self, cast: dict) -> None:
        placement = _accepted(cast)
        cast["staff"].post(f"/placements/{placement.uuid}/remind-host")
        need = factories.NeedFactory(
            institution=cast["host"].institution, status=NeedStatus.SUBMITTED
        )
        cast["staff"].post(f"/staff/needs/{need.uuid}/approve")
        page = _trail(cast["staff"].get("/staff/audit?record_type=Placement"))
        assert "reminded the host institution" in page and "approved the need" not in page
        page = _trail(cast["staff"].get("/staff/audit?action=need.approve"))
        assert "approved the need" in page and "reminded the host" not in page
        staff_id = cast["staff_user"].uuid
        page = _page(
            cast["staff"].get(f"/staff/audit?actor={staff_id}&since={TODAY}&until={TODAY}")
        )
        assert "approved the need" in page and "reminded the host" in page
        tomorrow = TODAY + timedelta(days=1)
        assert "Nothing matches" in _trail(cast["staff"].get(f"/staff/audit?since={tomorrow}"))
        response = cast["staff"].get("/staff/audit.csv?action=need.approve")
        assert response.mimetype == "text/csv"
        rows = list(csv.reader(io.StringIO(_page(response))))
        assert rows[0][:5] == ["When (UTC)", "When (your time zone)", "Who", "Role", "What"]
        assert (
            len(rows) == 2 and rows[1][2] == "Fatmata Staff" and rows[1][4] == "approved the need"
        )

    @pytest.mark.parametrize(
        ("query", "message"),
        [
            ("since=yesterday", "“yesterday” is not a date"),
            ("since=2026-12-05&until=2026-12-01", "The start date must come before the end date."),
            ("action=need.explode", "Choose an action from the list."),
            ("record_type=Spaceship", "Choose a kind of record from the list."),
            ("actor=not-a-person", "The person chosen is not known."),
            ("record=123", "The record id is not valid."),
        ],
    )
    def test_bad_filters_get_a_clear_message(self, cast: dict, query: str, message: str) -> None:
        for path in ("/staff/audit", "/staff/audit.csv"):
            response = cast["staff"].get(f"{path}?{query}")
            assert response.status_code == 400 and message in _page(response)

    def test_csv_cells_cannot_run_as_formulas(self, cast: dict) -> None:
        need = factories.NeedFactory(
            institution=cast["host"].institution, status=NeedStatus.SUBMITTED
        )
        cast["staff"].post(f"/staff/needs/{need.uuid}/send_back", data={"reason": "=HYPERLINK(1)"})
        rows = list(csv.reader(io.StringIO(_page(cast["staff"].get("/staff/audit.csv")))))
        assert rows[1][9] == "'=HYPERLINK(1)"

    def test_only_staff_and_admin_read_it(self, app: Flask, cast: dict) -> None:
        for client in (cast["host_client"], cast["expert_client"], app.test_client()):
            for path in ("/staff/audit", "/staff/audit.csv"):
                assert client.get(path).status_code in (302, 403, 404)
        admin = _client(app, factories.AdminFactory())
        assert admin.get("/staff/audit.csv").status_code == 200


class TestNoSilentDefaults:
    def test_urgent_need_form_has_no_preselected_institution_or_mode(self, cast: dict) -> None:
        crisis = factories.CrisisFactory(country="SL")
        page = _page(cast["staff"].get(f"/staff/crises/{crisis.uuid}/needs/new"))
        assert '<option selected value="">Choose…</option>' in page or (
            '<option value="">Choose…</option>' in page
            and "selected" not in page.split("Host institution")[1].split("</select>")[0]
        )
        assert 'value="remote" checked' not in page and "checked" not in page
        response = cast["staff"].post(
            f"/staff/crises/{crisis.uuid}/needs/new",
            data={"title": "Nurses", "skills": "triage", "start": TODAY.isoformat(), "weeks": "2"},
        )
        page = _page(response)
        assert "Choose the host institution." in page and "Choose on site or remote." in page
        assert 'value="Nurses"' in page  # nothing typed is lost
        assert not db.session.scalars(select(Need).where(Need.urgent.is_(True))).all()
