"""Outcomes: surveys on a schedule, answering them, the evaluation dashboard and exports, and
the outcome model that is used only above its data threshold."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy import func, select

from placement.extensions import db
from placement.jobs import run_due, run_job
from placement.models import (
    Notification,
    OutcomeReport,
    Placement,
    PlacementStatus,
    RespondentRole,
    SurveyPoint,
    User,
    utcnow,
)
from placement.outcomes import evaluation, model
from placement.outcomes.questionnaires import questionnaire_for
from tests import factories

S = PlacementStatus
TODAY = date.today()


@pytest.fixture(autouse=True)
def _no_model_leaks(app: Flask) -> object:
    """A trained model lives in the instance folder; never let one reach other tests."""
    yield
    folder = Path(app.config["INSTANCE_PATH"])
    for name in (model.MODEL_FILE, model.MODEL_FILE + ".json"):
        (folder / name).unlink(missing_ok=True)


def _page(response: object) -> str:
    return response.get_data(as_text=True)  # type: ignore[attr-defined]


def _reports() -> list[OutcomeReport]:
    db.session.expire_all()
    return list(db.session.scalars(select(OutcomeReport).order_by(OutcomeReport.id)))


@pytest.fixture
def approved(app: Flask, db_session: object) -> Placement:
    """A placement approved through the workflow (which starts the baseline surveys)."""
    host = factories.HostMemberFactory()
    placement = factories.PlacementFactory(
        need=factories.NeedFactory(institution=host.institution),
        status=S.ACCEPTED,
        host_confirmed_at=utcnow(),
    )
    staff = factories.StaffFactory()
    client = app.test_client()
    client.post("/login", data={"email": staff.email, "password": factories.PASSWORD})
    assert client.post(f"/placements/{placement.uuid}/approve").status_code == 302
    return placement


class TestSchedule:
    def test_approval_starts_baseline_surveys_for_both_sides(self, approved: Placement) -> None:
        reports = _reports()
        assert {(r.point, r.respondent_role) for r in reports} == {
            (SurveyPoint.BASELINE, RespondentRole.EXPERT),
            (SurveyPoint.BASELINE, RespondentRole.HOST),
        }
        assert all(r.questionnaire_version.startswith("baseline-") for r in reports)

    def test_invitations_once_reminders_twice(self, app: Flask, approved: Placement) -> None:
        assert run_due(app, TODAY)["send-surveys"] == 2
        assert run_due(app, TODAY)["send-surveys"] == 0
        assert run_due(app, TODAY + timedelta(days=3))["remind-surveys"] == 0
        assert run_due(app, TODAY + timedelta(days=7))["remind-surveys"] == 2
        assert run_due(app, TODAY + timedelta(days=8))["remind-surveys"] == 0
        assert run_due(app, TODAY + timedelta(days=14))["remind-surveys"] == 2
        assert run_due(app, TODAY + timedelta(days=60))["remind-surveys"] == 0
        kinds = db.session.scalars(
            select(Notification.kind).where(Notification.kind.like("survey.%"))
        ).all()
        assert sorted(kinds).count("survey.invite") == 2
        assert sorted(kinds).count("survey.reminder") == 4

    def test_end_and_follow_up_surveys_when_due(self, app: Flask, approved: Placement) -> None:
        db.session.get(Placement, approved.id).status = S.COMPLETED
        db.session.commit()
        end = approved.end
        run_due(app, end)
        assert {r.point for r in _reports()} == {
            SurveyPoint.BASELINE,
            SurveyPoint.END,
            SurveyPoint.FOLLOW_UP,
        }
        follow_up = [r for r in _reports() if r.point is SurveyPoint.FOLLOW_UP]
        assert all(
            r.due_on == end + timedelta(days=365) and r.invited_at is None for r in follow_up
        )
        run_due(app, end + timedelta(days=365))
        assert all(r.invited_at is not None for r in _reports())
        created = run_due(app, end + timedelta(days=400))["schedule-surveys"]
        assert created == 0 and len(_reports()) == 6


class TestAnswering:
    def _report(self, app: Flask, approved: Placement, role: RespondentRole) -> OutcomeReport:
        run_due(app, TODAY)
        return next(r for r in _reports() if r.respondent_role is role)

    def test_expert_answers_once(self, app: Flask, approved: Placement) -> None:
        report = self._report(app, approved, RespondentRole.EXPERT)
        title, report_id = report.placement.need.title, report.id
        url = f"/surveys/{report.uuid}"
        client = app.test_client()
        client.post(
            "/login",
            data={
                "email": db.session.get(User, report.respondent_id).email,
                "password": factories.PASSWORD,
            },
        )
        assert title in _page(client.get("/surveys/"))
        bad = client.post(url, data={"objectives": "", "preparation": "9"})
        assert bad.status_code == 400
        assert "Please answer this question." in _page(bad)
        assert "Enter a number from 1 to 5." in _page(bad)
        good = client.post(
            url,
            data={
                "objectives": "Train 20 nurses",
                "expected_results": "Protocols",
                "preparation": "4",
            },
        )
        assert good.status_code == 302
        stored = next(r for r in _reports() if r.id == report_id)
        assert stored.answers == {
            "objectives": "Train 20 nurses",
            "expected_results": "Protocols",
            "preparation": 4,
        }
        again = client.post(
            url, data={"objectives": "x", "expected_results": "y", "preparation": "1"}
        )
        assert "already been answered" in _page(again)

    def test_nobody_else_can_open_a_survey(self, app: Flask, approved: Placement) -> None:
        report = self._report(app, approved, RespondentRole.HOST)
        for user in (factories.ExpertFactory().user, factories.StaffFactory()):
            client = app.test_client()
            client.post("/login", data={"email": user.email, "password": factories.PASSWORD})
            assert client.get(f"/surveys/{report.uuid}").status_code == 404
        assert app.test_client().get(f"/surveys/{report.uuid}").status_code == 302

    @pytest.mark.parametrize(
        ("point", "role"),
        [(p, r) for p in SurveyPoint for r in (RespondentRole.EXPERT, RespondentRole.HOST)],
    )
    def test_every_questionnaire_is_defined(self, point: SurveyPoint, role: RespondentRole) -> None:
        questionnaire = questionnaire_for(point, role)
        assert questionnaire.questions and questionnaire.version


def _completed_with_outcome(success: bool, years: int) -> Placement:
    placement = factories.PlacementFactory(
        status=S.COMPLETED, match_score=0.5, expert=factories.ExpertFactory(years_experience=years)
    )
    db.session.add(
        OutcomeReport(
            placement_id=placement.id,
            point=SurveyPoint.END,
            respondent_role=RespondentRole.HOST,
            questionnaire_version="end-host-1",
            due_on=placement.end,
            invited_at=utcnow(),
            submitted_at=utcnow(),
            answers={
                "objectives_met": success,
                "satisfaction": 5 if success else 2,
                "people_trained": 10,
            },
        )
    )
    db.session.commit()
    return placement


class TestEvaluation:
    def test_dashboard_and_exports(
        self, app: Flask, client: FlaskClient, login_as: Callable
    ) -> None:
        for number in range(3):
            _completed_with_outcome(number != 1, 10)
        login_as("staff")
        page = _page(client.get("/staff/evaluation"))
        for heading in (
            "Placements by programme",
            "Placements by gender",
            "Completion rate",
            "Survey response rates",
            "Average satisfaction",
            "Objectives met",
            "People trained",
            "Days from need to approved placement",
            "Fairness",
        ):
            assert heading in page
        assert page.count('<table class="bar-chart">') >= 9
        exported = client.get("/staff/evaluation/placements.csv")
        assert exported.headers["Content-Disposition"].startswith("attachment")
        rows = list(csv.DictReader(io.StringIO(exported.get_data(as_text=True))))
        assert list(rows[0]) == [name for name, _ in evaluation.COLUMNS]
        assert len(rows) == 3 and {r["end_host_objectives_met"] for r in rows} == {"True", "False"}
        body = exported.get_data(as_text=True)
        for expert_user in db.session.scalars(select(User).where(User.role == "expert")):
            assert expert_user.email not in body and expert_user.full_name not in body
        workbook = load_workbook(io.BytesIO(client.get("/staff/evaluation/placements.xlsx").data))
        assert workbook.sheetnames == ["placements", "data dictionary", "fairness"]
        fairness = list(
            csv.DictReader(
                io.StringIO(client.get("/staff/evaluation/fairness.csv").get_data(as_text=True))
            )
        )
        assert tuple(fairness[0]) == evaluation.FAIRNESS_COLUMNS
        assert {row["group"] for row in fairness} == {"gender", "residence_country"}

    def test_bad_filters_are_ignored_with_a_message(
        self, client: FlaskClient, login_as: Callable
    ) -> None:
        login_as("staff")
        response = client.get("/staff/evaluation?start=yesterday&programme=nope")
        assert response.status_code == 200
        assert "Some filters were not understood" in _page(response)

    def test_only_staff(self, client: FlaskClient, login_as: Callable) -> None:
        login_as("expert")
        assert client.get("/staff/evaluation/placements.csv").status_code == 403


class TestOutcomeModel:
    def test_not_used_below_the_threshold(self, app: Flask, app_ctx: None) -> None:
        for number in range(model.MIN_OUTCOMES - 1):
            _completed_with_outcome(number % 2 == 0, number % 20)
        assert run_job(app, "refit-outcome-model", TODAY) == model.MIN_OUTCOMES - 1
        assert model.current_model() is None and model.extra_scorers() == {}
        assert model.evaluate()["enough"] is False

    def test_used_above_it_with_its_weight_in_the_explanation(
        self, app: Flask, app_ctx: None
    ) -> None:
        for number in range(model.MIN_OUTCOMES + 10):
            _completed_with_outcome(number % 3 != 0, number % 25)
        run_job(app, "refit-outcome-model", TODAY)
        _trained, info = model.current_model()
        assert info.outcomes == model.MIN_OUTCOMES + 10 and info.weight == model.WEIGHT
        from placement.matches.services import experts_for_need

        ranked = experts_for_need(factories.NeedFactory(), 5)
        assert ranked, "the need should have candidates"
        explanation = ranked[0].match.explanation
        assert explanation["weights"]["predicted_success"] == model.WEIGHT
        assert 0.0 <= ranked[0].match.components["predicted_success"] <= 1.0
        report = model.evaluate()
        assert report["enough"] and report["learned_auc"] is not None
        assert report["learned_calibration"]

    def test_evaluate_command(self, app: Flask, db_session: object) -> None:
        result = app.test_cli_runner().invoke(args=["outcomes", "evaluate"])
        assert result.exit_code == 0 and "Labelled outcomes: 0" in result.output
        assert db.session.scalar(select(func.count()).select_from(OutcomeReport)) == 0
