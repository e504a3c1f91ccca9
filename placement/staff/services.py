"""Staff work: the dashboard figures and the review of host institutions."""

from __future__ import annotations

from dataclasses import dataclass

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, select

from placement import audit, mail
from placement.extensions import db
from placement.ids import parse_uuid
from placement.labels import VERIFICATION_LABELS
from placement.models import (
    ExpertProfile,
    Institution,
    Need,
    NeedStatus,
    Placement,
    PlacementStatus,
    Programme,
    User,
    VerificationStatus,
    utcnow,
)
from placement.notifications import notify
from placement.staff.audit_trail import Entry
from placement.staff.audit_trail import for_record as audit_trail_for_record
from placement.staff.audit_trail import recent as recent_entries


def short_id(record: object) -> str:
    """The first six characters of a record's public id: enough to tell two people with the same
    name apart on a page, and what staff can quote to each other."""
    return record.uuid.hex[:6]  # type: ignore[attr-defined]


@dataclass(frozen=True)
class StaffOverview:
    institutions_to_verify: int
    needs_to_review: int
    needs_to_open: int
    open_needs: int
    experts: int
    placements_by_status: dict[PlacementStatus, int]
    programmes: list[Programme]
    recent_events: list[Entry]


def _count(model: type, *conditions: object) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*conditions)) or 0


def overview() -> StaffOverview:
    rows = db.session.execute(
        select(Placement.status, func.count()).group_by(Placement.status)
    ).all()
    by_status = dict.fromkeys(PlacementStatus, 0)
    by_status.update(dict(rows))
    return StaffOverview(
        institutions_to_verify=_count(
            Institution, Institution.status == VerificationStatus.PENDING
        ),
        needs_to_review=_count(Need, Need.status == NeedStatus.SUBMITTED),
        needs_to_open=_count(Need, Need.status == NeedStatus.APPROVED),
        open_needs=_count(Need, Need.status == NeedStatus.OPEN),
        experts=_count(ExpertProfile, ExpertProfile.anonymised_at.is_(None)),
        placements_by_status=by_status,
        programmes=list(db.session.scalars(select(Programme).order_by(Programme.name))),
        recent_events=recent_entries(10),
    )


# institution review ---------------------------------------------------------------------------


class ReviewError(Exception):
    """A refused staff decision (translated); ``field`` is the form field it concerns."""

    def __init__(self, message: str, field: str | None = "reason") -> None:
        super().__init__(message)
        self.field = field


def institution_queue(
    status: VerificationStatus | None, country: str | None, text: str | None
) -> Select[tuple[Institution]]:
    """The institutions that match, newest first (the route shows them a page at a time)."""
    query = select(Institution)
    if status is not None:
        query = query.where(Institution.status == status)
    if country:
        query = query.where(Institution.country == country)
    if text:
        query = query.where(func.lower(Institution.name).like(f"%{text.lower()}%"))
    return query.order_by(Institution.created_at.desc(), Institution.id.desc())


def institution_by_uuid(institution_uuid: str) -> Institution | None:
    key = parse_uuid(institution_uuid)
    return db.session.scalar(select(Institution).where(Institution.uuid == key)) if key else None


# The decisions staff may take on an institution, per state: a verified institution is not
# offered Verify or Reject again; a rejected one may be verified after all (new evidence).
INSTITUTION_DECISIONS = {
    VerificationStatus.PENDING: ("verify", "reject"),
    VerificationStatus.REJECTED: ("verify",),
    VerificationStatus.VERIFIED: (),
}


def verification_decisions(status: VerificationStatus) -> tuple[str, ...]:
    """The decisions offered on a verified record's page (institution or diaspora organisation),
    and the only ones the services accept."""
    return INSTITUTION_DECISIONS[status]


def institution_decisions(institution: Institution) -> tuple[str, ...]:
    return verification_decisions(institution.status)


def decide_institution(
    institution: Institution, verified: bool, *, actor: User, reason: str | None
) -> None:
    """Verify or reject a host institution; a rejection needs a reason, which the host reads."""
    if ("verify" if verified else "reject") not in institution_decisions(institution):
        raise ReviewError(
            str(
                _l(
                    "This institution is already “%(state)s”: that decision is not open.",
                    state=VERIFICATION_LABELS[institution.status],
                )
            ),
            None,
        )
    if not verified and not (reason and reason.strip()):
        raise ReviewError(str(_l("Give a reason: the institution will read it.")))
    before = institution.status
    institution.status = VerificationStatus.VERIFIED if verified else VerificationStatus.REJECTED
    institution.status_reason = reason.strip() if reason else None
    institution.verified_at = utcnow() if verified else None
    institution.verified_by_id = actor.id
    audit.record(
        "institution.verify" if verified else "institution.reject",
        institution,
        actor=actor,
        before={"status": before.value},
        after={"status": institution.status.value},
        reason=reason,
    )
    title = (
        _l("Your institution is verified: you can now send needs for approval")
        if verified
        else _l("Your institution could not be verified")
    )
    for member in institution.members:
        notify(
            member.user,
            "institution.review",
            str(title),
            body=reason,
            link=url_for("institutions.dashboard"),
        )
        mail.queue_email(
            member.user,
            "institution.review",
            title,
            "institution_review",
            institution=institution,
            verified=verified,
            reason=reason,
        )


def audit_trail(object_uuid: str) -> list[Entry]:
    """The history of one record, as people read it (oldest first)."""
    return audit_trail_for_record(object_uuid)
