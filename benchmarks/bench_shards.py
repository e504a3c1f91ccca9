"""Scale out by origin country: 1,000,000 experts and 100,000 needs split over N worker
processes on this machine, each owning disjoint countries. Prints time and peak memory per
shard and in total; asserts nothing.

    .venv/bin/python benchmarks/bench_shards.py                       # 1,000,000 x 100,000, N=2
    .venv/bin/python benchmarks/bench_shards.py --shards 4 --experts 200000 --needs 20000

Each shard is what a `placement worker --shard N` process does for its countries: take the
stored features of its experts (never featurise them: that happened when profiles were saved),
fit the engine with ``expert_profiles=`` (its needs are featurised here) and rank every need
(top 10, ``match_all(explain=False)``, the batch refresh).

Simulation, stated plainly: featurising a million distinct profiles would take this machine
about an hour (see bench_index.py for the measured rate), so the experts are made from a pool
of ``--pool`` featurised profiles, each reused with its own id, country, residence and dates.
The shard's scoring matrices hold one row per expert (full size); the Python profile objects
of one pool entry are shared by its copies, so the memory printed is the engine's working set
plus the records, and the per-expert cost of distinct loaded profiles is printed beside it
(measured on the pool) to extrapolate.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import random
import resource
import sys
import tempfile
import time
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.generate import SPEED_COUNTRIES, SPEED_RESIDENCES, speed_set
from matching import index
from matching.engine import Matcher
from matching.taxonomy import Taxonomy


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def shard_run(
    shard: int, countries: list[str], n_experts: int, n_needs: int, pool_path: str
) -> dict[str, float]:
    """One worker: its countries' experts from the stored pool, its needs, fit and rank."""
    started = time.perf_counter()
    taxonomy = Taxonomy.load()
    featurizer = index.featurizer_for(taxonomy)
    pool = [index.load(blob, featurizer) for _id, blob in index.read_file(pool_path)]
    rng = random.Random(shard)
    records, profiles = [], {}
    for i in range(n_experts):
        item = pool[i % len(pool)]
        shift = timedelta(days=rng.randint(-60, 60))
        record = replace(
            item.record,
            id=f"S{shard}E{i:07d}",
            origin_country=countries[i % len(countries)],
            residence_country=rng.choice(SPEED_RESIDENCES),
            availability=tuple(
                replace(w, start=w.start + shift, end=w.end + shift)
                for w in item.record.availability
            ),
        )
        records.append(record)
        profiles[record.id] = item.profile
    _unused, needs = speed_set(taxonomy, 0, n_needs, seed=100 + shard, n_countries=1)
    needs = [
        replace(n, id=f"S{shard}{n.id}", country=countries[i % len(countries)])
        for i, n in enumerate(needs)
    ]
    loaded = time.perf_counter()
    matcher = Matcher().fit(records, needs, taxonomy=taxonomy, expert_profiles=profiles)
    fitted = time.perf_counter()
    ranked = matcher.match_all(10, explain=False)
    done = time.perf_counter()
    return {
        "shard": shard,
        "countries": len(countries),
        "experts": n_experts,
        "needs": len(needs),
        "load_s": loaded - started,
        "fit_s": fitted - loaded,
        "rank_s": done - fitted,
        "total_s": done - started,
        "peak_mb": peak_mb(),
        "ranked": sum(1 for v in ranked.values() if v),
    }


def _run(arguments: tuple) -> dict[str, float]:
    return shard_run(*arguments)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--experts", type=int, default=1_000_000)
    parser.add_argument("--needs", type=int, default=100_000)
    parser.add_argument("--shards", type=int, default=2)
    parser.add_argument("--countries", type=int, default=20)
    parser.add_argument("--pool", type=int, default=5_000)
    args = parser.parse_args()

    began = time.perf_counter()
    taxonomy = Taxonomy.load()
    pool_experts, _needs = speed_set(taxonomy, args.pool, 0, seed=11, n_countries=1)
    featurizer = index.featurizer_for(taxonomy)
    started = time.perf_counter()
    blobs = index.build(pool_experts, featurizer)
    built = time.perf_counter() - started
    started = time.perf_counter()
    loaded = [index.load(b, featurizer) for b in blobs.values()]
    load_each = (time.perf_counter() - started) / len(loaded)
    before = peak_mb()
    pool_path = Path(tempfile.mkdtemp(prefix="homeward-shards-")) / "pool.npz"
    index.write_file(pool_path, blobs)
    print(
        f"pool: {args.pool:,} profiles featurised in {built:,.1f} s "
        f"({built / args.pool * 1000:.2f} ms each); loading one takes "
        f"{load_each * 1e6:,.0f} us; parent peak RSS {before:,.0f} MB",
        flush=True,
    )
    del loaded

    countries = list(SPEED_COUNTRIES[: args.countries])
    owned = [countries[s :: args.shards] for s in range(args.shards)]
    jobs = [
        (
            s,
            owned[s],
            args.experts // args.shards + (s < args.experts % args.shards),
            args.needs // args.shards + (s < args.needs % args.shards),
            str(pool_path),
        )
        for s in range(args.shards)
    ]
    started = time.perf_counter()
    with mp.get_context("spawn").Pool(args.shards) as workers:
        results = workers.map(_run, jobs)
    wall = time.perf_counter() - started
    print(
        f"{'shard':>5} {'countries':>9} {'experts':>10} {'needs':>8} {'load s':>7} "
        f"{'fit s':>7} {'rank s':>7} {'total s':>8} {'peak MB':>8}"
    )
    for r in results:
        print(
            f"{r['shard']:>5} {r['countries']:>9} {r['experts']:>10,} {r['needs']:>8,} "
            f"{r['load_s']:>7.1f} {r['fit_s']:>7.1f} {r['rank_s']:>7.1f} {r['total_s']:>8.1f} "
            f"{r['peak_mb']:>8,.0f}"
        )
    print(
        f"total: {sum(r['experts'] for r in results):,} experts, "
        f"{sum(r['needs'] for r in results):,} needs over {args.shards} processes in "
        f"{wall:,.1f} s wall ({time.perf_counter() - began:,.1f} s with the pool); peak memory "
        f"summed over shards {sum(r['peak_mb'] for r in results):,.0f} MB; needs with a "
        f"ranking {sum(r['ranked'] for r in results):,}",
        flush=True,
    )


if __name__ == "__main__":
    main()
