"""Institution-side queries."""

from __future__ import annotations

from sqlalchemy import select

from placement.extensions import db
from placement.models import Institution, InstitutionMember, Need, User


def institutions_of(user: User) -> list[Institution]:
    return list(
        db.session.scalars(
            select(Institution)
            .join(InstitutionMember)
            .where(InstitutionMember.user_id == user.id)
            .order_by(Institution.name)
        )
    )


def needs_of(institution: Institution) -> list[Need]:
    return list(
        db.session.scalars(
            select(Need)
            .where(Need.institution_id == institution.id)
            .order_by(Need.start.desc(), Need.id.desc())
        )
    )
