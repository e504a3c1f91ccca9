"""The placement state machine.

proposed → offered → accepted → approved → scheduled → in progress → completed, with declined,
withdrawn, cancelled and expired where they make sense. Every change goes through
:func:`transition`: it checks who may do it and from which state, requires a reason where one is
needed, applies the programme's rules at approval, writes the audit row and tells the people
concerned, all in the caller's transaction. Nothing invalid is ever silently applied.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from matching.eligibility import exclusion_reasons
from placement import audit, mail
from placement.extensions import db
from placement.labels import PLACEMENT_STATUS_LABELS
from placement.matches.records import expert_record, need_record
from placement.matches.services import booked_windows, consenting_user_ids, programme_rules
from placement.models import (
    BOOKED_STATUSES,
    BudgetLine,
    ConsentPurpose,
    CountryQuota,
    ExpertProfile,
    InstitutionMember,
    Need,
    NeedStatus,
    Placement,
    PlacementStatus,
    User,
    utcnow,
)
from placement.notifications import notify
from placement.staff.blockers import Blocker

S = PlacementStatus
OFFER_DAYS = 14
REMINDER_DAYS = 3
# Placements that count against a programme's quota and budget.
COUNTED = BOOKED_STATUSES | {S.COMPLETED}
ACTIVE = frozenset({S.PROPOSED, S.OFFERED, S.ACCEPTED, S.APPROVED, S.SCHEDULED, S.IN_PROGRESS})


class WorkflowError(Exception):
    """A refused change; the message says why and is safe to show."""


class DoubleBooking(WorkflowError):
    """The expert already has a booked placement on overlapping dates."""


@dataclass(frozen=True)
class Step:
    name: str
    sources: frozenset[PlacementStatus]
    target: PlacementStatus
    actor: str  # "staff", "expert", "host" or "system"
    needs_reason: bool
    label: object


STEPS = {
    s.name: s
    for s in (
        Step("offer", frozenset({S.PROPOSED}), S.OFFERED, "staff", False, _l("Send the offer")),
        Step("accept", frozenset({S.OFFERED}), S.ACCEPTED, "expert", False, _l("Accept")),
        Step("decline", frozenset({S.OFFERED}), S.DECLINED, "expert", False, _l("Decline")),
        Step(
            "confirm", frozenset({S.ACCEPTED}), S.ACCEPTED, "host", False, _l("Confirm this expert")
        ),
        Step("approve", frozenset({S.ACCEPTED}), S.APPROVED, "staff", False, _l("Approve")),
        Step(
            "schedule",
            frozenset({S.APPROVED}),
            S.SCHEDULED,
            "staff",
            False,
            _l("Mark as scheduled"),
        ),
        Step(
            "start", frozenset({S.SCHEDULED}), S.IN_PROGRESS, "staff", False, _l("Mark as started")
        ),
        Step(
            "complete",
            frozenset({S.IN_PROGRESS}),
            S.COMPLETED,
            "staff",
            False,
            _l("Mark as completed"),
        ),
        Step(
            "withdraw",
            frozenset({S.PROPOSED, S.OFFERED, S.ACCEPTED, S.APPROVED, S.SCHEDULED}),
            S.WITHDRAWN,
            "expert",
            True,
            _l("Withdraw"),
        ),
        Step(
            "cancel",
            frozenset({S.PROPOSED, S.OFFERED, S.ACCEPTED, S.APPROVED, S.SCHEDULED, S.IN_PROGRESS}),
            S.CANCELLED,
            "staff",
            True,
            _l("Cancel"),
        ),
        Step("expire", frozenset({S.OFFERED}), S.EXPIRED, "system", False, _l("Expire")),
    )
}


def role_in(placement: Placement, user: User) -> str | None:
    """How ``user`` relates to the placement: staff, expert, host, or None."""
    if user.is_staff:
        return "staff"
    if placement.expert.user_id == user.id:
        return "expert"
    member = db.session.scalar(
        select(InstitutionMember.id).where(
            InstitutionMember.institution_id == placement.need.institution_id,
            InstitutionMember.user_id == user.id,
        )
    )
    return "host" if member else None


@dataclass(frozen=True)
class OfferedStep:
    """A step the user may take, with what stands in its way (empty: it will succeed)."""

    step: Step
    blockers: tuple[Blocker, ...]

    @property
    def name(self) -> str:
        return self.step.name

    @property
    def label(self) -> object:
        return self.step.label

    @property
    def needs_reason(self) -> bool:
        return self.step.needs_reason

    @property
    def possible(self) -> bool:
        return not self.blockers


def available_steps(placement: Placement, user: User) -> list[OfferedStep]:
    """The steps ``user`` may take on the placement now, each with its blockers, computed by the
    same checks :func:`transition` runs (so a button offered without blockers succeeds)."""
    role = role_in(placement, user)
    steps = [s for s in STEPS.values() if s.actor == role and placement.status in s.sources]
    if role == "host" and placement.host_confirmed_at is not None:
        steps = [s for s in steps if s.name != "confirm"]
    return [OfferedStep(s, tuple(blockers(placement, s))) for s in steps]


def blockers(
    placement: Placement, step: Step, today: date | None = None, *, lock: bool = False
) -> list[Blocker]:
    """What stops ``step`` now. Without ``lock`` nothing is changed or locked (page views);
    :func:`transition` calls it with ``lock`` inside the approving transaction."""
    today = today or date.today()
    found: list[Blocker] = []
    if (
        step.name in ("accept", "decline")
        and placement.offer_deadline
        and placement.offer_deadline < today
    ):
        found.append(Blocker(str(_l("The deadline to answer this offer has passed.")), "staff"))
    if step.name == "approve":
        if placement.host_confirmed_at is None:
            found.append(
                Blocker(
                    str(_l("Waiting for the host to confirm this expert.")), "host", "remind_host"
                )
            )
        found.extend(
            Blocker(message, "programme")
            for message in programme_rule_problems(placement, lock=lock)
        )
        if _overlapping(placement):
            found.append(Blocker(str(OVERLAP_MESSAGE), "staff"))
    return found


# proposing -----------------------------------------------------------------------------------


def propose(
    need: Need,
    expert: ExpertProfile,
    *,
    actor: User,
    score: float | None,
    top_candidates: list[int],
    reason: str | None,
) -> Placement:
    """Staff put an expert forward for a need. Choosing someone outside the top candidates needs
    a reason, which is kept; an ineligible expert is refused."""
    if need.status is not NeedStatus.OPEN:
        raise WorkflowError(str(_l("Only an open need can receive proposals.")))
    if expert.id not in top_candidates and not (reason and reason.strip()):
        raise WorkflowError(
            str(_l("This expert is not among the top candidates: give a reason for the choice."))
        )
    if expert.user_id not in consenting_user_ids([expert.user_id], ConsentPurpose.PROCESSING):
        raise WorkflowError(str(_l("This expert has withdrawn consent to processing.")))
    _check_eligible(need, expert)
    duplicate = db.session.scalar(
        select(Placement.id).where(
            Placement.need_id == need.id,
            Placement.expert_id == expert.id,
            Placement.status.in_(ACTIVE),
        )
    )
    if duplicate:
        raise WorkflowError(str(_l("This expert is already proposed for this need.")))
    start, end = _dates_for(need, expert)
    placement = Placement(
        need_id=need.id,
        expert_id=expert.id,
        status=S.PROPOSED,
        start=start,
        end=end,
        match_score=score,
        proposed_by_id=actor.id,
        proposal_reason=reason.strip() if reason else None,
    )
    db.session.add(placement)
    db.session.flush()
    audit.record(
        "placement.propose",
        placement,
        actor=actor,
        after={
            "status": S.PROPOSED.value,
            "need": str(need.uuid),
            "expert": str(expert.uuid),
            "score": score,
        },
        reason=reason,
    )
    return placement


def _check_eligible(need: Need, expert: ExpertProfile) -> None:
    busy = booked_windows([expert.id])
    reasons = exclusion_reasons(
        expert_record(expert), need_record(need), programme_rules(need.programme, busy)
    )
    if reasons:
        raise WorkflowError(
            str(
                _l(
                    "This expert is not eligible: %(why)s",
                    why="; ".join(r.message for r in reasons),
                )
            )
        )


def _dates_for(need: Need, expert: ExpertProfile) -> tuple[date, date]:
    """The first stretch of the need's window that the expert's availability covers."""
    length = timedelta(weeks=need.duration_weeks)
    for window in sorted(expert.availability, key=lambda w: w.start):
        start = max(window.start, need.start)
        if start + length - timedelta(days=1) <= min(window.end, need.end):
            return start, start + length - timedelta(days=1)
    return need.start, need.start + length - timedelta(days=1)


# transitions ---------------------------------------------------------------------------------


def transition(
    placement: Placement,
    name: str,
    *,
    actor: User | None,
    reason: str | None = None,
    today: date | None = None,
) -> None:
    step = STEPS[name]
    today = today or date.today()
    role = "system" if actor is None else role_in(placement, actor)
    if role != step.actor:
        raise WorkflowError(str(_l("You cannot make this change.")))
    if placement.status not in step.sources:
        raise WorkflowError(
            str(
                _l(
                    "A placement that is “%(state)s” cannot be changed that way.",
                    state=PLACEMENT_STATUS_LABELS[placement.status],
                )
            )
        )
    if step.needs_reason and not (reason and reason.strip()):
        raise WorkflowError(str(_l("Give a reason: it is kept with the placement.")))
    _preconditions(placement, step, today)
    before = placement.status
    placement.status = step.target
    _stamp(placement, step, actor, reason)
    audit.record(
        f"placement.{name}",
        placement,
        actor=actor,
        before={"status": before.value},
        after={"status": step.target.value},
        reason=reason,
    )
    if name == "approve":
        from placement.outcomes.services import start_baseline  # outcomes build on placements

        start_baseline(placement, today)
    _tell(placement, step, reason)


def _preconditions(placement: Placement, step: Step, today: date) -> None:
    if step.name == "approve":
        _lock_expert(placement.expert_id)
    found = blockers(placement, step, today, lock=True)
    if found:
        first = found[0]
        if first.message == str(OVERLAP_MESSAGE):
            raise DoubleBooking(first.message)
        if first.remedy == "remind_host":
            raise WorkflowError(str(_l("The host institution has not confirmed this expert yet.")))
        raise WorkflowError(first.message)
    if step.name == "offer":
        placement.offer_deadline = today + timedelta(days=OFFER_DAYS)


def _stamp(placement: Placement, step: Step, actor: User | None, reason: str | None) -> None:
    now = utcnow()
    if step.name in ("accept", "decline"):
        placement.expert_answered_at = now
    elif step.name == "confirm":
        placement.host_confirmed_at = now
    elif step.name == "approve":
        placement.approved_at = now
        placement.approved_by_id = actor.id if actor else None
    if reason:
        placement.status_reason = reason.strip()


def _lock_expert(expert_id: int) -> None:
    """Serialise approvals for one expert: a row lock on PostgreSQL (SQLite transactions are
    already serialised by BEGIN IMMEDIATE)."""
    db.session.execute(
        select(ExpertProfile.id).where(ExpertProfile.id == expert_id).with_for_update()
    )


OVERLAP_MESSAGE = _l("The expert already has an approved placement on overlapping dates.")


def _overlapping(placement: Placement) -> bool:
    return (
        db.session.scalar(
            select(Placement.id).where(
                Placement.expert_id == placement.expert_id,
                Placement.id != placement.id,
                Placement.status.in_(BOOKED_STATUSES),
                Placement.start <= placement.end,
                Placement.end >= placement.start,
            )
        )
        is not None
    )


def planned_cost(placement: Placement) -> Decimal:
    return sum((line.planned for line in placement.budget_lines), Decimal("0"))


@dataclass(frozen=True)
class QuotaUse:
    quota: CountryQuota | None
    placements: int
    planned: Decimal
    actual: Decimal


def quota_use(
    programme_id: int, country: str, *, excluding: int | None = None, lock: bool = False
) -> QuotaUse:
    """Placements and money a programme has committed in one country. With ``lock``, the quota
    row is locked first (PostgreSQL), so two approvals cannot both take its last place."""
    quota_query = select(CountryQuota).where(
        CountryQuota.programme_id == programme_id, CountryQuota.country == country
    )
    quota = db.session.scalar(quota_query.with_for_update() if lock else quota_query)
    counted = (
        select(Placement.id)
        .join(Need, Need.id == Placement.need_id)
        .where(
            Need.programme_id == programme_id,
            Need.country == country,
            Placement.status.in_(COUNTED),
        )
    )
    if excluding is not None:
        counted = counted.where(Placement.id != excluding)
    ids = counted.subquery()
    count = db.session.scalar(select(func.count()).select_from(ids)) or 0
    planned, actual = db.session.execute(
        select(
            func.coalesce(func.sum(BudgetLine.planned), 0),
            func.coalesce(func.sum(BudgetLine.actual), 0),
        ).where(BudgetLine.placement_id.in_(select(ids.c.id)))
    ).one()
    return QuotaUse(quota, count, Decimal(planned), Decimal(actual))


def programme_rule_problems(placement: Placement, *, lock: bool = False) -> list[str]:
    """Eligibility, duration, country quota and remaining budget, checked at approval: what
    fails, in words (empty when approval is allowed). With ``lock``, the quota row is locked
    first (PostgreSQL), so two approvals cannot both take its last place."""
    need, expert = placement.need, placement.expert
    problems = _eligibility_problems_ignoring_dates(need, expert)
    programme = need.programme
    if programme is None:
        return problems
    use = quota_use(programme.id, need.country, excluding=placement.id, lock=lock)
    if use.quota is None:
        return [*problems, str(_l("The programme has no quota for this country."))]
    if use.placements >= use.quota.max_placements:
        problems.append(
            str(
                _l(
                    "The programme's quota for this country is used up (%(n)d placements).",
                    n=use.quota.max_placements,
                )
            )
        )
    remaining = use.quota.budget - use.planned
    cost = planned_cost(placement)
    if cost > remaining:
        problems.append(
            str(
                _l(
                    "Not enough budget left: %(cost)s planned, %(left)s remaining.",
                    cost=f"{cost:.2f}",
                    left=f"{remaining:.2f}",
                )
            )
        )
    return problems


def _eligibility_problems_ignoring_dates(need: Need, expert: ExpertProfile) -> list[str]:
    busy = booked_windows([expert.id])
    reasons = [
        r
        for r in exclusion_reasons(
            expert_record(expert), need_record(need), programme_rules(need.programme, busy)
        )
        if r.code not in ("busy", "availability")
    ]
    # Dates are checked by the overlap rule on the placement's own dates, not the need's window.
    if not reasons:
        return []
    return [
        str(
            _l(
                "This expert is not eligible: %(why)s",
                why="; ".join(r.message for r in reasons),
            )
        )
    ]


# telling people -------------------------------------------------------------------------------

_MESSAGES = {
    "offer": ("expert", _l("You have an offer")),
    "accept": ("host", _l("The expert accepted the offer; please confirm")),
    "decline": ("staff_note", _l("The expert declined the offer")),
    "approve": ("both", _l("The placement is approved")),
    "schedule": ("both", _l("The placement is scheduled")),
    "cancel": ("both", _l("The placement was cancelled")),
    "withdraw": ("host", _l("The expert withdrew")),
    "expire": ("expert", _l("Your offer expired")),
}


def host_members(placement: Placement) -> list[User]:
    """The active members of the placement's host institution."""
    members = db.session.scalars(
        select(User)
        .join(InstitutionMember, InstitutionMember.user_id == User.id)
        .where(InstitutionMember.institution_id == placement.need.institution_id)
    ).all()
    return [user for user in members if user.is_active]


def remind_host(placement: Placement, *, actor: User) -> int:
    """Staff ask the host to confirm an accepted expert: a notification with a link to the
    placement (and its email copy) for every member. Returns how many people were told."""
    if placement.status is not S.ACCEPTED or placement.host_confirmed_at is not None:
        raise WorkflowError(str(_l("The host has nothing to confirm on this placement.")))
    members = host_members(placement)
    if not members:
        raise WorkflowError(
            str(_l("The host institution has no active member to remind: contact it directly."))
        )
    message = _l("Please confirm the expert for your need")
    title = f"{message}: {placement.need.title}"
    link = url_for("placements.view", placement_id=placement.uuid)
    for user in members:
        notify(user, "placement.remind_host", title, link=link)
        mail.queue_email(
            user,
            "placement.remind_host",
            title,
            "placement_status",
            placement=placement,
            message=message,
            reason=None,
        )
    audit.record("placement.remind_host", placement, actor=actor, after={"reminded": len(members)})
    return len(members)


def _tell(placement: Placement, step: Step, reason: str | None) -> None:
    who, message = _MESSAGES.get(step.name, (None, None))
    if who is None:
        return
    recipients: list[User] = []
    if who in ("expert", "both"):
        recipients.append(placement.expert.user)
    if who in ("host", "both"):
        recipients.extend(host_members(placement))
    for user in recipients:
        if not user.is_active:
            continue
        link = url_for("placements.view", placement_id=placement.uuid)
        title = f"{message}: {placement.need.title}"
        notify(user, f"placement.{step.name}", title, body=reason, link=link)
        mail.queue_email(
            user,
            f"placement.{step.name}",
            title,
            "placement_status",
            placement=placement,
            message=message,
            reason=reason,
        )


# scheduled work -------------------------------------------------------------------------------


def expire_offers(today: date) -> int:
    """Offers past their deadline expire (idempotent: an expired offer is no longer offered)."""
    overdue = db.session.scalars(
        select(Placement)
        .where(Placement.status == S.OFFERED, Placement.offer_deadline < today)
        .order_by(Placement.id)
    ).all()
    for placement in overdue:
        transition(placement, "expire", actor=None, today=today)
    return len(overdue)


def remind_offers(today: date) -> int:
    """One reminder per offer, a few days before its deadline."""
    due = db.session.scalars(
        select(Placement)
        .where(
            Placement.status == S.OFFERED,
            Placement.offer_reminded_at.is_(None),
            Placement.offer_deadline <= today + timedelta(days=REMINDER_DAYS),
            Placement.offer_deadline >= today,
        )
        .order_by(Placement.id)
    ).all()
    for placement in due:
        user = placement.expert.user
        title = f"{_l('Reminder: please answer the offer')}: {placement.need.title}"
        link = url_for("placements.view", placement_id=placement.uuid)
        notify(user, "placement.reminder", title, link=link)
        mail.queue_email(
            user,
            "placement.reminder",
            title,
            "placement_status",
            placement=placement,
            message=_l("Reminder: please answer the offer"),
            reason=None,
        )
        placement.offer_reminded_at = utcnow()
    return len(due)
