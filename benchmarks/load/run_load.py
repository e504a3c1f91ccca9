"""Load test of the need-candidates page (the host's view of a need, ranked candidates) with
100,000 experts loaded, against gunicorn with 5 workers on 127.0.0.1.

    .venv/bin/python benchmarks/load/run_load.py                      # SQLite, 100,000 experts
    .venv/bin/python benchmarks/load/run_load.py --database-url postgresql://postgres@127.0.0.1:5432/homeward_load
    .venv/bin/python benchmarks/load/run_load.py --experts 20000 --duration 10

Steps: seed a scratch database (benchmarks/load/seed.py, bulk inserts), start gunicorn, log in
as the host through the real login form (CSRF included), warm every worker up (the first view of
a need in a worker ranks all its candidates), then drive the page with wrk (Debian package
`wrk`) for --duration seconds with --connections connections, and print requests per second and
latency percentiles. Everything runs on loopback and stops by itself; the scratch database is
removed at the end unless --keep.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait(base: str, process: subprocess.Popen[bytes], seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit("gunicorn stopped while starting")
        try:
            with urllib.request.urlopen(f"{base}/", timeout=2):  # noqa: S310 (loopback)
                return
        except OSError:
            time.sleep(0.3)
    raise SystemExit("gunicorn did not start")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def _login(base: str, email: str, password: str) -> str:
    """Log in through the form; returns the session cookie."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), _NoRedirect())
    with opener.open(f"{base}/login", timeout=10) as response:
        token = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', response.read())
    assert token, "no CSRF token on the login page"
    data = urllib.parse.urlencode(
        {"email": email, "password": password, "csrf_token": token.group(1).decode()}
    ).encode()
    request = urllib.request.Request(  # noqa: S310 (loopback)
        f"{base}/login", data=data, headers={"Referer": base + "/"}
    )
    try:
        opener.open(request, timeout=30)
    except urllib.error.HTTPError as error:
        if error.code != 302:
            raise
    cookie = next((c for c in jar if c.name == "session"), None)
    assert cookie is not None, "login failed"
    return f"session={cookie.value}"


def _get(base: str, path: str, cookie: str) -> tuple[int, bytes, float]:
    request = urllib.request.Request(f"{base}{path}", headers={"Cookie": cookie})  # noqa: S310
    began = time.perf_counter()
    with urllib.request.urlopen(request, timeout=300) as response:  # noqa: S310 (loopback)
        return response.status, response.read(), time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--experts", type=int, default=100_000)
    parser.add_argument("--database-url", default=None, help="default: a scratch SQLite file")
    parser.add_argument("--workers", type=int, default=5)
    parser.add_argument(
        "--connections",
        default="8,16,32",
        help="wrk connections; a comma-separated list runs one measurement for each",
    )
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--duration", type=int, default=30, help="seconds of load")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder")
    parser.add_argument(
        "--folder", default=None, help="the scratch folder (default: a new temporary one)"
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="reuse the database seeded in --folder by an earlier --keep run (its target.json)",
    )
    parser.add_argument(
        "--baseline",
        default=None,
        help="a checkout of the baseline code (git archive ca8c2ce | tar -x -C DIR), measured "
        "first on the same database, in the same run",
    )
    parser.add_argument(
        "--baseline-database-url",
        default=None,
        help="the baseline's own copy of the database (a copied SQLite file, or CREATE DATABASE "
        "... TEMPLATE ...), for codes whose feature versions differ: on one database each "
        "would rebuild the other's rows at every view; with --reuse only (a fresh seed would "
        "not be in the copy)",
    )
    parser.add_argument(
        "--pending",
        action="store_true",
        help="also measure the need page and its status endpoint while the ranking is pending "
        "(a broker that no worker reads, --broker)",
    )
    parser.add_argument(
        "--forget-rankings",
        action="store_true",
        help="delete the stored rankings before each code's server starts, so that its first "
        "view ranks the need in a web worker (from the stored features and country block)",
    )
    parser.add_argument(
        "--broker", default="redis://127.0.0.1:6379/11", help="for --pending; flushed at the end"
    )
    parser.add_argument(
        "--also",
        default="/notifications/",
        help="a simple signed-in page measured after the need page at the first connection "
        "count, as the stack's own ceiling ('' to skip)",
    )
    args = parser.parse_args()
    wrk = shutil.which("wrk")
    if wrk is None:
        raise SystemExit("wrk is missing: apt-get install wrk")
    folder = Path(args.folder or tempfile.mkdtemp(prefix="homeward-load-"))
    folder.mkdir(parents=True, exist_ok=True)
    url = args.database_url or f"sqlite:///{folder / 'load.db'}"
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "PLACEMENT_INSTANCE_PATH": str(folder),
        # Not "production": its Secure cookies would not come back over plain loopback HTTP.
        "PLACEMENT_ENV": "development",
        "SECRET_KEY": os.urandom(32).hex(),
        "PYTHONPATH": str(ROOT),
        "TASK_BROKER_URL": "",
    }
    if args.baseline_database_url and not args.reuse:
        raise SystemExit("--baseline-database-url needs --reuse: copy the seeded database first")
    saved = folder / "target.json"
    if args.reuse and saved.exists():
        target = json.loads(saved.read_text())
        print(f"reusing the database seeded in {folder}")
    else:
        if url.startswith("postgres"):
            _recreate_postgres(url)
        seed = [sys.executable, str(HERE / "seed.py"), "--experts", str(args.experts)]
        seed += ["--database-url", url, "--instance", str(folder)]
        seeded = subprocess.run(  # noqa: S603 (our own script)
            seed, env=env, check=True, capture_output=True, text=True
        )
        print(seeded.stderr.strip().splitlines()[-1])
        target = json.loads(seeded.stdout.strip().splitlines()[-1])
        saved.write_text(json.dumps(target))
    trees: list[tuple[str, Path, dict[str, str]]] = []
    if args.baseline:
        baseline_env = {**env, "DATABASE_URL": args.baseline_database_url or url}
        trees.append(("baseline " + args.baseline, Path(args.baseline).resolve(), baseline_env))
    trees.append(("this tree", ROOT, env))
    try:
        _measure_ready(wrk, args, trees, target)
        if args.pending:
            _measure_pending(wrk, args, trees, target)
    finally:
        if args.pending:
            _flush(args.broker)
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)


class _Server:
    """gunicorn with --workers sync workers on a free loopback port, run from ``code``."""

    def __init__(self, args: argparse.Namespace, env: dict[str, str], code: Path) -> None:
        port = _free_port()
        self.base = f"http://127.0.0.1:{port}"
        serve = [str(BIN / "gunicorn"), "-w", str(args.workers), "-b", f"127.0.0.1:{port}"]
        serve += ["--timeout", "300", "--log-level", "warning", "placement.wsgi:app"]
        self.process = subprocess.Popen(serve, env=env, cwd=code)  # noqa: S603 (our own server)
        _wait(self.base, self.process)

    def worker_memory(self) -> str:
        """Peak and current resident memory of each worker (/proc VmHWM, VmRSS)."""
        pid = self.process.pid
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        figures = []
        for child in children:
            status = Path(f"/proc/{child}/status").read_text()
            kb = {
                line.split(":")[0]: int(line.split()[1])
                for line in status.splitlines()
                if line.startswith(("VmHWM", "VmRSS"))
            }
            figures.append((kb["VmHWM"] / 1024, kb["VmRSS"] / 1024))
        peaks = ", ".join(f"{peak:.0f}" for peak, _now in figures)
        return f"web workers' peak RSS {max(p for p, _n in figures):.0f} MB (each: {peaks} MB)"

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()


def _database_name(trees: list[tuple[str, Path, dict[str, str]]]) -> str:
    return "PostgreSQL" if trees[-1][2]["DATABASE_URL"].startswith("postgres") else "SQLite"


def _measure_ready(
    wrk: str,
    args: argparse.Namespace,
    trees: list[tuple[str, Path, dict[str, str]]],
    target: dict[str, str],
) -> None:
    """The need page with its ranking ready, at each connection count, then --also: one
    server per code tree (each with its environment: its database), measured in turn at each
    step (so that the other sessions' load on the machine weighs on both alike)."""
    database = _database_name(trees)
    servers: list[tuple[str, Path, _Server, str, dict[str, str]]] = []
    try:
        for label, code, env in trees:
            if args.forget_rankings:
                _run_job(env, code, "forget-rankings")
            server = _Server(args, {**env, "PYTHONPATH": str(code)}, code)
            cookie = _login(server.base, target["email"], target["password"])
            servers.append((label, code, server, cookie, env))
            status, body, first = _get(server.base, target["path"], cookie)
            candidates = body.count(b'class="match candidate"')
            assert status == 200, status
            assert candidates > 0, "no candidates on the page"
            print(f"[{label}] {target['path']}: {candidates} candidates; first view {first:.2f} s")
        for connections in [int(c) for c in args.connections.split(",")]:
            for label, code, server, cookie, env in servers:
                # The rankings ready: re-ranked ahead of expiry as the scheduler's
                # refresh-rankings job does (a ranking is kept MATCH_CACHE_SECONDS, 300 s by
                # default), then every worker warmed up.
                _refresh({**env, "PYTHONPATH": str(code)}, code)
                _warm_up(server.base, target["path"], cookie, args.workers)
                print(f"[{label}] the need page, ranking ready:")
                header = ["-H", f"Cookie: {cookie}", server.base + target["path"]]
                _measure(wrk, args, connections, header, database)
        if args.also:
            for label, _code, server, cookie, _env in servers:
                print(f"[{label}] for comparison, {args.also} (no ranking, no candidates):")
                header = ["-H", f"Cookie: {cookie}", server.base + args.also]
                _measure(wrk, args, int(args.connections.split(",")[0]), header, database)
        for label, _code, server, _cookie, _env in servers:
            print(f"[{label}] {server.worker_memory()}")
    finally:
        for _label, _code, server, _cookie, _env in servers:
            server.stop()


def _measure_pending(
    wrk: str,
    args: argparse.Namespace,
    trees: list[tuple[str, Path, dict[str, str]]],
    target: dict[str, str],
) -> None:
    """The page of a need whose ranking is pending (a broker, no worker) and its JSON status,
    one server per code tree, measured in turn."""
    database = _database_name(trees)
    path = target["pending_path"]
    servers: list[tuple[str, _Server, str]] = []
    try:
        for label, code, env in trees:
            with_broker = {**env, "PYTHONPATH": str(code), "TASK_BROKER_URL": args.broker}
            server = _Server(args, with_broker, code)
            cookie = _login(server.base, target["email"], target["password"])
            servers.append((label, server, cookie))
            status, body, first = _get(server.base, path, cookie)
            assert status == 200, status
            assert b'class="ranking-pending"' in body, "the ranking is not pending"
            print(f"[{label}] {path}: ranking pending; first view {first:.3f} s")
        connections = int(args.connections.split(",")[0])
        for shown in (path, path + "/candidates/status"):
            for label, server, cookie in servers:
                timings = sorted(_get(server.base, shown, cookie)[2] for _ in range(50))
                print(
                    f"[{label}] {shown}: one request at a time (the workers' first views "
                    f"included), p50 {timings[24] * 1000:.1f} ms, "
                    f"p95 {timings[47] * 1000:.1f} ms (n=50)"
                )
                header = ["-H", f"Cookie: {cookie}", server.base + shown]
                _measure(wrk, args, connections, header, database)
        for label, server, cookie in servers:
            _, body, _ = _get(server.base, path + "/candidates/status", cookie)
            assert json.loads(body)["status"] == "pending", body
            print(f"[{label}] {server.worker_memory()}")
    finally:
        for _label, server, _cookie in servers:
            server.stop()


def _warm_up(base: str, path: str, cookie: str, workers: int) -> None:
    """The first view of the need in each worker may read or rank it (seconds). A busy sync
    worker accepts no connection, so as many parallel views as workers reach every worker;
    repeat until three rounds in a row are all fast (at most 5 minutes)."""
    began = time.monotonic()
    fast_rounds = 0
    with ThreadPoolExecutor(workers) as pool:
        while fast_rounds < 3 and time.monotonic() - began < 300:
            views = list(pool.map(lambda _: _get(base, path, cookie), range(workers)))
            fast_rounds = fast_rounds + 1 if max(v[2] for v in views) < 1 else 0
    print(f"warm-up: {time.monotonic() - began:.0f} s")


def _refresh(env: dict[str, str], code: Path) -> None:
    """Run the refresh-rankings job once (what the scheduler runs), with ``code``."""
    _run_job(env, code, "refresh-rankings")


_JOBS = {
    "refresh-rankings": "from placement.jobs import run_job\n"
    "print(run_job(app, 'refresh-rankings', date.today()))",
    # The stored rankings only (the country blocks and features stay).
    "forget-rankings": "from sqlalchemy import delete\n"
    "from placement.extensions import db\n"
    "from placement.models import NeedRanking\n"
    "with app.app_context():\n"
    "    print(db.session.execute(delete(NeedRanking)).rowcount)\n"
    "    db.session.commit()",
}


def _run_job(env: dict[str, str], code: Path, name: str) -> None:
    job = "from datetime import date\nfrom placement import create_app\napp = create_app()\n"
    began = time.monotonic()
    done = subprocess.run(  # noqa: S603 (our own code)
        [sys.executable, "-c", job + _JOBS[name]],
        env={**env, "PYTHONPATH": str(code)},
        cwd=code,
        check=True,
        capture_output=True,
        text=True,
    )
    count = done.stdout.strip().splitlines()[-1]
    print(f"{name}: {count} rankings in {time.monotonic() - began:.1f} s")


def _flush(broker: str) -> None:
    """Empty the scratch broker database (the rank-need tasks that no worker took)."""
    import redis

    redis.Redis.from_url(broker).flushdb()


def _measure(
    wrk: str, args: argparse.Namespace, connections: int, header: list[str], database: str
) -> None:
    before = os.getloadavg()[0]
    load = [wrk, f"-t{args.threads}", f"-c{connections}", f"-d{args.duration}s"]
    load += ["--timeout", "10s", "--latency", "-s", str(HERE / "report.lua"), *header]
    result = subprocess.run(load, capture_output=True, text=True, check=True)  # noqa: S603
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    print(
        f"{database}, {args.experts:,} experts, gunicorn {args.workers} workers, "
        f"wrk {args.threads} threads x {connections} connections, {args.duration} s"
    )
    print(
        f"requests/s {figures['rps']:.1f}   p50 {figures['p50_ms']:.1f} ms   "
        f"p95 {figures['p95_ms']:.1f} ms   p99 {figures['p99_ms']:.1f} ms   "
        f"errors {figures['errors_status'] + figures['errors_timeout']}   "
        f"load average {before:.2f} before, {os.getloadavg()[0]:.2f} after"
    )
    print(
        json.dumps(
            {"database": database, "experts": args.experts, "connections": connections, **figures}
        )
    )


def _recreate_postgres(url: str) -> None:
    """A load database is scratch: drop and create it (refuses a name without 'load')."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    sys.path.insert(0, str(ROOT))
    from config import normalise_database_url

    parsed = make_url(normalise_database_url(url))
    if "load" not in (parsed.database or ""):
        raise SystemExit("use a database whose name contains 'load'; it is dropped first")
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{parsed.database}"'))
    admin.dispose()


if __name__ == "__main__":
    main()
