"""Skills and occupations proposed from an expert's CV, and what the expert decided."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Float, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from placement.models.base import Base, PublicIdMixin, UTCDateTime, enum_column, utcnow


class SuggestionStatus(enum.StrEnum):
    SUGGESTED = "suggested"  # not decided yet: ranked at a lower weight than confirmed skills
    ACCEPTED = "accepted"
    REJECTED = "rejected"  # never proposed again


class CvSuggestion(PublicIdMixin, Base):
    """One ESCO concept found in a CV, with the sentence it came from.

    Kept after the decision: a rejected concept is remembered so that no later CV proposes
    it again. ``document_id`` is cleared when the CV is deleted (the undecided ones go with it).
    """

    __tablename__ = "cv_suggestions"
    __table_args__ = (UniqueConstraint("document_id", "esco_uri", name="uq_cv_suggestion"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    expert_id: Mapped[int] = mapped_column(
        ForeignKey("expert_profiles.id", ondelete="CASCADE"), index=True, nullable=False
    )
    document_id: Mapped[int | None] = mapped_column(
        ForeignKey("documents.id", ondelete="SET NULL"), index=True
    )
    esco_uri: Mapped[str] = mapped_column(String(255), nullable=False)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)  # skill | occupation
    label: Mapped[str] = mapped_column(String(255), nullable=False)
    confidence: Mapped[float] = mapped_column(Float, nullable=False)
    sentence: Mapped[str] = mapped_column(Text, nullable=False)
    section: Mapped[str | None] = mapped_column(String(20))
    status: Mapped[SuggestionStatus] = mapped_column(
        enum_column(SuggestionStatus, 16), default=SuggestionStatus.SUGGESTED, nullable=False
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
