"""Placement queries, logistics and budget lines."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import Select, select

from placement import audit
from placement.extensions import db
from placement.ids import parse_uuid
from placement.models import (
    BudgetLine,
    ExpertProfile,
    Institution,
    InstitutionType,
    LogisticsItem,
    LogisticsKind,
    PartnerOrganisation,
    Placement,
    PlacementStatus,
    Programme,
    Role,
    User,
    VerificationStatus,
    utcnow,
)
from placement.placements.workflow import QuotaUse, quota_use, role_in

# Remote placements need no travel, visa, per diem or housing.
TRAVEL_KINDS = frozenset(
    {LogisticsKind.TRAVEL, LogisticsKind.VISA, LogisticsKind.PER_DIEM, LogisticsKind.HOUSING}
)


def placement_for(user: User, placement_uuid: str) -> tuple[Placement, str] | None:
    """The placement and the user's part in it, if the user has one (else None: 'not found')."""
    key = parse_uuid(placement_uuid)
    if key is None:
        return None
    placement = db.session.scalar(select(Placement).where(Placement.uuid == key))
    if placement is None:
        return None
    role = role_in(placement, user)
    return (placement, role) if role else None


def expert_by_uuid(expert_uuid: str) -> ExpertProfile | None:
    key = parse_uuid(expert_uuid)
    return (
        db.session.scalar(select(ExpertProfile).where(ExpertProfile.uuid == key)) if key else None
    )


def possible_owners(placement: Placement) -> list[User]:
    """Who can own a logistics item: the expert and active staff."""
    staff = db.session.scalars(
        select(User)
        .where(User.role.in_([Role.STAFF, Role.ADMIN]), User.active.is_(True))
        .order_by(User.email)
    ).all()
    return [placement.expert.user, *staff]


def staff_list(
    status: PlacementStatus | None, programme_id: int | None
) -> Select[tuple[Placement]]:
    """The placements that match, last changed first (the route shows them a page at a time)."""
    query = select(Placement)
    if status is not None:
        query = query.where(Placement.status == status)
    if programme_id is not None:
        from placement.models import Need

        query = query.join(Need, Need.id == Placement.need_id).where(
            Need.programme_id == programme_id
        )
    return query.order_by(Placement.updated_at.desc(), Placement.id.desc())


def add_logistics(
    placement: Placement,
    kind: LogisticsKind,
    title: str,
    owner: User | None,
    due_on: date | None,
    *,
    actor: User,
) -> LogisticsItem:
    item = LogisticsItem(
        kind=kind, title=title, owner_id=owner.id if owner else None, due_on=due_on
    )
    placement.logistics.append(item)
    db.session.flush()
    audit.record(
        "placement.logistics_add",
        placement,
        actor=actor,
        after={"kind": kind.value, "title": title},
    )
    return item


def toggle_logistics(placement: Placement, item_id: int, *, actor: User) -> LogisticsItem | None:
    item = next((i for i in placement.logistics if i.id == item_id), None)
    if item is None:
        return None
    item.done_at = None if item.done_at else utcnow()
    audit.record(
        "placement.logistics_done" if item.done_at else "placement.logistics_reopen",
        placement,
        actor=actor,
        after={"item": item.title},
    )
    return item


def add_budget_line(
    placement: Placement,
    category: LogisticsKind,
    description: str | None,
    planned: Decimal,
    actual: Decimal | None,
    currency: str,
    *,
    actor: User,
) -> BudgetLine:
    line = BudgetLine(
        category=category,
        description=description,
        planned=planned,
        actual=actual,
        currency=currency,
    )
    placement.budget_lines.append(line)
    db.session.flush()
    audit.record(
        "placement.budget_add",
        placement,
        actor=actor,
        after={
            "category": category.value,
            "planned": str(planned),
            "actual": str(actual) if actual is not None else None,
        },
    )
    return line


@dataclass(frozen=True)
class CountryBudget:
    country: str
    use: QuotaUse

    @property
    def remaining(self) -> Decimal | None:
        return self.use.quota.budget - self.use.planned if self.use.quota else None


def programme_budget(programme: Programme) -> list[CountryBudget]:
    """Per country of origin: placements and money committed against the quota."""
    return [CountryBudget(q.country, quota_use(programme.id, q.country)) for q in programme.quotas]


def verified_partners() -> list[PartnerOrganisation]:
    return list(
        db.session.scalars(
            select(PartnerOrganisation)
            .where(PartnerOrganisation.status == VerificationStatus.VERIFIED)
            .order_by(PartnerOrganisation.name)
        )
    )


def local_ngos(placement: Placement) -> list[Institution]:
    """Verified NGOs of the placement's country, other than the host itself."""
    return list(
        db.session.scalars(
            select(Institution)
            .where(
                Institution.country == placement.need.country,
                Institution.kind == InstitutionType.NGO,
                Institution.status == VerificationStatus.VERIFIED,
                Institution.id != placement.need.institution_id,
            )
            .order_by(Institution.name)
        )
    )


def set_parties(
    placement: Placement, partner_id: int | None, ngo_id: int | None, *, actor: User
) -> None:
    """Record a diaspora organisation and a local NGO beside the host (tripartite projects)."""
    if partner_id is not None and partner_id not in {o.id for o in verified_partners()}:
        partner_id = None
    if ngo_id is not None and ngo_id not in {i.id for i in local_ngos(placement)}:
        ngo_id = None
    before = {"partner": placement.partner_organisation_id, "ngo": placement.local_ngo_id}
    placement.partner_organisation_id, placement.local_ngo_id = partner_id, ngo_id
    audit.record(
        "placement.parties",
        placement,
        actor=actor,
        before=before,
        after={"partner": partner_id, "ngo": ngo_id},
    )
