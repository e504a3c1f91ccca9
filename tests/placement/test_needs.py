"""Institutions, needs and programmes: posting, lifecycle, review, candidates, expiry."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, update

from placement.extensions import db
from placement.jobs import run_due
from placement.models import (
    AuditEvent,
    ConsentPurpose,
    ConsentRecord,
    ExpertProfile,
    Institution,
    InstitutionMember,
    Interest,
    InterestSource,
    MemberRole,
    Need,
    NeedRanking,
    NeedStatus,
    Notification,
    OutboxEmail,
    PlacementStatus,
    Programme,
    User,
    VerificationStatus,
)
from placement.needs.forms import DESCRIPTION_MAX, OBJECTIVES_MAX
from tests import factories

TODAY = date.today()


def _page(response: object) -> str:
    return response.get_data(as_text=True)  # type: ignore[attr-defined]


def _need(need: Need) -> Need:
    db.session.expire_all()
    return db.session.get(Need, need.id)


def _need_form(**changes: object) -> dict[str, object]:
    form: dict[str, object] = {
        "title": "Trainer in emergency obstetric care",
        "description": "Train midwives in the maternity ward.",
        "sector": "health",
        "occupation": "midwife",
        "required_skills-0": "manage budgets",
        "required_skills-1": "",
        "desired_skills-0": "gérer des budgets",
        "languages-0-code": "en",
        "languages-0-level": "B2",
        "region": "Bo",
        "start": (TODAY + timedelta(days=30)).isoformat(),
        "end": (TODAY + timedelta(days=150)).isoformat(),
        "duration_weeks": "6",
        "slots": "2",
        "host_provides": ["housing", "local_transport"],
        "objectives": "Twenty midwives trained.",
        "trainees": "Midwives of the maternity ward",
    }
    form.update(changes)
    return {k: v for k, v in form.items() if v is not None}


def _withdraw_sharing(user_id: int) -> None:
    """The expert withdraws consent to share their profile with host institutions."""
    db.session.add(
        ConsentRecord(
            user_id=user_id,
            purpose=ConsentPurpose.SHARE_WITH_HOSTS,
            granted=False,
            text_version="test",
        )
    )
    db.session.commit()


@pytest.fixture
def host(login: Callable[[User], User]) -> InstitutionMember:
    member = factories.HostMemberFactory()
    login(member.user)
    return member


class TestPostingNeeds:
    def test_a_member_of_several_institutions_chooses_which_one_posts(
        self, client: FlaskClient, host: InstitutionMember
    ) -> None:
        second = factories.HostMemberFactory(user=host.user, institution__name="Zonal Hospital")
        choice = client.get("/host/needs/new")
        assert "Which institution is this need for?" in _page(choice)
        assert str(host.institution.uuid) in _page(choice) and str(
            second.institution.uuid
        ) in _page(choice)
        assert client.post("/host/needs/new", data=_need_form()).status_code == 200
        assert db.session.scalar(select(func.count()).select_from(Need)) == 0  # nothing guessed

        url = f"/host/needs/new?institution={second.institution.uuid}"
        assert "Zonal Hospital" in _page(client.get(url))
        client.post(url, data=_need_form())
        assert db.session.scalars(select(Need)).one().institution_id == second.institution.id

    def test_another_institutions_link_is_not_found(
        self, client: FlaskClient, host: InstitutionMember
    ) -> None:
        other = factories.InstitutionFactory()
        assert client.get(f"/host/needs/new?institution={other.uuid}").status_code == 404
        assert client.get("/host/needs/new?institution=not-a-uuid").status_code == 404

    def test_host_saves_a_draft_with_esco_skills(
        self, client: FlaskClient, host: InstitutionMember
    ) -> None:
        response = client.post("/host/needs/new", data=_need_form())
        need = db.session.scalars(select(Need)).one()
        assert response.headers["Location"].endswith(f"/host/needs/{need.uuid}")
        assert need.status is NeedStatus.DRAFT and need.country == "SL"
        assert need.slots == 2 and need.host_provides == ["housing", "local_transport"]
        required, desired = need.required_skills, need.desired_skills
        assert [s.label for s in required] == ["manage budgets"] and required[0].esco_uri
        assert desired[0].esco_uri == required[0].esco_uri  # the French label, same concept
        page = _page(client.get(f"/host/needs/{need.uuid}"))
        assert "Only your institution sees this draft" in page

    @pytest.mark.parametrize(
        ("changes", "message"),
        [
            ({"start": (TODAY - timedelta(days=1)).isoformat()}, "This date is in the past."),
            ({"end": (TODAY + timedelta(days=10)).isoformat()}, "must come after"),
            ({"duration_weeks": "30"}, "do not fit between the start and the end"),
            ({"duration_weeks": "0"}, "Number must be between 1 and 104."),
            ({"slots": "0"}, "Number must be between 1 and 50."),
            ({"slots": "many"}, "Not a valid integer value."),
            ({"required_skills-0": ""}, "Name at least one required skill."),
            ({"title": ""}, "This field is required."),
            ({"sector": "casino"}, "Not a valid choice."),
            ({"start": "2027-13-45"}, "Not a valid date value."),
            ({"languages-0-level": ""}, "Choose your level in this language."),
        ],
    )
    def test_bad_input_is_explained_and_nothing_saved(
        self, client: FlaskClient, host: InstitutionMember, changes: dict[str, str], message: str
    ) -> None:
        response = client.post("/host/needs/new", data=_need_form(**changes))
        assert response.status_code == 200 and message in _page(response)
        assert 'value="Train midwives' in _page(response) or "Train midwives" in _page(response)
        assert db.session.scalar(select(func.count()).select_from(Need)) == 0

    @pytest.mark.parametrize(
        ("name", "limit"),
        [("description", DESCRIPTION_MAX), ("objectives", OBJECTIVES_MAX)],
    )
    def test_a_long_text_is_refused_with_its_limit_and_kept(
        self, client: FlaskClient, host: InstitutionMember, name: str, limit: int
    ) -> None:
        page = _page(client.get("/host/needs/new"))
        assert f'data-counter="{limit}"' in page and f"At most {limit} characters." in page
        assert "js/counter" in page
        text = ("Train midwives in emergency care. " * 400)[:10_000]
        response = client.post("/host/needs/new", data=_need_form(**{name: text}))
        page = _page(response)
        assert response.status_code == 200
        assert f"Keep this text to {limit} characters; it has {len(text.strip())} now" in page
        assert text[:2000] in page  # what was typed comes back, to shorten
        assert "manage budgets" in page  # and the rest of the form with it
        assert db.session.scalar(select(func.count()).select_from(Need)) == 0

    def test_programme_rules_apply(self, client: FlaskClient, host: InstitutionMember) -> None:
        programme = factories.ProgrammeFactory(min_weeks=8, max_weeks=12)
        response = client.post("/host/needs/new", data=_need_form(programme_id=str(programme.id)))
        assert "at least 8 weeks" in _page(response)
        other = factories.ProgrammeFactory(eligible_origin_countries=["GH"])
        response = client.post("/host/needs/new", data=_need_form(programme_id=str(other.id)))
        assert "Not a valid choice." in _page(response)  # not offered for Sierra Leone

    def test_only_drafts_are_edited(self, client: FlaskClient, host: InstitutionMember) -> None:
        need = factories.NeedFactory(institution=host.institution, status=NeedStatus.SUBMITTED)
        response = client.post(f"/host/needs/{need.uuid}/edit", data=_need_form(title="New"))
        assert response.status_code == 302 and _need(need).title != "New"

    def test_another_institutions_need_is_not_found(
        self, client: FlaskClient, host: InstitutionMember
    ) -> None:
        other = factories.NeedFactory(status=NeedStatus.DRAFT)
        for method, url in (
            ("get", f"/host/needs/{other.uuid}"),
            ("get", f"/host/needs/{other.uuid}/edit"),
            ("post", f"/host/needs/{other.uuid}/submit"),
            ("get", "/host/needs/not-a-uuid"),
        ):
            assert getattr(client, method)(url).status_code == 404
        assert _need(other).status is NeedStatus.DRAFT


class TestLifecycle:
    def test_submit_approve_open_with_audit_and_host_told(
        self, app: Flask, client: FlaskClient, host: InstitutionMember, login: Callable
    ) -> None:
        need = factories.NeedFactory(institution=host.institution, status=NeedStatus.DRAFT)
        client.post(f"/host/needs/{need.uuid}/submit")
        assert _need(need).status is NeedStatus.SUBMITTED
        staff_client = app.test_client()
        staff = factories.StaffFactory()
        staff_client.post("/login", data={"email": staff.email, "password": factories.PASSWORD})
        assert need.title in _page(staff_client.get("/staff/needs"))  # submitted: in the queue
        staff_client.post(f"/staff/needs/{need.uuid}/approve")
        staff_client.post(f"/staff/needs/{need.uuid}/open")
        assert _need(need).status is NeedStatus.OPEN
        actions = db.session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.object_uuid == str(need.uuid))
            .order_by(AuditEvent.id)
        ).all()
        assert actions == ["need.submit", "need.approve", "need.open"]
        assert (
            db.session.scalar(
                select(func.count())
                .select_from(Notification)
                .where(Notification.user_id == host.user_id)
            )
            == 2
        )
        assert db.session.scalar(select(func.count()).select_from(OutboxEmail)) == 2
        assert "Experts can see it" in _page(client.get(f"/host/needs/{need.uuid}"))

    def test_send_back_needs_a_reason_the_host_reads(
        self, app: Flask, client: FlaskClient, host: InstitutionMember
    ) -> None:
        need = factories.NeedFactory(institution=host.institution, status=NeedStatus.SUBMITTED)
        staff_client = app.test_client()
        staff = factories.StaffFactory()
        staff_client.post("/login", data={"email": staff.email, "password": factories.PASSWORD})
        response = staff_client.post(
            f"/staff/needs/{need.uuid}/send_back", data={"reason": ""}, follow_redirects=True
        )
        assert "Give a reason" in _page(response) and _need(need).status is NeedStatus.SUBMITTED
        staff_client.post(
            f"/staff/needs/{need.uuid}/send_back",
            data={"reason": "Please give the number of trainees."},
        )
        assert _need(need).status is NeedStatus.DRAFT
        assert "Please give the number of trainees." in _page(
            client.get(f"/host/needs/{need.uuid}")
        )

    @pytest.mark.parametrize(
        ("status", "action"),
        [
            (NeedStatus.OPEN, "approve"),
            (NeedStatus.DRAFT, "open"),
            (NeedStatus.CLOSED, "open"),
            (NeedStatus.EXPIRED, "fill"),
            (NeedStatus.FILLED, "approve"),
        ],
    )
    def test_invalid_transitions_are_refused_with_a_message(
        self, client: FlaskClient, login_as: Callable, status: NeedStatus, action: str
    ) -> None:
        login_as("staff")
        need = factories.NeedFactory(status=status)
        response = client.post(f"/staff/needs/{need.uuid}/{action}", follow_redirects=True)
        assert "cannot be changed that way" in _page(response)
        assert _need(need).status is status

    def test_an_unverified_institution_cannot_submit(
        self, client: FlaskClient, login: Callable
    ) -> None:
        member = factories.HostMemberFactory(institution__status=VerificationStatus.PENDING)
        login(member.user)
        need = factories.NeedFactory(institution=member.institution, status=NeedStatus.DRAFT)
        response = client.post(f"/host/needs/{need.uuid}/submit", follow_redirects=True)
        assert "must be verified by programme staff first" in _page(response)
        assert _need(need).status is NeedStatus.DRAFT

    def test_hosts_cannot_use_staff_decisions(
        self, client: FlaskClient, host: InstitutionMember
    ) -> None:
        need = factories.NeedFactory(institution=host.institution, status=NeedStatus.SUBMITTED)
        assert client.post(f"/staff/needs/{need.uuid}/approve").status_code == 403
        assert _need(need).status is NeedStatus.SUBMITTED

    def test_host_closes_with_a_reason(self, client: FlaskClient, host: InstitutionMember) -> None:
        need = factories.NeedFactory(institution=host.institution)
        client.post(f"/host/needs/{need.uuid}/close", data={"reason": "Budget withdrawn."})
        assert _need(need).status is NeedStatus.CLOSED
        assert _need(need).review_note == "Budget withdrawn."


class TestCandidates:
    def test_host_sees_professional_information_only(
        self, client: FlaskClient, host: InstitutionMember
    ) -> None:
        expert = factories.ExpertFactory(occupation_label="emergency physician")
        need = factories.NeedFactory(institution=host.institution)
        page = _page(client.get(f"/host/needs/{need.uuid}"))
        assert "Candidate 1" in page and "emergency physician" in page
        assert expert.user.email not in page and expert.user.full_name not in page

    def test_an_expert_who_did_not_share_is_not_shown(
        self, client: FlaskClient, host: InstitutionMember
    ) -> None:
        expert = factories.ExpertFactory(occupation_label="emergency physician")
        _withdraw_sharing(expert.user_id)
        need = factories.NeedFactory(institution=host.institution)
        assert "emergency physician" not in _page(client.get(f"/host/needs/{need.uuid}"))

    def test_host_marks_interest_that_staff_see(
        self, app: Flask, client: FlaskClient, host: InstitutionMember
    ) -> None:
        expert = factories.ExpertFactory()
        need = factories.NeedFactory(institution=host.institution)
        client.post(f"/host/needs/{need.uuid}/candidates/{expert.uuid}/interest")
        assert db.session.scalar(select(Interest.source)) is InterestSource.HOST
        staff_client = app.test_client()
        staff = factories.StaffFactory()
        staff_client.post("/login", data={"email": staff.email, "password": factories.PASSWORD})
        page = _page(staff_client.get(f"/staff/needs/{need.uuid}"))
        assert "the host is interested" in page and expert.user.full_name in page

    def test_host_cannot_mark_someone_who_is_not_a_candidate(
        self, client: FlaskClient, host: InstitutionMember
    ) -> None:
        stranger = factories.ExpertFactory(origin_country="GH")
        need = factories.NeedFactory(institution=host.institution)
        response = client.post(f"/host/needs/{need.uuid}/candidates/{stranger.uuid}/interest")
        assert response.status_code == 404
        assert db.session.scalar(select(func.count()).select_from(Interest)) == 0


class TestKeptCandidates:
    """With rankings kept (as in production), every view still re-reads consent, erasure and
    bookings, and renders the list for its reader (language, marks, CSRF field)."""

    @pytest.fixture(autouse=True)
    def _kept(self, app: Flask, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
        monkeypatch.setitem(app.config, "MATCH_CACHE_SECONDS", 300)
        yield
        self._forget_in_memory()

    def _candidates(self, client: FlaskClient, need: Need, **headers: str) -> str:
        page = _page(client.get(f"/host/needs/{need.uuid}", headers=headers))
        return page[page.index('id="candidates"') :]

    def test_withdrawn_sharing_hides_a_kept_candidate_at_once(
        self, client: FlaskClient, host: InstitutionMember
    ) -> None:
        kept = factories.ExpertFactory(occupation_label="emergency physician")
        leaving = factories.ExpertFactory(occupation_label="midwife")
        need = factories.NeedFactory(institution=host.institution)
        first = self._candidates(client, need)
        assert "emergency physician" in first and "midwife" in first
        _withdraw_sharing(leaving.user_id)
        second = self._candidates(client, need)
        assert "midwife" not in second and "emergency physician" in second
        assert kept.user.email not in second

    def test_erased_or_booked_experts_leave_the_kept_list(
        self, client: FlaskClient, host: InstitutionMember
    ) -> None:
        erased = factories.ExpertFactory(occupation_label="midwife")
        booked = factories.ExpertFactory(occupation_label="paramedic")
        need = factories.NeedFactory(institution=host.institution)
        assert "midwife" in self._candidates(client, need)
        db.session.get(ExpertProfile, erased.id).anonymised_at = datetime.now(UTC)
        factories.PlacementFactory(  # elsewhere, over the whole of this need's dates
            expert=booked, status=PlacementStatus.APPROVED, start=need.start, end=need.end
        )
        db.session.commit()
        page = self._candidates(client, need)
        assert "midwife" not in page and "paramedic" not in page
        assert "No eligible candidate yet" in page

    def test_a_mark_changes_the_kept_list_and_only_for_its_need(
        self, client: FlaskClient, host: InstitutionMember
    ) -> None:
        expert = factories.ExpertFactory()
        need = factories.NeedFactory(institution=host.institution)
        other = factories.NeedFactory(institution=host.institution)
        assert "I am interested" in self._candidates(client, need)
        assert "I am interested" in self._candidates(client, other)
        client.post(f"/host/needs/{need.uuid}/candidates/{expert.uuid}/interest")
        assert "Interested ✓ (withdraw)" in self._candidates(client, need)
        assert "Interested ✓ (withdraw)" not in self._candidates(client, other)

    def test_the_recheck_looks_further_down_when_the_top_drops_out(
        self, app_ctx: None, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        from placement.matches import services as matches

        monkeypatch.setattr(matches, "RECHECK_MARGIN", 0)
        experts = [factories.ExpertFactory() for _ in range(6)]
        need = factories.NeedFactory()
        first = matches.ranked_expert_ids(need, 2, for_host=True)
        assert len(first) == 2
        by_id = {e.id: e for e in experts}
        for expert_id, _match in first:
            _withdraw_sharing(by_id[expert_id].user_id)

        def no_new_ranking(*_args: object) -> None:
            raise AssertionError("the kept ranking should have been enough")

        monkeypatch.setattr(matches, "_rank_experts", no_new_ranking)
        second = matches.ranked_expert_ids(need, 2, for_host=True)
        assert len(second) == 2
        assert {i for i, _m in second}.isdisjoint(i for i, _m in first)

    def _forget_in_memory(self) -> None:
        """What another worker knows: nothing in its memory, only the database."""
        from placement.matches import services as matches

        matches._RANKINGS.clear()

    def test_another_worker_uses_the_stored_ranking(
        self, client: FlaskClient, host: InstitutionMember, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        from placement.matches import services as matches

        factories.ExpertFactory(occupation_label="emergency physician")
        need = factories.NeedFactory(institution=host.institution)
        assert "emergency physician" in self._candidates(client, need)
        assert db.session.scalar(select(func.count()).select_from(NeedRanking)) == 1
        self._forget_in_memory()

        def no_new_ranking(*_args: object) -> None:
            raise AssertionError("the stored ranking should have been used")

        monkeypatch.setattr(matches, "_rank_experts", no_new_ranking)
        assert "emergency physician" in self._candidates(client, need)

    def test_an_old_or_outdated_stored_ranking_is_made_again(
        self, client: FlaskClient, host: InstitutionMember, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        from placement.matches import services as matches

        factories.ExpertFactory()
        need = factories.NeedFactory(institution=host.institution)
        self._candidates(client, need)
        calls = []
        original = matches._rank_experts
        monkeypatch.setattr(matches, "_rank_experts", lambda *a: calls.append(a) or original(*a))
        stored = db.session.scalar(select(NeedRanking))
        stored.computed_at = datetime.now(UTC) - timedelta(minutes=6)
        db.session.commit()
        self._forget_in_memory()
        self._candidates(client, need)
        assert len(calls) == 1
        db.session.get(Need, need.id).title = "Trainer in neonatal care"
        db.session.commit()
        self._forget_in_memory()
        self._candidates(client, need)
        assert len(calls) == 2
        assert db.session.scalar(select(func.count()).select_from(NeedRanking)) == 1

    def test_an_edit_during_the_ranking_leaves_the_stored_one_outdated(
        self, client: FlaskClient, host: InstitutionMember, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """The ranking is stored under the version of the need it was made from."""
        from placement.database import writes_first
        from placement.matches import services as matches

        factories.ExpertFactory()
        need = factories.NeedFactory(institution=host.institution)
        ranked_version = db.session.get(Need, need.id).updated_at
        original = matches._rank_experts

        def rank_while_someone_edits(*args: object) -> object:
            ranked = original(*args)
            with writes_first():  # another request's edit, committed meanwhile
                db.session.execute(
                    update(Need)
                    .where(Need.id == need.id)
                    .values(updated_at=ranked_version + timedelta(seconds=5))
                )
            db.session.expire_all()
            return ranked

        monkeypatch.setattr(matches, "_rank_experts", rank_while_someone_edits)
        self._candidates(client, need)
        assert db.session.scalar(select(NeedRanking.need_version)) == ranked_version

    def test_erasing_an_expert_deletes_every_stored_ranking(
        self, client: FlaskClient, host: InstitutionMember
    ) -> None:
        from placement.experts.data_rights import erase_account

        expert = factories.ExpertFactory()
        need = factories.NeedFactory(institution=host.institution)
        self._candidates(client, need)
        assert db.session.scalar(select(func.count()).select_from(NeedRanking)) == 1
        erase_account(db.session.get(User, expert.user_id))
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(NeedRanking)) == 0

    def test_a_ranking_made_inside_a_write_is_not_stored(
        self, client: FlaskClient, host: InstitutionMember
    ) -> None:
        """Storing it would commit the write early."""
        expert = factories.ExpertFactory()
        need = factories.NeedFactory(institution=host.institution)
        client.post(f"/host/needs/{need.uuid}/candidates/{expert.uuid}/interest")
        assert db.session.scalar(select(Interest.source)) is InterestSource.HOST
        assert db.session.scalar(select(func.count()).select_from(NeedRanking)) == 0

    def test_the_job_ranks_again_what_is_about_to_expire(
        self,
        app: Flask,
        client: FlaskClient,
        host: InstitutionMember,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        from placement.jobs import run_job
        from placement.matches import services as matches

        factories.ExpertFactory()
        needs = [factories.NeedFactory(institution=host.institution) for _ in range(3)]
        for need in needs:
            self._candidates(client, need)
        db.session.get(Need, needs[2].id).status = NeedStatus.CLOSED
        old = datetime.now(UTC) - timedelta(minutes=2)
        for stored in db.session.scalars(select(NeedRanking)):
            stored.computed_at = old
        db.session.commit()
        loads = []
        original = matches.country_block
        monkeypatch.setattr(matches, "country_block", lambda *c: loads.append(c) or original(*c))
        assert run_job(app, "refresh-rankings", TODAY) == 2
        assert len(loads) == 1  # one fit for the two open needs of one country and programme
        made = dict(db.session.execute(select(NeedRanking.need_id, NeedRanking.computed_at)).all())
        assert made[needs[0].id] > old and made[needs[1].id] > old
        assert made[needs[2].id] == old  # closed: left to expire
        assert run_job(app, "refresh-rankings", TODAY) == 0  # nothing due any more
        self._forget_in_memory()
        monkeypatch.setattr(matches, "_rank_experts", lambda *_a: pytest.fail("ranked again"))
        assert "Candidate 1" in self._candidates(client, needs[0])

    def test_each_reader_gets_their_language_and_their_own_csrf_token(
        self,
        app: Flask,
        client: FlaskClient,
        host: InstitutionMember,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        expert = factories.ExpertFactory()
        need = factories.NeedFactory(institution=host.institution)
        colleague = factories.HostMemberFactory(institution=host.institution)
        other_client = app.test_client()
        other_client.post(
            "/login", data={"email": colleague.user.email, "password": factories.PASSWORD}
        )
        monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
        token = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
        mine = self._candidates(client, need)
        theirs = self._candidates(other_client, need, **{"Accept-Language": "fr"})
        assert "I am interested" in mine and "I am interested" not in theirs
        assert "Candidat" in theirs
        assert token.findall(mine) and token.findall(theirs)
        assert set(token.findall(mine)).isdisjoint(token.findall(theirs))
        again = self._candidates(other_client, need, **{"Accept-Language": "fr"})
        url = f"/host/needs/{need.uuid}/candidates/{expert.uuid}/interest"
        response = other_client.post(url, data={"csrf_token": token.findall(again)[0]})
        assert response.status_code == 302
        assert db.session.scalar(select(Interest.source)) is InterestSource.HOST


class TestPublicNeeds:
    def test_lists_open_needs_only_and_no_personal_data(self, client: FlaskClient) -> None:
        host = factories.HostMemberFactory()
        open_need = factories.NeedFactory(institution=host.institution, title="Open one")
        draft = factories.NeedFactory(
            institution=host.institution, title="Draft one", status=NeedStatus.DRAFT
        )
        page = _page(client.get("/needs"))
        assert "Open one" in page and "Draft one" not in page
        assert host.user.email not in page
        assert client.get(f"/needs/{draft.uuid}").status_code == 404
        assert "Open one" in _page(client.get(f"/needs/{open_need.uuid}"))

    def test_filters(self, client: FlaskClient) -> None:
        factories.NeedFactory(title="Midwife trainer", sector="health")
        factories.NeedFactory(
            title="Bridge engineer",
            sector="engineering",
            institution=factories.InstitutionFactory(country="GH"),
        )
        assert "Bridge engineer" not in _page(client.get("/needs?sector=health"))
        assert "Midwife trainer" not in _page(client.get("/needs?country=GH"))
        assert "Bridge engineer" in _page(client.get("/needs?q=bridge"))
        assert client.get("/needs?country=ZZZ&page=-4").status_code == 200

    def test_expert_says_interested(self, client: FlaskClient, login_as: Callable) -> None:
        login_as("expert")
        need = factories.NeedFactory()
        client.post(f"/needs/{need.uuid}/interest")
        assert db.session.scalar(select(Interest.source)) is InterestSource.EXPERT
        assert "You are interested" in _page(client.get(f"/needs/{need.uuid}"))
        client.post(f"/needs/{need.uuid}/interest")
        assert db.session.scalar(select(func.count()).select_from(Interest)) == 0


class TestExpiry:
    def test_expired_needs_close_themselves_once_and_hosts_are_told(
        self, app: Flask, db_session: object
    ) -> None:
        host = factories.HostMemberFactory()
        late = factories.NeedFactory(
            institution=host.institution,
            start=TODAY + timedelta(days=1),
            end=TODAY + timedelta(days=40),
            duration_weeks=4,
        )
        fine = factories.NeedFactory(institution=host.institution)
        day = TODAY + timedelta(days=20)  # 4 weeks no longer fit before the end
        assert run_due(app, day)["expire-needs"] == 1
        assert run_due(app, day)["expire-needs"] == 0
        assert _need(late).status is NeedStatus.EXPIRED
        assert _need(fine).status is NeedStatus.OPEN
        assert db.session.scalar(select(func.count()).select_from(Notification)) == 1

    def test_run_due_command(self, app: Flask, db_session: object) -> None:
        result = app.test_cli_runner().invoke(args=["jobs", "run-due", "--date", "2099-01-01"])
        assert result.exit_code == 0 and "expire-needs: 0" in result.output
        bad = app.test_cli_runner().invoke(args=["jobs", "run-due", "--date", "tomorrow"])
        assert bad.exit_code == 2


class TestInstitutionReview:
    def test_verify_and_reject(self, app: Flask, client: FlaskClient, login_as: Callable) -> None:
        login_as("staff")
        member = factories.HostMemberFactory(institution__status=VerificationStatus.PENDING)
        institution = member.institution
        assert institution.name in _page(client.get("/staff/institutions?status=pending"))
        refused = client.post(
            f"/staff/institutions/{institution.uuid}", data={"decision": "reject", "reason": ""}
        )
        assert "Give a reason" in _page(refused)
        client.post(f"/staff/institutions/{institution.uuid}", data={"decision": "verify"})
        db.session.expire_all()
        assert db.session.get(Institution, institution.id).status is VerificationStatus.VERIFIED
        assert (
            db.session.scalar(
                select(AuditEvent.action).where(AuditEvent.object_uuid == str(institution.uuid))
            )
            == "institution.verify"
        )
        assert (
            client.post(
                f"/staff/institutions/{institution.uuid}", data={"decision": "explode"}
            ).status_code
            == 400
        )


class TestProgrammes:
    def _form(self, **changes: object) -> dict[str, object]:
        form: dict[str, object] = {
            "code": "TRQN-V",
            "name": "TRQN V",
            "start": "2027-01-01",
            "end": "2029-12-31",
            "eligible_origin_countries": ["SL", "SD"],
            "priority_sectors": ["health"],
            "min_weeks": "2",
            "max_weeks": "26",
            "currency": "EUR",
            "active": "y",
            "quotas-0-country": "SL",
            "quotas-0-max_placements": "30",
            "quotas-0-budget": "120000.00",
        }
        form.update(changes)
        return form

    def test_create_and_edit_with_audit(self, client: FlaskClient, login_as: Callable) -> None:
        login_as("staff")
        assert client.post("/staff/programmes/new", data=self._form()).status_code == 302
        programme = db.session.scalars(select(Programme)).one()
        assert programme.quotas[0].max_placements == 30
        client.post(f"/staff/programmes/{programme.uuid}", data=self._form(max_weeks="20"))
        db.session.expire_all()
        assert db.session.get(Programme, programme.id).max_weeks == 20
        events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
        assert [e.action for e in events] == ["programme.create", "programme.update"]
        assert events[1].before["max_weeks"] == 26 and events[1].after["max_weeks"] == 20

    @pytest.mark.parametrize(
        ("changes", "message"),
        [
            ({"min_weeks": "30"}, "The minimum cannot exceed the maximum."),
            ({"quotas-0-country": "GH"}, "only be set for eligible countries"),
            ({"end": "2026-01-01"}, "The end must come after the start."),
            ({"eligible_origin_countries": []}, "Choose at least one country."),
            ({"code": "bad code!"}, "Letters, digits"),
            ({"quotas-0-budget": "lots"}, "Not a valid decimal value."),
            ({"currency": "euro"}, "A code like EUR."),
        ],
    )
    def test_bad_input(
        self, client: FlaskClient, login_as: Callable, changes: dict, message: str
    ) -> None:
        login_as("staff")
        response = client.post("/staff/programmes/new", data=self._form(**changes))
        assert message in _page(response)
        assert db.session.scalar(select(func.count()).select_from(Programme)) == 0

    def test_codes_are_unique(self, client: FlaskClient, login_as: Callable) -> None:
        login_as("staff")
        factories.ProgrammeFactory(code="TRQN-V")
        assert "already uses this code" in _page(
            client.post("/staff/programmes/new", data=self._form())
        )


class TestInvitations:
    def test_invite_and_accept(
        self, app: Flask, client: FlaskClient, host: InstitutionMember
    ) -> None:
        url = f"/host/institutions/{host.institution.uuid}/members"
        client.post(url, data={"email": "colleague@example.org"})
        message = db.session.scalars(select(OutboxEmail)).one()
        link = message.body_text.split("http://localhost", 1)[1].split()[0]
        newcomer = app.test_client()
        response = newcomer.post(
            link,
            data={
                "full_name": "Fatmata Koroma",
                "password": "a long and unusual passphrase 7",
                "confirm": "a long and unusual passphrase 7",
                "consent_processing": "y",
            },
        )
        assert response.status_code == 302
        user = db.session.scalar(select(User).where(User.email == "colleague@example.org"))
        assert user.memberships[0].institution_id == host.institution_id
        reused = app.test_client().get(link)
        assert reused.status_code == 302 and "/login" in reused.headers["Location"]

    def test_only_institution_admins_invite(self, client: FlaskClient, login: Callable) -> None:
        member = factories.HostMemberFactory(role=MemberRole.MEMBER)
        login(member.user)
        response = client.post(
            f"/host/institutions/{member.institution.uuid}/members", data={"email": "x@example.org"}
        )
        assert response.status_code == 403
        assert db.session.scalar(select(func.count()).select_from(OutboxEmail)) == 0

    def test_existing_address_and_other_institutions(
        self, client: FlaskClient, host: InstitutionMember
    ) -> None:
        taken = factories.ExpertFactory().user.email
        page = _page(
            client.post(
                f"/host/institutions/{host.institution.uuid}/members", data={"email": taken}
            )
        )
        assert "already has an account" in page
        other = factories.InstitutionFactory()
        assert client.get(f"/host/institutions/{other.uuid}/members").status_code == 404
