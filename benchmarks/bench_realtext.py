"""Ranking quality on prose: the engine against plain TF-IDF and BM25 on the real-text sets.

The sets (``benchmarks/realtext``, built from O*NET by ``realtext/build.py``) have CV-like
expert records with only a ``summary`` and job-ad-like needs with only a title and a
description. The engine runs through the real ``placement match`` command; the two baselines
read the same text (expert summary, occupation and skills; need title, description and skills)
and the interchange eligibility rules are applied to all three in the same way: a relevant
expert who is not eligible for a need is not counted as relevant for anyone.

    .venv/bin/python benchmarks/bench_realtext.py [--sets tasks desc] [--dev] [--variants]

``--variants`` measures, instead, candidate changes of the prose channel against the engine's
text channel as it is (same tokens, same IDF), on a fixed split of the needs (the fitting and
held-out halves of ``fit_fusion.py``) and on all of them: what was tried for issue 15 and why
it was or was not shipped (``benchmarks/README.md``, Prose).

Measures (binary relevance): recall@10 = |relevant ∩ top 10| / min(10, |relevant|); MRR of
the first relevant expert in the top 10; nDCG@10 with gain 1 per relevant expert.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.bench_quality import DEV, run_match
from matching.eligibility import is_eligible
from matching.engine import CONTENT, Matcher
from matching.io import read_experts, read_needs
from matching.records import Expert, Need

REALTEXT = Path(__file__).resolve().parent / "realtext"


def metrics(ranking: dict[str, list[str]], qrels: dict[str, set[str]]) -> dict[str, float]:
    """recall@10, MRR and nDCG@10 averaged over the needs of ``qrels``."""
    recalls, rrs, ndcgs = [], [], []
    for need_id, relevant in qrels.items():
        top = ranking.get(need_id, [])[:10]
        hits = [e in relevant for e in top]
        recalls.append(sum(hits) / min(10, len(relevant)))
        rrs.append(next((1.0 / i for i, hit in enumerate(hits, 1) if hit), 0.0))
        dcg = sum(1.0 / np.log2(i + 1) for i, hit in enumerate(hits, 1) if hit)
        ideal = sum(1.0 / np.log2(i + 1) for i in range(1, min(10, len(relevant)) + 1))
        ndcgs.append(dcg / ideal)
    return {
        "recall@10": float(np.mean(recalls)),
        "mrr": float(np.mean(rrs)),
        "ndcg@10": float(np.mean(ndcgs)),
    }


def expert_text(e: Expert) -> str:
    return " ".join((*e.skills, e.occupation or "", e.summary or ""))


def need_text(n: Need) -> str:
    return " ".join((n.title, n.description or "", *n.required_skills, *n.desired_skills))


def eligible_qrels(
    qrels: dict[str, set[str]], experts: list[Expert], needs: list[Need]
) -> dict[str, set[str]]:
    """Relevant experts that are eligible; needs left with none are dropped (for all)."""
    by_id = {e.id: e for e in experts}
    result = {}
    for need in needs:
        relevant = {i for i in qrels.get(need.id, ()) if is_eligible(by_id[i], need)}
        if relevant:
            result[need.id] = relevant
    return result


def rank_by(sims: np.ndarray, experts: list[Expert], needs: list[Need]) -> dict[str, list[str]]:
    """Top 10 eligible experts per need by similarity (ties by id), positive scores only."""
    ranking = {}
    ids = np.array([e.id for e in experts])
    for i, need in enumerate(needs):
        order = np.lexsort((ids, -sims[i]))
        top = []
        for j in order:
            if sims[i, j] <= 0:
                break
            if is_eligible(experts[j], need):
                top.append(experts[j].id)
                if len(top) == 10:
                    break
        ranking[need.id] = top
    return ranking


def tfidf_sims(experts: list[Expert], needs: list[Need], sublinear: bool) -> np.ndarray:
    docs, queries = [expert_text(e) for e in experts], [need_text(n) for n in needs]
    vectorizer = TfidfVectorizer(sublinear_tf=sublinear).fit(docs + queries)
    return (vectorizer.transform(queries) @ vectorizer.transform(docs).T).toarray()


def bm25_sims(
    experts: list[Expert], needs: list[Need], k1: float = 1.2, b: float = 0.75
) -> np.ndarray:
    """Okapi BM25 (Lucene's IDF), documents = experts, queries = needs."""
    docs, queries = [expert_text(e) for e in experts], [need_text(n) for n in needs]
    vectorizer = CountVectorizer().fit(docs)
    tf = vectorizer.transform(docs).tocsr().astype(np.float64)
    n_docs = tf.shape[0]
    df = np.bincount(tf.indices, minlength=tf.shape[1])
    idf = np.log(1 + (n_docs - df + 0.5) / (df + 0.5))
    length = np.asarray(tf.sum(axis=1)).ravel()
    norm = k1 * (1 - b + b * length / length.mean())
    tf = tf.tocoo()
    weights = tf.data * (k1 + 1) / (tf.data + norm[tf.row])
    doc_w = sp.csr_matrix((weights * idf[tf.col], (tf.row, tf.col)), shape=tf.shape)
    q = vectorizer.transform(queries)
    q.data[:] = 1.0
    return (q @ doc_w.T).toarray()


#: The engine with every content criterion but its prose channel switched off (the practical
#: criteria kept): what "adding a channel never makes it worse" is measured against.
TEXT_ONLY = dict.fromkeys(CONTENT, 0.0) | {"text": 0.8}


def engine_ranking(
    experts: list[Expert], needs: list[Need], weights: dict[str, float] | None = None
) -> dict[str, list[str]]:
    """Top 10 of the engine's library API (the same scores as ``placement match``)."""
    matcher = Matcher(weights).fit(experts, needs)
    return {
        need_id: [m.expert_id for m in matches]
        for need_id, matches in matcher.match_all(10, explain=False).items()
    }


def evaluate(name: str, experts_path: Path, needs_path: Path, qrels_path: Path, tmp: Path):
    experts, needs = read_experts(experts_path), read_needs(needs_path)
    raw = {
        q["need_id"]: set(q["relevant"])
        for q in map(json.loads, qrels_path.read_text(encoding="utf-8").splitlines())
    }
    qrels = eligible_qrels(raw, experts, needs)
    systems = {
        "engine (placement match)": run_match(experts_path, needs_path, tmp / "ranking.jsonl"),
        "engine, text channel only": engine_ranking(experts, needs, TEXT_ONLY),
        "TF-IDF cosine": rank_by(tfidf_sims(experts, needs, False), experts, needs),
        "TF-IDF cosine, sublinear tf": rank_by(tfidf_sims(experts, needs, True), experts, needs),
        "BM25 (k1 1.2, b 0.75)": rank_by(bm25_sims(experts, needs), experts, needs),
    }
    from benchmarks.fit_fusion import held_out

    unseen = {k: v for k, v in qrels.items() if held_out(k)}
    print(f"\n{name}: {len(experts)} experts, {len(qrels)} needs with an eligible relevant")
    print(
        f"  {'system':<30} recall@10    MRR  nDCG@10 | held-out half ({len(unseen)} needs, "
        "never seen by fit_fusion.py)"
    )
    rows = {}
    for system, ranking in systems.items():
        m, h = metrics(ranking, qrels), metrics(ranking, unseen)
        rows[system] = m
        print(
            f"  {system:<30} {m['recall@10']:9.3f} {m['mrr']:6.3f} {m['ndcg@10']:8.3f} | "
            f"{h['recall@10']:.3f} {h['mrr']:.3f} {h['ndcg@10']:.3f}"
        )
    return rows


def _unit_rows(m: sp.csr_matrix) -> sp.csr_matrix:
    norms = np.sqrt(np.asarray(m.multiply(m).sum(axis=1))).ravel()
    norms[norms == 0] = 1.0
    return sp.csr_matrix(sp.diags(1.0 / norms) @ m)


def _sublinear(m: sp.csr_matrix) -> sp.csr_matrix:
    m = m.astype(np.float64).tocsr()
    m.data = 1.0 + np.log(m.data)
    return m


def prose_variants(experts: list[Expert], needs: list[Need]) -> dict[str, np.ndarray]:
    """Need-by-expert similarities of the text channel and of candidate changes to it.

    All read the engine's stemmed words (:func:`matching.text.prose_tokens`) with sublinear tf
    and the smoothed IDF over experts and needs, as the engine does:

    - IDF smoothing: over the experts only, and the probabilistic IDF (log (N - df) / df,
      floored at 0); need words counted once instead of sublinear tf;
    - pivoted length normalisation (Singhal et al. 1996, slope 0.3) of the expert vectors;
    - the need title as a field of weight 2 (BM25F-style: counts weighted before the log);
    - BM25 over the same stemmed words (k1 1.2; b 0.75 and 0.3; need words counted once);
    - a latent semantic channel (LSA: TruncatedSVD, 200 dimensions, of the TF-IDF matrix of
      experts and needs), fused with the lexical cosine at weight ``a`` (negative cosines 0).
    """
    from sklearn.decomposition import TruncatedSVD

    from matching.text import prose_tokens

    docs = [" ".join((*e.skills, e.occupation or "", e.summary or "")) for e in experts]
    rest = [" ".join((n.occupation or "", n.description or "")) for n in needs]
    counter = CountVectorizer(analyzer=prose_tokens).fit(docs + [n.title for n in needs] + rest)
    e_tf = _sublinear(counter.transform(docs))
    title, body = counter.transform([n.title for n in needs]), counter.transform(rest)
    q_tf = _sublinear(title + body)
    both = sp.vstack([e_tf, q_tf]).tocsr()
    df = np.bincount(both.indices, minlength=both.shape[1])
    idf = sp.diags(np.log((1.0 + both.shape[0]) / (1.0 + df)) + 1.0)
    e_w, q_w = e_tf @ idf, _unit_rows(q_tf @ idf)
    e_unit = _unit_rows(e_w)
    lexical = (q_w @ e_unit.T).toarray()
    norms = np.sqrt(np.asarray(e_w.multiply(e_w).sum(axis=1))).ravel()
    pivoted = sp.diags(1.0 / (0.7 * norms + 0.3 * norms.mean())) @ e_w
    titled = _unit_rows(_sublinear(2 * title + body) @ idf)
    svd = TruncatedSVD(200, random_state=0).fit(sp.vstack([e_unit, q_w]))
    ze, zq = svd.transform(e_unit), svd.transform(q_w)
    ze /= np.maximum(np.linalg.norm(ze, axis=1, keepdims=True), 1e-12)
    zq /= np.maximum(np.linalg.norm(zq, axis=1, keepdims=True), 1e-12)
    latent = np.clip(zq @ ze.T, 0.0, None)
    lexical_titled = (titled @ e_unit.T).toarray()
    e_only = np.bincount(e_tf.indices, minlength=both.shape[1])
    idf_experts = sp.diags(np.log((1.0 + e_tf.shape[0]) / (1.0 + e_only)) + 1.0)
    n = both.shape[0]
    idf_prob = sp.diags(np.clip(np.log((n - df + 0.5) / (df + 0.5)), 0.0, None))
    q_once = q_tf.copy()
    q_once.data[:] = 1.0

    def cosine(q: sp.csr_matrix, weights: sp.dia_matrix) -> np.ndarray:
        return (_unit_rows(q @ weights) @ _unit_rows(e_tf @ weights).T).toarray()

    result = {
        "text channel (as shipped)": lexical,
        "IDF over experts only": cosine(q_tf, idf_experts),
        "probabilistic IDF": cosine(q_tf, idf_prob),
        "need words counted once": cosine(q_once, idf),
        "pivoted length norm 0.3": (q_w @ pivoted.T).toarray(),
        "need title field x2": lexical_titled,
    }
    counts = counter.transform(docs).astype(np.float64).tocoo()
    n_docs = e_tf.shape[0]
    e_df = np.bincount(counts.col, minlength=counts.shape[1])
    bm25_idf = np.log(1 + (n_docs - e_df + 0.5) / (e_df + 0.5))
    length = np.bincount(counts.row, weights=counts.data, minlength=n_docs)
    q_bin = (title + body).astype(bool).astype(np.float64)
    for b in (0.75, 0.3):
        norm = 1.2 * (1 - b + b * length / length.mean())
        weights = counts.data * 2.2 / (counts.data + norm[counts.row]) * bm25_idf[counts.col]
        doc = sp.csr_matrix((weights, (counts.row, counts.col)), shape=counts.shape)
        result[f"BM25 stemmed, b={b}"] = (q_bin @ doc.T).toarray()
    for a in (0.1, 0.2, 0.3, 0.4, 0.5, 0.7):
        result[f"LSA 200, a={a}"] = (1 - a) * lexical + a * latent
    for a in (0.3, 0.5):
        result[f"title x2 + LSA 200, a={a}"] = (1 - a) * lexical_titled + a * latent
    return result


def variants(name: str, experts_path: Path, needs_path: Path, qrels_path: Path) -> None:
    """Print fitting-half, held-out-half and full figures of :func:`prose_variants`."""
    from benchmarks.fit_fusion import held_out

    experts, needs = read_experts(experts_path), read_needs(needs_path)
    raw = {
        q["need_id"]: set(q["relevant"])
        for q in map(json.loads, qrels_path.read_text(encoding="utf-8").splitlines())
    }
    qrels = eligible_qrels(raw, experts, needs)
    print(f"\n{name}: recall@10 / MRR / nDCG@10 (fitting half | held-out half | all)")
    for system, sims in prose_variants(experts, needs).items():
        cells = []
        for keep in (lambda i: not held_out(i), held_out, lambda i: True):
            rows = [i for i, n in enumerate(needs) if keep(n.id)]
            ranking = rank_by(sims[rows], experts, [needs[i] for i in rows])
            m = metrics(ranking, {k: v for k, v in qrels.items() if keep(k)})
            cells.append(f"{m['recall@10']:.3f} {m['mrr']:.3f} {m['ndcg@10']:.3f}")
        print(f"  {system:<28} " + " | ".join(cells), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sets", nargs="*", default=["tasks", "desc"])
    parser.add_argument("--dev", action="store_true", help="also shared/data/matching-dev")
    parser.add_argument("--variants", action="store_true", help="measure prose-channel changes")
    args = parser.parse_args()
    if args.variants:
        for name in args.sets:
            variants(
                f"realtext {name}",
                REALTEXT / "experts.jsonl",
                REALTEXT / f"needs_{name}.jsonl",
                REALTEXT / f"qrels_{name}.jsonl",
            )
        return
    with tempfile.TemporaryDirectory() as folder:
        for name in args.sets:
            evaluate(
                f"realtext {name}",
                REALTEXT / "experts.jsonl",
                REALTEXT / f"needs_{name}.jsonl",
                REALTEXT / f"qrels_{name}.jsonl",
                Path(folder),
            )
        if args.dev:
            evaluate(
                "matching-dev",
                DEV / "experts.jsonl",
                DEV / "needs.jsonl",
                DEV / "qrels.jsonl",
                Path(folder),
            )


if __name__ == "__main__":
    main()
