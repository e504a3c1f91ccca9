"""Learning from outcomes: the chance that a placement succeeds, learned from recorded results.

A placement succeeded when, one year later, the host reports that new procedures were adopted
and kept; until that follow-up exists, the end-of-assignment answers serve as an early proxy
(the host says the objectives were met and rates it 4 or 5). A logistic regression on features
the engine can compute for any eligible pair is trained on those labels. It becomes a criterion
of the matching score only once at least ``MIN_OUTCOMES`` labelled placements exist; below that
the ranking is the heuristic alone. The model and its evidence are kept in the instance folder.
"""

from __future__ import annotations

import itertools
import json
import pickle
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
from flask import current_app
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss, roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sqlalchemy import select

from matching.engine import region_key
from matching.records import Expert, Need
from placement.extensions import db
from placement.matches.records import expert_record, need_record
from placement.models import (
    OutcomeReport,
    Placement,
    PlacementStatus,
    RespondentRole,
    SurveyPoint,
)

MIN_OUTCOMES = 40
WEIGHT = 0.15
MODEL_FILE = "outcome_model.pkl"
FEATURES = (
    "years_experience",
    "experience_known",
    "duration_weeks",
    "same_region",
    "sector_match",
    "languages",
    "skills",
    "required_skills",
)


@dataclass(frozen=True)
class ModelInfo:
    outcomes: int
    trained_on: str
    holdout_auc: float | None
    weight: float
    features: tuple[str, ...]


def features(expert: Expert, need: Need) -> list[float]:
    """What the model looks at, computable for any eligible pair at ranking time."""
    same_region = bool(
        expert.origin_region
        and need.region
        and region_key(expert.origin_region) == region_key(need.region)
    )
    return [
        float(expert.years_experience or 0.0),
        1.0 if expert.years_experience is not None else 0.0,
        float(need.duration_weeks),
        1.0 if same_region else 0.0,
        1.0 if need.sector and need.sector in expert.sectors else 0.0,
        float(len(expert.languages)),
        float(len(expert.skills)),
        float(len(need.required_skills)),
    ]


def _label(reports: list[OutcomeReport]) -> bool | None:
    """Success as defined above; None when the host has not answered yet."""
    host = {
        r.point: r.answers
        for r in reports
        if r.respondent_role is RespondentRole.HOST and r.submitted_at is not None
    }
    if SurveyPoint.FOLLOW_UP in host and "procedures_adopted" in host[SurveyPoint.FOLLOW_UP]:
        return bool(host[SurveyPoint.FOLLOW_UP]["procedures_adopted"])
    end = host.get(SurveyPoint.END)
    if end and "objectives_met" in end:
        return bool(end["objectives_met"]) and int(end.get("satisfaction", 0)) >= 4
    return None


@dataclass(frozen=True)
class Dataset:
    x: np.ndarray
    y: np.ndarray
    heuristic: np.ndarray  # the engine's score when the placement was proposed


def dataset() -> Dataset:
    """Every completed placement whose host has reported, as features, label and score."""
    placements = db.session.scalars(
        select(Placement)
        .where(Placement.status == PlacementStatus.COMPLETED)
        .order_by(Placement.id)
    ).all()
    reports: dict[int, list[OutcomeReport]] = {}
    for report in db.session.scalars(
        select(OutcomeReport).where(OutcomeReport.placement_id.in_([p.id for p in placements]))
    ):
        reports.setdefault(report.placement_id, []).append(report)
    rows, labels, scores = [], [], []
    for placement in placements:
        label = _label(reports.get(placement.id, []))
        if label is None:
            continue
        rows.append(features(expert_record(placement.expert), need_record(placement.need)))
        labels.append(label)
        scores.append(placement.match_score or 0.0)
    return Dataset(
        np.array(rows, dtype=float).reshape(-1, len(FEATURES)),
        np.array(labels, dtype=int),
        np.array(scores, dtype=float),
    )


def _fit(x: np.ndarray, y: np.ndarray) -> Any:
    pipeline = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
    return pipeline.fit(x, y)


def _paths() -> tuple[Path, Path]:
    folder = Path(current_app.config["INSTANCE_PATH"])
    return folder / MODEL_FILE, folder / (MODEL_FILE + ".json")


def refit(today: date) -> int:
    """Retrain on every labelled outcome (weekly job). Returns the number of outcomes used;
    below the threshold no model is kept, so the ranking stays heuristic."""
    data = dataset()
    model_path, info_path = _paths()
    if len(data.y) < MIN_OUTCOMES or len(set(data.y.tolist())) < 2:
        model_path.unlink(missing_ok=True)
        info_path.unlink(missing_ok=True)
        return len(data.y)
    report = evaluate(data)
    model = _fit(data.x, data.y)
    model_path.parent.mkdir(parents=True, exist_ok=True)
    model_path.write_bytes(pickle.dumps(model))
    info = ModelInfo(len(data.y), today.isoformat(), report.get("learned_auc"), WEIGHT, FEATURES)
    info_path.write_text(json.dumps(asdict(info)))
    _cached.clear()
    return len(data.y)


_cached: dict[str, tuple[float, Any, ModelInfo]] = {}


def current_model() -> tuple[Any, ModelInfo] | None:
    """The trained model and its evidence, or None below the data threshold."""
    model_path, info_path = _paths()
    if not model_path.exists() or not info_path.exists():
        return None
    stamp = model_path.stat().st_mtime
    cached = _cached.get(str(model_path))
    if cached is None or cached[0] != stamp:
        # Our own file, written by refit() above in the instance folder; never user input.
        model = pickle.loads(model_path.read_bytes())  # noqa: S301  # nosec B301
        raw = json.loads(info_path.read_text())
        info = ModelInfo(**{**raw, "features": tuple(raw["features"])})
        if info.outcomes < MIN_OUTCOMES:
            return None
        _cached[str(model_path)] = (stamp, model, info)
        cached = _cached[str(model_path)]
    return cached[1], cached[2]


def extra_scorers() -> dict[str, tuple[float, Any]]:
    """The learned criterion for the engine, or nothing below the threshold."""
    loaded = current_model()
    if loaded is None:
        return {}
    model, info = loaded

    def predicted_success(expert: Expert, need: Need) -> float:
        return float(model.predict_proba(np.array([features(expert, need)]))[0, 1])

    return {"predicted_success": (info.weight, predicted_success)}


def _auc(y: np.ndarray, scores: np.ndarray) -> float | None:
    return float(roc_auc_score(y, scores)) if len(set(y.tolist())) == 2 else None


def _calibration(y: np.ndarray, probabilities: np.ndarray, bins: int = 5) -> list[dict[str, Any]]:
    edges = np.linspace(0.0, 1.0, bins + 1)
    table = []
    for low, high in itertools.pairwise(edges):
        inside = (probabilities >= low) & ((probabilities < high) | (high == 1.0))
        if inside.any():
            table.append(
                {
                    "bin": f"{low:.1f}–{high:.1f}",
                    "n": int(inside.sum()),
                    "predicted": float(probabilities[inside].mean()),
                    "observed": float(y[inside].mean()),
                }
            )
    return table


def evaluate(data: Dataset | None = None, seed: int = 0) -> dict[str, Any]:
    """Held-out comparison of the learned score with the heuristic match score."""
    data = data if data is not None else dataset()
    if len(data.y) < MIN_OUTCOMES or len(set(data.y.tolist())) < 2:
        return {"outcomes": len(data.y), "enough": False, "threshold": MIN_OUTCOMES}
    x_train, x_test, y_train, y_test, _h_train, h_test = train_test_split(
        data.x, data.y, data.heuristic, test_size=0.3, random_state=seed, stratify=data.y
    )
    model = _fit(x_train, y_train)
    learned = model.predict_proba(x_test)[:, 1]
    return {
        "outcomes": len(data.y),
        "enough": True,
        "threshold": MIN_OUTCOMES,
        "train": len(y_train),
        "test": len(y_test),
        "success_rate": float(data.y.mean()),
        "learned_auc": _auc(y_test, learned),
        "heuristic_auc": _auc(y_test, h_test),
        "learned_brier": float(brier_score_loss(y_test, learned)),
        "heuristic_brier": float(brier_score_loss(y_test, np.clip(h_test, 0, 1))),
        "learned_calibration": _calibration(y_test, learned),
        "heuristic_calibration": _calibration(y_test, np.clip(h_test, 0, 1)),
    }
