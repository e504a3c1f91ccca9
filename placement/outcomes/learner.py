"""Which model, trained how: a choice made by time-ordered cross-validation, then calibrated.

Three candidates: the linear logistic regression (the fallback, and the only one tried on small
samples), a logistic regression on spline bases and pairwise interactions (bends, and lets
experience matter more in one sector than another), and gradient-boosted trees
(``HistGradientBoostingClassifier``). Each is scored by the mean log loss of its predictions on
later folds of the training placements (``TimeSeriesSplit``: always trained on the earlier ones);
the lowest wins. The winner is then calibrated with ``CalibratedClassifierCV`` on the proxy
labels and, when enough 12-month outcomes exist, re-mapped to those (see
:mod:`placement.outcomes.labels`).

Sample sizes: below :data:`MIN_OUTCOMES` labelled placements (or fewer than
:data:`MIN_PER_CLASS` of either outcome) no model is trained and rankings use the heuristic
alone; below :data:`MIN_FLEXIBLE` only the linear model is tried, because the flexible ones
need more data than that to beat it honestly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

# scikit-learn (with the parts of SciPy it pulls in) is imported where a model is trained, not
# here: this module is imported by every web worker (reports, rankings), which would carry
# about 60 MB each for a library only training uses. A stored model unpickles it by itself.
if TYPE_CHECKING:
    from sklearn.calibration import CalibratedClassifierCV

MIN_OUTCOMES = 60
MIN_PER_CLASS = 10
MIN_FLEXIBLE = 150
MIN_LATER = 30  # 12-month outcomes needed (each class >= MIN_PER_CLASS / 2) to calibrate to them
CV_FOLDS = 4
SEED = 0


def candidates() -> dict[str, Any]:
    """The unfitted candidates, simplest first (ties go to the simpler one)."""
    from sklearn.base import clone
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import FeatureUnion, Pipeline, make_pipeline
    from sklearn.preprocessing import PolynomialFeatures, SplineTransformer, StandardScaler

    impute = SimpleImputer(strategy="median", add_indicator=True, keep_empty_features=True)
    return {
        "linear": make_pipeline(
            clone(impute), StandardScaler(), LogisticRegression(C=1.0, max_iter=2000)
        ),
        "spline_interaction": Pipeline(
            [
                ("impute", clone(impute)),
                ("scale", StandardScaler()),
                (
                    "expand",
                    FeatureUnion(
                        [
                            ("splines", SplineTransformer(n_knots=4, degree=2)),
                            (
                                "pairs",
                                PolynomialFeatures(
                                    degree=2, interaction_only=True, include_bias=False
                                ),
                            ),
                        ]
                    ),
                ),
                ("scale_again", StandardScaler()),
                ("fit", LogisticRegression(C=0.05, max_iter=4000)),
            ]
        ),
        # Unknowns become -1 (below every real value, all being >= 0 or margins >= -6 are
        # rare): the trees can still split them off, and a column unknown everywhere (a
        # criterion no need uses) cannot break the binning.
        "boosting": make_pipeline(
            SimpleImputer(strategy="constant", fill_value=-1.0, keep_empty_features=True),
            HistGradientBoostingClassifier(
                learning_rate=0.05,
                max_iter=200,
                max_leaf_nodes=8,
                min_samples_leaf=15,
                l2_regularization=1.0,
                random_state=SEED,
            ),
        ),
    }


def enough(y: np.ndarray) -> bool:
    """Whether there are enough labelled placements, of both outcomes, to learn at all."""
    positives = int(np.sum(y))
    return len(y) >= MIN_OUTCOMES and min(positives, len(y) - positives) >= MIN_PER_CLASS


def _both(y: np.ndarray) -> bool:
    return len(set(np.asarray(y).tolist())) == 2


def time_ordered_scores(name: str, x: np.ndarray, y: np.ndarray) -> list[float]:
    """Log loss of one candidate on each later fold, rows being in time order."""
    from sklearn.base import clone
    from sklearn.metrics import log_loss
    from sklearn.model_selection import TimeSeriesSplit

    losses = []
    for train, test in TimeSeriesSplit(n_splits=CV_FOLDS).split(x):
        if not _both(y[train]) or not _both(y[test]):
            continue
        model = clone(candidates()[name]).fit(x[train], y[train])
        losses.append(float(log_loss(y[test], model.predict_proba(x[test])[:, 1], labels=[0, 1])))
    return losses


@dataclass(frozen=True)
class Selection:
    chosen: str
    cv_log_loss: dict[str, float | None]
    tried: tuple[str, ...]
    reason: str  # "flexible" or "small_sample" (only the linear model was tried)


def select_model(x: np.ndarray, y: np.ndarray) -> Selection:
    """The candidate with the lowest time-ordered log loss (rows in time order)."""
    small = len(y) < MIN_FLEXIBLE
    tried = ("linear",) if small else tuple(candidates())
    scores: dict[str, float | None] = {}
    for name in tried:
        losses = time_ordered_scores(name, x, y)
        scores[name] = float(np.mean(losses)) if losses else None
    ranked = [n for n in tried if scores[n] is not None]
    chosen = min(ranked, key=lambda n: scores[n]) if ranked else "linear"  # type: ignore[arg-type,return-value]
    return Selection(chosen, scores, tried, "small_sample" if small else "flexible")


@dataclass
class OutcomeModel:
    """A calibrated candidate: probabilities of the proxy outcome, re-mapped to the 12-month
    outcome when that map was fitted. Picklable; what is stored and used in ranking."""

    name: str
    calibrated: Any
    later_map: Any | None = None
    notes: dict[str, Any] = field(default_factory=dict)

    def predict(self, x: np.ndarray) -> np.ndarray:
        p = self.calibrated.predict_proba(x)[:, 1]
        if self.later_map is not None:
            p = self.later_map.predict_proba(_logit(p).reshape(-1, 1))[:, 1]
        return p


def _logit(p: np.ndarray) -> np.ndarray:
    q = np.clip(p, 1e-4, 1 - 1e-4)
    return np.log(q / (1 - q))


def _calibrated(name: str, x: np.ndarray, y: np.ndarray) -> CalibratedClassifierCV:
    from sklearn.base import clone
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.model_selection import StratifiedKFold

    folds = StratifiedKFold(n_splits=3, shuffle=True, random_state=SEED)
    return CalibratedClassifierCV(clone(candidates()[name]), method="sigmoid", cv=folds).fit(x, y)


def train(
    name: str, x: np.ndarray, proxy: np.ndarray, later: np.ndarray | None = None
) -> OutcomeModel:
    """Train ``name`` on the proxy labels, calibrated; then, when at least :data:`MIN_LATER`
    placements have a 12-month outcome (``later``: 1, 0 or -1 for unknown), fit a Platt map
    from the model's out-of-fold probability to that outcome."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold

    model = OutcomeModel(name, _calibrated(name, x, proxy))
    if later is None:
        return model
    known = later >= 0
    y_later = later[known]
    classes = min(int(y_later.sum()), int(len(y_later) - y_later.sum())) if len(y_later) else 0
    model.notes["later_outcomes"] = int(known.sum())
    if known.sum() < MIN_LATER or classes < MIN_PER_CLASS // 2:
        model.notes["calibrated_to"] = "proxy"
        return model
    out_of_fold = np.zeros(len(proxy))
    folds = StratifiedKFold(n_splits=3, shuffle=True, random_state=SEED)
    for fit_rows, held in folds.split(x, proxy):
        out_of_fold[held] = _calibrated(name, x[fit_rows], proxy[fit_rows]).predict_proba(x[held])[
            :, 1
        ]
    later_map = LogisticRegression(C=1.0).fit(_logit(out_of_fold[known]).reshape(-1, 1), y_later)
    model.later_map = later_map
    model.notes["calibrated_to"] = "later"
    return model
