"""Figures for the staff dashboard."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from placement.extensions import db
from placement.models import (
    AuditEvent,
    ExpertProfile,
    Institution,
    Need,
    NeedStatus,
    Placement,
    PlacementStatus,
    Programme,
    VerificationStatus,
)


@dataclass(frozen=True)
class StaffOverview:
    institutions_to_verify: int
    needs_to_review: int
    open_needs: int
    experts: int
    placements_by_status: dict[PlacementStatus, int]
    programmes: list[Programme]
    recent_events: list[AuditEvent]


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
        open_needs=_count(Need, Need.status == NeedStatus.OPEN),
        experts=_count(ExpertProfile, ExpertProfile.anonymised_at.is_(None)),
        placements_by_status=by_status,
        programmes=list(db.session.scalars(select(Programme).order_by(Programme.name))),
        recent_events=list(
            db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(10))
        ),
    )
