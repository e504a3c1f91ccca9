"""Surveys at three points of every placement, for the expert and the host.

A placement that is approved gets a baseline survey for each side at once; when it ends, an
end-of-assignment survey; twelve months after its end, a follow-up. Scheduling, inviting and
reminding are separate, idempotent jobs: each only acts on what is still due, and the database's
unique key (placement, point, side, respondent) makes creating a survey twice impossible.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from placement import mail
from placement.extensions import db
from placement.ids import parse_uuid
from placement.models import (
    BOOKED_STATUSES,
    InstitutionMember,
    MemberRole,
    OutcomeReport,
    Placement,
    PlacementStatus,
    RespondentRole,
    SurveyPoint,
    User,
    utcnow,
)
from placement.notifications import notify
from placement.outcomes.questionnaires import Questionnaire, clean_answers, questionnaire_for

FOLLOW_UP_AFTER = timedelta(days=365)
REMINDER_AFTER = timedelta(days=7)
MAX_REMINDERS = 2
_ENDED = {PlacementStatus.COMPLETED}
_STARTED = BOOKED_STATUSES | _ENDED


class SurveyError(Exception):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("invalid answers")
        self.errors = errors


def _host_respondent(placement: Placement) -> User | None:
    """The institution's admin member (else any member) answers for the host."""
    members = db.session.scalars(
        select(InstitutionMember)
        .where(InstitutionMember.institution_id == placement.need.institution_id)
        .order_by(InstitutionMember.role != MemberRole.ADMIN, InstitutionMember.id)
    ).all()
    return next((m.user for m in members if m.user.is_active), None)


def _ensure(placement: Placement, point: SurveyPoint, due: date) -> int:
    """Create the two surveys of one point if missing; returns how many were created."""
    created = 0
    respondents = (
        (RespondentRole.EXPERT, placement.expert.user),
        (RespondentRole.HOST, _host_respondent(placement)),
    )
    for role, user in respondents:
        if user is None or not user.is_active:
            continue
        exists = db.session.scalar(
            select(OutcomeReport.id).where(
                OutcomeReport.placement_id == placement.id,
                OutcomeReport.point == point,
                OutcomeReport.respondent_role == role,
            )
        )
        if exists:
            continue
        db.session.add(
            OutcomeReport(
                placement_id=placement.id,
                point=point,
                respondent_role=role,
                respondent_id=user.id,
                due_on=due,
                questionnaire_version=questionnaire_for(point, role).version,
                answers={},
            )
        )
        created += 1
    db.session.flush()
    return created


def on_day(today: date) -> datetime:
    """Now, on the day the job acts for (jobs can be run for another day, e.g. catching up)."""
    return datetime.combine(today, utcnow().timetz())


def start_baseline(placement: Placement, today: date) -> None:
    """At approval: the baseline surveys of both sides, due at once."""
    _ensure(placement, SurveyPoint.BASELINE, today)


def schedule_surveys(today: date) -> int:
    """Create every survey that should exist by ``today``."""
    created = 0
    placements = db.session.scalars(
        select(Placement).where(Placement.status.in_(_STARTED)).order_by(Placement.id)
    ).all()
    for placement in placements:
        created += _ensure(
            placement,
            SurveyPoint.BASELINE,
            (placement.approved_at.date() if placement.approved_at else today),
        )
        if placement.status in _ENDED or placement.end <= today:
            created += _ensure(placement, SurveyPoint.END, placement.end)
        if placement.status in _ENDED:
            created += _ensure(placement, SurveyPoint.FOLLOW_UP, placement.end + FOLLOW_UP_AFTER)
    return created


def _invite(report: OutcomeReport, reminder: bool) -> None:
    user = db.session.get(User, report.respondent_id)
    if user is None or not user.is_active:
        return
    title = (
        _l("Reminder: a short survey about your placement")
        if reminder
        else _l("A short survey about your placement")
    )
    link = url_for("outcomes.survey", report_id=report.uuid)
    subject = f"{title}: {report.placement.need.title}"
    notify(user, "survey.reminder" if reminder else "survey.invite", subject, link=link)
    mail.queue_email(
        user,
        "survey",
        subject,
        "survey_invitation",
        report=report,
        questionnaire=questionnaire_for(report.point, report.respondent_role),
        reminder=reminder,
    )


def send_surveys(today: date) -> int:
    """Invite the respondents of surveys that are due and not yet sent."""
    due = db.session.scalars(
        select(OutcomeReport)
        .where(
            OutcomeReport.invited_at.is_(None),
            OutcomeReport.submitted_at.is_(None),
            OutcomeReport.due_on <= today,
        )
        .order_by(OutcomeReport.id)
    ).all()
    for report in due:
        _invite(report, reminder=False)
        report.invited_at = on_day(today)
    return len(due)


def remind_surveys(today: date) -> int:
    """At most two reminders, a week apart, to those who have not answered."""
    pending = db.session.scalars(
        select(OutcomeReport)
        .where(
            OutcomeReport.invited_at.is_not(None),
            OutcomeReport.submitted_at.is_(None),
            OutcomeReport.reminders_sent < MAX_REMINDERS,
        )
        .order_by(OutcomeReport.id)
    ).all()
    reminded = 0
    for report in pending:
        last = report.last_reminded_at or report.invited_at
        if last is not None and last.date() + REMINDER_AFTER <= today:
            _invite(report, reminder=True)
            report.reminders_sent += 1
            report.last_reminded_at = on_day(today)
            reminded += 1
    return reminded


def survey_for(user: User, report_uuid: str) -> OutcomeReport | None:
    """A survey addressed to ``user``; anyone else's is 'not found'."""
    key = parse_uuid(report_uuid)
    if key is None:
        return None
    return db.session.scalar(
        select(OutcomeReport).where(
            OutcomeReport.uuid == key, OutcomeReport.respondent_id == user.id
        )
    )


def pending_surveys(user: User) -> list[OutcomeReport]:
    return list(
        db.session.scalars(
            select(OutcomeReport)
            .where(
                OutcomeReport.respondent_id == user.id,
                OutcomeReport.invited_at.is_not(None),
                OutcomeReport.submitted_at.is_(None),
            )
            .order_by(OutcomeReport.due_on)
        )
    )


def questionnaire_of(report: OutcomeReport) -> Questionnaire:
    from placement.outcomes.questionnaires import by_version

    return by_version(report.questionnaire_version) or questionnaire_for(
        report.point, report.respondent_role
    )


def submit(report: OutcomeReport, raw: dict[str, str]) -> None:
    """Record the answers once; a survey cannot be answered twice."""
    if report.submitted_at is not None:
        raise SurveyError({"": str(_l("This survey has already been answered. Thank you."))})
    answers, errors = clean_answers(questionnaire_of(report), raw)
    if errors:
        raise SurveyError(errors)
    report.answers = answers
    report.submitted_at = utcnow()
