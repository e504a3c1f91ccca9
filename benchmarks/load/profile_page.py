"""Profile one signed-in page in-process (pyinstrument), on a database seeded by seed.py.

    .venv/bin/python benchmarks/load/seed.py --database-url sqlite:////tmp/x/load.db \
        --instance /tmp/x
    .venv/bin/python benchmarks/load/profile_page.py --database-url sqlite:////tmp/x/load.db \
        --instance /tmp/x --views 200

Logs in as the seeded host through the login form (Flask's test client), views the need page
once (it may rank), then profiles ``--views`` more views and prints the call tree and the mean
time per view. For finding where a view's time goes, not for figures under load (run_load.py).
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--instance", required=True)
    parser.add_argument("--path", default=None, help="default: the seeded need's host page")
    parser.add_argument("--views", type=int, default=100)
    parser.add_argument("--broker", default="", help="TASK_BROKER_URL (pending rankings)")
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = args.database_url
    os.environ["PLACEMENT_INSTANCE_PATH"] = args.instance
    os.environ["TASK_BROKER_URL"] = args.broker
    from pyinstrument import Profiler
    from sqlalchemy import select

    from benchmarks.load.seed import HOST_PASSWORD
    from config import load_config
    from placement import create_app
    from placement.extensions import db
    from placement.models import Need

    app = create_app(load_config("development", RATELIMIT_ENABLED=False))
    with app.app_context():
        path = args.path or f"/host/needs/{db.session.scalar(select(Need.uuid))}"
        db.session.remove()
    client = app.test_client()
    page = client.get("/login").data
    token = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', page)
    assert token, "no CSRF token"
    client.post(
        "/login",
        data={"email": "load-host@example.org", "password": HOST_PASSWORD, "csrf_token": token[1]},
    )
    began = time.perf_counter()
    first = client.get(path)
    print(f"first view {time.perf_counter() - began:.2f} s, status {first.status_code}")
    profiler = Profiler(interval=0.0005)
    began = time.perf_counter()
    with profiler:
        for _ in range(args.views):
            response = client.get(path)
    elapsed = time.perf_counter() - began
    assert response.status_code == 200, response.status_code
    print(profiler.output_text(unicode=False, color=False, show_all=False))
    print(f"{args.views} views of {path}: {elapsed / args.views * 1000:.1f} ms per view")


if __name__ == "__main__":
    main()
