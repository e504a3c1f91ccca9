"""Crisis response: crises, urgent needs, surge alerts and the experts' one-step answers.

During a declared crisis, hosts and staff post urgent needs with a short form; staff can open
them at once. A surge alert goes to the eligible experts the engine ranks highest; each answers
"I can help" (how, from when, for how long) or "not this time"; staff see the answers ranked as
they come in, turn an answer into a placement, or stand the alert down, which tells everyone.
Who answered is visible to staff only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from placement import audit, mail
from placement.extensions import db
from placement.ids import parse_uuid
from placement.matches.services import experts_for_need
from placement.models import (
    AlertAnswer,
    AlertRecipient,
    AlertStatus,
    CEFRLevel,
    Crisis,
    CrisisStatus,
    ExpertProfile,
    Institution,
    Need,
    NeedLanguage,
    NeedSkill,
    NeedStatus,
    Placement,
    SurgeAlert,
    User,
    VerificationStatus,
    WorkMode,
    utcnow,
)
from placement.needs import lifecycle
from placement.notifications import notify
from placement.placements.workflow import propose
from placement.staff.blockers import Blocker
from placement.taxonomy import best_concept

# Urgent needs keep a wide window, so experts who answer "from next month" still fit.
URGENT_WINDOW_WEEKS = 26
MAX_ALERTED = 200


class CrisisError(Exception):
    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def declare(
    name: str,
    country: str,
    regions: list[str],
    sectors: list[str],
    start: date,
    end: date | None,
    description: str | None,
    *,
    actor: User,
) -> Crisis:
    crisis = Crisis(
        name=name,
        country=country,
        affected_regions=regions,
        sectors=sectors,
        start=start,
        end=end,
        description=description,
        declared_by_id=actor.id,
    )
    db.session.add(crisis)
    db.session.flush()
    audit.record(
        "crisis.declare",
        crisis,
        actor=actor,
        after={"name": name, "country": country, "regions": regions},
    )
    return crisis


# Needs that are still live when a crisis closes, and what staff may do with each.
LIVE_NEED_STATES = frozenset(
    {NeedStatus.DRAFT, NeedStatus.SUBMITTED, NeedStatus.APPROVED, NeedStatus.OPEN}
)
CLOSE_NEED = "close"
KEEP_NEED = "keep"  # stays live as an ordinary need, no longer urgent nor tied to the crisis


@dataclass(frozen=True)
class ClosePlan:
    """What closing the crisis will do: shown on the confirmation page, then applied whole."""

    alerts: list[SurgeAlert]  # active alerts, stood down
    needs: list[Need]  # live urgent needs: each closed, kept as ordinary, or moved
    other_crises: list[Crisis]  # active crises of the same country a need can move to


def close_plan(crisis: Crisis) -> ClosePlan:
    return ClosePlan(
        alerts=active_alerts(crisis),
        needs=[n for n in urgent_needs(crisis) if n.status in LIVE_NEED_STATES],
        other_crises=[c for c in active_crises(crisis.country) if c.id != crisis.id],
    )


def active_alerts(crisis: Crisis) -> list[SurgeAlert]:
    return list(
        db.session.scalars(
            select(SurgeAlert)
            .where(SurgeAlert.crisis_id == crisis.id, SurgeAlert.status == AlertStatus.ACTIVE)
            .order_by(SurgeAlert.created_at)
        )
    )


def alerts_of(crisis: Crisis) -> list[SurgeAlert]:
    return list(
        db.session.scalars(
            select(SurgeAlert)
            .where(SurgeAlert.crisis_id == crisis.id)
            .order_by(SurgeAlert.created_at.desc())
        )
    )


def close(
    crisis: Crisis, *, actor: User, reason: str | None, need_choices: dict[str, str]
) -> ClosePlan:
    """Close the crisis in one step: stand down its active alerts (everyone alerted is told),
    and close, keep as ordinary, or move to another active crisis each of its live urgent needs
    (``need_choices``: need uuid -> "close", "keep" or a crisis uuid). Every change has its audit
    row; nothing is applied unless every need has a valid choice and a reason is given."""
    if crisis.status is CrisisStatus.CLOSED:
        raise CrisisError(str(_l("This crisis is already closed.")))
    if not (reason and reason.strip()):
        raise CrisisError(
            str(_l("Give a reason: experts alerted and hosts will read it.")), "reason"
        )
    plan = close_plan(crisis)
    targets = {str(c.uuid): c for c in plan.other_crises}
    missing = [
        n.title
        for n in plan.needs
        if need_choices.get(str(n.uuid)) not in {CLOSE_NEED, KEEP_NEED, *targets}
    ]
    if missing:
        raise CrisisError(
            str(
                _l(
                    "Choose what happens to each urgent need: %(needs)s.",
                    needs=", ".join(missing),
                )
            ),
            "needs",
        )
    reason = reason.strip()
    for alert in plan.alerts:
        stand_down(alert, actor=actor, reason=reason)
    for need in plan.needs:
        choice = need_choices[str(need.uuid)]
        if choice == CLOSE_NEED:
            lifecycle.transition(need, "close", actor=actor, reason=reason)
        else:
            target = targets.get(choice)
            audit.record(
                "need.reassign",
                need,
                actor=actor,
                before={"crisis": str(crisis.uuid), "urgent": need.urgent},
                after={
                    "crisis": str(target.uuid) if target else None,
                    "urgent": target is not None,
                },
                reason=reason,
            )
            need.crisis_id = target.id if target else None
            need.urgent = target is not None
    crisis.status = CrisisStatus.CLOSED
    crisis.end = crisis.end or date.today()
    audit.record(
        "crisis.close",
        crisis,
        actor=actor,
        before={"status": "active"},
        after={
            "status": "closed",
            "alerts_stood_down": len(plan.alerts),
            "needs": {str(n.uuid): need_choices[str(n.uuid)] for n in plan.needs},
        },
        reason=reason,
    )
    return plan


def crisis_by_uuid(crisis_uuid: str) -> Crisis | None:
    key = parse_uuid(crisis_uuid)
    return db.session.scalar(select(Crisis).where(Crisis.uuid == key)) if key else None


def all_crises() -> list[Crisis]:
    return list(db.session.scalars(select(Crisis).order_by(Crisis.start.desc(), Crisis.id)))


def active_crises(country: str | None = None) -> list[Crisis]:
    query = select(Crisis).where(Crisis.status == CrisisStatus.ACTIVE)
    if country:
        query = query.where(Crisis.country == country)
    return list(db.session.scalars(query.order_by(Crisis.start.desc())))


def verified_institutions_in(country: str) -> list[Institution]:
    return list(
        db.session.scalars(
            select(Institution)
            .where(
                Institution.country == country, Institution.status == VerificationStatus.VERIFIED
            )
            .order_by(Institution.name)
        )
    )


def urgent_needs(crisis: Crisis) -> list[Need]:
    return list(
        db.session.scalars(
            select(Need).where(Need.crisis_id == crisis.id).order_by(Need.created_at.desc())
        )
    )


@dataclass(frozen=True)
class UrgentNeedInput:
    title: str
    skills: list[str]
    region: str | None
    start: date
    weeks: int
    remote: bool
    language: str | None
    description: str | None


def post_urgent_need(
    crisis: Crisis,
    institution: Institution,
    data: UrgentNeedInput,
    *,
    actor: User,
    open_now: bool,
    lang: str | None = None,
) -> Need:
    """The short form: what, where, from when, on-site or remote. Staff may open it at once;
    a host's goes to staff as submitted."""
    if crisis.status is not CrisisStatus.ACTIVE:
        raise CrisisError(str(_l("This crisis is closed.")))
    if institution.country != crisis.country:
        raise CrisisError(
            str(_l("The institution is not in the country of the crisis.")), "institution"
        )
    if institution.status is not VerificationStatus.VERIFIED:
        raise CrisisError(
            str(_l("The institution must be verified by programme staff first.")), "institution"
        )
    need = Need(
        institution_id=institution.id,
        created_by_id=actor.id,
        country=crisis.country,
        title=data.title,
        description=data.description,
        region=data.region,
        start=data.start,
        end=data.start + timedelta(weeks=max(data.weeks, URGENT_WINDOW_WEEKS)),
        duration_weeks=data.weeks,
        slots=1,
        remote=data.remote,
        urgent=True,
        crisis_id=crisis.id,
        status=NeedStatus.DRAFT,
        host_provides=[],
        sector=crisis.sectors[0] if crisis.sectors else None,
    )
    need.skills = [
        NeedSkill(
            label=label,
            required=True,
            esco_uri=(c.uri if (c := best_concept(label, "skill", lang)) else None),
        )
        for label in data.skills
    ]
    if data.language:
        need.languages = [NeedLanguage(code=data.language, level=CEFRLevel.B2)]
    db.session.add(need)
    db.session.flush()
    audit.record(
        "need.create_urgent",
        need,
        actor=actor,
        after={"crisis": str(crisis.uuid), "remote": data.remote},
    )
    if actor.is_staff:
        for step in ("submit_by_staff", "approve", "open") if open_now else ("submit_by_staff",):
            _staff_step(need, step, actor)
    else:
        lifecycle.transition(need, "submit", actor=actor)
    return need


def _staff_step(need: Need, step: str, actor: User) -> None:
    """Staff posting an urgent need skip the host's submit step; the audit says so."""
    if step == "submit_by_staff":
        need.status = NeedStatus.SUBMITTED
        need.submitted_at = utcnow()
        audit.record(
            "need.submit",
            need,
            actor=actor,
            after={"status": "submitted"},
            reason="Urgent need posted by programme staff.",
        )
        return
    lifecycle.transition(need, step, actor=actor)


# surge alerts ---------------------------------------------------------------------------------


def alert_blockers(need: Need) -> list[Blocker]:
    """What stops an alert for ``need`` now (the alert page shows these instead of its form)."""
    found = []
    if need.status is not NeedStatus.OPEN:
        found.append(Blocker(str(_l("Open the need before alerting experts.")), "staff"))
    crisis = db.session.get(Crisis, need.crisis_id) if need.crisis_id else None
    if crisis is not None and crisis.status is not CrisisStatus.ACTIVE:
        found.append(
            Blocker(str(_l("The crisis of this need is closed: no alert can be sent.")), "staff")
        )
    return found


def send_alert(
    need: Need, *, limit: int, message: str | None, public: bool, actor: User
) -> SurgeAlert:
    """Alert the ``limit`` best-ranked eligible experts (email and in-app)."""
    found = alert_blockers(need)
    if found:
        raise CrisisError(found[0].message)
    limit = max(1, min(limit, MAX_ALERTED))
    ranked = experts_for_need(need, limit)
    if not ranked:
        raise CrisisError(str(_l("No eligible expert to alert for this need.")))
    alert = SurgeAlert(
        need_id=need.id,
        crisis_id=need.crisis_id,
        message=message,
        public=public,
        created_by_id=actor.id,
    )
    alert.recipients = [
        AlertRecipient(expert_id=r.expert.id, rank=position, score=r.match.score)
        for position, r in enumerate(ranked, start=1)
    ]
    db.session.add(alert)
    db.session.flush()
    audit.record(
        "alert.send",
        alert,
        actor=actor,
        after={"need": str(need.uuid), "recipients": len(ranked), "public": public},
    )
    for recipient in alert.recipients:
        _tell(
            recipient.expert.user,
            "alert.send",
            _l("Urgent: can you help?"),
            need,
            message,
            url_for("crisis.answer", recipient_id=recipient.uuid),
        )
    return alert


def _tell(user: User, kind: str, title: object, need: Need, body: str | None, link: str) -> None:
    if not user.is_active:
        return
    subject = f"{title} {need.title}"
    notify(user, kind, subject, body=body, link=link)
    mail.queue_email(user, kind, subject, "surge_alert", need=need, message=body, link=link)


def recipient_for(user: User, recipient_uuid: str) -> AlertRecipient | None:
    """An alert addressed to this expert; anyone else's is 'not found'."""
    key = parse_uuid(recipient_uuid)
    if key is None:
        return None
    recipient = db.session.scalar(select(AlertRecipient).where(AlertRecipient.uuid == key))
    if recipient is None or recipient.expert.user_id != user.id:
        return None
    return recipient


def answer(
    recipient: AlertRecipient,
    can_help: bool,
    *,
    mode: WorkMode | None,
    available_from: date | None,
    weeks: int | None,
    note: str | None,
) -> None:
    if recipient.alert.status is not AlertStatus.ACTIVE:
        raise CrisisError(str(_l("This alert has been stood down. Thank you all the same.")))
    if can_help and (mode is None or available_from is None or not weeks):
        raise CrisisError(str(_l("Say how you can help, from when and for how long.")))
    recipient.answer = AlertAnswer.CAN_HELP if can_help else AlertAnswer.NOT_THIS_TIME
    recipient.mode = mode if can_help else None
    recipient.available_from = available_from if can_help else None
    recipient.available_weeks = weeks if can_help else None
    recipient.note = note
    recipient.answered_at = utcnow()


def ranked_answers(alert: SurgeAlert) -> list[AlertRecipient]:
    """Those who can help first (best match first), then the rest, then those yet to answer."""
    order = {AlertAnswer.CAN_HELP: 0, AlertAnswer.NOT_THIS_TIME: 2, None: 1}
    return sorted(alert.recipients, key=lambda r: (order[r.answer], -r.score, r.rank))


def crisis_of(alert: SurgeAlert) -> Crisis | None:
    return db.session.get(Crisis, alert.crisis_id) if alert.crisis_id else None


def alert_by_uuid(alert_uuid: str) -> SurgeAlert | None:
    key = parse_uuid(alert_uuid)
    return db.session.scalar(select(SurgeAlert).where(SurgeAlert.uuid == key)) if key else None


def stand_down(alert: SurgeAlert, *, actor: User, reason: str | None) -> None:
    if alert.status is AlertStatus.STOOD_DOWN:
        raise CrisisError(str(_l("This alert is already stood down.")))
    alert.status = AlertStatus.STOOD_DOWN
    alert.stood_down_at = utcnow()
    audit.record("alert.stand_down", alert, actor=actor, reason=reason)
    for recipient in alert.recipients:
        _tell(
            recipient.expert.user,
            "alert.stand_down",
            _l("Stood down, thank you:"),
            alert.need,
            reason,
            url_for("crisis.answer", recipient_id=recipient.uuid),
        )


def answer_to_placement(recipient: AlertRecipient, *, actor: User) -> Placement:
    """Staff turn an "I can help" into a proposed placement on the expert's dates."""
    if recipient.answer is not AlertAnswer.CAN_HELP:
        raise CrisisError(str(_l("Only an “I can help” answer can become a placement.")))
    need = recipient.alert.need
    placement = propose(
        need,
        recipient.expert,
        actor=actor,
        score=recipient.score,
        top_candidates=[recipient.expert_id],
        reason=str(_l("Answered the surge alert: can help.")),
    )
    start = max(recipient.available_from or need.start, need.start)
    placement.start = start
    placement.end = start + timedelta(
        weeks=recipient.available_weeks or need.duration_weeks, days=-1
    )
    return placement


def public_alerts() -> list[SurgeAlert]:
    return list(
        db.session.scalars(
            select(SurgeAlert)
            .where(SurgeAlert.public.is_(True), SurgeAlert.status == AlertStatus.ACTIVE)
            .order_by(SurgeAlert.created_at.desc())
        )
    )


def alerts_for_expert(user: User) -> list[AlertRecipient]:
    return list(
        db.session.scalars(
            select(AlertRecipient)
            .join(SurgeAlert)
            .join(ExpertProfile, ExpertProfile.id == AlertRecipient.expert_id)
            .where(ExpertProfile.user_id == user.id, SurgeAlert.status == AlertStatus.ACTIVE)
            .order_by(SurgeAlert.created_at.desc())
        )
    )
