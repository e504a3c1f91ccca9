"""For the worker tests (imported by the worker with `placement worker --include`): a task that
stops half-way the first time, and an export that does, so the test can kill its worker in the
middle of them."""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Iterator
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


# An export run that the worker test kills half-way: the worker imports this module, which
# (only when the test asks, through the environment) makes the first write of an export stop
# after half of the file, in its temporary file, as a kill -9 mid-write would find it.
if os.environ.get("HOMEWARD_TEST_PAUSE_EXPORT"):
    from placement import tasks

    _write = tasks.write_atomically

    def _write_then_stall(target: Path, body: bytes | Iterable[bytes]) -> None:
        marker = Path(os.environ["HOMEWARD_TEST_PAUSE_EXPORT"])
        if marker.exists():
            return _write(target, body)
        data = body if isinstance(body, bytes) else b"".join(body)

        def halves() -> Iterator[bytes]:
            yield data[: len(data) // 2]
            marker.write_text("half written")
            time.sleep(120)
            yield data[len(data) // 2 :]

        return _write(target, halves())

    tasks.write_atomically = _write_then_stall
