"""Outcome reports at three points of a placement, from both sides."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from placement.models.base import Base, PublicIdMixin, TimestampMixin, UTCDateTime, enum_column
from placement.models.placements import Placement


class SurveyPoint(enum.StrEnum):
    BASELINE = "baseline"
    END = "end"
    FOLLOW_UP = "follow_up"


class RespondentRole(enum.StrEnum):
    EXPERT = "expert"
    HOST = "host"
    COLLEAGUE = "colleague"


class OutcomeReport(PublicIdMixin, TimestampMixin, Base):
    __tablename__ = "outcome_reports"
    __table_args__ = (
        UniqueConstraint("placement_id", "point", "respondent_role", "respondent_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    placement_id: Mapped[int] = mapped_column(
        ForeignKey("placements.id"), index=True, nullable=False
    )
    point: Mapped[SurveyPoint] = mapped_column(enum_column(SurveyPoint), nullable=False)
    respondent_role: Mapped[RespondentRole] = mapped_column(
        enum_column(RespondentRole), nullable=False
    )
    respondent_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    questionnaire_version: Mapped[str] = mapped_column(String(40), nullable=False)
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, nullable=False)
    due_on: Mapped[date] = mapped_column(Date, nullable=False)
    invited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminders_sent: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    last_reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    placement: Mapped[Placement] = relationship()
