"""Programme management by staff; every change is audited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from placement import audit
from placement.extensions import db
from placement.ids import parse_uuid
from placement.models import CountryQuota, Programme, User


class ProgrammeError(Exception):
    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass(frozen=True)
class QuotaInput:
    country: str
    max_placements: int
    budget: Decimal


@dataclass(frozen=True)
class ProgrammeInput:
    code: str
    name: str
    description: str | None
    start: date
    end: date
    eligible_origin_countries: list[str]
    eligible_residence_countries: list[str]
    priority_sectors: list[str]
    min_weeks: int | None
    max_weeks: int | None
    currency: str
    active: bool
    quotas: list[QuotaInput]


def all_programmes() -> list[Programme]:
    return list(db.session.scalars(select(Programme).order_by(Programme.name)))


def origin_countries(today: date | None = None) -> frozenset[str]:
    """The eligible countries of origin of every programme running now (active, not ended):
    the countries people in this deployment come from and are placed in."""
    today = today or date.today()
    lists = db.session.scalars(
        select(Programme.eligible_origin_countries).where(
            Programme.active.is_(True), Programme.end >= today
        )
    )
    return frozenset(code for codes in lists for code in codes or ())


def programme_by_uuid(programme_uuid: str) -> Programme | None:
    key = parse_uuid(programme_uuid)
    return db.session.scalar(select(Programme).where(Programme.uuid == key)) if key else None


def _snapshot(programme: Programme) -> dict[str, object]:
    return {
        "code": programme.code,
        "name": programme.name,
        "start": programme.start.isoformat() if programme.start else None,
        "end": programme.end.isoformat() if programme.end else None,
        "origins": list(programme.eligible_origin_countries or []),
        "residences": list(programme.eligible_residence_countries or []),
        "sectors": list(programme.priority_sectors or []),
        "min_weeks": programme.min_weeks,
        "max_weeks": programme.max_weeks,
        "active": programme.active,
        "quotas": {q.country: [q.max_placements, str(q.budget)] for q in programme.quotas},
    }


def _update_quotas(programme: Programme, quotas: list[QuotaInput]) -> None:
    """Edit rows in place: replacing the list would insert before deleting and break the
    one-quota-per-country constraint."""
    by_country = {quota.country: quota for quota in programme.quotas}
    wanted = {quota.country for quota in quotas}
    for country, row in by_country.items():
        if country not in wanted:
            programme.quotas.remove(row)
    db.session.flush()
    for quota in quotas:
        row = by_country.get(quota.country)
        if row is None:
            programme.quotas.append(
                CountryQuota(
                    country=quota.country, max_placements=quota.max_placements, budget=quota.budget
                )
            )
        else:
            row.max_placements, row.budget = quota.max_placements, quota.budget


def save_programme(
    data: ProgrammeInput, *, actor: User, programme: Programme | None = None
) -> Programme:
    clash = db.session.scalar(select(Programme).where(Programme.code == data.code))
    if clash is not None and clash is not programme:
        raise ProgrammeError(str(_l("Another programme already uses this code.")), "code")
    if data.min_weeks and data.max_weeks and data.min_weeks > data.max_weeks:
        raise ProgrammeError(str(_l("The minimum cannot exceed the maximum.")), "min_weeks")
    outside = {q.country for q in data.quotas} - set(data.eligible_origin_countries)
    if outside:
        raise ProgrammeError(
            str(_l("Quotas can only be set for eligible countries of origin.")), "quotas"
        )
    before = _snapshot(programme) if programme is not None else None
    if programme is None:
        programme = Programme()
        db.session.add(programme)
    programme.code, programme.name = data.code, data.name
    programme.description = data.description
    programme.start, programme.end = data.start, data.end
    programme.eligible_origin_countries = data.eligible_origin_countries
    programme.eligible_residence_countries = data.eligible_residence_countries
    programme.priority_sectors = data.priority_sectors
    programme.min_weeks, programme.max_weeks = data.min_weeks, data.max_weeks
    programme.currency, programme.active = data.currency, data.active
    _update_quotas(programme, data.quotas)
    db.session.flush()
    audit.record(
        "programme.create" if before is None else "programme.update",
        programme,
        actor=actor,
        before=before,
        after=_snapshot(programme),
    )
    return programme
