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

Staff requests (an export, a global assignment run) are followed by a TaskRun row (see
placement/task_runs/): ``tracked`` marks it running, then commits the work and "done" together,
or "failed" with the error; a run killed half-way stays "running" and runs again when its task
is handed out again. Exports are written to a temporary file renamed at the end.

Scaling out by origin country: TASK_COUNTRY_SHARDS ("SL,GH;ET,SN") routes a country's tasks to
queue ``countries-N`` of its shard; ``placement worker --shard N`` consumes only that queue, so
workers own disjoint countries (their processes keep only those countries' features loaded).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable
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
    committed once at the end, rolled back on any error.

    The app context is always a new one, also when a task runs in-process inside a web request
    (no broker): the task then has a session (and ``g``) of its own, and ending it leaves the
    request's records and signed-in user attached to the request's session."""
    from placement.extensions import db

    with (
        app.app_context(),
        app.test_request_context("/", base_url=app.config["PUBLIC_BASE_URL"]),
    ):
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
    return send(task, args, queue_for(country, app.config))


def send(task: Task, args: tuple[Any, ...], queue: str) -> Any:
    """Send ``task`` with ``args`` to the queue named ``queue`` (or run it now without a
    broker); returns its result handle."""
    configure(current_app._get_current_object())  # type: ignore[attr-defined]
    return task.apply_async(args, queue=queue)


# --- the tasks -------------------------------------------------------------------------------


@shared_task(base=AppTask, name="homeward.rank_need", bind=True)
def rank_need(_self: Task, need_id: int, for_host: bool = True) -> int:
    """Rank a need and keep the ranking for every web worker; returns how many candidates."""
    from placement.matches.services import rank_and_keep

    return rank_and_keep(need_id, for_host)


@shared_task(name="homeward.run_job", bind=True)
def run_job(
    _self: Task,
    name: str,
    on_date: str,
    only: list[str] | None = None,
    exclude: list[str] | None = None,
) -> int:
    """One scheduled job (placement/jobs.py) for a date (ISO): refresh of rankings, outgoing
    mail, expiries, surveys. ``only``/``exclude`` give a by-country job its shard's share."""
    from placement.jobs import run_job as run

    return run(_flask_app(), name, date.fromisoformat(on_date), only, exclude or ())


def enqueue_job(name: str, on_date: str) -> list[Any]:
    """Enqueue a scheduled job: one task, or for a by-country job (the ranking refresh) one
    task per country shard on that shard's queue plus one on the default queue for the
    countries of no shard, so each worker refreshes only the countries it keeps loaded and no
    single task carries every country. Returns the result handles."""
    from placement.jobs import JOBS

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    groups = shards(app.config)
    if not JOBS[name].by_country or not groups:
        return [enqueue(run_job, name, on_date)]
    handles = [
        send(run_job, (name, on_date, sorted(countries), None), f"countries-{n}")
        for n, countries in enumerate(groups)
    ]
    sharded = sorted(set().union(*groups))
    handles.append(send(run_job, (name, on_date, None, sharded), DEFAULT_QUEUE))
    return handles


@shared_task(name="homeward.propose_plan", bind=True)
def propose_plan(_self: Task, programme_id: int, actor_id: int, run_id: int | None = None) -> int:
    """A global assignment run: the programme's optimal plan made into proposals. With
    ``run_id`` (a staff request from the web) its TaskRun records how it went."""
    from placement.extensions import db
    from placement.models import Programme, User
    from placement.placements.assignment import propose_plan as propose

    def work(_run: Any) -> tuple[int, str | None]:
        programme, actor = db.session.get(Programme, programme_id), db.session.get(User, actor_id)
        if programme is None or actor is None:
            return 0, None
        return propose(programme, actor=actor), None

    if run_id is not None:
        return tracked(run_id, work)
    return in_job_context(_flask_app(), lambda: work(None)[0])


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


@shared_task(name="homeward.export_placements", bind=True)
def export_placements(_self: Task, path: str | None = None, run_id: int | None = None) -> int:
    """The placements evaluation export written to ``path`` atomically: a reader sees the old
    file or the whole new one. With ``run_id`` (a staff request from the web) the run's
    filters and format apply, the file goes to the export folder under the run's name and the
    TaskRun records how it went. Returns the number of rows."""
    from placement.outcomes import evaluation

    if run_id is not None:
        return tracked(run_id, _export_run, only_reads=True)

    def work() -> int:
        rows = evaluation.export_rows(evaluation.Filters())
        body = evaluation.to_csv([c for c, _m in evaluation.COLUMNS], rows)
        write_atomically(Path(str(path)), body.encode("utf-8"))
        return len(rows)

    return in_job_context(_flask_app(), work)


def _export_run(run: Any) -> tuple[int, str | None]:
    from placement.outcomes import evaluation
    from placement.task_runs.services import export_filters, export_folder, export_name

    filters = export_filters(run.params)
    rows = evaluation.export_rows(filters)
    if run.params.get("format") == "xlsx":
        body = evaluation.to_xlsx(filters)
    else:
        body = evaluation.to_csv([c for c, _m in evaluation.COLUMNS], rows).encode("utf-8")
    name = export_name(run)
    write_atomically(export_folder() / name, body)
    return len(rows), name


def write_atomically(target: Path, body: bytes | Iterable[bytes]) -> None:
    """Write ``target`` through a temporary file renamed over it at the end, so that a process
    killed while writing leaves the old file (or none), never half of the new one."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    with partial.open("wb") as out:
        for chunk in [body] if isinstance(body, bytes) else body:
            out.write(chunk)
        out.flush()
        os.fsync(out.fileno())
    os.replace(partial, target)


# --- staff requests tracked by a TaskRun ------------------------------------------------------


def tracked(
    run_id: int, work: Callable[[Any], tuple[int, str | None]], *, only_reads: bool = False
) -> int:
    """Run ``work(run)`` for the TaskRun ``run_id``: marked RUNNING (its own commit) first, then
    the work's writes and DONE commit together; an error rolls the work back and marks the run
    FAILED with its message (not raised again: the run's page reports it). A run killed
    half-way stays RUNNING until its task is handed out again and runs again; a run already
    finished is not run twice. Work that ``only_reads`` the database (an export, whose output
    is its file) reads in a transaction that does not hold SQLite's write lock, and DONE is
    written after it. Returns the work's count (0 when nothing ran)."""
    from placement.database import reads_only
    from placement.extensions import db
    from placement.models import TaskRun, TaskStatus, utcnow

    app = _flask_app()

    def start() -> bool:
        run = db.session.get(TaskRun, run_id)
        if run is None or run.finished:
            return False
        run.status, run.started_at, run.error = TaskStatus.RUNNING, utcnow(), None
        run.attempts += 1
        return True

    if not in_job_context(app, start):
        return 0

    def finish() -> int:
        # The row is locked (PostgreSQL) while the run's writes are made, so a second delivery
        # of the same task (a visibility timeout shorter than the work) waits, then finds it
        # done and keeps what the first made.
        if only_reads:
            with reads_only():
                count, name = work(db.session.get(TaskRun, run_id))
                db.session.commit()  # the read transaction ends; the run's write begins
            run = db.session.get(TaskRun, run_id, with_for_update=True)
        else:
            run = db.session.get(TaskRun, run_id, with_for_update=True)
            if run.finished:
                return run.result_count or 0
            count, name = work(run)
        if run.finished:
            return run.result_count or 0
        run.status, run.finished_at = TaskStatus.DONE, utcnow()
        run.result_count, run.result_file = count, name
        return count

    try:
        return in_job_context(app, finish)
    except Exception as error:
        log.exception("task run %s failed", run_id)
        message = (str(error) or type(error).__name__)[:2000]

        def fail() -> None:
            run = db.session.get(TaskRun, run_id, with_for_update=True)
            if run is not None and not run.finished:  # a duplicate may have finished it
                run.status, run.finished_at, run.error = TaskStatus.FAILED, utcnow(), message

        in_job_context(app, fail)
        return 0


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
