"""Accounts: one table for every kind of person, with a role."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from placement.models.base import Base, PublicIdMixin, TimestampMixin, UTCDateTime, enum_column

if TYPE_CHECKING:
    from placement.models.experts import ExpertProfile
    from placement.models.institutions import InstitutionMember


class Role(enum.StrEnum):
    EXPERT = "expert"
    INSTITUTION = "institution"
    STAFF = "staff"
    ADMIN = "admin"
    PARTNER = "partner"  # acts for a diaspora organisation


class User(PublicIdMixin, TimestampMixin, Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True, nullable=False)
    full_name: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    password_hash: Mapped[str] = mapped_column(String(255), nullable=False)
    role: Mapped[Role] = mapped_column(enum_column(Role), nullable=False)
    locale: Mapped[str | None] = mapped_column(String(8))
    timezone: Mapped[str | None] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)
    # Part of the login cookie: bumping it logs the user out everywhere.
    session_version: Mapped[int] = mapped_column(Integer, default=1, nullable=False)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    expert_profile: Mapped[ExpertProfile | None] = relationship(
        back_populates="user", uselist=False, foreign_keys="ExpertProfile.user_id"
    )
    memberships: Mapped[list[InstitutionMember]] = relationship(
        back_populates="user", foreign_keys="InstitutionMember.user_id"
    )

    # flask-login protocol -------------------------------------------------------------
    @property
    def is_active(self) -> bool:
        return self.active and self.deleted_at is None

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        """The session carries the uuid and the session version, never the sequential id."""
        return f"{self.uuid}:{self.session_version}"

    def has_role(self, *roles: Role | str) -> bool:
        return self.role in {Role(r) for r in roles}

    @property
    def is_staff(self) -> bool:
        return self.role in (Role.STAFF, Role.ADMIN)

    @property
    def display_name(self) -> str:
        return self.full_name or self.email
