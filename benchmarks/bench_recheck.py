"""The per-view re-check of a kept ranking: the code of ca8c2ce against change stamps, side by
side in one run. Prints figures; asserts only that both keep the same candidates.

    .venv/bin/python benchmarks/bench_recheck.py                     # 10,000 experts, SQLite
    .venv/bin/python benchmarks/bench_recheck.py --experts 50000 --views 300
    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench_x \\
        .venv/bin/python benchmarks/bench_recheck.py                 # PostgreSQL (emptied first)

One origin country of ``--experts`` experts (languages, availability windows, a history of
consent records, a past placement for some), one open need, and a kept ranking of ``3 × limit``
candidates for each ``--limits`` (the host page keeps 60 for the 20 it shows). Each view calls
``kept_ranking`` (what the host's and staff's pages call), the ranking in the worker's memory:

* **before**: ``placement/matches/services.py`` as of ca8c2ce, loaded from git into this process
  (the rest of the application is the current one): every view re-reads the facts of the first
  ``limit + 5`` candidates (five queries);
* **after**: the current code: every view reads the candidates' change stamps (one query) and
  re-reads the facts of those whose stamp moved only.

Scenarios: nothing changed since the last view (the usual view); one candidate changed before
each view (a language edit, committed); a third of the shown candidates changed before each
view; and the first view in a worker (nothing in memory: the stored row is read, with its
checks for "after"). Also the whole host page (test client, signed in), old and new, and what
the stamps cost a write (a language edit committed, without and with the stamp hook). Statements
are counted with a ``before_cursor_execute`` listener. Both paths alternate view by view (and
which goes first), so the machine's load falls on both alike; the load average is printed with
the figures.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import types
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
BASELINE = "ca8c2ce"
COUNTRY = "SL"


def quantiles(values: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"p50 {statistics.median(ordered) * 1000:7.2f} ms  p95 {p95 * 1000:7.2f} ms"


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def baseline_services() -> types.ModuleType:
    """placement/matches/services.py as of the baseline commit, as a module of its own."""
    source = subprocess.check_output(  # noqa: S603 (git, on this repository)
        ["git", "show", f"{BASELINE}:placement/matches/services.py"],  # noqa: S607
        cwd=ROOT,
        text=True,
    )
    module = types.ModuleType("baseline_services")
    module.__file__ = f"{BASELINE}:placement/matches/services.py"
    sys.modules[module.__name__] = module  # dataclasses look their module up
    exec(compile(source, module.__file__, "exec"), module.__dict__)  # noqa: S102 (our history)
    return module


def populate(experts: int, seed: int) -> list[int]:
    """Experts of one origin country, inserted as rows (not one ORM object each). Returns the
    ids of those eligible for the benchmark's need."""
    from sqlalchemy import insert, select

    from placement.extensions import db
    from placement.models import (
        AvailabilityWindow,
        CEFRLevel,
        ConsentPurpose,
        ConsentRecord,
        ExpertLanguage,
        ExpertProfile,
        NeedStatus,
        Placement,
        PlacementStatus,
        Role,
        User,
    )
    from tests import factories

    rng = random.Random(seed)
    today = date.today()
    past = factories.NeedFactory(
        start=today - timedelta(days=400),
        end=today - timedelta(days=300),
        status=NeedStatus.CLOSED,
    )
    db.session.execute(
        insert(User),
        [
            {
                "email": f"bench{i}@example.org",
                "full_name": f"Expert {i}",
                "password_hash": "x",
                "role": Role.EXPERT,
            }
            for i in range(experts)
        ],
    )
    users = dict(
        db.session.execute(
            select(User.email, User.id).where(User.email.like("bench%@example.org"))
        ).all()
    )
    residences = ["NL", "GB", "FR", "DE", "US", "BE"]
    db.session.execute(
        insert(ExpertProfile),
        [
            {
                "user_id": users[f"bench{i}@example.org"],
                "origin_country": COUNTRY,
                "residence_country": rng.choice(residences),
                "occupation_label": "general practitioner",
                "summary": "Physician.",
                "years_experience": rng.randint(1, 30),
                "sectors": ["health"],
                "preferred_regions": [],
                "profile_step": 5,
            }
            for i in range(experts)
        ],
    )
    profiles = dict(
        db.session.execute(
            select(ExpertProfile.id, ExpertProfile.user_id).where(
                ExpertProfile.origin_country == COUNTRY
            )
        ).all()
    )
    languages, windows, consents, placements = [], [], [], []
    for expert_id, user_id in profiles.items():
        languages.append({"expert_id": expert_id, "code": "en", "level": CEFRLevel.C1})
        if rng.random() < 0.5:
            languages.append({"expert_id": expert_id, "code": "fr", "level": CEFRLevel.B1})
        windows.append(
            {
                "expert_id": expert_id,
                "start": today + timedelta(days=rng.randint(0, 30)),
                "end": today + timedelta(days=rng.randint(200, 400)),
            }
        )
        if rng.random() < 0.3:
            windows.append(
                {
                    "expert_id": expert_id,
                    "start": today + timedelta(days=500),
                    "end": today + timedelta(days=600),
                }
            )
        for purpose in ConsentPurpose:
            consents.append(
                {"user_id": user_id, "purpose": purpose, "granted": True, "text_version": "v1"}
            )
            if rng.random() < 0.2:  # withdrawn once, then given again
                consents.append(
                    {"user_id": user_id, "purpose": purpose, "granted": False, "text_version": "v1"}
                )
                consents.append(
                    {"user_id": user_id, "purpose": purpose, "granted": True, "text_version": "v2"}
                )
        if rng.random() < 0.1:
            placements.append(
                {
                    "need_id": past.id,
                    "expert_id": expert_id,
                    "status": PlacementStatus.COMPLETED,
                    "start": past.start,
                    "end": past.end,
                }
            )
    for model, rows in (
        (ExpertLanguage, languages),
        (AvailabilityWindow, windows),
        (ConsentRecord, consents),
        (Placement, placements),
    ):
        for start in range(0, len(rows), 5000):
            db.session.execute(insert(model), rows[start : start + 5000])
    db.session.commit()
    return sorted(profiles)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--experts", type=int, default=10_000)
    parser.add_argument("--limits", default="20,50", help="candidates shown (pool: 3 times)")
    parser.add_argument("--views", type=int, default=200, help="views per scenario and path")
    parser.add_argument("--page-views", type=int, default=50)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="homeward-recheck-"))
    os.environ["PLACEMENT_INSTANCE_PATH"] = str(folder)
    from flask_migrate import upgrade
    from sqlalchemy import event

    from config import load_config
    from placement import create_app
    from placement.extensions import db
    from placement.matches import services as after
    from tests import factories
    from tests.conftest import _drop_everything

    before = baseline_services()
    url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{folder / 'bench.db'}"
    app = create_app(
        load_config(
            "testing",
            SQLALCHEMY_DATABASE_URI=url,
            WTF_CSRF_ENABLED=False,
            UPLOAD_DIR=str(folder / "uploads"),
        )
    )
    app.config["MATCH_CACHE_SECONDS"] = 3600  # kept rankings, as in production
    statements = [0]

    with app.app_context():
        _drop_everything()
        upgrade()

        def count(*_args: object) -> None:
            statements[0] += 1

        event.listen(db.engine, "before_cursor_execute", count)
        started = time.perf_counter()
        eligible = populate(args.experts, args.seed)
        host = factories.HostMemberFactory()
        need = factories.NeedFactory(institution=host.institution)
        need_id, need_uuid = need.id, need.uuid
        print(
            f"data: {len(eligible):,} experts of origin {COUNTRY} (+ languages, windows, "
            f"consent histories, past placements), {url.split(':')[0]}, "
            f"built in {time.perf_counter() - started:.1f} s",
            flush=True,
        )
        print(f"load average at start: {load_average()}", flush=True)
        rng = random.Random(args.seed)
        bench = Bench(need_id, statements, args.views, rng)
        for limit in [int(x) for x in args.limits.split(",")]:
            bench.ranking(limit, need_uuid, eligible, before, after)

        writes(eligible, statements, args.page_views, rng)
        # Last: the test client's requests share this app context (its ``g`` says "reading").
        page(app, host.user, need_uuid, before, after, statements, args.page_views)
        print(f"\nload average at the end: {load_average()}")


class Bench:
    """Views of one need's kept ranking through either module, timed and counted."""

    def __init__(self, need_id: int, statements: list[int], views: int, rng: random.Random):
        self.need_id, self.statements, self.views, self.rng = need_id, statements, views, rng

    def need(self) -> object:
        """The need as a page has it (languages and programme loaded)."""
        from placement.extensions import db
        from placement.models import Need

        db.session.expire_all()
        loaded = db.session.get(Need, self.need_id)
        loaded.languages, loaded.programme  # noqa: B018
        return loaded

    def view(self, module: types.ModuleType, limit: int) -> tuple[list[int], float, int]:
        loaded = self.need()
        self.statements[0] = 0
        started = time.perf_counter()
        kept = module.kept_ranking(loaded, limit, for_host=True)
        took = time.perf_counter() - started
        assert kept is not None
        return [i for i, _m in kept], took, self.statements[0]

    @staticmethod
    def edit(expert_ids: list[int]) -> None:
        """A language edit of each, committed: English C1 -> A2 (below the need's B2: no
        longer eligible) or back."""
        from sqlalchemy import select

        from placement.extensions import db
        from placement.models import CEFRLevel, ExpertLanguage

        for expert_id in expert_ids:
            row = db.session.scalar(
                select(ExpertLanguage).where(
                    ExpertLanguage.expert_id == expert_id, ExpertLanguage.code == "en"
                )
            )
            row.level = CEFRLevel.A2 if row.level is not CEFRLevel.A2 else CEFRLevel.C1
        db.session.commit()

    def ranking(
        self,
        limit: int,
        need_uuid: object,
        eligible: list[int],
        before: types.ModuleType,
        after: types.ModuleType,
    ) -> None:
        """Store a kept ranking of ``3 × limit`` candidates, then run every scenario on it."""
        from placement.extensions import db

        pool = limit * after.OVERFETCH
        picked = self.rng.sample(eligible, pool)
        ranked = [
            (i, after.Match(str(need_uuid), f"e{i}", 1.0 - k / pool, {}, {}))
            for k, i in enumerate(picked)
        ]
        loaded = self.need()
        of = after._RankingOf.of(loaded, True, pool)
        after._replace_ranking(of, ranked, after._checked_now(loaded, ranked, True))
        db.session.commit()
        print(
            f"\n== kept ranking of {pool} candidates, {limit} shown "
            f"(re-check reads the first {limit + after.RECHECK_MARGIN}) ==",
            flush=True,
        )
        print(f"{'scenario':<50} {'path':<7} {'time per view':<34} statements/view")
        shown = picked[:limit]
        paths = {"before": before, "after": after}
        # First, while the stored row's checks are current (as after a ranking or a refresh).
        self.run(paths, limit, "first view in a worker (stored row read)", lambda: None, cold=True)
        self.run(paths, limit, "unchanged since the last view", lambda: None)
        self.run(
            paths,
            limit,
            "one shown candidate changed before each view",
            lambda: self.edit([self.rng.choice(shown)]),
        )
        self.run(
            paths,
            limit,
            f"a third of the shown ({limit // 3}) changed before each",
            lambda: self.edit(self.rng.sample(shown, limit // 3)),
        )
        self.run(
            paths,
            limit,
            "first view in a worker, the row's checks now old",
            lambda: None,
            cold=True,
        )
        print(f"load average: {load_average()}", flush=True)

    def run(
        self,
        paths: dict[str, types.ModuleType],
        limit: int,
        name: str,
        prepare: Callable[[], None],
        cold: bool = False,
    ) -> None:
        times: dict[str, list[float]] = {label: [] for label in paths}
        counts: dict[str, list[int]] = {label: [] for label in paths}
        for view in range(self.views):
            prepare()
            results = {}
            # Each goes first every other view (the first read after a commit costs more).
            order = list(paths.items())
            for label, module in order if view % 2 else order[::-1]:
                if cold:
                    module._RANKINGS.clear()
                    if hasattr(module, "_CHECKS"):
                        module._CHECKS.clear()
                kept, took, issued = self.view(module, limit)
                results[label] = kept
                times[label].append(took)
                counts[label].append(issued)
            assert results["before"] == results["after"], name
        for label in paths:
            print(
                f"{name:<50} {label:<7} {quantiles(times[label]):<34} "
                f"{statistics.mean(counts[label]):.1f}",
                flush=True,
            )
        speed = statistics.median(times["before"]) / statistics.median(times["after"])
        print(f"{'':<50} {'':<7} after: {speed:.1f}x faster (p50)", flush=True)


def page(app, user, need_uuid, before, after, statements, views: int) -> None:
    """The host's need page, whole (signed in, test client), with either module behind it."""
    from tests.factories import PASSWORD

    client = app.test_client()
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302
    from placement.matches import pending as module

    originals = (module.kept_ranking, module.ranked_expert_ids)
    paths = {
        "before": (before.kept_ranking, before.ranked_expert_ids),
        "after": originals,
    }
    times: dict[str, list[float]] = {"before": [], "after": []}
    counts: dict[str, list[int]] = {"before": [], "after": []}
    for label in paths:  # warm: each path's ranking in memory
        module.kept_ranking, module.ranked_expert_ids = paths[label]
        assert client.get(f"/host/needs/{need_uuid}").status_code == 200
    for _ in range(views):
        for label, (kept, ranked) in paths.items():
            module.kept_ranking, module.ranked_expert_ids = kept, ranked
            statements[0] = 0
            started = time.perf_counter()
            assert client.get(f"/host/needs/{need_uuid}").status_code == 200
            times[label].append(time.perf_counter() - started)
            counts[label].append(statements[0])
    module.kept_ranking, module.ranked_expert_ids = originals
    print("\n== the host's need page, whole (20 shown, nothing changed) ==")
    for label in paths:
        print(
            f"{'GET /host/needs/<id>':<50} {label:<7} {quantiles(times[label]):<34} "
            f"{statistics.mean(counts[label]):.1f}",
            flush=True,
        )


def writes(eligible: list[int], statements: list[int], edits: int, rng: random.Random) -> None:
    """What the stamps cost a write: one expert's language edit and its commit (with the
    stored-features hook, as always), without the stamp hook (ca8c2ce) and with it."""
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    from placement.matches import stamps

    times: dict[str, list[float]] = {"before": [], "after": []}
    counts: dict[str, list[int]] = {"before": [], "after": []}
    for edit in range(edits):
        for label in ("before", "after") if edit % 2 else ("after", "before"):
            if label == "before":
                event.remove(Session, "after_flush", stamps._bump_changed)
            statements[0] = 0
            started = time.perf_counter()
            Bench.edit([rng.choice(eligible)])
            times[label].append(time.perf_counter() - started)
            counts[label].append(statements[0])
            if label == "before":
                event.listen(Session, "after_flush", stamps._bump_changed)
    print("\n== a write: one expert's language edit, committed (features hook included) ==")
    for label in times:
        print(
            f"{'edit + commit':<50} {label:<7} {quantiles(times[label]):<34} "
            f"{statistics.mean(counts[label]):.1f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
