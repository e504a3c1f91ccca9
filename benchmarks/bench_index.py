"""The stored matching index against featurising on request, side by side in one run.
Prints figures; asserts nothing (except that both paths rank identically).

    .venv/bin/python benchmarks/bench_index.py                        # 100,000 experts
    .venv/bin/python benchmarks/bench_index.py --experts 10000 --requests 3

What the web application does for the first ranking of a new need, for one origin country:

* **on request** (the code before the index): featurise every expert of the country, fit the
  engine, rank (``Matcher().fit(records, [need]) + rank_experts``);
* **stored, read**: read the country's stored rows (bytes, as ``expert_features`` keeps them),
  load them, fit with ``expert_profiles=`` and rank: a worker's first ranking of the country;
* **stored, loaded**: the profiles already loaded in the worker (what
  ``placement.matches.stored_index`` kept per process before the country blocks), fit with
  ``expert_profiles=`` and rank;
* **block, read**: the country's block (:class:`matching.index.CountryBlock`, as
  ``country_index`` keeps it) read from its bytes, ``Matcher.fit_stored`` and rank (records
  loaded only for the experts listed): a worker's first ranking of the country;
* **block, loaded**: the block already in the worker: every later ranking.

Then the batch (``--batch-needs``, default 10,000 new needs over every country): top-10 for every
need from the stored index, including loading it: every country's block read from its bytes,
``Matcher.fit_stored`` on the country's needs, ``match_all(10)`` (without, then with
explanations, which load the records of the experts listed); side by side with the path before
the blocks (each country's stored rows loaded, ``fit`` with ``expert_profiles=``, ``match_all``).

Also: the full index build (``matching.index.build`` over every expert), one profile edit
(featurise one expert and serialise it, what the save hook does before its one-row write) and,
with ``--db``, the same edit through the application on SQLite (the commit with its hook).
Both paths run in this process with the taxonomy's caches equally warm. Rankings are checked
identical (ids, order, scores within 1e-9).
"""

from __future__ import annotations

import argparse
import gc
import json
import multiprocessing
import os
import pickle
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

# ``--code DIR`` (a worker run by --baseline): import matching, placement and benchmarks from
# that checkout instead of this one.
sys.path.insert(
    0,
    sys.argv[sys.argv.index("--code") + 1]
    if "--code" in sys.argv
    else str(Path(__file__).resolve().parents[1]),
)

from benchmarks.generate import speed_set
from matching import index
from matching.engine import Match, Matcher
from matching.taxonomy import Taxonomy

POOL = 60  # what the host page asks for: 20 shown, times the overfetch of 3


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def report(label: str, value: str) -> None:
    print(f"{label:<58} {value}  [peak RSS {peak_mb():,.0f} MB]", flush=True)


def quantiles(values: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    p50 = statistics.median(ordered)
    return f"p50 {p50 * 1000:,.1f} ms, p95 {p95 * 1000:,.1f} ms (n={len(ordered)})"


def same_ranking(a, b) -> bool:
    return [m.expert_id for m in a] == [m.expert_id for m in b] and all(
        abs(x.score - y.score) <= 1e-9 for x, y in zip(a, b, strict=True)
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--experts", type=int, default=100_000)
    parser.add_argument("--countries", type=int, default=10)
    parser.add_argument("--requests", type=int, default=5, help="new needs ranked on request")
    parser.add_argument("--stored-requests", type=int, default=20)
    parser.add_argument("--edits", type=int, default=200)
    parser.add_argument("--batch-needs", type=int, default=10_000, help="0 to skip the batch")
    parser.add_argument(
        "--only-batch",
        action="store_true",
        help="skip the first-ranking and edit figures (the build and the batch only)",
    )
    parser.add_argument(
        "--batch-shards",
        type=int,
        default=2,
        help="also the batch split over N warm shard worker processes (1: one process only)",
    )
    parser.add_argument("--db", action="store_true", help="also the build and edits in a database")
    parser.add_argument(
        "--baseline",
        metavar="DIR",
        help="a checkout of the baseline (e.g. git worktree add /tmp/base ca8c2ce): the full "
        "builds are also run with its code, in the same run, and their rows compared",
    )
    parser.add_argument(
        "--build-only", action="store_true", help="only the full builds (and --db's edits)"
    )
    parser.add_argument("--processes", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--code", help=argparse.SUPPRESS)
    parser.add_argument("--worker", choices=("build", "db"), help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker == "build":
        return build_worker(args)
    if args.worker == "db":
        return db_worker(args)
    seeded = full_builds(args)
    if args.build_only:
        if args.db:
            db_edits(args.edits, seeded)  # on the seeded database: realistic table sizes
        return

    taxonomy = Taxonomy.load()
    needed = args.requests + args.stored_requests
    experts, needs = speed_set(
        taxonomy, args.experts, needed * args.countries, seed=7, n_countries=args.countries
    )
    country = max(
        {e.origin_country for e in experts},
        key=lambda c: sum(e.origin_country == c for e in experts),
    )
    mine = [e for e in experts if e.origin_country == country]
    new_needs = [n for n in needs if n.country == country][:needed]
    report(
        f"data: {len(experts):,} experts, {args.countries} countries",
        f"country {country}: {len(mine):,} experts, {len(new_needs)} new needs",
    )
    featurizer = index.featurizer_for(taxonomy)

    started = time.perf_counter()
    blobs = index.build(experts, featurizer)
    build = time.perf_counter() - started
    report(f"full index build ({len(experts):,} experts)", f"{build:,.1f} s")
    folder = Path(tempfile.mkdtemp(prefix="homeward-index-"))
    path = folder / f"{country}.npz"
    index.write_file(path, {e.id: blobs[e.id] for e in mine})
    report("stored rows of the country", f"{path.stat().st_size / 1e6:,.1f} MB")

    if args.only_batch:
        batch(args, taxonomy, experts, blobs, featurizer)
        return

    # --- first ranking of a new need: on request vs stored, in one run ---------------------
    fresh_times, fresh_rankings = [], {}
    for need in new_needs[: args.requests]:
        started = time.perf_counter()
        matcher = Matcher().fit(mine, [need], taxonomy=taxonomy)
        fresh_rankings[need.id] = matcher.rank_experts(need.id, k=POOL)
        fresh_times.append(time.perf_counter() - started)
    report("on request: featurise the country, fit, rank", quantiles(fresh_times))

    read_times = []
    for need in new_needs[: args.requests]:
        started = time.perf_counter()
        records, profiles = index.profiles(
            index.load(blob, featurizer) for _id, blob in index.read_file(path)
        )
        matcher = Matcher().fit(records, [need], taxonomy=taxonomy, expert_profiles=profiles)
        ranked = matcher.rank_experts(need.id, k=POOL)
        read_times.append(time.perf_counter() - started)
        assert same_ranking(ranked, fresh_rankings[need.id]), need.id
    report("stored, read: load the country's rows, fit, rank", quantiles(read_times))

    loaded_times = []
    for need in new_needs:
        started = time.perf_counter()
        matcher = Matcher().fit(records, [need], taxonomy=taxonomy, expert_profiles=profiles)
        ranked = matcher.rank_experts(need.id, k=POOL)
        loaded_times.append(time.perf_counter() - started)
        if need.id in fresh_rankings:
            assert same_ranking(ranked, fresh_rankings[need.id]), need.id
    report("stored, loaded in the worker: fit, rank", quantiles(loaded_times))

    # --- the country block: one read, one sparse product, the hard rules -------------------
    started = time.perf_counter()
    block = index.block_from_blobs(
        country, [(k, 1, blobs[e.id]) for k, e in enumerate(mine)], featurizer
    )
    report("country block built from the stored rows", f"{time.perf_counter() - started:,.1f} s")
    started = time.perf_counter()
    for code in sorted({e.origin_country for e in experts}):
        rows = [e for e in experts if e.origin_country == code]
        index.country_block(
            code,
            [(k, 1, index.load(blobs[e.id], featurizer)) for k, e in enumerate(rows)],
            featurizer,
        ).to_bytes()
    report(
        f"every country's block from the rows ({len(experts):,} experts)",
        f"{time.perf_counter() - started:,.1f} s",
    )
    stored_block = block.to_bytes()
    report("country block, stored", f"{len(stored_block) / 1e6:,.1f} MB")

    def load(ids):
        return {i: (x.record, x.profile) for i in ids for x in [index.load(blobs[i], featurizer)]}

    block_read_times, block_times = [], []
    for need in new_needs:
        started = time.perf_counter()
        read = index.CountryBlock.from_bytes(stored_block)
        matcher = Matcher().fit_stored(read, [need], taxonomy=taxonomy, load=load)
        ranked = matcher.rank_experts(need.id, k=POOL)
        block_read_times.append(time.perf_counter() - started)
        started = time.perf_counter()
        matcher = Matcher().fit_stored(block, [need], taxonomy=taxonomy, load=load)
        ranked = matcher.rank_experts(need.id, k=POOL)
        block_times.append(time.perf_counter() - started)
        if need.id in fresh_rankings:
            assert same_ranking(ranked, fresh_rankings[need.id]), need.id
    report("block, read: load the country's block, fit_stored, rank", quantiles(block_read_times))
    report("block, loaded in the worker: fit_stored, rank", quantiles(block_times))
    report("rankings identical (ids, order, scores within 1e-9)", f"{args.requests} needs")

    # --- one profile edit ------------------------------------------------------------------
    edit_times = []
    for i in range(args.edits):
        expert = mine[i % len(mine)]
        edited = replace(expert, skills=(*expert.skills, "manage budgets"), years_experience=i)
        started = time.perf_counter()
        index.dump(edited, featurizer.expert(edited))
        edit_times.append(time.perf_counter() - started)
    report("one profile edit: featurise + serialise", quantiles(edit_times))
    delta_times = []
    for i in range(min(args.edits, 50)):
        expert = mine[i % len(mine)]
        edited = replace(expert, skills=(*expert.skills, "manage budgets"), years_experience=i)
        blob = index.dump(edited, featurizer.expert(edited))
        started = time.perf_counter()
        row = index.block_from_blobs(country, [(i % len(mine), 2 + i, blob)], featurizer)
        block = block.updated(row)
        delta_times.append(time.perf_counter() - started)
    report("one profile edit: its row replaced in the country block", quantiles(delta_times))
    if args.db:
        db_edits(args.edits, os.environ.get("BENCH_DATABASE_URL"))
    batch(args, taxonomy, experts, blobs, featurizer)


def batch(
    args: argparse.Namespace, taxonomy: Taxonomy, experts: list, blobs: dict, featurizer
) -> None:
    """Top-10 for ``--batch-needs`` new needs over every expert, including loading the index:
    from the stored country blocks, and (the path before them) from every stored row."""
    if args.batch_needs <= 0:
        return
    _, needs = speed_set(taxonomy, 0, args.batch_needs, seed=11, n_countries=args.countries)
    needs = [replace(n, id=f"BATCH{i}") for i, n in enumerate(needs)]
    countries = sorted({e.origin_country for e in experts})
    by_country = {c: [n for n in needs if n.country == c] for c in countries}
    started = time.perf_counter()
    stored = {}
    for code in countries:
        rows = [e for e in experts if e.origin_country == code]
        stored[code] = index.block_from_blobs(
            code, [(k, 1, blobs[e.id]) for k, e in enumerate(rows)], featurizer
        ).to_bytes()
    report(
        f"every country's block from the stored rows ({len(experts):,} experts)",
        f"{time.perf_counter() - started:,.1f} s, {sum(map(len, stored.values())) / 1e6:,.0f} MB",
    )

    def load(ids):
        return {i: (x.record, x.profile) for i in ids for x in [index.load(blobs[i], featurizer)]}

    from_blocks: dict[str, list] = {}
    one_thread: dict[str, list] = {}
    cores = os.cpu_count() or 1
    for explain, threads in ((False, 1), (False, None), (True, None)):
        started = time.perf_counter()
        reading = fitting = 0.0
        listed = 0
        for code in countries:
            began = time.perf_counter()
            block = index.CountryBlock.from_bytes(stored[code])
            read = time.perf_counter()
            matcher = Matcher().fit_stored(block, by_country[code], taxonomy=taxonomy, load=load)
            reading, fitting = reading + read - began, fitting + time.perf_counter() - read
            ranked = matcher.match_all(10, explain=explain, threads=threads)
            listed += sum(len(v) for v in ranked.values())
            if not explain and threads is None:
                from_blocks.update(ranked)
            elif not explain:
                one_thread.update(ranked)
        seconds = time.perf_counter() - started
        report(
            f"batch top-10, {len(needs):,} needs, from the blocks, "
            + (f"{min(cores, 4)} threads" if threads is None else "1 thread (as before)")
            + (" (with explanations)" if explain else ""),
            f"{seconds:,.2f} s: reading the blocks {reading:,.2f} s, fit_stored (the needs "
            f"featurised) {fitting:,.2f} s, match_all {seconds - reading - fitting:,.2f} s "
            f"({listed:,} matches)",
        )
    same = all(same_ranking(from_blocks[n.id], one_thread[n.id]) for n in needs)
    report("batch rankings identical, threads and one thread", str(same))
    if args.batch_shards > 1:
        _, warm = speed_set(taxonomy, 0, args.batch_needs, seed=12, n_countries=args.countries)
        warm = [replace(n, id=f"WARM{i}") for i, n in enumerate(warm)]
        workers = ShardWorkers(stored, taxonomy, load, args.batch_shards)
        workers.batch({c: [n for n in warm if n.country == c] for c in countries}, 1)
        for threads in (1, None):
            seconds, each, in_shards = workers.batch(by_country, threads)
            same = all(
                same_ranking(
                    from_blocks[n.id], [Match(n.id, e, sc, {}, {}) for e, sc in in_shards[n.id]]
                )
                for n in needs
            )
            report(
                f"batch top-10, {len(needs):,} needs, from the blocks, "
                f"{args.batch_shards} shard processes"
                + (", 1 thread each" if threads == 1 else f", {min(cores, 4)} threads each"),
                f"{seconds:,.2f} s; each shard's own work {each} (rankings identical to one "
                f"process: {same})",
            )
        workers.close()
    started = time.perf_counter()
    loading = 0.0
    ranked = {}
    for code in countries:
        began = time.perf_counter()
        records, profiles = index.profiles(
            index.load(blobs[e.id], featurizer) for e in experts if e.origin_country == code
        )
        loading += time.perf_counter() - began
        matcher = Matcher().fit(
            records, by_country[code], taxonomy=taxonomy, expert_profiles=profiles
        )
        ranked.update(matcher.match_all(10, explain=False))
    listed = sum(len(v) for v in ranked.values())
    report(
        f"batch top-10, {len(needs):,} needs, each country's rows loaded, fit (before the blocks)",
        f"{time.perf_counter() - started:,.2f} s incl. {loading:,.2f} s loading the rows "
        f"({listed:,} matches)",
    )
    same = all(same_ranking(from_blocks[n.id], ranked[n.id]) for n in needs)
    report("batch rankings identical, blocks and rows (ids, order, scores)", str(same))


class ShardWorkers:
    """``shards`` forked, long-lived worker processes, as ``placement worker --shard N``
    processes are: each owns disjoint countries and, given its countries' needs, reads their
    blocks from their bytes, fits and ranks them. Started once and warmed by a first batch of
    other needs (a running worker has its taxonomy in memory and its pages its own: a fork's
    first touch of each page it shares with this process copies it, once)."""

    def __init__(self, stored: dict[str, bytes], taxonomy: Taxonomy, load, shards: int) -> None:
        self.stored, self.shards = stored, shards
        context = multiprocessing.get_context("fork")
        # Freeze what is alive, or a full collection in a worker would walk (and so copy)
        # every page of this process's heap.
        gc.freeze()
        self.workers = []
        for _ in range(shards):
            here, there = context.Pipe()
            worker = context.Process(
                target=shard_worker, args=(there, stored, taxonomy, load), daemon=True
            )
            worker.start()
            there.close()
            self.workers.append((here, worker))
        gc.unfreeze()

    def batch(
        self, by_country: dict[str, list], threads: int | None
    ) -> tuple[float, str, dict[str, list[tuple[str, float]]]]:
        """Every need ranked, the countries split by work (experts times needs). Returns the
        wall time from sending the needs to the last shard's rankings received, each shard's
        own time (its blocks read, fitted, ranked), and the rankings."""
        owned: list[list[str]] = [[] for _ in range(self.shards)]
        work = [0] * self.shards
        for code in sorted(by_country, key=lambda c: -len(self.stored[c]) * len(by_country[c])):
            lightest = work.index(min(work))
            owned[lightest].append(code)
            work[lightest] += len(self.stored[code]) * len(by_country[code])
        started = time.perf_counter()
        for (here, _worker), countries in zip(self.workers, owned, strict=True):
            here.send(([(code, by_country[code]) for code in countries], threads))
        ranked: dict[str, list[tuple[str, float]]] = {}
        figures = []
        for here, _worker in self.workers:
            seconds, shard_ranked = here.recv()
            ranked.update(shard_ranked)
            figures.append(f"{seconds:,.2f} s")
        return time.perf_counter() - started, ", ".join(figures), ranked

    def close(self) -> None:
        for here, worker in self.workers:
            here.send(None)
            worker.join()
            if worker.exitcode:
                raise SystemExit(f"a shard worker failed (exit code {worker.exitcode})")


def shard_worker(connection, stored: dict[str, bytes], taxonomy: Taxonomy, load) -> None:
    """One :class:`ShardWorkers` process: each order's countries' top-10 lists, sent back at
    once, until told to stop."""
    while (order := connection.recv()) is not None:
        countries, threads = order
        started, ranked = time.perf_counter(), {}
        for code, needs in countries:
            block = index.CountryBlock.from_bytes(stored[code])
            matcher = Matcher().fit_stored(block, needs, taxonomy=taxonomy, load=load)
            ranked.update(
                (need_id, [(m.expert_id, m.score) for m in matches])
                for need_id, matches in matcher.match_all(
                    10, explain=False, threads=threads
                ).items()
            )
        # What a worker would write: (expert id, score) per need, not Match objects.
        connection.send((time.perf_counter() - started, ranked))
    connection.close()


def db_edits(count: int, url: str | None = None) -> None:
    """The same edit through the application: change a profile's skills and commit; the save
    hook featurises it and replaces its row in the transaction."""
    folder = Path(tempfile.mkdtemp(prefix="homeward-index-db-"))
    os.environ["PLACEMENT_INSTANCE_PATH"] = str(folder)
    from flask_migrate import upgrade
    from sqlalchemy import func, select

    from config import load_config
    from placement import create_app
    from placement.extensions import db
    from placement.models import ExpertProfile, ExpertSkill
    from tests import factories

    url = url or f"sqlite:///{folder / 'bench.db'}"
    app = create_app(load_config("testing", SQLALCHEMY_DATABASE_URI=url))
    with app.test_request_context():
        upgrade()
        others = db.session.scalar(select(func.count()).select_from(ExpertProfile))
        ids = [factories.ExpertFactory().id for _ in range(20)]
        times = []
        for i in range(count):
            profile = db.session.get(ExpertProfile, ids[i % len(ids)])
            profile.skills.append(ExpertSkill(label=f"manage budgets {i % 7}"))
            started = time.perf_counter()
            db.session.commit()
            times.append(time.perf_counter() - started)
    report(
        f"one profile edit through the app ({url.split(':')[0]}, {others:,} experts), commit",
        quantiles(times),
    )


# --- full builds, this code and the baseline's, each in a fresh process ------------------------


def loadavg() -> str:
    return "load average " + ", ".join(f"{x:.2f}" for x in os.getloadavg())


def stemmer() -> dict[str, str]:
    """Which Snowball implementation the worker ran (PyStemmer's C one or pure Python)."""
    import snowballstemmer

    return {"stemmer": type(snowballstemmer.stemmer("english")).__module__}


def run_worker(
    kind: str,
    code: str | None,
    out: Path,
    args: argparse.Namespace,
    url: str = "",
    processes: int = 1,
):
    """Run this script as a ``--worker`` with another checkout's code (or this one's) and
    return the figures it printed (its last line, JSON)."""
    command = [sys.executable, str(Path(__file__).resolve()), "--worker", kind, "--out", str(out)]
    command += ["--experts", str(args.experts), "--countries", str(args.countries)]
    if code:
        command += ["--code", code]
    command += ["--processes", str(processes)]
    env = dict(os.environ, BENCH_WORKER_URL=url)
    if code:
        # The baseline's dependencies had no PyStemmer: hide it, so that snowballstemmer runs
        # its pure-Python stemmers there, as the baseline did.
        hidden = out.parent / "no-pystemmer"
        hidden.mkdir(exist_ok=True)
        (hidden / "Stemmer.py").write_text('raise ImportError("not in the baseline")\n')
        env["PYTHONPATH"] = os.pathsep.join((str(hidden), code))
    done = subprocess.run(  # noqa: S603 (this script, with our arguments)
        command, env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"{kind} worker ({code or 'this checkout'}) failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def full_builds(args: argparse.Namespace) -> str | None:
    """The full index build of this code and, with --baseline, of the baseline's, one after
    the other in fresh processes on the same generated experts; rows compared byte for byte."""
    folder = Path(tempfile.mkdtemp(prefix="homeward-build-"))
    codes = [("baseline", args.baseline, 1)] if args.baseline else []
    codes += [("this code", None, 1), ("this code, 2 processes", None, 2)]
    print(f"full builds of {args.experts:,} experts, {loadavg()}", flush=True)
    rows = {}
    for name, code, processes in codes:
        figures = run_worker("build", code, folder / f"{name}.pickle", args, processes=processes)
        rows[name] = folder / f"{name}.pickle"
        report(
            f"{name}: full featurisation, rows ({args.experts:,} experts)",
            f"{figures['rows']:,.1f} s",
        )
        report(
            f"{name}: full index build: rows + every country's block",
            f"{figures['total']:,.1f} s (CPU {figures['cpu']:,.1f} s, {figures['load']}; "
            f"stemmer {figures['stemmer']})",
        )
    if args.baseline:
        for name in ("this code", "this code, 2 processes"):
            same, total = compare_rows(rows["baseline"], rows[name])
            report(f"{name}: rows identical to the baseline's (bytes)", f"{same:,} of {total:,}")
    return db_builds(args, codes, folder) if args.db else None


def compare_rows(a: Path, b: Path) -> tuple[int, int]:
    with a.open("rb") as first, b.open("rb") as second:
        left, right = pickle.load(first), pickle.load(second)  # noqa: S301 (our own files)
    if left.keys() != right.keys():
        raise SystemExit("the two builds stored rows of different experts")
    return sum(left[k] == right[k] for k in left), len(left)


def build_worker(args: argparse.Namespace) -> None:
    """One full build in memory: every expert featurised and serialised, every country's
    block assembled (the baseline: ``index.build``, then each country's block from the stored
    rows, as its ranking path made them)."""
    taxonomy = Taxonomy.load()
    experts, _needs = speed_set(taxonomy, args.experts, 0, seed=7, n_countries=args.countries)
    featurizer = index.featurizer_for(taxonomy)
    load = loadavg()
    started, cpu = time.perf_counter(), time.process_time()
    blobs: dict[str, bytes] = {}
    if hasattr(index, "build_index"):
        groups = index.by_country((k, 1, e) for k, e in enumerate(experts))
        built = index.build_index(groups, featurizer, args.processes or 1)
        for _country, country_rows, block in built:
            blobs.update((experts[k].id, blob) for k, blob in country_rows.items())
            if block is not None:
                block.to_bytes()
        rows = total = time.perf_counter() - started
    else:
        blobs = index.build(experts, featurizer)
        rows = time.perf_counter() - started
        for code in sorted({e.origin_country for e in experts}):
            group = [(k, 1, blobs[e.id]) for k, e in enumerate(experts) if e.origin_country == code]
            index.block_from_blobs(code, group, featurizer).to_bytes()
        total = time.perf_counter() - started
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = time.process_time() - cpu + children.ru_utime + children.ru_stime
    with open(args.out, "wb") as handle:
        pickle.dump(blobs, handle)
    print(json.dumps({"rows": rows, "total": total, "cpu": cpu, "load": load, **stemmer()}))


# --- the same in a database: placement reindex -------------------------------------------------


def db_builds(
    args: argparse.Namespace, codes: list[tuple[str, str | None, int]], folder: Path
) -> str:
    url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{folder / 'bench.db'}"
    kind = url.split(":")[0].split("+")[0]
    started = time.perf_counter()
    seed_database(url, args.experts, args.countries)
    report(f"{kind}: seeded {args.experts:,} experts", f"{time.perf_counter() - started:,.1f} s")
    print(flush=True)
    rows = {}
    for name, code, processes in codes:
        out = folder / f"db-{name}.pickle"
        figures = run_worker("db", code, out, args, url, processes)
        rows[name] = out
        report(
            f"{name}: placement reindex on {kind}: rows + every block",
            f"{figures['total']:,.1f} s (rows {figures['rows']:,.1f} s; {figures['load']}; "
            f"stemmer {figures['stemmer']})",
        )
        report(f"{name}: then a first ranking's block read ({kind})", f"{figures['read']:,.2f} s")
    if "baseline" in rows:
        for name in ("this code", "this code, 2 processes"):
            same, total = compare_rows(rows["baseline"], rows[name])
            report(
                f"{name}: stored rows identical to the baseline's ({kind})",
                f"{same:,} of {total:,}",
            )
    return url


def seed_database(url: str, n: int, countries: int) -> None:
    """The generated experts as database rows (bulk inserts), in a database emptied first."""
    import uuid
    from datetime import UTC, datetime

    from flask_migrate import upgrade
    from sqlalchemy import insert, text

    from config import load_config
    from placement import create_app
    from placement.extensions import db
    from placement.models import (
        AvailabilityWindow,
        ExpertLanguage,
        ExpertProfile,
        ExpertSkill,
        User,
    )

    os.environ.setdefault("PLACEMENT_INSTANCE_PATH", tempfile.mkdtemp(prefix="homeward-seed-"))
    experts, _needs = speed_set(Taxonomy.load(), n, 0, seed=7, n_countries=countries)
    app = create_app(load_config("testing", SQLALCHEMY_DATABASE_URI=url))
    now = datetime.now(UTC)
    with app.app_context():
        db.drop_all()
        with db.engine.begin() as connection:
            connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
        upgrade()
        tables: dict[type, list[dict[str, object]]] = {
            User: [],
            ExpertProfile: [],
            ExpertLanguage: [],
            ExpertSkill: [],
            AvailabilityWindow: [],
        }
        for i, e in enumerate(experts, 1):
            tables[User].append(
                {
                    "id": i,
                    "uuid": uuid.uuid4(),
                    "email": f"bench-expert-{i}@example.org",
                    "full_name": f"Bench Expert {i}",
                    "password_hash": "!",
                    "role": "expert",
                    "active": True,
                    "session_version": 1,
                    "created_at": now,
                    "updated_at": now,
                }
            )
            tables[ExpertProfile].append(
                {
                    "id": i,
                    "uuid": uuid.uuid4(),
                    "user_id": i,
                    "gender": "undisclosed",
                    "origin_country": e.origin_country,
                    "origin_region": e.origin_region,
                    "residence_country": e.residence_country,
                    "occupation_label": e.occupation,
                    "summary": e.summary,
                    "years_experience": None
                    if e.years_experience is None
                    else int(e.years_experience),
                    "sectors": [],
                    "preferred_regions": [],
                    "remote_ok": False,
                    "profile_step": 5,
                    "created_at": now,
                    "updated_at": now,
                }
            )
            tables[ExpertLanguage] += [
                {"expert_id": i, "code": lang.code, "level": lang.level} for lang in e.languages
            ]
            tables[ExpertSkill] += [
                {"expert_id": i, "label": label, "proficiency": 3} for label in e.skills
            ]
            tables[AvailabilityWindow] += [
                {"uuid": uuid.uuid4(), "expert_id": i, "start": w.start, "end": w.end}
                for w in e.availability
            ]
        for model, rows in tables.items():
            for first in range(0, len(rows), 5000):
                db.session.execute(insert(model.__table__), rows[first : first + 5000])
        db.session.commit()
        if db.engine.dialect.name == "postgresql":  # explicit ids leave the sequences behind
            for table in ("users", "expert_profiles"):
                db.session.execute(
                    text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), {n})")
                )
            db.session.commit()
        with db.engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")
        db.session.remove()
        db.engine.dispose()


def db_worker(args: argparse.Namespace) -> None:
    """``placement reindex`` of every expert in the database (the baseline: its reindex, which
    writes the rows, then each country's block as its first ranking builds and stores it)."""
    import inspect

    from sqlalchemy import delete, func, select

    from config import load_config
    from placement import create_app
    from placement.extensions import db
    from placement.matches import stored_index
    from placement.models import CountryIndex, ExpertFeatures, ExpertProfile

    os.environ["PLACEMENT_INSTANCE_PATH"] = tempfile.mkdtemp(prefix="homeward-reindex-")
    url = os.environ["BENCH_WORKER_URL"]
    app = create_app(load_config("testing", SQLALCHEMY_DATABASE_URI=url))
    with app.app_context():
        db.session.execute(delete(CountryIndex))
        db.session.execute(delete(ExpertFeatures))
        db.session.commit()
        countries = sorted(db.session.scalars(select(ExpertProfile.origin_country).distinct()))
        stored_index.featurizer()  # the taxonomy and featurizer loaded, as in a warm process
        load = loadavg()
        started = time.perf_counter()
        if "processes" in inspect.signature(stored_index.reindex).parameters:
            stored_index.reindex(processes=args.processes)
            rows = total = time.perf_counter() - started
        else:
            stored_index.reindex()
            rows = time.perf_counter() - started
            for code in countries:
                stored_index.country_block(code)
                db.session.commit()
            total = time.perf_counter() - started
        stored_index.forget_loaded()
        biggest = max(
            countries,
            key=lambda c: db.session.scalar(
                select(func.count()).where(ExpertProfile.origin_country == c)
            ),
        )
        began = time.perf_counter()
        stored_index.country_block(biggest)
        read = time.perf_counter() - began
        stored = dict(
            db.session.execute(select(ExpertFeatures.expert_id, ExpertFeatures.profile)).all()
        )
        db.session.remove()
        db.engine.dispose()
    with open(args.out, "wb") as handle:
        pickle.dump({k: bytes(v) for k, v in stored.items()}, handle)
    print(json.dumps({"rows": rows, "total": total, "read": read, "load": load, **stemmer()}))


if __name__ == "__main__":
    main()
