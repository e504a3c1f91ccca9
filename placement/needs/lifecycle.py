"""The life of a need: draft → submitted → approved → open → filled / closed / expired.

Every change goes through :func:`transition`, which refuses what the current state does not
allow (never silently), requires a reason where one is needed, writes the audit row and tells the
host institution, all in the caller's transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from placement import audit, mail
from placement.extensions import db
from placement.labels import NEED_STATUS_LABELS
from placement.models import (
    InstitutionMember,
    Need,
    NeedStatus,
    User,
    VerificationStatus,
    utcnow,
)
from placement.notifications import notify
from placement.staff.blockers import Blocker


class TransitionError(Exception):
    """A refused change of state; the message says why and is safe to show."""


@dataclass(frozen=True)
class Transition:
    name: str
    sources: frozenset[NeedStatus]
    target: NeedStatus
    by_staff: bool
    by_host: bool
    needs_reason: bool
    label: object


TRANSITIONS = {
    t.name: t
    for t in (
        Transition(
            "submit",
            frozenset({NeedStatus.DRAFT}),
            NeedStatus.SUBMITTED,
            False,
            True,
            False,
            _l("Send to programme staff"),
        ),
        Transition(
            "send_back",
            frozenset({NeedStatus.SUBMITTED, NeedStatus.APPROVED}),
            NeedStatus.DRAFT,
            True,
            False,
            True,
            _l("Send back to the host"),
        ),
        Transition(
            "approve",
            frozenset({NeedStatus.SUBMITTED}),
            NeedStatus.APPROVED,
            True,
            False,
            False,
            _l("Approve"),
        ),
        Transition(
            "open",
            frozenset({NeedStatus.APPROVED}),
            NeedStatus.OPEN,
            True,
            False,
            False,
            _l("Open to experts"),
        ),
        Transition(
            "fill",
            frozenset({NeedStatus.OPEN}),
            NeedStatus.FILLED,
            True,
            False,
            False,
            _l("Mark as filled"),
        ),
        Transition(
            "close",
            frozenset(
                {NeedStatus.DRAFT, NeedStatus.SUBMITTED, NeedStatus.APPROVED, NeedStatus.OPEN}
            ),
            NeedStatus.CLOSED,
            True,
            True,
            True,
            _l("Close"),
        ),
        Transition(
            "expire",
            frozenset({NeedStatus.SUBMITTED, NeedStatus.APPROVED, NeedStatus.OPEN}),
            NeedStatus.EXPIRED,
            False,
            False,
            False,
            _l("Expire"),
        ),
    )
}

# What the host is told, per transition (the staff's reason follows when there is one).
_HOST_MESSAGES = {
    "send_back": _l("Programme staff sent your need back for changes"),
    "approve": _l(
        "Programme staff approved your need; they will open it to experts next (you will be told)"
    ),
    "open": _l("Your need is now open to experts"),
    "fill": _l("Your need is filled"),
    "close": _l("Your need was closed"),
    "expire": _l("Your need expired"),
}


@dataclass(frozen=True)
class OfferedTransition:
    """A change the user may make, with what stands in its way (empty: it will succeed)."""

    transition: Transition
    blockers: tuple[Blocker, ...]

    @property
    def name(self) -> str:
        return self.transition.name

    @property
    def label(self) -> object:
        return self.transition.label

    @property
    def needs_reason(self) -> bool:
        return self.transition.needs_reason

    @property
    def possible(self) -> bool:
        return not self.blockers


def available_transitions(need: Need, user: User) -> list[OfferedTransition]:
    """The changes ``user`` may make to ``need`` now (for the buttons on its page), each with
    its blockers, computed by the checks :func:`transition` runs."""
    return [
        OfferedTransition(t, tuple(blockers(need, t)))
        for t in TRANSITIONS.values()
        if need.status in t.sources
        and ((t.by_staff and user.is_staff) or (t.by_host and not user.is_staff))
    ]


def blockers(need: Need, transition: Transition) -> list[Blocker]:
    """What stops ``transition`` now, besides its source state and its reason."""
    found: list[Blocker] = []
    if transition.name not in ("submit", "approve", "open"):
        return found
    if need.institution.status is not VerificationStatus.VERIFIED:
        found.append(
            Blocker(
                str(_l("The institution must be verified by programme staff first.")),
                "staff",
                "verify_institution",
            )
        )
    if need.end < date.today():
        found.append(
            Blocker(str(_l("The dates of this need are in the past.")), "host", "edit_need")
        )
    return found


def _check(need: Need, transition: Transition, reason: str | None) -> None:
    if need.status not in transition.sources:
        raise TransitionError(
            str(
                _l(
                    "A need that is “%(state)s” cannot be changed that way.",
                    state=NEED_STATUS_LABELS[need.status],
                )
            )
        )
    if transition.needs_reason and not (reason and reason.strip()):
        raise TransitionError(str(_l("Give a reason: the host will read it.")))
    found = blockers(need, transition)
    if found:
        raise TransitionError(found[0].message)


def transition(need: Need, name: str, *, actor: User | None, reason: str | None = None) -> None:
    """Apply transition ``name``; raises TransitionError when it is not allowed now."""
    step = TRANSITIONS[name]
    if actor is not None and not (
        (step.by_staff and actor.is_staff) or (step.by_host and not actor.is_staff)
    ):
        raise TransitionError(str(_l("You cannot make this change.")))
    _check(need, step, reason)
    before = need.status
    need.status = step.target
    need.review_note = (
        reason.strip()
        if reason
        else (None if step.name in ("submit", "approve", "open") else need.review_note)
    )
    now = utcnow()
    if step.target is NeedStatus.SUBMITTED:
        need.submitted_at = now
    elif step.target is NeedStatus.APPROVED:
        need.approved_at = now
    elif step.target is NeedStatus.OPEN:
        need.opened_at = now
    audit.record(
        f"need.{name}",
        need,
        actor=actor,
        before={"status": before.value},
        after={"status": step.target.value},
        reason=reason,
    )
    if name in _HOST_MESSAGES:
        _tell_host(need, name, reason)


def _tell_host(need: Need, name: str, reason: str | None) -> None:
    members = db.session.scalars(
        select(User)
        .join(InstitutionMember, InstitutionMember.user_id == User.id)
        .where(InstitutionMember.institution_id == need.institution_id, User.active.is_(True))
    ).all()
    link = url_for("needs.host_view", need_id=need.uuid)
    for member in members:
        title = f"{_HOST_MESSAGES[name]}: {need.title}"
        notify(member, f"need.{name}", title, body=reason, link=link)
        mail.queue_email(
            member,
            f"need.{name}",
            title,
            "need_status",
            need=need,
            message=_HOST_MESSAGES[name],
            reason=reason,
            link=link,
        )
