"""Expert-side queries and operations."""

from __future__ import annotations

from sqlalchemy import select

from placement.extensions import db
from placement.models import ExpertProfile, Placement, User


def profile_for(user: User) -> ExpertProfile:
    """The signed-in expert's own profile (created at registration)."""
    profile = db.session.scalar(select(ExpertProfile).where(ExpertProfile.user_id == user.id))
    if profile is None:  # an expert account always has one; repair rather than fail
        profile = ExpertProfile(user_id=user.id, sectors=[], preferred_regions=[])
        db.session.add(profile)
        db.session.flush()
    return profile


def placements_for(profile: ExpertProfile) -> list[Placement]:
    return list(
        db.session.scalars(
            select(Placement)
            .where(Placement.expert_id == profile.id)
            .order_by(Placement.start.desc(), Placement.id.desc())
        )
    )
