"""A host institution's need: the skills wanted, where, when, for how long, how many experts."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from placement.models.base import (
    Base,
    PublicIdMixin,
    TimestampMixin,
    UTCDateTime,
    country_column,
    enum_column,
    utcnow,
)
from placement.models.experts import CEFRLevel

if TYPE_CHECKING:
    from placement.models.institutions import Institution
    from placement.models.programmes import Programme


class NeedStatus(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    OPEN = "open"
    FILLED = "filled"
    CLOSED = "closed"
    EXPIRED = "expired"


class InterestSource(enum.StrEnum):
    EXPERT = "expert"  # the expert would like this need
    HOST = "host"  # the host would like this candidate


class Need(PublicIdMixin, TimestampMixin, Base):
    __tablename__ = "needs"

    id: Mapped[int] = mapped_column(primary_key=True)
    institution_id: Mapped[int] = mapped_column(
        ForeignKey("institutions.id"), index=True, nullable=False
    )
    programme_id: Mapped[int | None] = mapped_column(ForeignKey("programmes.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    title: Mapped[str] = mapped_column(String(255), nullable=False)
    description: Mapped[str | None] = mapped_column(Text)
    sector: Mapped[str | None] = mapped_column(String(40))
    occupation_uri: Mapped[str | None] = mapped_column(String(255))
    occupation_label: Mapped[str | None] = mapped_column(String(255))
    country: Mapped[str] = country_column(nullable=False, index=True)
    region: Mapped[str | None] = mapped_column(String(200))
    start: Mapped[date] = mapped_column(Date, nullable=False)
    end: Mapped[date] = mapped_column(Date, nullable=False)
    duration_weeks: Mapped[int] = mapped_column(Integer, nullable=False)
    slots: Mapped[int] = mapped_column(Integer, default=1, nullable=False)
    remote: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    urgent: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    crisis_id: Mapped[int | None] = mapped_column(ForeignKey("crises.id"), index=True)
    host_provides: Mapped[list[str]] = mapped_column(JSON, default=list, nullable=False)
    objectives: Mapped[str | None] = mapped_column(Text)
    trainees: Mapped[str | None] = mapped_column(Text)
    status: Mapped[NeedStatus] = mapped_column(
        enum_column(NeedStatus), default=NeedStatus.DRAFT, nullable=False, index=True
    )
    # Why staff sent the need back, or closed it: kept and shown to the host.
    review_note: Mapped[str | None] = mapped_column(Text)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    institution: Mapped[Institution] = relationship(back_populates="needs")
    programme: Mapped[Programme | None] = relationship()
    skills: Mapped[list[NeedSkill]] = relationship(
        back_populates="need", cascade="all, delete-orphan", order_by="NeedSkill.id"
    )
    languages: Mapped[list[NeedLanguage]] = relationship(
        back_populates="need", cascade="all, delete-orphan", order_by="NeedLanguage.code"
    )

    @property
    def required_skills(self) -> list[NeedSkill]:
        return [s for s in self.skills if s.required]

    @property
    def desired_skills(self) -> list[NeedSkill]:
        return [s for s in self.skills if not s.required]


class NeedSkill(Base):
    __tablename__ = "need_skills"

    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int] = mapped_column(
        ForeignKey("needs.id", ondelete="CASCADE"), index=True, nullable=False
    )
    label: Mapped[str] = mapped_column(String(255), nullable=False)
    esco_uri: Mapped[str | None] = mapped_column(String(255), index=True)
    required: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)

    need: Mapped[Need] = relationship(back_populates="skills")


class NeedLanguage(Base):
    __tablename__ = "need_languages"

    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int] = mapped_column(
        ForeignKey("needs.id", ondelete="CASCADE"), index=True, nullable=False
    )
    code: Mapped[str] = mapped_column(String(3), nullable=False)
    level: Mapped[CEFRLevel] = mapped_column(enum_column(CEFRLevel, 8), nullable=False)

    need: Mapped[Need] = relationship(back_populates="languages")


class Interest(Base):
    """An expert's interest in a need, or a host's interest in a candidate; staff see both."""

    __tablename__ = "interests"
    __table_args__ = (UniqueConstraint("need_id", "expert_id", "source"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int] = mapped_column(
        ForeignKey("needs.id", ondelete="CASCADE"), index=True, nullable=False
    )
    expert_id: Mapped[int] = mapped_column(
        ForeignKey("expert_profiles.id", ondelete="CASCADE"), index=True, nullable=False
    )
    source: Mapped[InterestSource] = mapped_column(enum_column(InterestSource), nullable=False)
    note: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)

    need: Mapped[Need] = relationship()


class NeedRanking(Base):
    """A need's ranked candidates as the engine made them, kept so that every web worker uses
    the one ranking instead of fitting the engine again (seconds for a large country).

    Derived data, never shown as it is: who may be seen is re-checked on every view (cheaply:
    ``checks`` keeps the experts' change stamps the ranking was checked at), an edit of
    the need or of its programme makes it stale (``need_version``, ``programme_id``), it expires
    after MATCH_CACHE_SECONDS, and erasing an expert deletes every ranking (they name experts)."""

    __tablename__ = "need_rankings"
    __table_args__ = (UniqueConstraint("need_id", "for_host", "pool"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int] = mapped_column(
        ForeignKey("needs.id", ondelete="CASCADE"), index=True, nullable=False
    )
    for_host: Mapped[bool] = mapped_column(Boolean, nullable=False)
    pool: Mapped[int] = mapped_column(Integer, nullable=False)
    need_version: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    programme_id: Mapped[int | None] = mapped_column(Integer)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    # [[profile id, expert uuid, score, components, explanation], ...], best first
    entries: Mapped[list[list[object]]] = mapped_column(JSON, nullable=False)
    # Who of them may be shown, as checked when it was made: {"rules": what the verdicts hold
    # for, "experts": [[profile id, change stamp, shown], ...]} (placement/matches/stamps.py).
    checks: Mapped[dict[str, object] | None] = mapped_column(JSON)
