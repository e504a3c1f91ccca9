"""The task queue: tasks run in-process without a broker, are routed to their country's
shard, and with the real Redis broker make a round trip through a worker and survive the
worker being killed with SIGKILL in the middle of one."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import func, select

from placement import tasks
from placement.database import reads_only
from placement.extensions import db
from placement.models import Need, NeedRanking, NeedStatus, TaskRun, TaskStatus
from placement.outcomes.evaluation import Filters
from placement.scheduler import _run_today
from placement.task_runs import services as task_runs
from tests import factories
from tests.conftest import make_test_app, scratch_database_url

TODAY = date.today()
REDIS = ("127.0.0.1", 6379)
# A database of its own on the shared Redis, so the tests never read another's messages: one for
# the SQLite pass and one for the PostgreSQL pass, which CI runs side by side.
BROKER = f"redis://127.0.0.1:6379/{14 if os.environ.get('TEST_DATABASE_URL') else 13}"
WORKER_OPTIONS = ("--pool", "solo", "--include", "tests.placement.task_support")


def _open_need():
    return factories.NeedFactory(
        status=NeedStatus.OPEN,
        start=TODAY + timedelta(days=40),
        end=TODAY + timedelta(days=160),
        duration_weeks=4,
    )


# --- in-process (no broker) -------------------------------------------------------------------


def test_without_a_broker_a_task_runs_at_once(app_ctx: None) -> None:
    need = _open_need()
    factories.ExpertFactory()
    assert not tasks.queued()
    result = tasks.enqueue(tasks.rank_need, need.id, True, country=need.country)
    assert result.get() == 1
    assert db.session.scalar(select(func.count()).select_from(NeedRanking)) == 1


def test_a_task_on_a_closed_need_does_nothing(app_ctx: None) -> None:
    need = factories.NeedFactory(status=NeedStatus.CLOSED)
    assert tasks.enqueue(tasks.rank_need, need.id, True).get() == 0
    assert tasks.enqueue(tasks.rank_need, 10**9, True).get() == 0


def test_the_scheduler_only_enqueues_and_the_job_runs(app: Flask, app_ctx: None) -> None:
    need = factories.NeedFactory(
        status=NeedStatus.OPEN, start=TODAY - timedelta(days=90), end=TODAY - timedelta(days=1)
    )
    _run_today(app, "expire-needs")
    db.session.expire_all()
    assert db.session.get(type(need), need.id).status is not NeedStatus.OPEN


def test_a_failing_task_rolls_back_and_raises(app_ctx: None) -> None:
    with pytest.raises(KeyError):
        tasks.enqueue(tasks.run_job, "no-such-job", TODAY.isoformat()).get()


def test_tasks_are_routed_by_country_shard() -> None:
    config = {"TASK_COUNTRY_SHARDS": "sl, GH; ET;;"}
    assert tasks.shards(config) == [frozenset({"SL", "GH"}), frozenset({"ET"})]
    assert tasks.queue_for("SL", config) == "countries-0"
    assert tasks.queue_for("gh", config) == "countries-0"
    assert tasks.queue_for("ET", config) == "countries-1"
    assert tasks.queue_for("FR", config) == tasks.DEFAULT_QUEUE
    assert tasks.queue_for(None, config) == tasks.DEFAULT_QUEUE
    assert tasks.queue_names(config) == ["default", "countries-0", "countries-1"]
    assert tasks.queue_names({}) == ["default"]


def test_the_worker_refuses_to_start_without_a_broker(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["worker", "--pool", "solo"])
    assert result.exit_code != 0
    assert "TASK_BROKER_URL is not set" in result.output


def test_the_worker_refuses_an_unknown_shard(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["worker", "--shard", "7"])
    assert result.exit_code != 0
    assert "no such shard" in result.output


# --- the periodic refresh, one task per country shard ------------------------------------------


def _sent(monkeypatch: pytest.MonkeyPatch) -> list[tuple[tuple[object, ...], str]]:
    sent: list[tuple[tuple[object, ...], str]] = []

    def send(task: object, args: tuple[object, ...], queue: str) -> None:
        assert task is tasks.run_job
        sent.append((tuple(args), queue))

    monkeypatch.setattr(tasks, "send", send)
    return sent


def test_the_scheduler_enqueues_the_refresh_per_country_shard(
    app: Flask, app_ctx: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent = _sent(monkeypatch)
    monkeypatch.setitem(app.config, "TASK_COUNTRY_SHARDS", "SL,GH;ET")
    _run_today(app, "refresh-rankings")
    day = TODAY.isoformat()
    assert sent == [
        (("refresh-rankings", day, ["GH", "SL"], None), "countries-0"),
        (("refresh-rankings", day, ["ET"], None), "countries-1"),
        (("refresh-rankings", day, None, ["ET", "GH", "SL"]), "default"),  # every other country
    ]
    sent.clear()
    _run_today(app, "expire-needs")  # not by country: one task
    assert sent == [(("expire-needs", day), "default")]


def test_without_shards_the_refresh_is_one_task(
    app: Flask, app_ctx: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent = _sent(monkeypatch)
    _run_today(app, "refresh-rankings")
    assert sent == [(("refresh-rankings", TODAY.isoformat()), "default")]


def test_a_shard_refresh_ranks_only_its_countries(
    app: Flask, app_ctx: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from datetime import UTC, datetime

    monkeypatch.setitem(app.config, "MATCH_CACHE_SECONDS", 300)
    factories.ExpertFactory()
    needs = {
        country: factories.NeedFactory(
            status=NeedStatus.OPEN,
            start=TODAY + timedelta(days=40),
            end=TODAY + timedelta(days=160),
            duration_weeks=4,
            institution=factories.InstitutionFactory(country=country),
        )
        for country in ("SL", "ET")
    }
    for need in needs.values():
        tasks.enqueue(tasks.rank_need, need.id, True, country=need.country).get()
    old = datetime.now(UTC) - timedelta(minutes=5)

    def age() -> None:
        for stored in db.session.scalars(select(NeedRanking)):
            stored.computed_at = old
        db.session.commit()

    def refreshed() -> set[str]:
        db.session.expire_all()
        rows = db.session.execute(
            select(Need.country).join(NeedRanking).where(NeedRanking.computed_at > old)
        )
        return set(rows.scalars())

    age()
    assert tasks.run_job.apply(args=("refresh-rankings", TODAY.isoformat(), ["SL"])).get() == 1
    assert refreshed() == {"SL"}
    age()
    args = ("refresh-rankings", TODAY.isoformat(), None, ["SL"])
    assert tasks.run_job.apply(args=args).get() == 1
    assert refreshed() == {"ET"}


# --- with the real Redis broker ---------------------------------------------------------------


def _redis_reachable() -> bool:
    try:
        with socket.create_connection(REDIS, timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture
def redis_broker() -> str:
    if not _redis_reachable():
        if os.environ.get("CI") == "true":
            pytest.fail("Redis must listen on 127.0.0.1:6379 under CI")
        pytest.skip("Redis is not reachable on 127.0.0.1:6379 (start redis-server to run this)")
    return BROKER


@pytest.fixture
def broker_app(redis_broker: str, tmp_path: Path) -> Iterator[Flask]:
    url = scratch_database_url(tmp_path, "tasks")
    application = make_test_app(
        url,
        tmp_path,
        TASK_BROKER_URL=redis_broker,
        TASK_RESULT_BACKEND=redis_broker,
        TASK_VISIBILITY_TIMEOUT=3,
    )
    with application.app_context():
        upgrade()
        db.session.remove()
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()
    application.config["TASK_BROKER_URL"] = ""
    tasks.configure(application)


def _start_worker(app: Flask, tmp_path: Path, **extra_env: str) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        **extra_env,
        "PLACEMENT_ENV": "testing",
        "PLACEMENT_INSTANCE_PATH": str(tmp_path),
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "TASK_BROKER_URL": app.config["TASK_BROKER_URL"],
        "TASK_RESULT_BACKEND": app.config["TASK_RESULT_BACKEND"],
        "TASK_VISIBILITY_TIMEOUT": "3",
    }
    command = "from placement.cli import main; main()"
    with (tmp_path / "worker.log").open("ab") as log:
        return subprocess.Popen(
            [sys.executable, "-c", command, "worker", *WORKER_OPTIONS],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def _stop(worker: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> None:
    if worker.poll() is None:
        os.killpg(worker.pid, sig)
        worker.wait(timeout=30)


def _drain(app: Flask) -> None:
    """Empty the tests' own Redis database: messages, results and the transport's unacked
    bookkeeping that an earlier test's or run's workers left (a stale unacked entry or restore
    lock keeps a killed worker's task from being handed out again in time)."""
    import redis

    redis.Redis.from_url(BROKER).flushdb()


def test_a_task_makes_a_round_trip_through_a_worker(broker_app: Flask, tmp_path: Path) -> None:
    _drain(broker_app)
    worker = _start_worker(broker_app, tmp_path)
    try:
        with broker_app.test_request_context():
            result = tasks.enqueue(tasks.run_job, "expire-needs", TODAY.isoformat())
            assert result.get(timeout=90) == 0
            assert result.successful()
    finally:
        _stop(worker)


def test_a_task_survives_its_worker_killed_with_sigkill(broker_app: Flask, tmp_path: Path) -> None:
    _drain(broker_app)
    folder = tmp_path / "work"
    folder.mkdir()
    worker = _start_worker(broker_app, tmp_path)
    try:
        with broker_app.app_context():
            result = tasks.configure(broker_app).send_task(
                "tests.write_in_two_steps", args=[str(folder)], queue=tasks.DEFAULT_QUEUE
            )
        deadline = time.monotonic() + 90
        while not (folder / "started").exists():
            assert time.monotonic() < deadline, (tmp_path / "worker.log").read_text()
            time.sleep(0.2)
        _stop(worker, signal.SIGKILL)  # in the middle of the task
        assert not (folder / "done").exists()
        worker = _start_worker(broker_app, tmp_path)
        assert result.get(timeout=90) == "completed on run 2"
        assert (folder / "done").read_text() == "completed on run 2"
    finally:
        _stop(worker)


def test_an_import_task_imports_once_and_stores_features(app_ctx: None, tmp_path: Path) -> None:
    import json

    from placement.models import ExpertFeatures, ExpertProfile

    source = tmp_path / "experts.jsonl"
    rows = [
        {
            "id": f"X{i}",
            "origin_country": "SL",
            "residence_country": "NL",
            "email": f"imported{i}@example.org",
            "occupation": "midwife",
        }
        for i in range(3)
    ]
    source.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    done = tasks.enqueue(tasks.import_experts, str(source), 2).get()
    assert done == "Done: 3 experts created, 0 already present."
    again = tasks.enqueue(tasks.import_experts, str(source), 2).get()  # a run again after a kill
    assert again == "Done: 0 experts created, 3 already present."
    imported = select(ExpertProfile.id).where(ExpertProfile.occupation_label == "midwife")
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(ExpertFeatures)
            .where(ExpertFeatures.expert_id.in_(imported))
        )
        == 3
    )


def test_a_bad_import_file_fails_the_task(app_ctx: None, tmp_path: Path) -> None:
    source = tmp_path / "bad.jsonl"
    source.write_text('{"id": "A", "origin_country": "Sierra Leone"}\n', encoding="utf-8")
    with pytest.raises(RuntimeError, match="Nothing imported"):
        tasks.enqueue(tasks.import_experts, str(source)).get()


def test_an_export_task_writes_the_whole_file(app_ctx: None, tmp_path: Path) -> None:
    target = tmp_path / "placements.csv"
    target.write_text("old contents", encoding="utf-8")
    count = tasks.enqueue(tasks.export_placements, str(target)).get()
    lines = target.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("placement,expert,programme")
    assert len(lines) == count + 1
    assert not list(tmp_path.glob("*.partial"))


def test_an_export_run_killed_half_way_runs_again(broker_app: Flask, tmp_path: Path) -> None:
    """A staff export whose worker is killed (kill -9) while writing the file: the run stays
    "running" with only the temporary file, not "done" with half a file; handed out again, it
    writes the whole file and becomes done on its second attempt."""
    _drain(broker_app)
    marker = tmp_path / "half-written"
    with broker_app.test_request_context():
        staff = factories.StaffFactory()
        for _ in range(3):
            factories.PlacementFactory()
        run_id = db.session.scalar(
            select(TaskRun.id).where(
                TaskRun.uuid == task_runs.submit_export(Filters(), "csv", staff)
            )
        )
        folder = task_runs.export_folder()
    worker = _start_worker(broker_app, tmp_path, HOMEWARD_TEST_PAUSE_EXPORT=str(marker))

    def run() -> TaskRun:
        with broker_app.app_context(), reads_only():  # not waiting for the worker's lock
            found = db.session.get(TaskRun, run_id)
            db.session.expunge_all()
            db.session.remove()
            return found

    try:
        deadline = time.monotonic() + 90
        while not marker.exists():
            assert time.monotonic() < deadline, (tmp_path / "worker.log").read_text()
            time.sleep(0.2)
        assert (run().status, run().attempts) == (TaskStatus.RUNNING, 1)
        _stop(worker, signal.SIGKILL)  # in the middle of writing the file
        assert [p.name.endswith(".partial") for p in folder.iterdir()] == [True]
        assert run().status is TaskStatus.RUNNING and run().result_file is None
        worker = _start_worker(broker_app, tmp_path, HOMEWARD_TEST_PAUSE_EXPORT=str(marker))
        deadline = time.monotonic() + 90
        while run().status is not TaskStatus.DONE:
            assert time.monotonic() < deadline, (tmp_path / "worker.log").read_text()
            time.sleep(0.3)
        done = run()
        assert (done.attempts, done.result_count, done.error) == (2, 3, None)
        lines = (folder / done.result_file).read_text(encoding="utf-8").splitlines()
        assert lines[0].startswith("placement,expert,programme") and len(lines) == 4
        assert [p.name for p in folder.iterdir()] == [done.result_file]
    finally:
        _stop(worker)
