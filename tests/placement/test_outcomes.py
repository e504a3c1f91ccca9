"""Outcomes: surveys on a schedule, answering them, the evaluation dashboard and exports, and
the outcome model: labels, features without leakage, model choice, the time-ordered
evaluation, and its guarded use in ranking."""

from __future__ import annotations

import csv
import io
import json
import math
import random
import shutil
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy import func, select

from matching.engine import Matcher
from placement.extensions import db
from placement.jobs import run_due, run_job
from placement.matches.records import expert_record, need_record
from placement.models import (
    AuditEvent,
    ExpertProfile,
    Notification,
    OutcomeReport,
    Placement,
    PlacementStatus,
    RespondentRole,
    SurveyPoint,
    User,
    utcnow,
)
from placement.outcomes import assessment, evaluation, features, labels, learner, model, ranking
from placement.outcomes import history as versions
from placement.outcomes.questionnaires import questionnaire_for
from placement.taxonomy import get_taxonomy
from tests import factories

S = PlacementStatus
TODAY = date.today()


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


def _report(
    placement: Placement,
    point: SurveyPoint,
    role: RespondentRole,
    answers: dict,
    submitted: datetime | None,
) -> None:
    db.session.add(
        OutcomeReport(
            placement_id=placement.id,
            point=point,
            respondent_role=role,
            questionnaire_version=questionnaire_for(point, role).version,
            due_on=placement.end,
            invited_at=utcnow(),
            submitted_at=submitted,
            answers=answers,
        )
    )


def _completed_with_outcome(
    success: bool,
    years: int,
    *,
    start: date | None = None,
    weeks: int = 6,
    expert: object | None = None,
    later: bool | None = None,
) -> Placement:
    """A completed placement whose host and expert answered the end survey the day after it
    ended; ``later`` adds the 12-month follow-up."""
    start = start or TODAY - timedelta(days=400)
    need = factories.NeedFactory(
        start=start, end=start + timedelta(weeks=weeks + 2), duration_weeks=weeks
    )
    placement = factories.PlacementFactory(
        status=S.COMPLETED,
        match_score=0.5,
        need=need,
        expert=expert or factories.ExpertFactory(years_experience=years),
        end=start + timedelta(weeks=weeks),
    )
    answered = _at(placement.end + timedelta(days=1))
    answers = {"objectives_met": success, "satisfaction": 5 if success else 2, "people_trained": 3}
    _report(placement, SurveyPoint.END, RespondentRole.HOST, answers, answered)
    _report(placement, SurveyPoint.END, RespondentRole.EXPERT, answers, answered)
    if later is not None:
        _report(
            placement,
            SurveyPoint.FOLLOW_UP,
            RespondentRole.HOST,
            {"procedures_adopted": later},
            _at(placement.end + timedelta(days=370)),
        )
    db.session.commit()
    return placement


def _at(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), UTC)


def _history_with_signal(count: int, signal: bool = True) -> None:
    """``count`` labelled placements over two years; success follows experience (which the
    engine sees) or, with ``signal`` False, a seeded coin."""
    coin = random.Random(7)
    for number in range(count):
        years = number % 20
        success = years >= 8 if signal else coin.random() < 0.5
        _completed_with_outcome(success, years, start=TODAY - timedelta(days=900 - 8 * number))


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


@pytest.fixture
def clean_models(app: Flask) -> object:
    """Stored models and evaluations live in the instance folder; none reaches another test."""
    folder = Path(app.config["INSTANCE_PATH"])
    shutil.rmtree(folder / versions.FOLDER, ignore_errors=True)
    (folder / versions.EVALUATION_FILE).unlink(missing_ok=True)
    yield folder
    shutil.rmtree(folder / versions.FOLDER, ignore_errors=True)
    (folder / versions.EVALUATION_FILE).unlink(missing_ok=True)


def _unsaved(point: SurveyPoint, role: RespondentRole, answers: dict, day: int = 1):
    return OutcomeReport(
        point=point,
        respondent_role=role,
        answers=answers,
        submitted_at=_at(TODAY - timedelta(days=100 - day)),
    )


H, E, END, LATER = (
    RespondentRole.HOST,
    RespondentRole.EXPERT,
    SurveyPoint.END,
    SurveyPoint.FOLLOW_UP,
)


class TestLabels:
    def test_host_and_expert_agree(self) -> None:
        good = {"objectives_met": True, "satisfaction": 4}
        label = labels.label_of([_unsaved(END, H, good), _unsaved(END, E, good)])
        assert label.proxy is True and label.later is None and label.best is True
        assert label.problems == ()
        low = labels.label_of([_unsaved(END, H, {"objectives_met": True, "satisfaction": 3})])
        assert low.proxy is False

    def test_contradiction_keeps_the_host_and_is_counted(self) -> None:
        label = labels.label_of(
            [
                _unsaved(END, H, {"objectives_met": False, "satisfaction": 2}),
                _unsaved(END, E, {"objectives_met": True, "satisfaction": 5}),
            ]
        )
        assert label.proxy is False and "contradictory" in label.problems

    def test_no_host_report_lets_the_expert_stand_in(self) -> None:
        label = labels.label_of([_unsaved(END, E, {"objectives_met": True, "satisfaction": 5})])
        assert label.proxy is True and label.problems == ("no_host_report",)

    def test_missing_answers_and_no_report_are_counted(self) -> None:
        missing = labels.label_of([_unsaved(END, H, {"satisfaction": 5})])
        assert missing.best is None and "missing_answers" in missing.problems
        assert labels.label_of([]).problems == ("no_end_report",)
        quality = labels.Quality()
        for label in (missing, labels.label_of([])):
            quality.add(label)
        counted = quality.as_dict()
        assert counted["completed"] == 2 and counted["unlabelled"] == 2
        assert counted["problems"]["missing_answers"] == 1
        assert counted["problems"]["no_end_report"] == 1

    def test_the_follow_up_wins_and_is_known_only_once_answered(self) -> None:
        proxy_day, later_day = 10, 60
        label = labels.label_of(
            [
                _unsaved(END, H, {"objectives_met": True, "satisfaction": 5}, proxy_day),
                _unsaved(LATER, H, {"procedures_adopted": False}, later_day),
            ]
        )
        assert (label.proxy, label.later, label.best) == (True, False, False)
        between = _at(TODAY - timedelta(days=100 - (proxy_day + later_day) // 2))
        assert label.known_by(between) is True
        assert label.known_by(_at(TODAY)) is False
        assert label.known_by(_at(TODAY - timedelta(days=200))) is None
        broken = labels.label_of([_unsaved(LATER, H, {"what_lasted": "x"})])
        assert "follow_up_missing_answer" in broken.problems


def _feature(row: features.Row, name: str) -> float:
    return row.features[features.FEATURES.index(name)]


class TestFeatures:
    def test_only_earlier_placements_and_outcomes_known_by_then(self, app_ctx: None) -> None:
        expert = factories.ExpertFactory()
        first = _completed_with_outcome(True, 10, start=TODAY - timedelta(days=500), expert=expert)
        second = _completed_with_outcome(
            False, 10, start=first.end + timedelta(days=20), expert=expert
        )
        # Starts the day the second ends: its answer (the day after) was not known yet.
        third = _completed_with_outcome(True, 10, start=second.end, expert=expert)
        rows = {r.placement_id: r for r in features.history().rows}
        assert [_feature(rows[first.id], n) for n in ("prior_placements", "prior_successes")] == [
            0,
            0,
        ]
        assert _feature(rows[second.id], "prior_placements") == 1
        assert _feature(rows[second.id], "prior_successes") == 1
        assert _feature(rows[third.id], "prior_placements") == 1  # the second had not ended
        assert _feature(rows[third.id], "prior_outcomes_known") == 1

    def test_engine_components_and_recomputed_heuristic(self, app_ctx: None) -> None:
        placement = _completed_with_outcome(True, 12)
        (row,) = features.history().rows
        expert, need = features.as_then(placement)
        (view,) = features.engine_view([(expert, need)])
        assert row.heuristic == view["score"] and row.heuristic != placement.match_score
        for name in features.COMPONENTS:
            value = view["components"][name]
            got = _feature(row, f"engine_{name}")
            assert (math.isnan(got) and value is None) or got == value
        assert _feature(row, "host_hospital") == 1 and _feature(row, "sector_health") == 1
        assert _feature(row, "duration_weeks") == placement.need.duration_weeks

    def test_years_abroad_at_the_placement_start_when_the_expert_said(self, app_ctx: None) -> None:
        told = _completed_with_outcome(True, 10, start=date(2025, 3, 1))
        told.expert.abroad_since = 2015
        untold = _completed_with_outcome(True, 10, start=date(2025, 3, 1))
        db.session.commit()
        rows = {r.placement_id: r for r in features.history().rows}
        assert _feature(rows[told.id], "years_abroad") == 10
        assert math.isnan(_feature(rows[untold.id], "years_abroad"))

    def test_a_model_of_other_feature_columns_is_not_used(
        self, app: Flask, app_ctx: None, clean_models: Path
    ) -> None:
        x, y = _synthetic(80)
        old = learner.train("linear", x, y)
        versions.deploy(
            old,
            versions.OutcomeModelVersion(
                1, "2020-01-01", "linear", ("a", "b", "c", "d", "e"), 80, 0, 1.0, 0.5, 0.1
            ),
        )
        assert versions.current() is None and ranking.learned_term() is None

    def test_a_pair_the_engine_cannot_score_again_is_counted(self, app_ctx: None) -> None:
        placement = _completed_with_outcome(True, 12)
        placement.expert.residence_country = placement.need.country  # moved back since
        db.session.commit()
        found = features.history()
        assert found.rows == [] and found.quality.no_heuristic == 1


def _synthetic(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 5))
    y = (x[:, 0] + rng.normal(scale=0.5, size=n) > 0).astype(int)
    return x, y


class TestModelChoice:
    def test_only_the_linear_model_below_the_flexible_minimum(self) -> None:
        x, y = _synthetic(learner.MIN_FLEXIBLE - 1)
        chosen = learner.select_model(x, y)
        assert chosen.tried == ("linear",) and chosen.reason == "small_sample"
        assert chosen.chosen == "linear" and chosen.cv_log_loss["linear"] is not None

    def test_all_candidates_above_it(self) -> None:
        x, y = _synthetic(learner.MIN_FLEXIBLE + 50)
        chosen = learner.select_model(x, y)
        assert chosen.tried == ("linear", "spline_interaction", "boosting")
        assert chosen.chosen == min(chosen.cv_log_loss, key=lambda n: chosen.cv_log_loss[n])
        trained = learner.train(chosen.chosen, x, y, np.where(np.arange(len(y)) % 2, y, -1))
        assert trained.notes["calibrated_to"] == "later"
        p = trained.predict(x)
        assert ((p >= 0) & (p <= 1)).all() and assessment.auc(y, p) > 0.8

    def test_no_model_below_the_minimum_sample(
        self, app: Flask, app_ctx: None, clean_models: Path
    ) -> None:
        for number in range(12):
            _completed_with_outcome(number % 2 == 0, number)
        assert run_job(app, "refit-outcome-model", TODAY) == 12
        assert model.current_model() is None and ranking.learned_term() is None
        assert type(ranking.outcome_aware_matcher()) is Matcher
        report = versions.last_evaluation()
        assert report["enough"] is False and report["threshold"] == learner.MIN_OUTCOMES


class TestAssessment:
    def test_weight_is_zero_when_the_learned_score_does_not_help(self) -> None:
        rng = np.random.default_rng(1)
        y = rng.integers(0, 2, 200)
        heuristic = np.clip(0.5 + 0.3 * (y - 0.5) + rng.normal(scale=0.2, size=200), 0, 1)
        chosen = assessment.choose_weight(
            y, rng.random(200), heuristic, assessment.resamples_of(200)
        )
        assert chosen["weight"] == 0.0 and len(chosen["trials"]) == len(assessment.WEIGHT_GRID)

    def test_weight_is_positive_when_it_helps(self) -> None:
        rng = np.random.default_rng(2)
        y = rng.integers(0, 2, 200)
        learned = np.clip(0.5 + 0.4 * (y - 0.5) + rng.normal(scale=0.1, size=200), 0, 1)
        chosen = assessment.choose_weight(y, learned, rng.random(200), assessment.resamples_of(200))
        assert chosen["weight"] in assessment.WEIGHT_GRID

    def test_small_groups_are_suppressed(self) -> None:
        y = np.array([0, 1] * 15)
        p = np.linspace(0, 1, 30)
        groups = assessment.by_group(["a"] * 25 + ["b"] * 5, y, p, p, p)
        assert [(g["value"], g["suppressed"]) for g in groups] == [("a", False), ("b", True)]
        assert "learned" in groups[0] and "learned" not in groups[1]

    def test_the_split_never_cuts_a_start_day(self) -> None:
        rows = [
            features.Row(i, date(2025, 1, 1 + i // 4), labels.Label(), [], 0.0, "", "")
            for i in range(20)
        ]
        cut = assessment.time_split(rows)
        assert rows[cut - 1].start < rows[cut].start
        assert all(r.start <= rows[cut].start for r in rows[:cut])


def _in_use() -> int | None:
    found = model.current_model()
    return None if found is None else found[1].version


class TestGuardedUse:
    def test_no_benefit_means_the_heuristic_ranks_alone(
        self, app: Flask, app_ctx: None, clean_models: Path
    ) -> None:
        _history_with_signal(70, signal=False)
        report = model.evaluate(TODAY, deploy=True)
        assert report["enough"] and report["weight"] == 0.0
        assert report["decision"]["action"] == "deployed" and _in_use() == 1
        assert ranking.learned_term() is None
        assert type(ranking.outcome_aware_matcher()) is Matcher

    def test_a_worse_retrain_is_not_deployed(
        self, app: Flask, app_ctx: None, clean_models: Path
    ) -> None:
        # What made a placement succeed reversed recently; the model in use learned the new
        # rule (from the recent placements), a retrain on the earlier ones learns the old one.
        for number in range(70):
            years = number % 20
            success = years >= 8 if number < 49 else years < 8
            _completed_with_outcome(success, years, start=TODAY - timedelta(days=900 - 8 * number))
        found = features.history()
        recent = slice(45, None)
        labels_ = np.array([int(bool(r.label.best)) for r in found.rows])
        in_use = learner.train("linear", found.matrix()[recent], labels_[recent])
        versions.deploy(
            in_use,
            versions.OutcomeModelVersion(
                1, "2020-01-01", "linear", features.FEATURES, 25, 0, 1.0, 0.5, 0.1
            ),
        )
        db.session.commit()
        report = model.evaluate(TODAY, deploy=True)
        db.session.commit()
        assert report["decision"]["action"] == "not_deployed"
        assert report["current_auc"] > report["overall"]["learned"]["auc"]["value"]
        assert _in_use() == 1 and [v.version for v in versions.versions()] == [1]
        actions = db.session.scalars(
            select(AuditEvent.action).where(AuditEvent.action.like("outcome_model.%"))
        ).all()
        assert actions == ["outcome_model.deployed", "outcome_model.not_deployed"]

    def test_a_term_in_use_is_its_own_criterion_in_rankings(
        self, app: Flask, app_ctx: None, clean_models: Path
    ) -> None:
        _history_with_signal(40)
        found = features.history()
        labels_ = np.array([int(bool(r.label.best)) for r in found.rows])
        trained = learner.train("linear", found.matrix(), labels_)
        versions.deploy(
            trained,
            versions.OutcomeModelVersion(
                3, "2026-01-01", "linear", features.FEATURES, 40, 0, 0.7, 0.6, 0.2
            ),
        )
        from placement.matches.services import experts_for_need

        for years in (1, 5, 15):
            factories.ExpertFactory(years_experience=years)
        need = factories.NeedFactory()
        ranked = experts_for_need(need, 3)
        assert len(ranked) == 3
        for entry in ranked:
            explanation = entry.match.explanation
            assert explanation["weights"][ranking.TERM] == 0.2
            assert explanation["learned_model_version"] == 3
            assert 0.0 <= entry.match.components[ranking.TERM] <= 1.0
        # Exactly the top 3 of every candidate by heuristic + learned term, as the engine
        # would combine them (weighted mean with the term's weight).
        records = [expert_record(p) for p in db.session.scalars(select(ExpertProfile))]
        plain = Matcher().fit(records, [need_record(need)], taxonomy=get_taxonomy())
        every = plain.rank_experts(str(need.uuid), len(records))
        learned = ranking.learned_term().predict(plain, every)
        expected = sorted(
            (
                (round((m.score + 0.2 * p) / 1.2, 6), m.expert_id)
                for m, p in zip(every, learned, strict=True)
            ),
            key=lambda pair: (-pair[0], pair[1]),
        )[:3]
        assert [(e.match.score, e.match.expert_id) for e in ranked] == expected
        assert ranking.TERM not in every[0].components


class TestCommandAndPage:
    def test_evaluate_with_no_outcomes(
        self, app: Flask, db_session: object, clean_models: Path
    ) -> None:
        result = app.test_cli_runner().invoke(args=["outcomes", "evaluate"])
        assert result.exit_code == 0 and "Labelled outcomes: 0" in result.output
        assert "rankings use the matching heuristic alone" in result.output
        assert "Survey problems (counted, not dropped): no_end_report 0" in result.output
        assert db.session.scalar(select(func.count()).select_from(OutcomeReport)) == 0

    def test_command_and_page_show_the_same_figures(
        self, app: Flask, client: FlaskClient, login_as: Callable, clean_models: Path
    ) -> None:
        _history_with_signal(70)
        result = app.test_cli_runner().invoke(args=["outcomes", "evaluate"])
        assert result.exit_code == 0, result.output
        for text in ("Time-ordered split", "AUC", "BRIER", "ECE", "By gender", "By origin country"):
            assert text in result.output
        report = json.loads((clean_models / versions.EVALUATION_FILE).read_text())
        learned_auc = report["overall"]["learned"]["auc"]
        shown = f"{learned_auc['value']:.3f} [{learned_auc['low']:.3f}, {learned_auc['high']:.3f}]"
        assert shown in result.output
        login_as("staff")
        page = _page(client.get("/staff/evaluation"))
        assert f"{learned_auc['value']:.3f} <small>[{learned_auc['low']:.3f}, " in page
        assert "Later placements, held out" in page and "By country of origin" in page

    @pytest.mark.parametrize(
        ("role", "status"),
        [("staff", 200), ("admin", 200), ("expert", 403), ("institution", 403)],
    )
    def test_page_by_role(
        self, client: FlaskClient, login_as: Callable, clean_models: Path, role: str, status: int
    ) -> None:
        login_as(role)
        assert client.get("/staff/evaluation").status_code == status

    def test_page_survives_a_damaged_stored_report(
        self, client: FlaskClient, login_as: Callable, clean_models: Path
    ) -> None:
        (clean_models / versions.EVALUATION_FILE).write_text("{not json")
        (clean_models / versions.FOLDER).mkdir(exist_ok=True)
        (clean_models / versions.FOLDER / "current.json").write_text('{"version": "x"}')
        login_as("staff")
        page = _page(client.get("/staff/evaluation"))
        assert "No evaluation has been run yet" in page and "No outcome model is in use" in page

    def test_partner_representatives_are_refused(
        self, client: FlaskClient, login: Callable, clean_models: Path
    ) -> None:
        login(factories.PartnerRepresentativeFactory().user)
        assert client.get("/staff/evaluation").status_code == 403

    def test_anonymous_visitors_are_sent_to_log_in(self, client: FlaskClient) -> None:
        response = client.get("/staff/evaluation")
        assert response.status_code == 302 and "/login" in response.headers["Location"]


class TestExplanationOnPages:
    def test_staff_see_the_learned_criterion_in_the_explanation(
        self, app: Flask, client: FlaskClient, login_as: Callable, clean_models: Path
    ) -> None:
        with app.test_request_context():
            _history_with_signal(40)
            found = features.history()
            labels_ = np.array([int(bool(r.label.best)) for r in found.rows])
            versions.deploy(
                learner.train("linear", found.matrix(), labels_),
                versions.OutcomeModelVersion(
                    1, "2026-01-01", "linear", features.FEATURES, 40, 0, 0.7, 0.6, 0.15
                ),
            )
            factories.ExpertFactory()
            need = factories.NeedFactory()
            db.session.commit()
        login_as("staff")
        page = _page(client.get(f"/staff/needs/{need.uuid}"))
        assert "Predicted success (from past outcomes)" in page
