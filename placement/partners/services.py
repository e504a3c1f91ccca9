"""Diaspora organisations (associations, professional networks, home-town associations) as
partners: they register, staff verify them, they invite members and post offers of support
that staff link to needs. A member's affiliation is shown on their profile only if they agree."""

from __future__ import annotations

from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select

from placement import audit, mail
from placement.auth.services import AccountError, new_account, record_consent
from placement.extensions import db
from placement.ids import new_secret_token, parse_uuid, token_digest
from placement.labels import VERIFICATION_LABELS
from placement.models import (
    ConsentPurpose,
    ExpertProfile,
    Need,
    PartnerInvitation,
    PartnerKind,
    PartnerMembership,
    PartnerOrganisation,
    PartnerRepresentative,
    Role,
    SupportOffer,
    SupportOfferLink,
    User,
    VerificationStatus,
    WorkMode,
    utcnow,
)
from placement.staff.services import verification_decisions

INVITATION_DAYS = 30


def register(
    *,
    email: str,
    password: str,
    full_name: str,
    name: str,
    kind: PartnerKind,
    country: str,
    origin_country: str | None,
    description: str | None,
    locale: str | None,
) -> User:
    """A representative's account and the organisation, which waits for verification."""
    user = new_account(email, password, Role.PARTNER, full_name, locale)
    organisation = PartnerOrganisation(
        name=name.strip(),
        kind=kind,
        country=country,
        origin_country=origin_country,
        description=description,
    )
    organisation.representatives = [PartnerRepresentative(user_id=user.id)]
    db.session.add(organisation)
    record_consent(user, ConsentPurpose.PROCESSING, True)
    db.session.flush()
    return user


def organisations_of(user: User) -> list[PartnerOrganisation]:
    return list(
        db.session.scalars(
            select(PartnerOrganisation)
            .join(PartnerRepresentative)
            .where(PartnerRepresentative.user_id == user.id)
            .order_by(PartnerOrganisation.name)
        )
    )


def organisation_by_uuid(organisation_uuid: str) -> PartnerOrganisation | None:
    key = parse_uuid(organisation_uuid)
    return (
        db.session.scalar(select(PartnerOrganisation).where(PartnerOrganisation.uuid == key))
        if key
        else None
    )


def all_organisations() -> Select[tuple[PartnerOrganisation]]:
    """Every organisation, newest first (the staff list shows them a page at a time)."""
    return select(PartnerOrganisation).order_by(
        PartnerOrganisation.created_at.desc(), PartnerOrganisation.id.desc()
    )


def decide(
    organisation: PartnerOrganisation, verified: bool, *, actor: User, reason: str | None
) -> None:
    if ("verify" if verified else "reject") not in verification_decisions(organisation.status):
        raise AccountError(
            str(
                _l(
                    "This organisation is already “%(state)s”: that decision is not open.",
                    state=VERIFICATION_LABELS[organisation.status],
                )
            ),
            None,
        )
    if not verified and not (reason and reason.strip()):
        raise AccountError(str(_l("Give a reason: the organisation will read it.")), "reason")
    before = organisation.status
    organisation.status = VerificationStatus.VERIFIED if verified else VerificationStatus.REJECTED
    organisation.status_reason = reason.strip() if reason else None
    organisation.verified_by_id = actor.id
    audit.record(
        "partner.verify" if verified else "partner.reject",
        organisation,
        actor=actor,
        before={"status": before.value},
        after={"status": organisation.status.value},
        reason=reason,
    )


def _require_verified(organisation: PartnerOrganisation) -> None:
    if organisation.status is not VerificationStatus.VERIFIED:
        raise AccountError(str(_l("Programme staff must verify the organisation first.")))


def invite_member(organisation: PartnerOrganisation, email: str, *, by: User) -> str:
    """Invite a member to register as an expert, linked to the organisation."""
    _require_verified(organisation)
    email = email.strip().lower()
    if db.session.scalar(select(User.id).where(User.email == email)):
        raise AccountError(str(_l("This address already has an account.")), "email")
    token, digest = new_secret_token()
    db.session.add(
        PartnerInvitation(
            organisation_id=organisation.id,
            email=email,
            token_hash=digest,
            expires_at=utcnow() + timedelta(days=INVITATION_DAYS),
        )
    )
    audit.record("partner.invite", organisation, actor=by, after={"email": email})
    mail.queue_email_to(
        email,
        by.locale,
        "partner.invite",
        _l("%(name)s invites you to Homeward", name=organisation.name),
        "partner_invitation",
        organisation=organisation,
        token=token,
    )
    return token


def invitation_for(token: str) -> PartnerInvitation | None:
    invitation = db.session.scalar(
        select(PartnerInvitation).where(PartnerInvitation.token_hash == token_digest(token))
    )
    if (
        invitation is None
        or invitation.accepted_at is not None
        or (invitation.expires_at < utcnow())
    ):
        return None
    return invitation


def join(
    invitation: PartnerInvitation,
    *,
    full_name: str,
    password: str,
    share_with_hosts: bool,
    show_membership: bool,
    locale: str | None,
) -> User:
    from placement.auth.services import register_expert

    user = register_expert(
        invitation.email, password, full_name, share_with_hosts=share_with_hosts, locale=locale
    )
    db.session.add(
        PartnerMembership(
            organisation_id=invitation.organisation_id,
            expert_id=user.expert_profile.id,
            shown_on_profile=show_membership,
        )
    )
    invitation.accepted_at = utcnow()
    db.session.flush()
    return user


def shown_memberships(expert: ExpertProfile) -> list[PartnerOrganisation]:
    """Organisations the expert agreed to show on their profile."""
    return list(
        db.session.scalars(
            select(PartnerOrganisation)
            .join(PartnerMembership, PartnerMembership.organisation_id == PartnerOrganisation.id)
            .where(
                PartnerMembership.expert_id == expert.id,
                PartnerMembership.shown_on_profile.is_(True),
            )
        )
    )


def members(organisation: PartnerOrganisation) -> int:
    return len(
        db.session.scalars(
            select(PartnerMembership.id).where(PartnerMembership.organisation_id == organisation.id)
        ).all()
    )


def add_offer(
    organisation: PartnerOrganisation,
    *,
    title: str,
    description: str | None,
    mode: WorkMode,
    languages: list[str],
    capacity: int,
    crisis_id: int | None,
    available_from: object,
    by: User,
) -> SupportOffer:
    _require_verified(organisation)
    offer = SupportOffer(
        organisation_id=organisation.id,
        title=title,
        description=description,
        mode=mode,
        languages=languages,
        capacity=capacity,
        crisis_id=crisis_id,
        available_from=available_from,
    )
    db.session.add(offer)
    db.session.flush()
    audit.record("partner.offer", offer, actor=by, after={"title": title, "capacity": capacity})
    return offer


def offers_of(organisation: PartnerOrganisation) -> list[SupportOffer]:
    return list(
        db.session.scalars(
            select(SupportOffer)
            .where(SupportOffer.organisation_id == organisation.id)
            .order_by(SupportOffer.id.desc())
        )
    )


def open_offers(crisis_id: int | None = None) -> list[SupportOffer]:
    query = (
        select(SupportOffer)
        .join(PartnerOrganisation)
        .where(PartnerOrganisation.status == VerificationStatus.VERIFIED)
    )
    if crisis_id is not None:
        query = query.where(
            (SupportOffer.crisis_id == crisis_id) | SupportOffer.crisis_id.is_(None)
        )
    return list(db.session.scalars(query.order_by(SupportOffer.id.desc())))


def offer_by_uuid(offer_uuid: str) -> SupportOffer | None:
    key = parse_uuid(offer_uuid)
    return db.session.scalar(select(SupportOffer).where(SupportOffer.uuid == key)) if key else None


def link_offer(offer: SupportOffer, need: Need, *, actor: User) -> bool:
    """Staff link an offer to a need it can serve; returns False when already linked."""
    if db.session.scalar(
        select(SupportOfferLink.id).where(
            SupportOfferLink.offer_id == offer.id, SupportOfferLink.need_id == need.id
        )
    ):
        return False
    db.session.add(SupportOfferLink(offer_id=offer.id, need_id=need.id, linked_by_id=actor.id))
    audit.record("partner.offer_link", offer, actor=actor, after={"need": str(need.uuid)})
    return True


def offers_linked_to(need: Need) -> list[SupportOffer]:
    return list(
        db.session.scalars(
            select(SupportOffer)
            .join(SupportOfferLink, SupportOfferLink.offer_id == SupportOffer.id)
            .where(SupportOfferLink.need_id == need.id)
        )
    )
