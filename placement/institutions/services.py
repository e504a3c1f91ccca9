"""Host institutions: their members and invitations."""

from __future__ import annotations

from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from placement import audit, mail
from placement.auth.services import AccountError, new_account, record_consent
from placement.extensions import db
from placement.ids import new_secret_token, parse_uuid, token_digest
from placement.models import (
    ConsentPurpose,
    Institution,
    InstitutionInvitation,
    InstitutionMember,
    MemberRole,
    Need,
    Placement,
    PlacementStatus,
    Role,
    User,
    utcnow,
)

INVITATION_DAYS = 7


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


def placements_of(institution: Institution) -> list[Placement]:
    return list(
        db.session.scalars(
            select(Placement)
            .join(Need, Need.id == Placement.need_id)
            .where(Need.institution_id == institution.id)
            .order_by(Placement.start.desc(), Placement.id.desc())
        )
    )


def awaiting_confirmation(placements: list[Placement]) -> list[Placement]:
    """Placements whose expert accepted and which wait for the host to confirm (the host's
    dashboard prompts for these: staff cannot approve before)."""
    return [
        p
        for p in placements
        if p.status is PlacementStatus.ACCEPTED and p.host_confirmed_at is None
    ]


def membership(user: User, institution_uuid: str) -> InstitutionMember | None:
    key = parse_uuid(institution_uuid)
    if key is None:
        return None
    return db.session.scalar(
        select(InstitutionMember)
        .join(Institution)
        .where(Institution.uuid == key, InstitutionMember.user_id == user.id)
    )


def invite(institution: Institution, email: str, *, by: User, locale: str | None) -> str:
    """Email a colleague a link to join; only the token's hash is kept. Returns the token."""
    email = email.strip().lower()
    existing = db.session.scalar(select(User).where(User.email == email))
    if existing is not None:
        raise AccountError(str(_l("This address already has an account.")), "email")
    token, digest = new_secret_token()
    invitation = InstitutionInvitation(
        institution_id=institution.id,
        email=email,
        token_hash=digest,
        invited_by_id=by.id,
        expires_at=utcnow() + timedelta(days=INVITATION_DAYS),
    )
    db.session.add(invitation)
    db.session.flush()
    audit.record("institution.invite", institution, actor=by, after={"email": email})
    mail.queue_email_to(
        email,
        locale,
        "institution.invite",
        _l("%(name)s invites you to Homeward", name=institution.name),
        "invitation",
        institution=institution,
        inviter=by,
        token=token,
    )
    return token


def invitation_for(token: str) -> InstitutionInvitation | None:
    """A valid, unused, unexpired invitation, else None."""
    invitation = db.session.scalar(
        select(InstitutionInvitation).where(InstitutionInvitation.token_hash == token_digest(token))
    )
    if invitation is None or invitation.accepted_at is not None:
        return None
    if invitation.expires_at < utcnow():
        return None
    return invitation


def accept_invitation(invitation: InstitutionInvitation, full_name: str, password: str) -> User:
    user = new_account(invitation.email, password, Role.INSTITUTION, full_name, None)
    db.session.add(
        InstitutionMember(
            institution_id=invitation.institution_id, user_id=user.id, role=MemberRole.MEMBER
        )
    )
    record_consent(user, ConsentPurpose.PROCESSING, True)
    invitation.accepted_at = utcnow()
    db.session.flush()
    return user
