"""Model versions: what is stored, what is in use, and the rule that keeps a worse one out.

Every deployed model is kept in the instance folder as ``outcome_models/v<N>.pkl`` with its
evidence ``v<N>.json`` (when trained, on how many placements, which features, the held-out
figures and the weight those figures justified); ``current.json`` names the one in use. A retrain
that scores a lower held-out AUC than the model in use *on the same held-out placements* is not
deployed. Each decision leaves an audit entry (action ``outcome_model.deployed``,
``outcome_model.not_deployed`` or ``outcome_model.retired``).
"""

from __future__ import annotations

import json
import pickle
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from flask import current_app

from placement import audit
from placement.outcomes.features import FEATURES
from placement.outcomes.learner import OutcomeModel

FOLDER = "outcome_models"
EVALUATION_FILE = "outcome_evaluation.json"


@dataclass(frozen=True)
class OutcomeModelVersion:
    """Model evidence kept beside it, and shown on the evaluation page."""

    version: int
    trained_on: str
    model: str
    features: tuple[str, ...]
    train: int
    test: int
    heldout_auc: float | None
    heuristic_auc: float | None
    weight: float

    @property
    def uuid(self) -> uuid.UUID:
        """A stable id for the audit trail."""
        return uuid.uuid5(uuid.NAMESPACE_URL, f"homeward:outcome-model:{self.version}")


def folder() -> Path:
    return Path(current_app.config["INSTANCE_PATH"]) / FOLDER


def _read(path: Path) -> dict[str, Any] | None:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


_cache: dict[str, tuple[float, OutcomeModel, OutcomeModelVersion]] = {}


def current() -> tuple[OutcomeModel, OutcomeModelVersion] | None:
    """The model in use and its evidence, or None (rankings are then the heuristic alone). A
    model trained on other feature columns than today's code computes is not used (nor compared
    with): the next retrain (the weekly job or `placement outcomes evaluate`) replaces it."""
    pointer = _read(folder() / "current.json")
    number = pointer.get("version") if isinstance(pointer, dict) else None
    if not isinstance(number, int):
        return None
    model_path = folder() / f"v{number}.pkl"
    raw = _read(folder() / f"v{number}.json")
    if raw is None or not model_path.exists():
        return None
    stamp = model_path.stat().st_mtime
    cached = _cache.get(str(model_path))
    if cached is None or cached[0] != stamp:
        # Our own file, written by deploy() below in the instance folder; never user input.
        model = pickle.loads(model_path.read_bytes())  # noqa: S301  # nosec B301
        version = OutcomeModelVersion(**{**raw, "features": tuple(raw["features"])})
        cached = _cache[str(model_path)] = (stamp, model, version)
    if cached[2].features != FEATURES:
        return None
    return cached[1], cached[2]


def versions() -> list[OutcomeModelVersion]:
    """Every stored version, newest first."""
    found = []
    for path in folder().glob("v*.json"):
        raw = _read(path)
        if raw:
            found.append(OutcomeModelVersion(**{**raw, "features": tuple(raw["features"])}))
    return sorted(found, key=lambda v: -v.version)


def deploy(model: OutcomeModel, version: OutcomeModelVersion) -> None:
    folder().mkdir(parents=True, exist_ok=True)
    (folder() / f"v{version.version}.pkl").write_bytes(pickle.dumps(model))
    (folder() / f"v{version.version}.json").write_text(json.dumps(asdict(version)))
    (folder() / "current.json").write_text(json.dumps({"version": version.version}))
    audit.record("outcome_model.deployed", version, actor=None, after=asdict(version))


def retire(reason: str) -> None:
    """Stop using the current model (the data no longer supports one)."""
    found = current()
    (folder() / "current.json").unlink(missing_ok=True)
    if found is not None:
        audit.record(
            "outcome_model.retired", found[1], actor=None, before=asdict(found[1]), reason=reason
        )


def reject(version: OutcomeModelVersion, current_auc: float | None) -> None:
    found = current()
    audit.record(
        "outcome_model.not_deployed",
        version,
        actor=None,
        before=asdict(found[1]) if found else None,
        after={**asdict(version), "current_auc_on_same_heldout": current_auc},
        reason="worse than the model in use on the same held-out placements",
    )


def next_number() -> int:
    return max((v.version for v in versions()), default=0) + 1


def save_evaluation(report: dict[str, Any]) -> None:
    path = Path(current_app.config["INSTANCE_PATH"]) / EVALUATION_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, default=str))


def last_evaluation() -> dict[str, Any] | None:
    return _read(Path(current_app.config["INSTANCE_PATH"]) / EVALUATION_FILE)
