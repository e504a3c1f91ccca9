"""A placement: one expert for one need, through offer, approval, logistics and completion."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import Date, Float, ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from placement.models.base import (
    Base,
    PublicIdMixin,
    TimestampMixin,
    UTCDateTime,
    enum_column,
    utcnow,
)

if TYPE_CHECKING:
    from placement.models.experts import ExpertProfile
    from placement.models.needs import Need
    from placement.models.users import User


class PlacementStatus(enum.StrEnum):
    PROPOSED = "proposed"
    OFFERED = "offered"
    ACCEPTED = "accepted"
    APPROVED = "approved"
    SCHEDULED = "scheduled"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


# States that hold the expert's dates: two of these may never overlap for one expert.
BOOKED_STATUSES = frozenset(
    {PlacementStatus.APPROVED, PlacementStatus.SCHEDULED, PlacementStatus.IN_PROGRESS}
)


class LogisticsKind(enum.StrEnum):
    TRAVEL = "travel"
    VISA = "visa"
    INSURANCE = "insurance"
    PER_DIEM = "per_diem"
    HOUSING = "housing"
    OTHER = "other"


class Placement(PublicIdMixin, TimestampMixin, Base):
    __tablename__ = "placements"

    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int] = mapped_column(ForeignKey("needs.id"), index=True, nullable=False)
    expert_id: Mapped[int] = mapped_column(
        ForeignKey("expert_profiles.id"), index=True, nullable=False
    )
    status: Mapped[PlacementStatus] = mapped_column(
        enum_column(PlacementStatus),
        default=PlacementStatus.PROPOSED,
        nullable=False,
        index=True,
    )
    start: Mapped[date] = mapped_column(Date, nullable=False)
    end: Mapped[date] = mapped_column(Date, nullable=False)
    match_score: Mapped[float | None] = mapped_column(Float)
    # Required when staff choose someone other than the top candidates.
    proposal_reason: Mapped[str | None] = mapped_column(Text)
    status_reason: Mapped[str | None] = mapped_column(Text)
    offer_deadline: Mapped[date | None] = mapped_column(Date)
    offer_reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expert_answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    host_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    proposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Tripartite projects: a diaspora organisation and a local NGO beside the host.
    partner_organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("partner_organisations.id")
    )
    local_ngo_id: Mapped[int | None] = mapped_column(ForeignKey("institutions.id"))

    need: Mapped[Need] = relationship()
    expert: Mapped[ExpertProfile] = relationship()
    logistics: Mapped[list[LogisticsItem]] = relationship(
        back_populates="placement", cascade="all, delete-orphan", order_by="LogisticsItem.id"
    )
    budget_lines: Mapped[list[BudgetLine]] = relationship(
        back_populates="placement", cascade="all, delete-orphan", order_by="BudgetLine.id"
    )


class PairRuleKind(enum.StrEnum):
    LOCK = "lock"  # the global assignment must include this pair
    BAN = "ban"  # the global assignment must never include this pair


class PairRule(Base):
    """A staff decision that constrains the programme's global assignment."""

    __tablename__ = "pair_rules"
    __table_args__ = (UniqueConstraint("programme_id", "need_id", "expert_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(
        ForeignKey("programmes.id", ondelete="CASCADE"), index=True, nullable=False
    )
    need_id: Mapped[int] = mapped_column(ForeignKey("needs.id", ondelete="CASCADE"), nullable=False)
    expert_id: Mapped[int] = mapped_column(
        ForeignKey("expert_profiles.id", ondelete="CASCADE"), nullable=False
    )
    kind: Mapped[PairRuleKind] = mapped_column(enum_column(PairRuleKind), nullable=False)
    reason: Mapped[str | None] = mapped_column(Text)  # required for new rules; older have none
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)

    need: Mapped[Need] = relationship()
    expert: Mapped[ExpertProfile] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])


class LogisticsItem(Base):
    __tablename__ = "logistics_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    placement_id: Mapped[int] = mapped_column(
        ForeignKey("placements.id", ondelete="CASCADE"), index=True, nullable=False
    )
    kind: Mapped[LogisticsKind] = mapped_column(enum_column(LogisticsKind), nullable=False)
    title: Mapped[str] = mapped_column(String(255), nullable=False)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    due_on: Mapped[date | None] = mapped_column(Date)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    notes: Mapped[str | None] = mapped_column(Text)

    placement: Mapped[Placement] = relationship(back_populates="logistics")


class BudgetLine(Base):
    __tablename__ = "budget_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    placement_id: Mapped[int] = mapped_column(
        ForeignKey("placements.id", ondelete="CASCADE"), index=True, nullable=False
    )
    category: Mapped[LogisticsKind] = mapped_column(enum_column(LogisticsKind), nullable=False)
    description: Mapped[str | None] = mapped_column(String(255))
    planned: Mapped[Decimal] = mapped_column(Numeric(12, 2), nullable=False)
    actual: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    currency: Mapped[str] = mapped_column(String(3), default="EUR", nullable=False)

    placement: Mapped[Placement] = relationship(back_populates="budget_lines")
