"""The scheduler process (`placement scheduler`): one APScheduler, outside the web workers.

APScheduler job stores cannot be shared between processes, so exactly one of these runs per
deployment; jobs are idempotent, so a rare double run does no harm. It only enqueues each job
as a task (placement/tasks.py) for the workers.
"""

from __future__ import annotations

from datetime import date

from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from flask import Flask

from placement.jobs import JOBS


def build_scheduler(app: Flask) -> BlockingScheduler:
    scheduler = BlockingScheduler(timezone="UTC")
    for job in JOBS.values():
        scheduler.add_job(
            _run_today,
            CronTrigger(timezone="UTC", **job.cron),
            args=[app, job.name],
            id=job.name,
            name=job.description,
            replace_existing=True,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=3600,
        )
    return scheduler


def _run_today(app: Flask, name: str) -> None:
    """Enqueue today's run of a job, per country shard for the ranking refresh (with no broker
    configured it runs here, at once)."""
    from placement import tasks

    with app.app_context():
        tasks.enqueue_job(name, date.today().isoformat())
