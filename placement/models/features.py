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
