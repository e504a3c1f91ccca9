"""Rankings made ahead of the view: a task ranks a need when it is approved or edited, and a
page that finds no ranking yet says it is pending instead of ranking on the request.

Only with a task broker (TASK_BROKER_URL) and kept rankings (MATCH_CACHE_SECONDS > 0): without
a broker the page ranks on its first view, in-process, as the demo always did.
"""

from __future__ import annotations

import time
from enum import StrEnum

from flask import current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from matching.engine import Match
from placement.matches.services import HOST_SHOWN, cache_seconds, kept_ranking, ranked_expert_ids
from placement.models import Need, NeedStatus
from placement.process_cache import ProcessCache

# A need whose ranking was asked for is not asked for again by this process for this long.
ASK_AGAIN_SECONDS = 60.0
_ASKED: ProcessCache[float] = ProcessCache(size=4096)
_CHANGED = "pending.changed_needs"
_RANKED = (NeedStatus.APPROVED, NeedStatus.OPEN)


class RankingState(StrEnum):
    READY = "ready"
    PENDING = "pending"


def ahead_of_view() -> bool:
    """Whether rankings are made by tasks ahead of the view (a broker and kept rankings)."""
    from placement import tasks

    return tasks.queued() and cache_seconds() > 0


def host_ranking(need: Need, limit: int = HOST_SHOWN) -> tuple[list[tuple[int, Match]], bool]:
    """The host's candidates for the page, and whether the ranking is still pending (then the
    list is empty and a task has been asked to make it)."""
    if not ahead_of_view():
        return ranked_expert_ids(need, limit, for_host=True), False
    kept = kept_ranking(need, limit, for_host=True)
    if kept is None:
        request_ranking(need)
        return [], True
    return kept, False


def ranking_state(need: Need, limit: int = HOST_SHOWN) -> RankingState:
    """READY when the host's ranking can be shown without ranking now, else PENDING (and the
    task is asked again if this process has not asked for a while)."""
    if not ahead_of_view() or kept_ranking(need, limit, for_host=True) is not None:
        return RankingState.READY
    request_ranking(need)
    return RankingState.PENDING


def request_ranking(need: Need) -> None:
    """Ask a worker to rank ``need`` (at most once a minute per need and process)."""
    from placement import tasks

    key = (need.id, need.updated_at)
    if _ASKED.get(key, ASK_AGAIN_SECONDS) is not None:
        return
    _ASKED.put(key, time.monotonic())
    tasks.enqueue(tasks.rank_need, need.id, True, country=need.country)


# --- rank when a need becomes approved, or changes while approved or open ----------------------


@event.listens_for(Session, "after_flush")
def _note_needs(session: Session, _context: object) -> None:
    changed = [
        obj
        for obj in (*session.new, *session.dirty)
        if isinstance(obj, Need) and obj.id is not None and obj.status in _RANKED
    ]
    if changed:
        found = session.info.setdefault(_CHANGED, {})
        found.update({n.id: n.country for n in changed})


@event.listens_for(Session, "after_commit")
def _rank_changed(session: Session) -> None:
    changed = session.info.pop(_CHANGED, None)
    if not changed or not has_app_context() or not ahead_of_view():
        return
    from placement import tasks

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    tasks.configure(app)
    for need_id, country in changed.items():
        tasks.rank_need.apply_async((need_id, True), queue=tasks.queue_for(country, app.config))


@event.listens_for(Session, "after_rollback")
def _forget_needs(session: Session) -> None:
    session.info.pop(_CHANGED, None)
