"""The held-out evaluation: train on earlier placements, test on later ones, never leak.

* **Time-ordered split.** Placements are ordered by start; the latest :data:`TEST_SHARE` are
  held out (placements starting on the same day never straddle the cut). Model choice uses only
  the earlier part (time-ordered folds inside it, see :mod:`placement.outcomes.learner`).
* **The heuristic is recomputed** for every held-out placement by an engine without any learned
  term (:func:`placement.outcomes.features.engine_view`); the score stored when the placement
  was proposed is never used (it may already contain a learned term, or be missing).
* **Figures**: AUC, Brier score and expected calibration error of the learned probability and
  of the heuristic (Platt-scaled on the earlier placements so that it is a probability too), each
  with a 95% percentile bootstrap interval over held-out placements (seeded: the command and the
  page show the same numbers); the same by gender and by country of origin, with groups of fewer
  than :data:`MIN_GROUP` placements (or with one outcome only) suppressed.
* **Weight of the learned term**: the largest gain in held-out AUC of the combined ranking score
  over the heuristic alone, among :data:`WEIGHT_GRID`, whose bootstrap lower bound is above 0;
  if none is, the weight is 0 and rankings are the heuristic alone.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import numpy as np

from matching.engine import DEFAULT_WEIGHTS
from placement.outcomes.features import History, Row
from placement.outcomes.learner import (
    MIN_OUTCOMES,
    MIN_PER_CLASS,
    OutcomeModel,
    enough,
    select_model,
    train,
)

TEST_SHARE = 0.3
BOOTSTRAP = 1000
MIN_GROUP = 20
WEIGHT_GRID = (0.05, 0.1, 0.15, 0.2, 0.3)
HEURISTIC_WEIGHT = sum(DEFAULT_WEIGHTS.values())
CALIBRATION_BINS = 5
SEED = 0


def combined(heuristic: np.ndarray, learned: np.ndarray, weight: float) -> np.ndarray:
    """The ranking score with the learned term: the engine's weighted mean with one more
    criterion of weight ``weight`` (the same formula the engine uses for extra criteria)."""
    return (HEURISTIC_WEIGHT * heuristic + weight * learned) / (HEURISTIC_WEIGHT + weight)


def time_split(rows: list[Row]) -> int:
    """Index of the first held-out row (rows ordered by start); never inside one start day."""
    cut = round(len(rows) * (1 - TEST_SHARE))
    while 0 < cut < len(rows) and rows[cut].start == rows[cut - 1].start:
        cut += 1
    return cut


def _auc_rows(y: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """AUC of each row of ``scores`` (resamples) against the matching row of ``y``."""
    from scipy.stats import rankdata  # where it is used: see placement/outcomes/learner.py

    ranks = rankdata(scores, axis=1)
    positives = y.sum(axis=1)
    negatives = y.shape[1] - positives
    with np.errstate(invalid="ignore", divide="ignore"):
        auc = ((ranks * y).sum(axis=1) - positives * (positives + 1) / 2) / (positives * negatives)
    return np.where((positives > 0) & (negatives > 0), auc, np.nan)


def auc(y: np.ndarray, scores: np.ndarray) -> float | None:
    value = _auc_rows(y.reshape(1, -1), scores.reshape(1, -1))[0]
    return None if np.isnan(value) else float(value)


def _brier_rows(y: np.ndarray, p: np.ndarray) -> np.ndarray:
    return ((p - y) ** 2).mean(axis=1)


def _ece_rows(y: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Expected calibration error over equal-width bins, per row."""
    edges = np.linspace(0, 1, CALIBRATION_BINS + 1)
    total = np.zeros(p.shape[0])
    for low, high in itertools.pairwise(edges):
        inside = (p >= low) & ((p < high) | (high == 1.0))
        count = inside.sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            gap = np.abs((p * inside).sum(axis=1) - (y * inside).sum(axis=1)) / count
        total += np.where(count > 0, gap * count, 0.0)
    return total / p.shape[1]


Metric = Callable[[np.ndarray, np.ndarray], np.ndarray]


def _interval(
    metric: Metric, y: np.ndarray, p: np.ndarray, resamples: np.ndarray
) -> dict[str, float | None]:
    point = metric(y.reshape(1, -1), p.reshape(1, -1))[0]
    values = metric(y[resamples], p[resamples])
    values = values[~np.isnan(values)]
    if np.isnan(point) or not len(values):
        return {"value": None, "low": None, "high": None}
    low, high = np.percentile(values, [2.5, 97.5])
    return {"value": float(point), "low": float(low), "high": float(high)}


def _difference(
    y: np.ndarray, a: np.ndarray, b: np.ndarray, resamples: np.ndarray
) -> dict[str, float | None]:
    """AUC(a) - AUC(b), paired: both on the same resamples."""
    point = (
        _auc_rows(y.reshape(1, -1), a.reshape(1, -1))[0]
        - _auc_rows(y.reshape(1, -1), b.reshape(1, -1))[0]
    )
    values = _auc_rows(y[resamples], a[resamples]) - _auc_rows(y[resamples], b[resamples])
    values = values[~np.isnan(values)]
    if np.isnan(point) or not len(values):
        return {"value": None, "low": None, "high": None}
    low, high = np.percentile(values, [2.5, 97.5])
    return {"value": float(point), "low": float(low), "high": float(high)}


def resamples_of(n: int, seed: int = SEED) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, n, size=(BOOTSTRAP, n))


def figures(
    y: np.ndarray,
    learned: np.ndarray,
    heuristic: np.ndarray,
    heuristic_p: np.ndarray,
    resamples: np.ndarray,
) -> dict[str, Any]:
    """AUC, Brier and calibration error of both scores, with intervals, and their AUC gap. The
    heuristic's AUC is that of its raw score; its Brier and calibration error those of its
    Platt-scaled probability ``heuristic_p``."""
    return {
        "n": len(y),
        "success_rate": float(y.mean()) if len(y) else None,
        "learned": {
            "auc": _interval(_auc_rows, y, learned, resamples),
            "brier": _interval(_brier_rows, y, learned, resamples),
            "ece": _interval(_ece_rows, y, learned, resamples),
        },
        "heuristic": {
            "auc": _interval(_auc_rows, y, heuristic, resamples),
            "brier": _interval(_brier_rows, y, heuristic_p, resamples),
            "ece": _interval(_ece_rows, y, heuristic_p, resamples),
        },
        "auc_gain": _difference(y, learned, heuristic, resamples),
    }


def calibration_table(y: np.ndarray, p: np.ndarray) -> list[dict[str, Any]]:
    edges = np.linspace(0.0, 1.0, CALIBRATION_BINS + 1)
    table = []
    for low, high in itertools.pairwise(edges):
        inside = (p >= low) & ((p < high) | (high == 1.0))
        if inside.any():
            table.append(
                {
                    "bin": f"{low:.1f}–{high:.1f}",
                    "n": int(inside.sum()),
                    "predicted": float(p[inside].mean()),
                    "observed": float(y[inside].mean()),
                }
            )
    return table


def by_group(
    values: list[str],
    y: np.ndarray,
    learned: np.ndarray,
    heuristic: np.ndarray,
    heuristic_p: np.ndarray,
) -> list[dict[str, Any]]:
    """Figures per group; small or one-outcome groups are listed as suppressed, with no
    figures (a rate on a handful of people identifies them and means nothing)."""
    result = []
    keys = np.array(values)
    for value in sorted(set(values)):
        inside = keys == value
        n = int(inside.sum())
        if n < MIN_GROUP or len(set(y[inside].tolist())) < 2:
            result.append({"value": value, "n": n, "suppressed": True})
            continue
        result.append(
            {
                "value": value,
                "suppressed": False,
                **figures(
                    y[inside],
                    learned[inside],
                    heuristic[inside],
                    heuristic_p[inside],
                    resamples_of(n),
                ),
            }
        )
    return result


def choose_weight(
    y: np.ndarray, learned: np.ndarray, heuristic: np.ndarray, resamples: np.ndarray
) -> dict[str, Any]:
    """The learned term's weight from its held-out benefit (0 when it does not help)."""
    trials = []
    for weight in WEIGHT_GRID:
        gain = _difference(y, combined(heuristic, learned, weight), heuristic, resamples)
        trials.append({"weight": weight, **gain})
    helping = [t for t in trials if t["low"] is not None and t["low"] > 0]
    best = max(helping, key=lambda t: (t["low"], -t["weight"])) if helping else None
    return {"weight": best["weight"] if best else 0.0, "trials": trials}


def _labels(rows: list[Row]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Best known outcome (evaluation), proxy (training; the best one when no proxy), and the
    12-month outcome (1, 0, or -1 when unknown)."""
    best = np.array([int(bool(r.label.best)) for r in rows], dtype=int)
    proxy = np.array(
        [int(bool(r.label.proxy if r.label.proxy is not None else r.label.best)) for r in rows],
        dtype=int,
    )
    later = np.array([-1 if r.label.later is None else int(r.label.later) for r in rows])
    return best, proxy, later


def assess(
    history: History, current: OutcomeModel | None = None
) -> tuple[dict[str, Any], OutcomeModel | None]:
    """The full report, and the model trained on the earlier placements (None when there is
    not enough data). ``current``: the model in use, scored on the same held-out placements."""
    rows = history.rows
    report: dict[str, Any] = {
        "quality": history.quality.as_dict(),
        "threshold": MIN_OUTCOMES,
        "usable": len(rows),
        "enough": False,
    }
    best, proxy, later = _labels(rows)
    cut = time_split(rows)
    train_positives = int(proxy[:cut].sum())
    if (
        not enough(best)
        or min(train_positives, cut - train_positives) < MIN_PER_CLASS
        or len(set(best[cut:].tolist())) < 2
    ):
        return report, None
    x = history.matrix()
    heuristic = np.array([r.heuristic for r in rows])
    selection = select_model(x[:cut], proxy[:cut])
    model = train(selection.chosen, x[:cut], proxy[:cut], later[:cut])
    y_test = best[cut:]
    learned = model.predict(x[cut:])
    from sklearn.linear_model import LogisticRegression  # see placement/outcomes/learner.py

    platt = LogisticRegression().fit(heuristic[:cut].reshape(-1, 1), best[:cut])
    heuristic_p = platt.predict_proba(heuristic[cut:].reshape(-1, 1))[:, 1]
    resamples = resamples_of(len(y_test))
    report.update(
        enough=True,
        train=cut,
        test=len(y_test),
        train_until=rows[cut - 1].start.isoformat(),
        test_from=rows[cut].start.isoformat(),
        test_until=rows[-1].start.isoformat(),
        model=selection.chosen,
        tried=list(selection.tried),
        selection=selection.reason,
        cv_log_loss=selection.cv_log_loss,
        calibrated_to=model.notes.get("calibrated_to", "proxy"),
        later_outcomes=int((later >= 0).sum()),
        overall=figures(y_test, learned, heuristic[cut:], heuristic_p, resamples),
        calibration={
            "learned": calibration_table(y_test, learned),
            "heuristic": calibration_table(y_test, heuristic_p),
        },
        groups={
            name: by_group(
                [getattr(r, name) for r in rows[cut:]],
                y_test,
                learned,
                heuristic[cut:],
                heuristic_p,
            )
            for name in ("gender", "origin_country")
        },
        **choose_weight(y_test, learned, heuristic[cut:], resamples),
    )
    if current is not None:
        try:
            report["current_auc"] = auc(y_test, current.predict(x[cut:]))
        except ValueError:  # the model in use saw other features: not comparable
            report["current_auc"] = None
    return report, model
