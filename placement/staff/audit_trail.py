"""The audit trail written for people: who (name and role), did what (a translated sentence), to
which record (named, with a link where the reader may see it), when (in the reader's time zone, by
the templates) and why; filtered by actor, action, record type and dates; exported as CSV.

``audit_events`` keep codes ("need.approve", before/after states); this module turns them into
sentences at read time, so the trail reads in each reader's language.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from flask import url_for
from flask_babel import format_datetime, get_timezone
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from placement.extensions import db
from placement.ids import parse_uuid
from placement.labels import NEED_STATUS_LABELS, PLACEMENT_STATUS_LABELS, VERIFICATION_LABELS
from placement.models import (
    AuditEvent,
    Crisis,
    ExpertProfile,
    Institution,
    Need,
    PartnerOrganisation,
    Placement,
    Programme,
    Role,
    SurgeAlert,
    User,
)

PAGE_SIZE = 100
EXPORT_LIMIT = 50_000

# One role name per person (the ROLE_LABELS elsewhere name groups).
ACTOR_ROLES = {
    Role.EXPERT: _l("expert"),
    Role.INSTITUTION: _l("host institution member"),
    Role.STAFF: _l("programme staff"),
    Role.ADMIN: _l("administrator"),
    Role.PARTNER: _l("diaspora organisation representative"),
}

# What happened, as a sentence whose subject is the actor.
ACTION_SENTENCES = {
    "need.submit": _l("sent the need to programme staff"),
    "need.send_back": _l("sent the need back to the host for changes"),
    "need.approve": _l("approved the need"),
    "need.open": _l("opened the need to experts"),
    "need.fill": _l("marked the need as filled"),
    "need.close": _l("closed the need"),
    "need.expire": _l("recorded that the need expired"),
    "need.create_urgent": _l("posted an urgent need"),
    "need.reassign": _l("moved the urgent need when its crisis closed"),
    "placement.create": _l("created the placement"),
    "placement.propose": _l("proposed the expert for the need"),
    "placement.offer": _l("sent the offer to the expert"),
    "placement.accept": _l("accepted the offer"),
    "placement.decline": _l("declined the offer"),
    "placement.confirm": _l("confirmed the expert for the host institution"),
    "placement.approve": _l("approved the placement"),
    "placement.schedule": _l("marked the placement as scheduled"),
    "placement.start": _l("marked the placement as started"),
    "placement.complete": _l("marked the placement as completed"),
    "placement.withdraw": _l("withdrew from the placement"),
    "placement.cancel": _l("cancelled the placement"),
    "placement.expire": _l("recorded that the offer expired"),
    "placement.remind_host": _l("reminded the host institution to confirm the expert"),
    "placement.logistics_add": _l("added a logistics item"),
    "placement.logistics_done": _l("ticked off a logistics item"),
    "placement.logistics_reopen": _l("reopened a logistics item"),
    "placement.budget_add": _l("added a budget line"),
    "placement.parties": _l("changed the partners of the placement"),
    "placement.session_add": _l("scheduled an online session"),
    "institution.verify": _l("verified the institution"),
    "institution.reject": _l("rejected the institution"),
    "institution.invite": _l("invited a colleague to the institution"),
    "partner.verify": _l("verified the diaspora organisation"),
    "partner.reject": _l("rejected the diaspora organisation"),
    "partner.invite": _l("invited a member to the diaspora organisation"),
    "partner.offer": _l("offered support"),
    "partner.offer_link": _l("linked an offer of support to a need"),
    "crisis.declare": _l("declared the crisis"),
    "crisis.close": _l("closed the crisis"),
    "alert.send": _l("alerted experts"),
    "alert.stand_down": _l("stood the alert down"),
    "assignment.rule": _l("changed a lock or ban of the global assignment"),
    "task.propose_plan": _l("ran the programme's global assignment"),
    "task.export_placements": _l("asked for an export of placements with outcomes"),
    "programme.create": _l("created the programme"),
    "programme.update": _l("changed the programme"),
    "cv.suggestion_accept": _l("accepted a skill or occupation suggested from their CV"),
    "cv.suggestion_reject": _l("rejected a skill or occupation suggested from their CV"),
    "consent.grant": _l("gave consent"),
    "consent.withdraw": _l("withdrew consent"),
    "user.create": _l("created an account"),
    "user.erase": _l("erased an account"),
    "user.password_change": _l("changed their password"),
    "user.password_reset": _l("reset their password"),
    "token.create": _l("created an access token"),
    "token.revoke": _l("revoked an access token"),
    "token.revoke_all": _l("revoked all access tokens"),
}

RECORD_TYPES = {
    "Need": _l("Need"),
    "Placement": _l("Placement"),
    "Institution": _l("Institution"),
    "PartnerOrganisation": _l("Diaspora organisation"),
    "Crisis": _l("Crisis"),
    "SurgeAlert": _l("Surge alert"),
    "Programme": _l("Programme"),
    "User": _l("Account"),
    "ExpertProfile": _l("Expert profile"),
    "TaskRun": _l("Background request"),
}

_STATE_LABELS: dict[str, dict[str, object]] = {
    "Need": {s.value: label for s, label in NEED_STATUS_LABELS.items()},
    "Placement": {s.value: label for s, label in PLACEMENT_STATUS_LABELS.items()},
    "Institution": {s.value: label for s, label in VERIFICATION_LABELS.items()},
    "PartnerOrganisation": {s.value: label for s, label in VERIFICATION_LABELS.items()},
}
_MODELS = {
    "Need": Need,
    "Placement": Placement,
    "Institution": Institution,
    "PartnerOrganisation": PartnerOrganisation,
    "Crisis": Crisis,
    "SurgeAlert": SurgeAlert,
    "Programme": Programme,
    "ExpertProfile": ExpertProfile,
}


class FilterError(ValueError):
    """A filter value that cannot be used; the message says which and why."""


@dataclass(frozen=True)
class AuditFilters:
    actor: str | None = None  # a user's public id
    action: str | None = None  # a key of ACTION_SENTENCES
    record_type: str | None = None  # a key of RECORD_TYPES
    since: date | None = None
    until: date | None = None
    record: str | None = None  # a record's public id


def parse_filters(args: Any) -> AuditFilters:
    """Filters from the query string; a bad value raises FilterError with a clear message."""
    problems = []
    actor = (args.get("actor") or "").strip() or None
    if actor and parse_uuid(actor) is None:
        problems.append(str(_l("The person chosen is not known.")))
    action = (args.get("action") or "").strip() or None
    if action and action not in ACTION_SENTENCES:
        problems.append(str(_l("Choose an action from the list.")))
    record_type = (args.get("record_type") or "").strip() or None
    if record_type and record_type not in RECORD_TYPES:
        problems.append(str(_l("Choose a kind of record from the list.")))
    record = (args.get("record") or "").strip() or None
    if record and parse_uuid(record) is None:
        problems.append(str(_l("The record id is not valid.")))
    since, until = _date(args, "since", problems), _date(args, "until", problems)
    if since and until and since > until:
        problems.append(str(_l("The start date must come before the end date.")))
    if problems:
        raise FilterError(" ".join(problems))
    return AuditFilters(actor, action, record_type, since, until, record)


def _date(args: Any, name: str, problems: list[str]) -> date | None:
    value = (args.get(name) or "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        problems.append(str(_l("“%(value)s” is not a date (use the date picker).", value=value)))
        return None


def _query(filters: AuditFilters) -> Any:
    query = select(AuditEvent)
    if filters.actor:
        actor_id = db.session.scalar(select(User.id).where(User.uuid == parse_uuid(filters.actor)))
        query = query.where(AuditEvent.actor_id == (actor_id or -1))
    if filters.action:
        query = query.where(AuditEvent.action == filters.action)
    if filters.record_type:
        query = query.where(AuditEvent.object_type == filters.record_type)
    if filters.record:
        query = query.where(AuditEvent.object_uuid == str(parse_uuid(filters.record)))
    if filters.since:
        query = query.where(AuditEvent.created_at >= _reader_midnight(filters.since))
    if filters.until:
        query = query.where(
            AuditEvent.created_at < _reader_midnight(filters.until + timedelta(days=1))
        )
    return query.order_by(AuditEvent.id.desc())


def _reader_midnight(day: date) -> datetime:
    """The start of ``day`` in the reader's time zone, in UTC (dates are the reader's)."""
    zone = get_timezone()
    local = datetime.combine(day, time.min)
    start = zone.localize(local) if hasattr(zone, "localize") else local.replace(tzinfo=zone)
    return start.astimezone(UTC)


@dataclass(frozen=True)
class Entry:
    """One audit row as a person reads it."""

    event: AuditEvent
    actor_name: str
    actor_role: str
    sentence: str
    change: str | None  # "from “X” to “Y”" for a change of state
    record_type: str
    record_name: str
    record_link: str | None
    reason: str | None

    @property
    def when(self) -> datetime:
        return self.event.created_at


def search(filters: AuditFilters, page: int = 1) -> tuple[list[Entry], bool]:
    """One page of entries, newest first, and whether there is a next page."""
    rows = list(
        db.session.scalars(_query(filters).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1))
    )
    return describe(rows[:PAGE_SIZE]), len(rows) > PAGE_SIZE


def for_record(object_uuid: str) -> list[Entry]:
    """The history of one record, oldest first (the record's own page)."""
    return describe(
        db.session.scalars(
            select(AuditEvent).where(AuditEvent.object_uuid == object_uuid).order_by(AuditEvent.id)
        )
    )


def recent(limit: int = 10) -> list[Entry]:
    return describe(
        db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit))
    )


def describe(events: Iterable[AuditEvent]) -> list[Entry]:
    events = list(events)
    actors = _load(User, {e.actor_id for e in events if e.actor_id}, by="id")
    records: dict[tuple[str, str], Any] = {}
    for kind, model in _MODELS.items():
        keys = {e.object_uuid for e in events if e.object_type == kind and e.object_uuid}
        for uuid_text, record in _load(model, keys, by="uuid").items():
            records[(kind, uuid_text)] = record
    return [
        _entry(e, actors.get(e.actor_id), records.get((e.object_type, e.object_uuid)))
        for e in events
    ]


def _load(model: type, keys: set[Any], *, by: str) -> dict[Any, Any]:
    if not keys:
        return {}
    column = getattr(model, by)
    values = [parse_uuid(k) for k in keys] if by == "uuid" else list(keys)
    found = db.session.scalars(select(model).where(column.in_([v for v in values if v])))
    return {(str(r.uuid) if by == "uuid" else r.id): r for r in found}


def _entry(event: AuditEvent, actor: User | None, record: Any) -> Entry:
    if actor is None:
        name, role = str(_l("Homeward")), str(_l("scheduled job"))
    else:
        name, role = actor.display_name, str(ACTOR_ROLES.get(actor.role, actor.role))
    sentence = ACTION_SENTENCES.get(event.action)
    record_name, link = _record(event.object_type, record)
    return Entry(
        event=event,
        actor_name=name,
        actor_role=role,
        sentence=str(sentence) if sentence else event.action,
        change=_change(event),
        record_type=str(RECORD_TYPES.get(event.object_type, event.object_type)),
        record_name=record_name,
        record_link=link,
        reason=event.reason,
    )


def _change(event: AuditEvent) -> str | None:
    before = (event.before or {}).get("status")
    after = (event.after or {}).get("status")
    labels = _STATE_LABELS.get(event.object_type)
    if not (labels and before and after) or before == after:
        return None
    return str(
        _l(
            "from “%(before)s” to “%(after)s”",
            before=labels.get(before, before),
            after=labels.get(after, after),
        )
    )


def _record(kind: str, record: Any) -> tuple[str, str | None]:
    """The record's name and the staff page that shows it (None when there is none to see)."""
    if record is None:
        return str(_l("a record no longer available")), None
    if kind == "Need":
        return record.title, url_for("staff.need", need_id=record.uuid)
    if kind == "Placement":
        return (
            f"{record.need.title} · {record.expert.user.display_name}",
            url_for("placements.view", placement_id=record.uuid),
        )
    if kind == "Institution":
        return record.name, url_for("staff.institution", institution_id=record.uuid)
    if kind == "PartnerOrganisation":
        return record.name, url_for("partners.staff_view", organisation_id=record.uuid)
    if kind == "Crisis":
        return record.name, url_for("crisis.crisis", crisis_id=record.uuid)
    if kind == "SurgeAlert":
        return record.need.title, url_for("crisis.alert", alert_id=record.uuid)
    if kind == "Programme":
        return record.name, url_for("programmes.edit", programme_id=record.uuid)
    if kind == "ExpertProfile":
        return record.user.display_name, None
    return str(_l("a record")), None


def actors() -> list[User]:
    """The people who appear in the trail, for the "who" filter."""
    return list(
        db.session.scalars(
            select(User)
            .where(User.id.in_(select(AuditEvent.actor_id).distinct()))
            .order_by(User.full_name, User.email)
        )
    )


CSV_HEADER = (
    _l("When (UTC)"),
    _l("When (your time zone)"),
    _l("Who"),
    _l("Role"),
    _l("What"),
    _l("Change"),
    _l("Record type"),
    _l("Record"),
    _l("Record id"),
    _l("Why"),
    _l("Action code"),
)


def export_csv(filters: AuditFilters) -> str:
    """Every entry matching the filters (up to EXPORT_LIMIT), as CSV text in the reader's
    language, with the UTC time beside the reader's."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([str(h) for h in CSV_HEADER])
    events = db.session.scalars(_query(filters).limit(EXPORT_LIMIT))
    for entry in describe(events):
        writer.writerow(
            _safe_cell(cell)
            for cell in [
                entry.when.isoformat(),
                format_datetime(entry.when, "short"),
                entry.actor_name,
                entry.actor_role,
                entry.sentence,
                entry.change or "",
                entry.record_type,
                entry.record_name,
                entry.event.object_uuid or "",
                entry.reason or "",
                entry.event.action,
            ]
        )
    return buffer.getvalue()


def _safe_cell(text: str) -> str:
    """Cells typed by people must not run as formulas in a spreadsheet (CSV injection)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
