"""Fit the engine's fusion weights (how its content channels combine) on development sets.

The engine scores a pair with five content channels (required and desired skill coverage,
skill-profile similarity, occupation fit, prose similarity) and weighs them per *evidence
profile* of the expert (``structured``: listed skills or a stated occupation; ``prose``:
free text only). This script fits those weights instead of setting them by hand:

1. Development data of both kinds, so that no single set decides: the taxonomy-built quality
   sets of ``generate.py`` (seed 200, never the seeds 100/101 ``bench_quality.py`` reports,
   nor ``shared/data/matching-dev``) for structured profiles, and the O*NET real-text sets
   (``realtext/``, both need sides) for prose profiles.
2. Needs split in two by a hash of their id: a fitting half and a held-out half (a need held
   out in one real-text set is held out in the other).
3. For each fitting need, a candidate pool (the top 50 of the engine with equal channel
   weights, so no channel is favoured) and its channel scores; pairwise logistic regression
   (scikit-learn, no intercept) on the differences between relevant and non-relevant
   candidates of the same need. Coefficients below zero are set to zero and the rest scaled
   to the content share of the score.
4. The guard that adding channels never does worse than the prose channel alone: on the
   fitting needs of each profile's sets, the fitted weights are kept only if their mean
   recall@10 and MRR are at least those of the text channel alone; otherwise that profile
   ships the text channel alone (and the script says so).
5. The held-out half ranked by the engine with the fitted weights, with equal weights and
   with the prose channel alone; recall@10, MRR and nDCG@10 printed.

    .venv/bin/python benchmarks/fit_fusion.py [--write]

``--write`` stores the fitted weights in ``matching/data/fusion.json`` (shipped in the
package and loaded by ``matching.engine``).
"""

from __future__ import annotations

import argparse
import json
import sys
import zlib
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.bench_realtext import REALTEXT, eligible_qrels, metrics
from benchmarks.generate import quality_set
from matching.engine import CONTENT, DEFAULT_WEIGHTS, FUSION_PATH, PRACTICAL, Matcher
from matching.features import EVIDENCE
from matching.records import Expert, Need, expert_from_dict, need_from_dict
from matching.taxonomy import Taxonomy

THEMES = ("health", "education", "engineering", "agriculture", "finance")
SEED = 200
POOL = 50
#: The content share of the score: what the practical criteria leave (a fixed 0.8, never the
#: sum of the currently shipped weights, so that refits do not drift).
SHARE = round(1.0 - sum(DEFAULT_WEIGHTS[c] for c in PRACTICAL), 4)
EQUAL = {k: dict.fromkeys(CONTENT, SHARE / len(CONTENT)) for k in EVIDENCE}


def held_out(need_id: str) -> bool:
    """Half the needs, by a stable hash of the id (the same in every run and set)."""
    return zlib.crc32(need_id.encode()) % 2 == 1


def datasets(taxonomy: Taxonomy):
    """(name, evidence profile, experts, needs, qrels) of every development set."""
    for theme in THEMES:
        experts, needs, qrels = quality_set(taxonomy, (theme,), seed=SEED)
        yield (
            f"generated {theme} (seed {SEED})",
            "structured",
            [expert_from_dict(e) for e in experts],
            [need_from_dict(n) for n in needs],
            {q["need_id"]: set(q["relevant"]) for q in qrels},
        )
    experts = [
        expert_from_dict(json.loads(line))
        for line in (REALTEXT / "experts.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    for side in ("tasks", "desc"):
        needs = [
            need_from_dict(json.loads(line))
            for line in (REALTEXT / f"needs_{side}.jsonl").read_text(encoding="utf-8").splitlines()
        ]
        qrels = {
            q["need_id"]: set(q["relevant"])
            for q in map(json.loads, (REALTEXT / f"qrels_{side}.jsonl").read_text().splitlines())
        }
        yield f"realtext {side}", "prose", experts, needs, qrels


def pairs(
    experts: list[Expert], needs: list[Need], qrels: dict[str, set[str]], taxonomy: Taxonomy
) -> np.ndarray:
    """Channel-score differences (relevant minus non-relevant) within each need's pool."""
    matcher = Matcher(fusion=EQUAL).fit(experts, needs, taxonomy=taxonomy)
    rows = []
    for need_id, matches in matcher.match_all(POOL).items():
        relevant = qrels.get(need_id, set())
        scores = [
            (m.expert_id in relevant, [m.components.get(c) or 0.0 for c in CONTENT])
            for m in matches
        ]
        pos = [x for rel, x in scores if rel]
        neg = [x for rel, x in scores if not rel]
        rows.extend(np.subtract(p, n) for p in pos for n in neg)
    return np.array(rows).reshape(-1, len(CONTENT))


def fit(differences: np.ndarray) -> dict[str, float]:
    """Pairwise logistic regression; non-negative weights summing to the content share."""
    x = np.vstack([differences, -differences])
    y = np.r_[np.ones(len(differences)), np.zeros(len(differences))]
    model = LogisticRegression(fit_intercept=False, C=1.0, max_iter=1000).fit(x, y)
    coef = np.clip(model.coef_.ravel(), 0.0, None)
    if coef.sum() <= 0:
        raise RuntimeError("no channel separates relevant from non-relevant candidates")
    weights = {
        c: round(float(w * SHARE / coef.sum()), 4) for c, w in zip(CONTENT, coef, strict=True)
    }
    # The largest weight takes the rounding remainder, so every profile sums to the share
    # exactly and no profile's pairs are scored on a slightly larger scale than another's.
    largest = max(weights, key=weights.get)
    weights[largest] = round(weights[largest] + SHARE - sum(weights.values()), 4)
    return weights


def measured(experts, needs, qrels, taxonomy, fusion) -> dict[str, float]:
    """recall@10, MRR and nDCG@10 of the engine with ``fusion`` on these needs."""
    matcher = Matcher(fusion=fusion).fit(experts, needs, taxonomy=taxonomy)
    ranking = {
        need_id: [m.expert_id for m in matches]
        for need_id, matches in matcher.match_all(10, explain=False).items()
    }
    return metrics(ranking, eligible_qrels(qrels, experts, needs))


def guarded(sets, profile: str, fitted: dict, text_only: dict, taxonomy) -> dict[str, float]:
    """The fitted weights of ``profile`` if, on the fitting needs, they do at least as well as
    the text channel alone (mean recall@10 and MRR over the profile's sets); else text only."""
    scores = {"fitted": [], "text": []}
    for _, kind, experts, needs, qrels in sets:
        if kind != profile:
            continue
        fitting = [n for n in needs if not held_out(n.id)]
        scores["fitted"].append(measured(experts, fitting, qrels, taxonomy, fitted))
        scores["text"].append(measured(experts, fitting, qrels, taxonomy, text_only))
    mean = {
        system: {m: float(np.mean([r[m] for r in rows])) for m in ("recall@10", "mrr")}
        for system, rows in scores.items()
    }
    keep = all(mean["fitted"][m] >= mean["text"][m] for m in ("recall@10", "mrr"))
    print(
        f"  guard {profile:<11} fitted {mean['fitted']['recall@10']:.3f} / "
        f"{mean['fitted']['mrr']:.3f}, text only {mean['text']['recall@10']:.3f} / "
        f"{mean['text']['mrr']:.3f} (recall@10 / MRR, fitting needs): "
        + ("fitted weights kept" if keep else "text channel alone shipped")
    )
    return fitted[profile] if keep else text_only[profile]


def report(name: str, experts, needs, qrels, taxonomy, systems: dict[str, dict]) -> None:
    needs = [n for n in needs if held_out(n.id)]
    print(f"  {name}: {len(eligible_qrels(qrels, experts, needs))} held-out needs")
    for system, fusion in systems.items():
        m = measured(experts, needs, qrels, taxonomy, fusion)
        print(
            f"    {system:<24} recall@10 {m['recall@10']:.3f}  MRR {m['mrr']:.3f}  "
            f"nDCG@10 {m['ndcg@10']:.3f}",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--write", action="store_true", help="write matching/data/fusion.json")
    args = parser.parse_args()
    taxonomy = Taxonomy.load()
    sets = list(datasets(taxonomy))
    differences: dict[str, list[np.ndarray]] = {k: [] for k in EVIDENCE}
    for name, profile, experts, needs, qrels in sets:
        fitting = [n for n in needs if not held_out(n.id)]
        d = pairs(experts, fitting, eligible_qrels(qrels, experts, fitting), taxonomy)
        print(f"{name}: {len(fitting)} fitting needs, {len(d)} pairs", flush=True)
        differences[profile].append(d)
    fitted = {k: fit(np.vstack(differences[k])) for k in EVIDENCE}
    print(f"\nfitted content weights (sum = content share {SHARE:.2f}):")
    for k in EVIDENCE:
        print(f"  {k:<11} " + "  ".join(f"{c} {w:.4f}" for c, w in fitted[k].items()))
    text_only = {k: {c: (SHARE if c == "text" else 0.0) for c in CONTENT} for k in EVIDENCE}
    print("\nguard against doing worse than the text channel alone:")
    fitted = {k: guarded(sets, k, fitted, text_only, taxonomy) for k in EVIDENCE}
    systems = {"shipped fusion": fitted, "equal weights": EQUAL, "text channel only": text_only}
    print("\nheld-out needs:")
    for name, _, experts, needs, qrels in sets:
        report(name, experts, needs, qrels, taxonomy, systems)
    if args.write:
        FUSION_PATH.write_text(
            json.dumps(
                {
                    "about": "Content-criterion weights per evidence profile, fitted by "
                    "benchmarks/fit_fusion.py (pairwise logistic regression on channel "
                    "scores of development sets); do not edit by hand.",
                    "evidence": fitted,
                },
                indent=2,
            )
            + "\n",
            encoding="utf-8",
        )
        print(f"\nwritten to {FUSION_PATH}")


if __name__ == "__main__":
    main()
