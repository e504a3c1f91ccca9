"""An expert answers the end-of-assignment survey from a phone, in Chromium."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from playwright.sync_api import expect

from placement.extensions import db
from placement.models import OutcomeReport, PlacementStatus, RespondentRole, SurveyPoint, utcnow
from tests import factories

pytestmark = pytest.mark.browser


@pytest.fixture
def survey(live_app: Flask) -> tuple[str, str]:
    with live_app.app_context():
        placement = factories.PlacementFactory(status=PlacementStatus.COMPLETED)
        report = OutcomeReport(
            placement_id=placement.id,
            point=SurveyPoint.END,
            respondent_role=RespondentRole.EXPERT,
            respondent_id=placement.expert.user_id,
            questionnaire_version="end-expert-1",
            due_on=placement.end,
            invited_at=utcnow(),
            answers={},
        )
        db.session.add(report)
        db.session.commit()
        found = (placement.expert.user.email, placement.need.title)
        db.session.remove()
    return found


def test_expert_answers_the_end_survey(page: object, survey: tuple[str, str]) -> None:
    email, title = survey
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto("/surveys/")
    page.get_by_role("link", name=title).click()
    page.get_by_role("button", name="Send my answers").click()
    expect(page.get_by_text("Please answer this question.").first).to_be_visible()
    page.get_by_role("group", name="Were the objectives met?").get_by_label("Yes").check()
    page.get_by_label("What did you do during the assignment?").fill("Taught triage to 12 nurses")
    page.get_by_label("How many people did you train?").fill("12")
    page.get_by_role("group", name=re.compile("How satisfied")).get_by_label("5").check()
    page.get_by_role("group", name="Would you take another assignment?").get_by_label("Yes").check()
    page.get_by_role("button", name="Send my answers").click()
    expect(page.get_by_text("Thank you: your answers are recorded.")).to_be_visible()
