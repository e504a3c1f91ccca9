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
import resource
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.generate import speed_set
from matching import index
from matching.engine import Matcher
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
    parser.add_argument("--db", action="store_true", help="also time edits through the app")
    parser.add_argument("--batch-needs", type=int, default=10_000, help="0 to skip the batch")
    parser.add_argument(
        "--only-batch",
        action="store_true",
        help="skip the first-ranking and edit figures (the build and the batch only)",
    )
    args = parser.parse_args()

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
        db_edits(args.edits)
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
    for explain in (False, True):
        started = time.perf_counter()
        reading = fitting = 0.0
        listed = 0
        for code in countries:
            began = time.perf_counter()
            block = index.CountryBlock.from_bytes(stored[code])
            read = time.perf_counter()
            matcher = Matcher().fit_stored(block, by_country[code], taxonomy=taxonomy, load=load)
            reading, fitting = reading + read - began, fitting + time.perf_counter() - read
            ranked = matcher.match_all(10, explain=explain)
            listed += sum(len(v) for v in ranked.values())
            if not explain:
                from_blocks.update(ranked)
        seconds = time.perf_counter() - started
        report(
            f"batch top-10, {len(needs):,} needs, from the blocks"
            + (" (with explanations)" if explain else ""),
            f"{seconds:,.2f} s: reading the blocks {reading:,.2f} s, fit_stored (the needs "
            f"featurised) {fitting:,.2f} s, match_all {seconds - reading - fitting:,.2f} s "
            f"({listed:,} matches)",
        )
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


def db_edits(count: int) -> None:
    """The same edit through the application: change a profile's skills and commit; the save
    hook featurises it and replaces its row in the transaction."""
    import os

    folder = Path(tempfile.mkdtemp(prefix="homeward-index-db-"))
    os.environ["PLACEMENT_INSTANCE_PATH"] = str(folder)
    from flask_migrate import upgrade

    from config import load_config
    from placement import create_app
    from placement.extensions import db
    from placement.models import ExpertProfile, ExpertSkill
    from tests import factories

    url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{folder / 'bench.db'}"
    app = create_app(load_config("testing", SQLALCHEMY_DATABASE_URI=url))
    with app.test_request_context():
        upgrade()
        ids = [factories.ExpertFactory().id for _ in range(20)]
        times = []
        for i in range(count):
            profile = db.session.get(ExpertProfile, ids[i % len(ids)])
            profile.skills.append(ExpertSkill(label=f"manage budgets {i % 7}"))
            started = time.perf_counter()
            db.session.commit()
            times.append(time.perf_counter() - started)
    report(f"one profile edit through the app ({url.split(':')[0]}), commit", quantiles(times))


if __name__ == "__main__":
    main()
