"""Crisis response: declared crises, surge alerts and the experts' answers, diaspora
organisations as partners with their offers of support, and remote sessions."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
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
from placement.models.institutions import VerificationStatus

if TYPE_CHECKING:
    from placement.models.experts import ExpertProfile
    from placement.models.needs import Need
    from placement.models.users import User


class CrisisStatus(enum.StrEnum):
    ACTIVE = "active"
    CLOSED = "closed"


class Crisis(PublicIdMixin, TimestampMixin, Base):
    __tablename__ = "crises"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    country: Mapped[str] = country_column(nullable=False, index=True)
    affected_regions: Mapped[list[str]] = mapped_column(JSON, default=list, nullable=False)
    sectors: Mapped[list[str]] = mapped_column(JSON, default=list, nullable=False)
    description: Mapped[str | None] = mapped_column(Text)
    start: Mapped[date] = mapped_column(Date, nullable=False)
    end: Mapped[date | None] = mapped_column(Date)
    status: Mapped[CrisisStatus] = mapped_column(
        enum_column(CrisisStatus), default=CrisisStatus.ACTIVE, nullable=False
    )
    declared_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class AlertStatus(enum.StrEnum):
    ACTIVE = "active"
    STOOD_DOWN = "stood_down"


class AlertAnswer(enum.StrEnum):
    CAN_HELP = "can_help"
    NOT_THIS_TIME = "not_this_time"


class WorkMode(enum.StrEnum):
    ON_SITE = "on_site"
    REMOTE = "remote"


class SurgeAlert(PublicIdMixin, Base):
    """An urgent call to the best-ranked eligible experts for one need."""

    __tablename__ = "surge_alerts"

    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int] = mapped_column(ForeignKey("needs.id"), index=True, nullable=False)
    crisis_id: Mapped[int | None] = mapped_column(ForeignKey("crises.id"), index=True)
    message: Mapped[str | None] = mapped_column(Text)
    public: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    status: Mapped[AlertStatus] = mapped_column(
        enum_column(AlertStatus), default=AlertStatus.ACTIVE, nullable=False
    )
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    stood_down_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    need: Mapped[Need] = relationship()
    recipients: Mapped[list[AlertRecipient]] = relationship(
        back_populates="alert", cascade="all, delete-orphan", order_by="AlertRecipient.rank"
    )


class AlertRecipient(PublicIdMixin, Base):
    """One expert alerted, with their one-step answer (visible to staff only)."""

    __tablename__ = "alert_recipients"
    __table_args__ = (UniqueConstraint("alert_id", "expert_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int] = mapped_column(
        ForeignKey("surge_alerts.id", ondelete="CASCADE"), index=True, nullable=False
    )
    expert_id: Mapped[int] = mapped_column(
        ForeignKey("expert_profiles.id", ondelete="CASCADE"), index=True, nullable=False
    )
    rank: Mapped[int] = mapped_column(Integer, nullable=False)
    score: Mapped[float] = mapped_column(Float, nullable=False)
    answer: Mapped[AlertAnswer | None] = mapped_column(enum_column(AlertAnswer))
    mode: Mapped[WorkMode | None] = mapped_column(enum_column(WorkMode))
    available_from: Mapped[date | None] = mapped_column(Date)
    available_weeks: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    alert: Mapped[SurgeAlert] = relationship(back_populates="recipients")
    expert: Mapped[ExpertProfile] = relationship()


class PartnerKind(enum.StrEnum):
    ASSOCIATION = "association"
    PROFESSIONAL_NETWORK = "professional_network"
    HOMETOWN = "hometown"


class PartnerOrganisation(PublicIdMixin, TimestampMixin, Base):
    """A diaspora organisation working with the programme (verified by staff)."""

    __tablename__ = "partner_organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    kind: Mapped[PartnerKind] = mapped_column(enum_column(PartnerKind), nullable=False)
    country: Mapped[str] = country_column(nullable=False)  # where it is based
    origin_country: Mapped[str | None] = country_column()  # the diaspora it gathers
    description: Mapped[str | None] = mapped_column(Text)
    status: Mapped[VerificationStatus] = mapped_column(
        enum_column(VerificationStatus), default=VerificationStatus.PENDING, nullable=False
    )
    status_reason: Mapped[str | None] = mapped_column(Text)
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    representatives: Mapped[list[PartnerRepresentative]] = relationship(
        back_populates="organisation", cascade="all, delete-orphan"
    )


class PartnerRepresentative(Base):
    """A user who acts for a partner organisation."""

    __tablename__ = "partner_representatives"
    __table_args__ = (UniqueConstraint("organisation_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("partner_organisations.id", ondelete="CASCADE"), index=True, nullable=False
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True, nullable=False)

    organisation: Mapped[PartnerOrganisation] = relationship(back_populates="representatives")
    user: Mapped[User] = relationship()


class PartnerMembership(Base):
    """An expert's membership of a partner organisation, shown on the profile with consent."""

    __tablename__ = "partner_memberships"
    __table_args__ = (UniqueConstraint("organisation_id", "expert_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("partner_organisations.id", ondelete="CASCADE"), index=True, nullable=False
    )
    expert_id: Mapped[int] = mapped_column(
        ForeignKey("expert_profiles.id", ondelete="CASCADE"), index=True, nullable=False
    )
    shown_on_profile: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)

    organisation: Mapped[PartnerOrganisation] = relationship()


class PartnerInvitation(PublicIdMixin, Base):
    """A partner invites its members to register; only the token's hash is kept."""

    __tablename__ = "partner_invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("partner_organisations.id", ondelete="CASCADE"), index=True, nullable=False
    )
    email: Mapped[str] = mapped_column(String(254), nullable=False)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SupportOffer(PublicIdMixin, TimestampMixin, Base):
    """What a partner offers, e.g. "30 volunteer psychologists, remote, French and Spanish"."""

    __tablename__ = "support_offers"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("partner_organisations.id", ondelete="CASCADE"), index=True, nullable=False
    )
    crisis_id: Mapped[int | None] = mapped_column(ForeignKey("crises.id"))
    title: Mapped[str] = mapped_column(String(255), nullable=False)
    description: Mapped[str | None] = mapped_column(Text)
    mode: Mapped[WorkMode] = mapped_column(enum_column(WorkMode), nullable=False)
    languages: Mapped[list[str]] = mapped_column(JSON, default=list, nullable=False)
    capacity: Mapped[int] = mapped_column(Integer, nullable=False)
    available_from: Mapped[date | None] = mapped_column(Date)

    organisation: Mapped[PartnerOrganisation] = relationship()


class SupportOfferLink(Base):
    """Staff link an offer of support to a need it can serve."""

    __tablename__ = "support_offer_links"
    __table_args__ = (UniqueConstraint("offer_id", "need_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    offer_id: Mapped[int] = mapped_column(
        ForeignKey("support_offers.id", ondelete="CASCADE"), index=True, nullable=False
    )
    need_id: Mapped[int] = mapped_column(
        ForeignKey("needs.id", ondelete="CASCADE"), index=True, nullable=False
    )
    linked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)

    offer: Mapped[SupportOffer] = relationship()


class RemoteSession(PublicIdMixin, Base):
    """A scheduled online session of a remote placement (times stored in UTC)."""

    __tablename__ = "remote_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    placement_id: Mapped[int] = mapped_column(
        ForeignKey("placements.id", ondelete="CASCADE"), index=True, nullable=False
    )
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    minutes: Mapped[int] = mapped_column(Integer, nullable=False)
    topic: Mapped[str] = mapped_column(String(255), nullable=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
