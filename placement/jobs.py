"""Scheduled jobs: one registry, run by the scheduler process or once by `placement jobs run-due`.

Each job takes the date to act on, is idempotent (running it twice does no harm: it only acts on
what is still due), and runs in its own app and request context (for links in mail), committing
once at the end. The scheduler is a separate process: never start it in the web workers. It
only enqueues the jobs as tasks (placement/tasks.py): a worker runs them, or the scheduler's
own process when no broker is configured.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import date

from flask import Flask

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    name: str
    run: Callable[..., int]
    cron: dict[str, object]  # APScheduler cron trigger fields
    description: str
    # Split by origin country: the scheduler enqueues one task per country shard (each on its
    # shard's queue, TASK_COUNTRY_SHARDS) and one for the other countries, rather than one big
    # task; ``run`` then takes ``only`` and ``exclude`` (country codes) after the date.
    by_country: bool = False


def _expire_needs(today: date) -> int:
    from placement.needs.services import expire_needs

    return expire_needs(today)


def _expire_offers(today: date) -> int:
    from placement.placements.workflow import expire_offers

    return expire_offers(today)


def _remind_offers(today: date) -> int:
    from placement.placements.workflow import remind_offers

    return remind_offers(today)


def _schedule_surveys(today: date) -> int:
    from placement.outcomes.services import schedule_surveys

    return schedule_surveys(today)


def _send_surveys(today: date) -> int:
    from placement.outcomes.services import send_surveys

    return send_surveys(today)


def _remind_surveys(today: date) -> int:
    from placement.outcomes.services import remind_surveys

    return remind_surveys(today)


def _refit_outcome_model(today: date) -> int:
    from placement.outcomes.model import refit

    return refit(today)


def _refresh_rankings(
    today: date, only: Collection[str] | None = None, exclude: Collection[str] = ()
) -> int:
    from placement.matches.services import refresh_rankings

    return refresh_rankings(today, only=only, exclude=exclude)


def _requeue_task_runs(_today: date) -> int:
    from placement.task_runs.services import requeue_stale

    return requeue_stale()


def _send_outbox(_today: date) -> int:
    from placement.mail import send_pending

    return send_pending()


JOBS: dict[str, Job] = {
    job.name: job
    for job in (
        Job(
            "expire-needs",
            _expire_needs,
            {"hour": 1, "minute": 5},
            "Needs whose dates can no longer hold them expire; hosts are told.",
        ),
        Job(
            "expire-offers",
            _expire_offers,
            {"hour": 1, "minute": 10},
            "Offers past their answer deadline expire; the expert is told.",
        ),
        Job(
            "remind-offers",
            _remind_offers,
            {"hour": 8, "minute": 0},
            "One reminder to experts whose offer deadline is near.",
        ),
        Job(
            "schedule-surveys",
            _schedule_surveys,
            {"hour": 2, "minute": 0},
            "Create the surveys due at approval, at the end and a year after each placement.",
        ),
        Job(
            "send-surveys",
            _send_surveys,
            {"hour": 9, "minute": 0},
            "Invite respondents to surveys that are due.",
        ),
        Job(
            "remind-surveys",
            _remind_surveys,
            {"hour": 9, "minute": 30},
            "Remind those who have not answered (twice at most, a week apart).",
        ),
        Job(
            "refit-outcome-model",
            _refit_outcome_model,
            {"day_of_week": "mon", "hour": 3, "minute": 0},
            "Weekly: retrain the model that learns from recorded outcomes.",
        ),
        Job(
            "refresh-rankings",
            _refresh_rankings,
            {"minute": "*/2"},
            "Rank again the needs people look at before their kept ranking expires, so that no "
            "page view waits for the matching engine.",
            by_country=True,
        ),
        Job(
            "requeue-task-runs",
            _requeue_task_runs,
            {"minute": "*/10"},
            "Hand again to the queue the staff requests (exports, assignment runs) still "
            "waiting long after they were enqueued, so that none is lost with its message.",
        ),
        Job(
            "send-outbox",
            _send_outbox,
            {"minute": "*"},
            "Send queued mail after the transactions that queued it committed.",
        ),
    )
}


def run_job(
    app: Flask,
    name: str,
    today: date,
    only: Collection[str] | None = None,
    exclude: Collection[str] = (),
) -> int:
    """Run one job in its own context and transaction; returns how many items it handled.
    ``only``/``exclude`` narrow a by-country job to some origin countries (one shard's share)."""
    from placement.tasks import in_job_context

    job = JOBS[name]
    arguments = (today, only, exclude) if job.by_country else (today,)
    try:
        count = in_job_context(app, lambda: job.run(*arguments))
    except Exception:
        log.exception("job %s failed", name)
        raise
    log.info("job %s handled %d items", name, count)
    return count


def run_due(app: Flask, today: date) -> dict[str, int]:
    """Every job once, in registry order (mail last, so it carries what the others queued)."""
    order = [n for n in JOBS if n != "send-outbox"] + ["send-outbox"]
    return {name: run_job(app, name, today) for name in order}
