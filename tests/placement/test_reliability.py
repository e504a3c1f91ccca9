"""Crash tests: kill -9 in the middle of writes, then check that every acknowledged row is there.

Two writers are killed: the bulk import command (acknowledges a batch after its commit) and a
real server taking API calls (acknowledges each created need with its 201). Both run as
subprocesses on a scratch database (SQLite, or PostgreSQL when TEST_DATABASE_URL is set),
loopback only, each round bounded in time. SQLite must pass PRAGMA integrity_check after each.
"""

from __future__ import annotations

import http.client
import json
import os
import random
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from placement.extensions import db
from placement.models import ExpertProfile, Need, User
from placement.tokens.services import create_token
from tests import factories
from tests.conftest import make_test_app, scratch_database_url

ROUNDS = 3
RECORDS = 4000
BATCH = 100
ROUND_TIMEOUT = 60  # seconds: a stuck subprocess is killed and the test fails
PLACEMENT = Path(sys.executable).with_name("placement")


@pytest.fixture
def scratch(tmp_path: Path) -> Iterator[tuple[Flask, str, dict[str, str]]]:
    url = scratch_database_url(tmp_path, "crash")
    app = make_test_app(url, tmp_path)
    with app.app_context():
        upgrade()
        db.session.remove()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "PLACEMENT_INSTANCE_PATH": str(tmp_path),
        "PLACEMENT_ENV": "development",
        "API_RATE_LIMIT": "100000 per minute",
    }
    yield app, url, env
    with app.app_context():
        db.engine.dispose()


def _integrity(url: str) -> str:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return "ok (PostgreSQL: checked by the row counts)"
    connection = sqlite3.connect(parsed.database)
    try:
        return connection.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        connection.close()


def _experts_file(path: Path) -> list[str]:
    emails = []
    with path.open("w", encoding="utf-8") as handle:
        for i in range(RECORDS):
            email = f"imported{i}@example.org"
            emails.append(email)
            record = {
                "id": f"E{i}",
                "name": f"Imported expert {i}",
                "email": email,
                "origin_country": "SL",
                "residence_country": "NL",
                "languages": [{"code": "en", "level": "C1"}],
                "skills": ["perform clinical examination", "triage patients"],
                "availability": [{"start": "2027-01-01", "end": "2027-06-30"}],
            }
            handle.write(json.dumps(record) + "\n")
    return emails


def _kill_after(process: subprocess.Popen[str], position: int, rng: random.Random) -> int:
    """Read the command's output until it has acknowledged records up to ``position`` in the
    file, then kill -9 it a moment later (mid-batch); returns the last acknowledged position."""
    watchdog = threading.Timer(ROUND_TIMEOUT, process.kill)
    watchdog.start()
    acknowledged = 0
    try:
        assert process.stdout is not None
        for line in process.stdout:
            if line.startswith("acknowledged"):
                acknowledged = int(line.split()[1])
                if acknowledged >= position:
                    time.sleep(rng.uniform(0, 0.03))
                    os.kill(process.pid, signal.SIGKILL)
                    break
    finally:
        process.wait(timeout=ROUND_TIMEOUT)
        watchdog.cancel()
        if process.stdout is not None:
            process.stdout.close()
    # A batch may have been committed after the last line we read: it is not acknowledged.
    return acknowledged


def test_killing_the_bulk_import_loses_no_acknowledged_row(
    scratch: tuple[Flask, str, dict[str, str]], tmp_path: Path
) -> None:
    app, url, env = scratch
    source = tmp_path / "experts.jsonl"
    emails = _experts_file(source)
    rng = random.Random(20261124)
    command = [str(PLACEMENT), "import", "experts", str(source), "--batch-size", str(BATCH)]
    report = []
    acknowledged = 0
    for round_number in range(1, ROUNDS + 1):
        process = subprocess.Popen(
            command, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
        )
        target = acknowledged + rng.randint(2, 8) * BATCH
        acknowledged = _kill_after(process, target, rng)
        assert process.returncode == -signal.SIGKILL, "the import finished before the kill"
        assert acknowledged >= target
        with app.app_context():
            present = set(
                db.session.scalars(
                    select(User.email).join(ExpertProfile, ExpertProfile.user_id == User.id)
                )
            )
            users = db.session.scalar(select(func.count()).select_from(User))
            db.session.remove()
        missing = [e for e in emails[:acknowledged] if e not in present]
        assert missing == [], f"round {round_number}: {len(missing)} acknowledged rows lost"
        assert users == len(present), "a user without a profile: a half-written batch"
        assert _integrity(url).startswith("ok")
        report.append(f"round {round_number}: {acknowledged} acknowledged, {users} in database")
    finished = subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=ROUND_TIMEOUT, check=True
    )
    assert "Done:" in finished.stdout
    with app.app_context():
        total = db.session.scalar(select(func.count()).select_from(ExpertProfile))
        db.session.remove()
    assert total == RECORDS  # resumed without duplicates
    print(f"\ncrash test (import, {make_url(url).get_backend_name()}): " + "; ".join(report))


# The server ---------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until_up(base: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + ROUND_TIMEOUT
    while time.monotonic() < deadline:
        assert process.poll() is None, "the server stopped while starting"
        try:
            with urllib.request.urlopen(f"{base}/api/openapi.json", timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("the server did not start")


def _need_body(n: int) -> bytes:
    start = date.today() + timedelta(days=60)
    return json.dumps(
        {
            "title": f"Crash-test need {n}",
            "sector": "health",
            "required_skills": ["perform clinical examination"],
            "start": start.isoformat(),
            "end": (start + timedelta(days=90)).isoformat(),
            "duration_weeks": 4,
        }
    ).encode()


def _post_need(base: str, secret: str, n: int) -> str | None:
    """Create a need; its id if the server acknowledged it with a 201, else None."""
    request = urllib.request.Request(
        f"{base}/api/v1/needs",
        data=_need_body(n),
        method="POST",
        headers={"Authorization": f"Bearer {secret}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())["id"] if response.status == 201 else None
    except (OSError, ValueError, http.client.HTTPException):
        return None  # the server died under this request: not acknowledged


def _server_round(env: dict[str, str], secret: str, kill_at: int, first: int) -> list[str]:
    """Start a server, write needs from 4 threads, kill -9 the server after ``kill_at``
    acknowledgements; returns the acknowledged need ids."""
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [str(PLACEMENT), "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    acknowledged: list[str] = []
    lock = threading.Lock()
    killed = threading.Event()

    def write(n: int) -> None:
        if killed.is_set():
            return
        need_id = _post_need(base, secret, n)
        if need_id is None:
            return
        with lock:
            acknowledged.append(need_id)
            if len(acknowledged) >= kill_at and not killed.is_set():
                killed.set()
                os.kill(server.pid, signal.SIGKILL)

    try:
        _wait_until_up(base, server)
        with ThreadPoolExecutor(max_workers=4) as pool:
            list(pool.map(write, range(first, first + kill_at * 3)))
        server.wait(timeout=ROUND_TIMEOUT)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
    assert killed.is_set(), "the server was not killed"
    assert server.returncode == -signal.SIGKILL
    return acknowledged


def test_killing_the_server_loses_no_acknowledged_write(
    scratch: tuple[Flask, str, dict[str, str]],
) -> None:
    app, url, env = scratch
    with app.app_context(), app.test_request_context():
        member = factories.HostMemberFactory()
        _token, secret = create_token(member.user, "crash test", ["read", "write"], None)
        db.session.commit()
        db.session.remove()
    rng = random.Random(42)
    acknowledged: list[str] = []
    report = []
    for round_number in range(1, ROUNDS + 1):
        round_acks = _server_round(env, secret, rng.randint(20, 80), round_number * 1000)
        acknowledged.extend(round_acks)
        with app.app_context():
            stored = {str(u) for u in db.session.scalars(select(Need.uuid))}
            db.session.remove()
        missing = [n for n in acknowledged if n not in stored]
        assert missing == [], f"round {round_number}: {len(missing)} acknowledged needs lost"
        assert _integrity(url).startswith("ok")
        report.append(f"round {round_number}: {len(round_acks)} acknowledged, {len(stored)} stored")
    print(f"\ncrash test (server, {make_url(url).get_backend_name()}): " + "; ".join(report))


# Backup and restore ----------------------------------------------------------------------


def test_backup_and_restore_round_trip_on_sqlite(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'live.db'}"
    app = make_test_app(url, tmp_path)
    runner = app.test_cli_runner()
    with app.app_context():
        upgrade()
        factories.ExpertFactory()
        db.session.commit()
        db.session.remove()
    backup = tmp_path / "backups" / "copy.db"
    result = runner.invoke(args=["backup", str(backup)])
    assert result.exit_code == 0, result.output
    assert _integrity(f"sqlite:///{backup}") == "ok"
    assert not list(backup.parent.glob("*.partial*"))  # one self-contained file
    assert runner.invoke(args=["backup", str(backup)]).exit_code == 1  # no silent overwrite
    with app.app_context():
        factories.ExpertFactory()
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(ExpertProfile)) == 2
        db.session.remove()
    refused = runner.invoke(args=["restore", str(backup)], input="n\n")
    assert refused.exit_code == 1  # not confirmed: nothing changes
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"not a database at all" * 100)
    assert runner.invoke(args=["restore", str(garbage), "--yes"]).exit_code == 1
    result = runner.invoke(args=["restore", str(backup), "--yes"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ExpertProfile)) == 1
        db.session.remove()
        db.engine.dispose()
    kept = list(tmp_path.glob("live.db.before-restore-*"))
    assert len(kept) == 1
    assert _integrity(f"sqlite:///{kept[0]}") == "ok"


def test_a_bad_import_file_imports_nothing(
    scratch: tuple[Flask, str, dict[str, str]], tmp_path: Path
) -> None:
    app, _url, _env = scratch
    source = tmp_path / "bad.jsonl"
    good = {"id": "A", "origin_country": "SL", "residence_country": "NL", "email": "a@example.org"}
    lines = [json.dumps(good), json.dumps({**good, "id": "B", "origin_country": "Sierra Leone"})]
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["import", "experts", str(source)])
    assert result.exit_code == 1
    assert "line 2" in result.output
    assert "origin_country" in result.output
    duplicate = tmp_path / "dup.jsonl"
    duplicate.write_text(json.dumps(good) + "\n" + json.dumps({**good, "id": "C"}) + "\n")
    result = app.test_cli_runner().invoke(args=["import", "experts", str(duplicate)])
    assert result.exit_code == 1
    assert "same address as record 1" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 0
        db.session.remove()
