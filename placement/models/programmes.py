"""Programmes: a donor-funded phase with its countries, rules, quotas and budget."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from placement.models.base import Base, PublicIdMixin, TimestampMixin, country_column


class Programme(PublicIdMixin, TimestampMixin, Base):
    __tablename__ = "programmes"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    description: Mapped[str | None] = mapped_column(Text)
    start: Mapped[date] = mapped_column(Date, nullable=False)
    end: Mapped[date] = mapped_column(Date, nullable=False)
    eligible_origin_countries: Mapped[list[str]] = mapped_column(JSON, default=list, nullable=False)
    # Empty means any country of residence other than the country of origin.
    eligible_residence_countries: Mapped[list[str]] = mapped_column(
        JSON, default=list, nullable=False
    )
    priority_sectors: Mapped[list[str]] = mapped_column(JSON, default=list, nullable=False)
    min_weeks: Mapped[int | None] = mapped_column(Integer)
    max_weeks: Mapped[int | None] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3), default="EUR", nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)

    quotas: Mapped[list[CountryQuota]] = relationship(
        back_populates="programme", cascade="all, delete-orphan", order_by="CountryQuota.country"
    )


class CountryQuota(Base):
    """Placements and budget a programme allows in one country of origin."""

    __tablename__ = "country_quotas"
    __table_args__ = (UniqueConstraint("programme_id", "country"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(
        ForeignKey("programmes.id", ondelete="CASCADE"), index=True, nullable=False
    )
    country: Mapped[str] = country_column(nullable=False)
    max_placements: Mapped[int] = mapped_column(Integer, nullable=False)
    budget: Mapped[Decimal] = mapped_column(Numeric(14, 2), nullable=False)

    programme: Mapped[Programme] = relationship(back_populates="quotas")
