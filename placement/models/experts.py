"""The expert: a qualified migrant living abroad, and what they offer."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, BigInteger, Boolean, Date, ForeignKey, Integer, String, Text
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

if TYPE_CHECKING:
    from placement.models.users import User


class Gender(enum.StrEnum):
    FEMALE = "female"
    MALE = "male"
    OTHER = "other"
    UNDISCLOSED = "undisclosed"


class CEFRLevel(enum.StrEnum):
    A1 = "A1"
    A2 = "A2"
    B1 = "B1"
    B2 = "B2"
    C1 = "C1"
    C2 = "C2"
    NATIVE = "native"


class QualificationKind(enum.StrEnum):
    DEGREE = "degree"
    LICENCE = "licence"
    CERTIFICATE = "certificate"


class DocumentKind(enum.StrEnum):
    CV = "cv"
    CERTIFICATE = "certificate"
    OTHER = "other"


class ExpertProfile(PublicIdMixin, TimestampMixin, Base):
    __tablename__ = "expert_profiles"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), unique=True, nullable=False)
    gender: Mapped[Gender] = mapped_column(
        enum_column(Gender), default=Gender.UNDISCLOSED, nullable=False
    )
    origin_country: Mapped[str | None] = country_column()
    origin_region: Mapped[str | None] = mapped_column(String(200))
    residence_country: Mapped[str | None] = country_column()
    residence_status: Mapped[str | None] = mapped_column(String(40))
    occupation_uri: Mapped[str | None] = mapped_column(String(255))
    occupation_label: Mapped[str | None] = mapped_column(String(255))
    summary: Mapped[str | None] = mapped_column(Text)
    education: Mapped[str | None] = mapped_column(Text)
    years_experience: Mapped[int | None] = mapped_column(Integer)
    # Year the expert settled abroad (optional): years abroad is a case feature of outcome learning.
    abroad_since: Mapped[int | None] = mapped_column(Integer)
    sectors: Mapped[list[str]] = mapped_column(JSON, default=list, nullable=False)
    preferred_regions: Mapped[list[str]] = mapped_column(JSON, default=list, nullable=False)
    remote_ok: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    # Last completed step of the guided profile, so registration can be resumed.
    profile_step: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    anonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Bumped (in the same transaction) by every change that can alter who may see the expert
    # among a need's kept candidates: this row, its languages, skills and windows, the
    # expert's placements and consent records (placement/matches/stamps.py). A kept ranking's
    # re-check on view reads only these, and re-checks the experts whose stamp moved.
    change_stamp: Mapped[int] = mapped_column(
        BigInteger, default=0, server_default="0", nullable=False
    )

    user: Mapped[User] = relationship(back_populates="expert_profile", foreign_keys=[user_id])
    languages: Mapped[list[ExpertLanguage]] = relationship(
        back_populates="expert", cascade="all, delete-orphan", order_by="ExpertLanguage.code"
    )
    skills: Mapped[list[ExpertSkill]] = relationship(
        back_populates="expert", cascade="all, delete-orphan", order_by="ExpertSkill.id"
    )
    availability: Mapped[list[AvailabilityWindow]] = relationship(
        back_populates="expert",
        cascade="all, delete-orphan",
        order_by="AvailabilityWindow.start",
    )
    qualifications: Mapped[list[Qualification]] = relationship(
        back_populates="expert", cascade="all, delete-orphan", order_by="Qualification.id"
    )
    documents: Mapped[list[Document]] = relationship(
        back_populates="expert", cascade="all, delete-orphan", order_by="Document.id"
    )


class ExpertLanguage(Base):
    __tablename__ = "expert_languages"

    id: Mapped[int] = mapped_column(primary_key=True)
    expert_id: Mapped[int] = mapped_column(
        ForeignKey("expert_profiles.id", ondelete="CASCADE"), index=True, nullable=False
    )
    code: Mapped[str] = mapped_column(String(3), nullable=False)
    level: Mapped[CEFRLevel] = mapped_column(enum_column(CEFRLevel, 8), nullable=False)

    expert: Mapped[ExpertProfile] = relationship(back_populates="languages")


class ExpertSkill(Base):
    __tablename__ = "expert_skills"

    id: Mapped[int] = mapped_column(primary_key=True)
    expert_id: Mapped[int] = mapped_column(
        ForeignKey("expert_profiles.id", ondelete="CASCADE"), index=True, nullable=False
    )
    label: Mapped[str] = mapped_column(String(255), nullable=False)
    esco_uri: Mapped[str | None] = mapped_column(String(255), index=True)
    proficiency: Mapped[int | None] = mapped_column(Integer)  # 1 (basic) .. 4 (expert)

    expert: Mapped[ExpertProfile] = relationship(back_populates="skills")


class AvailabilityWindow(PublicIdMixin, Base):
    __tablename__ = "availability_windows"

    id: Mapped[int] = mapped_column(primary_key=True)
    expert_id: Mapped[int] = mapped_column(
        ForeignKey("expert_profiles.id", ondelete="CASCADE"), index=True, nullable=False
    )
    start: Mapped[date] = mapped_column(Date, nullable=False)
    end: Mapped[date] = mapped_column(Date, nullable=False)
    note: Mapped[str | None] = mapped_column(String(255))

    expert: Mapped[ExpertProfile] = relationship(back_populates="availability")


class Qualification(Base):
    __tablename__ = "qualifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    expert_id: Mapped[int] = mapped_column(
        ForeignKey("expert_profiles.id", ondelete="CASCADE"), index=True, nullable=False
    )
    kind: Mapped[QualificationKind] = mapped_column(enum_column(QualificationKind), nullable=False)
    title: Mapped[str] = mapped_column(String(255), nullable=False)
    issuer: Mapped[str | None] = mapped_column(String(255))
    obtained_on: Mapped[date | None] = mapped_column(Date)
    expires_on: Mapped[date | None] = mapped_column(Date)

    expert: Mapped[ExpertProfile] = relationship(back_populates="qualifications")


class Document(PublicIdMixin, Base):
    """An uploaded file; the bytes live outside static/, under UPLOAD_DIR, by stored_name."""

    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    expert_id: Mapped[int] = mapped_column(
        ForeignKey("expert_profiles.id", ondelete="CASCADE"), index=True, nullable=False
    )
    kind: Mapped[DocumentKind] = mapped_column(enum_column(DocumentKind), nullable=False)
    original_name: Mapped[str] = mapped_column(String(255), nullable=False)
    stored_name: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    content_type: Mapped[str] = mapped_column(String(100), nullable=False)
    size_bytes: Mapped[int] = mapped_column(Integer, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    extracted_text: Mapped[str | None] = mapped_column(Text)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)

    expert: Mapped[ExpertProfile] = relationship(back_populates="documents")
