"""Sessions of remote placements (online consultations, training, advice).

Times are stored in UTC and shown in each side's time zone: the expert's (their setting, else
their country of residence) and the host's (the institution's country).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.core import get_global
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from placement import audit
from placement.extensions import db
from placement.models import Placement, PlacementStatus, RemoteSession, User

# Countries spanning several zones: the zone most people live in.
MAIN_ZONE = {
    "US": "America/New_York",
    "CA": "America/Toronto",
    "BR": "America/Sao_Paulo",
    "RU": "Europe/Moscow",
    "AU": "Australia/Sydney",
    "MX": "America/Mexico_City",
    "CD": "Africa/Kinshasa",
    "ES": "Europe/Madrid",
    "PT": "Europe/Lisbon",
    "EC": "America/Guayaquil",
    "CL": "America/Santiago",
    "AR": "America/Buenos_Aires",
    "ID": "Asia/Jakarta",
    "KZ": "Asia/Almaty",
}
_OPEN = {PlacementStatus.APPROVED, PlacementStatus.SCHEDULED, PlacementStatus.IN_PROGRESS}


class SessionError(Exception):
    pass


def country_zone(country: str | None) -> str:
    if not country:
        return "UTC"
    zones = get_global("territory_zones").get(country) or ["UTC"]
    return MAIN_ZONE.get(country, zones[0])


def expert_zone(placement: Placement) -> str:
    return placement.expert.user.timezone or country_zone(placement.expert.residence_country)


def host_zone(placement: Placement) -> str:
    return country_zone(placement.need.country)


@dataclass(frozen=True)
class SessionView:
    session: RemoteSession
    expert_time: datetime
    host_time: datetime
    expert_zone: str
    host_zone: str


def sessions_of(placement: Placement) -> list[SessionView]:
    rows = db.session.scalars(
        select(RemoteSession)
        .where(RemoteSession.placement_id == placement.id)
        .order_by(RemoteSession.starts_at)
    ).all()
    ez, hz = expert_zone(placement), host_zone(placement)
    return [
        SessionView(
            row,
            row.starts_at.astimezone(ZoneInfo(ez)),
            row.starts_at.astimezone(ZoneInfo(hz)),
            ez,
            hz,
        )
        for row in rows
    ]


def add_session(
    placement: Placement, local_start: datetime, zone: str, minutes: int, topic: str, *, actor: User
) -> RemoteSession:
    """Schedule a session given in ``zone`` local time."""
    if not placement.need.remote:
        raise SessionError(str(_l("Sessions are scheduled for remote placements only.")))
    if placement.status not in _OPEN:
        raise SessionError(str(_l("Sessions can be scheduled once the placement is approved.")))
    try:
        tz = ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise SessionError(str(_l("Unknown time zone."))) from error
    starts_at = local_start.replace(tzinfo=tz).astimezone(UTC)
    if starts_at < datetime.now(UTC):
        raise SessionError(str(_l("This time is in the past.")))
    row = RemoteSession(
        placement_id=placement.id,
        starts_at=starts_at,
        minutes=minutes,
        topic=topic,
        created_by_id=actor.id,
    )
    db.session.add(row)
    db.session.flush()
    audit.record(
        "placement.session_add",
        placement,
        actor=actor,
        after={"starts_at": starts_at.isoformat(), "minutes": minutes},
    )
    return row
