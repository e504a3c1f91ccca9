"""Submitting staff work to the task queue and reading it back.

A request is a TaskRun row committed (with its audit entry) before its task is enqueued, so a
worker always finds it and nothing asked for is lost if the broker or a worker goes down; its
page shows where it stands. Without a broker the task runs at once, in the request, as before.
"""

from __future__ import annotations

import logging
import uuid
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select

from placement import audit, tasks
from placement.extensions import db
from placement.ids import parse_uuid
from placement.models import Programme, Role, TaskKind, TaskRun, TaskStatus, User, utcnow
from placement.outcomes.evaluation import Filters

log = logging.getLogger(__name__)

KIND_LABELS = {
    TaskKind.EXPORT_PLACEMENTS: _l("Export of placements with outcomes"),
    TaskKind.PROPOSE_PLAN: _l("Global assignment run"),
}
STATUS_LABELS = {
    TaskStatus.QUEUED: _l("Waiting to start"),
    TaskStatus.RUNNING: _l("Running"),
    TaskStatus.DONE: _l("Done"),
    TaskStatus.FAILED: _l("Failed"),
}
EXPORT_FORMATS = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def export_folder() -> Path:
    """Where finished exports are kept (EXPORT_DIR, PLACEMENT_EXPORT_DIR in the environment;
    the instance's exports/ folder by default): the web and the task workers must share it."""
    configured = current_app.config.get("EXPORT_DIR") or ""
    return Path(configured) if configured else Path(current_app.config["INSTANCE_PATH"]) / "exports"


def export_name(run: TaskRun) -> str:
    """The run's file name: its public id, never anything a user typed."""
    return f"{run.uuid}.{'xlsx' if run.params.get('format') == 'xlsx' else 'csv'}"


def export_params(filters: Filters, fmt: str) -> dict[str, Any]:
    """A run's parameters (JSON) from the evaluation filters and format."""
    programme = db.session.get(Programme, filters.programme_id) if filters.programme_id else None
    return {
        "format": fmt if fmt in EXPORT_FORMATS else "csv",
        "programme": str(programme.uuid) if programme else None,
        "start": filters.start.isoformat() if filters.start else None,
        "end": filters.end.isoformat() if filters.end else None,
    }


def export_filters(params: dict[str, Any]) -> Filters:
    """The evaluation filters a run's parameters stand for."""
    programme_uuid = parse_uuid(params.get("programme") or "")
    programme_id = (
        db.session.scalar(select(Programme.id).where(Programme.uuid == programme_uuid))
        if programme_uuid
        else None
    )

    def day(value: str | None) -> date | None:
        return date.fromisoformat(value) if value else None

    return Filters(programme_id, day(params.get("start")), day(params.get("end")))


def _submit(kind: TaskKind, params: dict[str, Any], actor: User, subject: Any = None) -> TaskRun:
    run = TaskRun(
        kind=kind,
        params=params,
        requested_by_id=actor.id,
        status=TaskStatus.QUEUED,
        enqueued_at=utcnow(),
    )
    db.session.add(run)
    db.session.flush()
    audit.record(
        f"task.{kind.value}", subject if subject is not None else run, actor=actor, after=params
    )
    return run


def submit_export(filters: Filters, fmt: str, actor: User) -> uuid.UUID:
    """Record an export request, commit it, then enqueue its task; returns the run's id."""
    run = _submit(TaskKind.EXPORT_PLACEMENTS, export_params(filters, fmt), actor)
    run_id, public_id, task = run.id, run.uuid, _task_of(run)
    db.session.commit()
    _enqueue(run_id, *task)
    return public_id


def submit_assignment(programme: Programme, actor: User) -> uuid.UUID:
    """Record a global assignment run of ``programme``, commit it, then enqueue its task."""
    params = {"programme": str(programme.uuid), "programme_name": programme.name}
    run = _submit(TaskKind.PROPOSE_PLAN, params, actor, subject=programme)
    run_id, public_id, task = run.id, run.uuid, _task_of(run)
    db.session.commit()
    _enqueue(run_id, *task)
    return public_id


def _task_of(run: TaskRun) -> tuple[Any, ...]:
    """The task that does ``run`` and its arguments."""
    if run.kind is TaskKind.PROPOSE_PLAN:
        programme_id = db.session.scalar(
            select(Programme.id).where(Programme.uuid == parse_uuid(run.params["programme"]))
        )
        return tasks.propose_plan, programme_id or 0, run.requested_by_id, run.id
    return tasks.export_placements, None, run.id


def requeue_stale(now: datetime | None = None) -> int:
    """The requeue-task-runs job: hand again to the queue each run still queued
    TASK_VISIBILITY_TIMEOUT seconds after its task was last enqueued (the broker lost the
    message, say on a Redis restart without persistence), so that no request is lost. A run
    that a worker started is the broker's to hand out again (late acknowledgement), and a
    second delivery of a run is harmless (a finished run is not run again). Returns how many."""
    now = now or utcnow()
    timeout = timedelta(seconds=int(current_app.config.get("TASK_VISIBILITY_TIMEOUT") or 3600))
    stale = db.session.scalars(
        select(TaskRun).where(
            TaskRun.status == TaskStatus.QUEUED,
            TaskRun.enqueued_at < now - timeout,
        )
    ).all()
    handed = [(run.id, _task_of(run)) for run in stale]
    for run in stale:
        run.enqueued_at = now
    db.session.commit()  # before the tasks run (at once, without a broker)
    for run_id, task in handed:
        _enqueue(run_id, *task)
    return len(handed)


def _enqueue(run_id: int, task: Any, *args: Any) -> None:
    """Enqueue the run's task; if the queue cannot take it (the broker is down), the run says
    so on its page instead of waiting for ever, and the request still answers."""
    try:
        tasks.enqueue(task, *args)
    except Exception as error:
        log.exception("task run %s could not be enqueued", run_id)
        db.session.rollback()
        run = db.session.get(TaskRun, run_id)
        if run is not None and run.status is TaskStatus.QUEUED:
            run.status, run.finished_at = TaskStatus.FAILED, utcnow()
            run.error = str(_l("The task queue could not take the request: %(error)s", error=error))
            db.session.commit()


def visible_to(user: User) -> Select[tuple[TaskRun]]:
    """The runs ``user`` may see: their own; an administrator sees everyone's."""
    query = select(TaskRun)
    if user.role is not Role.ADMIN:
        query = query.where(TaskRun.requested_by_id == user.id)
    return query.order_by(TaskRun.created_at.desc(), TaskRun.id.desc())


def run_for(user: User, public_id: str) -> TaskRun | None:
    """The run named by ``public_id`` if ``user`` may see it (else None, as if unknown)."""
    found = parse_uuid(public_id)
    if found is None:
        return None
    run = db.session.scalar(select(TaskRun).where(TaskRun.uuid == found))
    if run is None or (user.role is not Role.ADMIN and run.requested_by_id != user.id):
        return None
    return run


def export_file(run: TaskRun) -> Path | None:
    """The finished export's file, if the run is done and the file is there."""
    if run.kind is not TaskKind.EXPORT_PLACEMENTS or run.status is not TaskStatus.DONE:
        return None
    if not run.result_file:
        return None
    path = export_folder() / run.result_file
    return path if path.is_file() else None
