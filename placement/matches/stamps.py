"""Experts' change stamps: what keeps the per-view re-check of a kept ranking cheap.

Who may be shown among a need's kept candidates is re-checked on every view: consent, erasure,
the hard rules of eligibility and the expert's bookings. Reading all of that for the experts
about to be shown took five queries per view, and almost every view found nothing changed. So
every change that can alter that verdict bumps ``expert_profiles.change_stamp`` of the expert,
in the same transaction (a session hook at flush):

- the profile row itself (countries, erasure, any field);
- its languages, skills and availability windows (added, edited, removed);
- the expert's placements (a booking, its status or dates, a reassignment: both experts);
- the user's consent records (a grant or a withdrawal).

A view then reads only the stamps of the experts it would show (one query, by primary key): an
expert whose stamp is the one their last verdict was made at keeps it; the others are
re-checked, and only they (:func:`placement.matches.services.kept_ranking`).

A stamp is a per-expert counter, not a clock: two writers of one expert queue on its row lock,
so every committed change moves it, and a transaction that rolls back takes its bump with it.
The verdict is stored with the stamp read *before* the facts it was judged on, so a change
committed between the two reads only costs one more re-check.

Writes through the session's unit of work are seen. A bulk write of one of those tables through
the session (``session.execute(insert(...), rows)``, ``update(...)``), which the unit of work
does not see, is seen too: an INSERT bumps the experts its rows name; an UPDATE or DELETE, not
saying which rows it touches, bumps every expert (rare, and correct). A write on a raw
connection is not seen; nothing in the application writes those tables that way.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import bindparam, event, inspect, select, update
from sqlalchemy.orm import ORMExecuteState, Session

from placement.models import (
    AvailabilityWindow,
    ConsentRecord,
    ExpertLanguage,
    ExpertProfile,
    ExpertSkill,
    Placement,
)

# Ids per statement (IN lists stay well under every driver's limit).
CHUNK = 1000
# Rows that belong to one expert, by their expert_id.
_CHILDREN = (ExpertLanguage, ExpertSkill, AvailabilityWindow, Placement)
_TABLES = frozenset(model.__table__.name for model in (ExpertProfile, ConsentRecord, *_CHILDREN))


def change_stamps(expert_ids: list[int]) -> dict[int, int]:
    """Profile id -> change stamp, for those of ``expert_ids`` that exist (one query)."""
    if not expert_ids:
        return {}
    from placement.extensions import db

    return dict(db.session.connection().execute(_STAMPS_OF, {"ids": expert_ids}).all())


_STAMPS_OF = select(ExpertProfile.id, ExpertProfile.change_stamp).where(
    ExpertProfile.id.in_(bindparam("ids", expanding=True))
)


def _old_and_new(obj: object, key: str) -> set[int]:
    """The value of ``key`` now and, if it changed in this flush, before (a reassignment
    concerns both experts)."""
    history = inspect(obj).attrs[key].history
    return {v for v in (*history.added, *history.unchanged, *history.deleted) if v is not None}


def _touched(session: Session) -> tuple[set[int], set[int]]:
    """Profile ids and user ids whose experts this flush changed."""
    experts: set[int] = set()
    users: set[int] = set()
    # Dirty only if something really changed: a value set to itself writes nothing, and must
    # not make a read request write the stamp.
    dirty = [obj for obj in session.dirty if session.is_modified(obj)]
    for obj in (*session.new, *dirty, *session.deleted):
        if isinstance(obj, ExpertProfile):
            if obj.id is not None:
                experts.add(obj.id)
        elif isinstance(obj, _CHILDREN):
            experts.update(_old_and_new(obj, "expert_id"))
        elif isinstance(obj, ConsentRecord):
            users.update(_old_and_new(obj, "user_id"))
    return experts, users


def _bump(session: Session, experts: Iterable[int] = (), users: Iterable[int] = ()) -> None:
    """Bump the stamps of these profiles and of these users' profiles."""
    profile = ExpertProfile.__table__
    bump = {"change_stamp": profile.c.change_stamp + 1}
    connection = session.connection()
    for column, ids in ((profile.c.id, sorted(experts)), (profile.c.user_id, sorted(users))):
        for start in range(0, len(ids), CHUNK):  # an import flushes thousands at once
            connection.execute(
                update(profile).where(column.in_(ids[start : start + CHUNK])).values(bump)
            )


@event.listens_for(Session, "after_flush")
def _bump_changed(session: Session, _context: object) -> None:
    """Bump the stamp of every expert this flush changed, in the flush's transaction."""
    experts, users = _touched(session)
    if experts or users:
        _bump(session, experts, users)


# The column of a bulk-inserted row that names whose stamp moves.
_OWNER = {
    ExpertProfile.__table__.name: "id",
    ConsentRecord.__table__.name: "user_id",
    **{model.__table__.name: "expert_id" for model in _CHILDREN},
}


@event.listens_for(Session, "do_orm_execute")
def _bump_after_bulk_write(state: ORMExecuteState) -> Any:
    """A bulk write of a watched table, which the unit of work does not see: the rows of an
    INSERT name their experts (or users); for an UPDATE or DELETE, or an INSERT whose rows do
    not say, which experts it touched is not known, so every expert's stamp moves."""
    if not (state.is_insert or state.is_update or state.is_delete):
        return None
    table = getattr(state.statement, "table", None)
    owner = _OWNER.get(str(getattr(table, "name", "")))
    if owner is None:
        return None
    result = state.invoke_statement()
    params = state.parameters
    rows = params if isinstance(params, list) else [params] if params else []
    named = [row.get(owner) for row in rows]
    if state.is_insert and rows and None not in named:
        ids = {int(i) for i in named}
        if owner == "user_id":
            _bump(state.session, users=ids)
        else:
            _bump(state.session, experts=ids)
    else:
        profile = ExpertProfile.__table__
        state.session.connection().execute(
            update(profile).values(change_stamp=profile.c.change_stamp + 1)
        )
    return result
