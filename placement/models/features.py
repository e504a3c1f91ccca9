"""Stored matching features: each expert's featurised profile, kept when the profile changes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from placement.models.base import Base, UTCDateTime, utcnow


class ExpertFeatures(Base):
    """One expert's record and profile as :mod:`matching.index` stores them, so that ranking a
    need loads them instead of featurising every expert of the country on the request.

    Derived data: written when the profile is saved or imported, rebuilt by
    ``placement reindex``, and stale (rebuilt on use) when ``version`` is not the engine's
    current :func:`matching.index.feature_version`. Deleted with the profile."""

    __tablename__ = "expert_features"

    expert_id: Mapped[int] = mapped_column(
        ForeignKey("expert_profiles.id", ondelete="CASCADE"), primary_key=True
    )
    version: Mapped[str] = mapped_column(String(32), nullable=False)
    profile: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)


class CountryIndex(Base):
    """One origin country's experts as one block (:class:`matching.index.CountryBlock`):
    their feature rows in arrays, so that a worker ranks a need of the country after one
    read instead of loading every expert's row.

    Derived data, rebuilt from ``expert_features`` when missing, of another version, or when
    too many of its rows changed since it was made; a worker applies the few changed rows
    itself (their change stamps say which)."""

    __tablename__ = "country_index"

    country: Mapped[str] = mapped_column(String(2), primary_key=True)
    version: Mapped[str] = mapped_column(String(32), nullable=False)
    block: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    built_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
