"""Host institutions in countries of origin, and the people who act for them."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from placement.models.base import (
    Base,
    PublicIdMixin,
    TimestampMixin,
    UTCDateTime,
    country_column,
    enum_column,
)

if TYPE_CHECKING:
    from placement.models.needs import Need
    from placement.models.users import User


class InstitutionType(enum.StrEnum):
    HOSPITAL = "hospital"
    UNIVERSITY = "university"
    MINISTRY = "ministry"
    MUNICIPALITY = "municipality"
    NGO = "ngo"
    BUSINESS = "business"


class VerificationStatus(enum.StrEnum):
    PENDING = "pending"
    VERIFIED = "verified"
    REJECTED = "rejected"


class MemberRole(enum.StrEnum):
    ADMIN = "admin"  # may invite colleagues
    MEMBER = "member"


class Institution(PublicIdMixin, TimestampMixin, Base):
    __tablename__ = "institutions"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    kind: Mapped[InstitutionType] = mapped_column(enum_column(InstitutionType), nullable=False)
    country: Mapped[str] = country_column(nullable=False, index=True)
    region: Mapped[str | None] = mapped_column(String(200))
    town: Mapped[str | None] = mapped_column(String(200))
    website: Mapped[str | None] = mapped_column(String(255))
    description: Mapped[str | None] = mapped_column(Text)
    status: Mapped[VerificationStatus] = mapped_column(
        enum_column(VerificationStatus), default=VerificationStatus.PENDING, nullable=False
    )
    status_reason: Mapped[str | None] = mapped_column(Text)
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    members: Mapped[list[InstitutionMember]] = relationship(
        back_populates="institution", cascade="all, delete-orphan"
    )
    needs: Mapped[list[Need]] = relationship(back_populates="institution")

    @property
    def is_verified(self) -> bool:
        return self.status is VerificationStatus.VERIFIED


class InstitutionMember(Base):
    __tablename__ = "institution_members"
    __table_args__ = (UniqueConstraint("institution_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    institution_id: Mapped[int] = mapped_column(
        ForeignKey("institutions.id", ondelete="CASCADE"), index=True, nullable=False
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True, nullable=False)
    role: Mapped[MemberRole] = mapped_column(
        enum_column(MemberRole), default=MemberRole.MEMBER, nullable=False
    )
    job_title: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(50))

    institution: Mapped[Institution] = relationship(back_populates="members")
    user: Mapped[User] = relationship(back_populates="memberships", foreign_keys=[user_id])


class InstitutionInvitation(PublicIdMixin, Base):
    """A colleague invited by email; only the token's hash is stored."""

    __tablename__ = "institution_invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    institution_id: Mapped[int] = mapped_column(
        ForeignKey("institutions.id", ondelete="CASCADE"), index=True, nullable=False
    )
    email: Mapped[str] = mapped_column(String(254), nullable=False)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    invited_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
