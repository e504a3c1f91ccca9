"""A task for the worker tests (imported by the worker with `placement worker --include`): it
stops half-way the first time, so the test can kill its worker in the middle of it."""

from __future__ import annotations

import time
from pathlib import Path

from celery import shared_task


@shared_task(name="tests.write_in_two_steps", acks_late=True, reject_on_worker_lost=True)
def write_in_two_steps(folder: str) -> str:
    """First run: note that it started, then work for a long time (the test kills it).
    A run again finds the note and completes: writes "done" and returns its text."""
    started = Path(folder) / "started"
    runs = int(started.read_text()) + 1 if started.exists() else 1
    started.write_text(str(runs))
    if runs == 1:
        time.sleep(120)
    done = Path(folder) / "done"
    done.write_text(f"completed on run {runs}")
    return done.read_text()
