"""Heavy work as tasks of a queue (Celery, Redis as the broker), off the web request.

Rankings of new and edited needs, the scheduled jobs (the periodic ranking refresh, outgoing
mail, ...), global assignment runs, imports and exports are Celery tasks. The scheduler only
enqueues them (placement/scheduler.py); `placement worker` processes run them.

Without TASK_BROKER_URL the tasks run in-process at once (Celery's eager mode), so `make demo`
and the tests need no broker and behave as before.

Tasks are safe to run twice, because a worker killed in the middle of one (kill -9) leaves its
task to run again: every task is acknowledged only after it finished (``acks_late``), a task
whose worker process was lost is handed back to the queue (``reject_on_worker_lost``), and a
task that a dead worker had taken is handed out again after TASK_VISIBILITY_TIMEOUT seconds
(the Redis transport's visibility timeout). Each task commits once, at its end, so a killed one
leaves nothing half-written, and is idempotent: a second run finishes the job.

Scaling out by origin country: TASK_COUNTRY_SHARDS ("SL,GH;ET,SN") routes a country's tasks to
queue ``countries-N`` of its shard; ``placement worker --shard N`` consumes only that queue, so
workers own disjoint countries (their processes keep only those countries' features loaded).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

from celery import Celery, Task, shared_task
from flask import Flask, current_app, has_app_context

log = logging.getLogger(__name__)
T = TypeVar("T")

DEFAULT_QUEUE = "default"

_APP: Flask | None = None
# One Celery app per distinct setting (tests run apps with and without a broker side by side);
# the tasks are shared tasks, bound to whichever is current.
_CELERY: dict[tuple[object, ...], Celery] = {}


def shards(config: dict[str, Any]) -> list[frozenset[str]]:
    """The origin countries of each shard, from TASK_COUNTRY_SHARDS ("SL,GH;ET,SN")."""
    groups = []
    for group in str(config.get("TASK_COUNTRY_SHARDS") or "").split(";"):
        countries = frozenset(c.strip().upper() for c in group.split(",") if c.strip())
        if countries:
            groups.append(countries)
    return groups


def queue_for(country: str | None, config: dict[str, Any] | None = None) -> str:
    """The queue of a task about ``country``: its shard's, else the default queue."""
    config = config if config is not None else current_app.config
    if country:
        for number, countries in enumerate(shards(config)):
            if country.upper() in countries:
                return f"countries-{number}"
    return DEFAULT_QUEUE


def queue_names(config: dict[str, Any]) -> list[str]:
    return [DEFAULT_QUEUE, *(f"countries-{n}" for n in range(len(shards(config))))]


def configure(app: Flask) -> Celery:
    """The Celery app for ``app``'s settings, made current (built once per setting)."""
    global _APP
    config = app.config
    broker = config.get("TASK_BROKER_URL") or ""
    key = (
        broker,
        config.get("TASK_RESULT_BACKEND") or "",
        int(config.get("TASK_VISIBILITY_TIMEOUT") or 3600),
    )
    _APP = app
    found = _CELERY.get(key)
    if found is None:
        found = _CELERY[key] = _build(*key)
    found.set_current()
    found.set_default()
    return found


def _build(broker: str, backend: str, visibility_timeout: int) -> Celery:
    made = Celery("homeward", set_as_current=False)
    made.conf.update(
        broker_url=broker or "memory://",
        result_backend=backend or None,
        task_always_eager=not broker,
        task_eager_propagates=True,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_default_queue=DEFAULT_QUEUE,
        # A dead worker's unacked task is handed out again by a sweep of the Redis transport;
        # by default it scans only every 10th call of a 10 s timer (about 100 s), longer than
        # a short visibility timeout. One scan per timer tick, at most every 10 s.
        broker_transport_options={
            "visibility_timeout": visibility_timeout,
            "unacked_restore_interval": min(10, visibility_timeout),
            "unacked_restore_throttle": 1,
        },
        broker_connection_retry_on_startup=True,
        task_serializer="json",
        accept_content=["json"],
        worker_hijack_root_logger=False,
    )
    return made


def queued(app: Flask | None = None) -> bool:
    """Whether tasks go to a broker (True) or run in-process at once (False)."""
    app = app or current_app
    return bool(app.config.get("TASK_BROKER_URL"))


def _flask_app() -> Flask:
    if _APP is not None:
        return _APP
    if has_app_context():
        return current_app._get_current_object()  # type: ignore[attr-defined]
    from placement import create_app

    return configure(create_app()) and _APP  # type: ignore[return-value]


def in_job_context(app: Flask, work: Callable[[], T]) -> T:
    """Run ``work`` in its own app and request context (links in mail) and transaction,
    committed once at the end, rolled back on any error."""
    from placement.extensions import db

    with app.test_request_context("/", base_url=app.config["PUBLIC_BASE_URL"]):
        try:
            result = work()
            db.session.commit()
        except Exception:
            db.session.rollback()
            raise
        finally:
            db.session.remove()
    return result


class AppTask(Task):
    """A task run inside the Flask app, in a context and transaction of its own."""

    abstract = True

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return in_job_context(_flask_app(), lambda: self.run(*args, **kwargs))


def enqueue(task: Task, *args: Any, country: str | None = None) -> Any:
    """Send ``task`` to its queue (or run it now without a broker); returns its result
    handle."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    configure(app)
    return task.apply_async(args, queue=queue_for(country, app.config))


# --- the tasks -------------------------------------------------------------------------------


@shared_task(base=AppTask, name="homeward.rank_need", bind=True)
def rank_need(_self: Task, need_id: int, for_host: bool = True) -> int:
    """Rank a need and keep the ranking for every web worker; returns how many candidates."""
    from placement.matches.services import rank_and_keep

    return rank_and_keep(need_id, for_host)


@shared_task(name="homeward.run_job", bind=True)
def run_job(_self: Task, name: str, on_date: str) -> int:
    """One scheduled job (placement/jobs.py) for a date (ISO): refresh of rankings, outgoing
    mail, expiries, surveys."""
    from placement.jobs import run_job as run

    return run(_flask_app(), name, date.fromisoformat(on_date))


@shared_task(base=AppTask, name="homeward.propose_plan", bind=True)
def propose_plan(_self: Task, programme_id: int, actor_id: int) -> int:
    """A global assignment run: the programme's optimal plan made into proposals."""
    from placement.extensions import db
    from placement.models import Programme, User
    from placement.placements.assignment import propose_plan as propose

    programme, actor = db.session.get(Programme, programme_id), db.session.get(User, actor_id)
    if programme is None or actor is None:
        return 0
    return propose(programme, actor=actor)


@shared_task(name="homeward.import_experts", bind=True)
def import_experts(
    _self: Task, path: str, batch_size: int = 500, consent_version: str | None = None
) -> str:
    """Import an experts.jsonl file (as `placement import experts`): batches commit one by
    one and records already imported are skipped, so a run again after a kill completes it."""
    from click.testing import CliRunner

    from placement.ops_cli import import_experts_command

    app = _flask_app()
    args = [path, "--batch-size", str(batch_size)]
    if consent_version:
        args += ["--consent-version", consent_version]
    result = CliRunner().invoke(
        import_experts_command, args, obj=_script_info(app), catch_exceptions=False
    )
    if result.exit_code != 0:
        raise RuntimeError(result.output.strip())
    return result.output.strip().splitlines()[-1] if result.output.strip() else ""


def _script_info(app: Flask) -> Any:
    from flask.cli import ScriptInfo

    return ScriptInfo(create_app=lambda: app)


@shared_task(base=AppTask, name="homeward.export_placements", bind=True)
def export_placements(_self: Task, path: str) -> int:
    """The placements evaluation export (CSV) written to ``path`` atomically: a reader sees
    the old file or the whole new one. Returns the number of rows."""
    from placement.outcomes import evaluation

    rows = evaluation.export_rows(evaluation.Filters())
    body = evaluation.to_csv([c for c, _m in evaluation.COLUMNS], rows)
    target = Path(path)
    partial = target.with_name(target.name + ".partial")
    partial.write_text(body, encoding="utf-8")
    os.replace(partial, target)
    return len(rows)


def send_mail() -> Any:
    """Send queued mail now (the send-outbox job as a task)."""
    return enqueue(run_job, "send-outbox", date.today().isoformat())


def start_worker(app: Flask, queues: list[str], concurrency: int, pool: str) -> None:
    """Run a worker consuming ``queues`` until stopped (the `placement worker` command)."""
    if not queued(app):
        raise RuntimeError("TASK_BROKER_URL is not set: without a broker tasks run in-process")
    worker = configure(app).Worker(
        queues=queues, concurrency=concurrency, pool=pool, loglevel="INFO", without_mingle=True
    )
    worker.start()
