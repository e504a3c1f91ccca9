"""Speed and memory of the matching engine on generated data. Prints figures; asserts nothing.

    .venv/bin/python benchmarks/bench_matching.py                  # full sizes (a few minutes)
    .venv/bin/python benchmarks/bench_matching.py --experts 10000 --needs 1000 --links 200000

Measured:

* fit: profiles for every expert and need (skill resolution, occupation inference, rows);
* batch top-10 for every need (``Matcher.match_all(10, explain=False)``), and the same with
  explanations, as the ``match`` command writes them;
* baseline: a per-pair rapidfuzz loop (eligibility check, then ``token_set_ratio`` of the skill
  texts, keeping a top 10) over every expert for a sample of needs, extrapolated to all needs;
* one new need scored against all experts (``add_or_update_need`` + ``rank_experts``), p50/p95;
* assignment (``matching.assignment.assign``) on the engine's candidate links;
* peak resident memory of the process (``resource.getrusage``).
"""

from __future__ import annotations

import argparse
import heapq
import resource
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
from rapidfuzz import fuzz

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.generate import speed_set
from matching.assignment import assign
from matching.eligibility import is_eligible
from matching.engine import Matcher
from matching.taxonomy import Taxonomy


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def report(label: str, value: str) -> None:
    print(f"{label:<52} {value}  [peak RSS {peak_mb():,.0f} MB]", flush=True)


def timed(fn, *args, **kwargs):
    started = time.perf_counter()
    result = fn(*args, **kwargs)
    return result, time.perf_counter() - started


def baseline_seconds_per_need(experts, needs) -> float:
    """The naive approach: every pair in Python, rapidfuzz similarity of the skill texts."""
    texts = [" ".join(e.skills) for e in experts]
    per_need = []
    for need in needs:
        started = time.perf_counter()
        query = " ".join((*need.required_skills, *need.desired_skills))
        best: list[tuple[float, str]] = []
        for expert, text in zip(experts, texts, strict=True):
            if not is_eligible(expert, need):
                continue
            score = fuzz.token_set_ratio(query, text)
            if len(best) < 10:
                heapq.heappush(best, (score, expert.id))
            elif score > best[0][0]:
                heapq.heapreplace(best, (score, expert.id))
        per_need.append(time.perf_counter() - started)
    return float(np.mean(per_need))


def single_need_latencies(matcher: Matcher, new_needs) -> np.ndarray:
    latencies = []
    for need in new_needs:
        started = time.perf_counter()
        matcher.add_or_update_need(need)
        matcher.rank_experts(need.id, k=10)
        latencies.append(time.perf_counter() - started)
        matcher.remove_need(need.id)
    return np.array(latencies) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--experts", type=int, default=100_000)
    parser.add_argument("--needs", type=int, default=10_000)
    parser.add_argument("--countries", type=int, default=20, help="countries of origin")
    parser.add_argument("--links", type=int, default=2_000_000, help="links for assignment")
    parser.add_argument("--baseline-needs", type=int, default=3)
    parser.add_argument("--single-needs", type=int, default=200)
    parser.add_argument("--no-explain", action="store_true", help="skip the explained batch")
    parser.add_argument(
        "--one-country",
        action="store_true",
        help="also time one new need when every expert shares its origin",
    )
    args = parser.parse_args()

    print(
        f"sizes: {args.experts:,} experts, {args.needs:,} needs, "
        f"{args.countries} countries of origin",
        flush=True,
    )
    taxonomy, seconds = timed(Taxonomy.load)
    report("taxonomy load", f"{seconds:.2f} s")
    (experts, needs), seconds = timed(
        speed_set, taxonomy, args.experts, args.needs, 1, args.countries
    )
    report("generate records", f"{seconds:.1f} s")
    matcher, seconds = timed(Matcher().fit, experts, needs, taxonomy)
    report("fit (profiles of all experts and needs)", f"{seconds:.1f} s")

    matcher.match_all(10, explain=False)  # builds the per-country blocks once
    ranking, batch = timed(matcher.match_all, 10, explain=False)
    listed = sum(len(v) for v in ranking.values())
    report(
        f"batch top-10, {len(needs):,} needs (scores, order)", f"{batch:.2f} s ({listed:,} matches)"
    )
    if not args.no_explain:
        _, seconds = timed(matcher.match_all, 10)
        report("batch top-10 with explanations (as `match` writes)", f"{seconds:.2f} s")

    sample = needs[: args.baseline_needs]
    per_need = baseline_seconds_per_need(experts, sample)
    extrapolated = per_need * len(needs)
    report(f"baseline: per-pair rapidfuzz loop, {len(sample)} needs", f"{per_need:.2f} s/need")
    report("baseline extrapolated to all needs", f"{extrapolated:,.0f} s")
    report("speed-up over the baseline (batch top-10)", f"{extrapolated / batch:,.0f}x")

    _, new_needs = speed_set(taxonomy, 0, args.single_needs, 2, args.countries)
    new_needs = [replace(n, id=f"NEW{i}") for i, n in enumerate(new_needs)]
    single_need_latencies(matcher, new_needs[:10])  # warm caches
    ms = single_need_latencies(matcher, new_needs)
    report(
        f"one new need vs {len(experts):,} experts (n={len(ms)})",
        f"p50 {np.percentile(ms, 50):.1f} ms, p95 {np.percentile(ms, 95):.1f} ms",
    )

    per_need_links = max(1, -(-args.links // max(1, len(needs)))) * 5 // 4
    links, seconds = timed(matcher.candidate_links, per_need_links)
    links = links[: args.links]
    report(
        f"candidate links (best {per_need_links} per need, first {args.links:,} kept)",
        f"{len(links):,} in {seconds:.1f} s",
    )
    result, seconds = timed(assign, links, {n.id: n.slots for n in needs})
    cmp = result.compare_greedy()
    report(f"assignment on {len(links):,} links", f"{seconds:.1f} s")
    report(
        "  optimal: total / placements",
        f"{cmp['optimal_total']:.3f} / {cmp['optimal_placements']:,}",
    )
    report(
        "  greedy:  total / placements", f"{cmp['greedy_total']:.3f} / {cmp['greedy_placements']:,}"
    )
    if args.one_country:
        one_country_latency(taxonomy, experts, new_needs)
    report("peak memory (RSS)", f"{peak_mb():,.0f} MB")


def one_country_latency(taxonomy: Taxonomy, experts, new_needs) -> None:
    """Worst case for one new need: every expert comes from the need's country."""
    same = [replace(e, origin_country="SL") for e in experts]
    matcher, seconds = timed(Matcher().fit, same, [], taxonomy)
    report("refit with all experts from one country", f"{seconds:.1f} s")
    local = [replace(n, country="SL") for n in new_needs]
    single_need_latencies(matcher, local[:10])
    ms = single_need_latencies(matcher, local)
    report(
        f"one new need vs {len(same):,} experts, all eligible by origin",
        f"p50 {np.percentile(ms, 50):.1f} ms, p95 {np.percentile(ms, 95):.1f} ms",
    )


if __name__ == "__main__":
    main()
