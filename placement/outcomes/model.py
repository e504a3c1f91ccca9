"""Learning from outcomes: the chance that a placement succeeds, and whether it may rank.

The pieces, each in its module:

* :mod:`~placement.outcomes.labels` — what success is (end-of-assignment answers of both sides
  as early proxies, the 12-month follow-up when it exists) and the counted survey problems;
* :mod:`~placement.outcomes.features` — the engine's view of each past match, recomputed, plus
  the host's type, remote work and the expert's earlier placements (never later ones);
* :mod:`~placement.outcomes.learner` — the model, chosen among linear, spline/interaction and
  boosted trees by time-ordered cross-validation, calibrated, with a minimum sample size;
* :mod:`~placement.outcomes.assessment` — the time-ordered held-out evaluation against the
  recomputed heuristic, with intervals, by group, and the weight it justifies;
* :mod:`~placement.outcomes.history` — stored versions, the no-worse-retrain rule, the audit;
* :mod:`~placement.outcomes.ranking` — the learned term as a criterion of the ranking.

This module ties them together for the weekly job and the ``placement outcomes`` commands.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from placement.outcomes import history as versions
from placement.outcomes.assessment import assess
from placement.outcomes.features import FEATURES, history
from placement.outcomes.learner import MIN_FLEXIBLE, MIN_OUTCOMES, OutcomeModel

__all__ = ["MIN_FLEXIBLE", "MIN_OUTCOMES", "current_model", "evaluate", "refit"]


def current_model() -> tuple[OutcomeModel, versions.OutcomeModelVersion] | None:
    """The model in use with its evidence, or None (rankings are the heuristic alone)."""
    return versions.current()


def _decide(report: dict[str, Any], model: OutcomeModel | None, today: date) -> dict[str, Any]:
    """Deploy the retrained model unless it is worse than the one in use on the same held-out
    placements; retire the one in use when the data no longer supports any."""
    in_use = versions.current()
    if model is None:
        if in_use is not None:
            versions.retire("not enough labelled outcomes")
            return {"action": "retired", "version": in_use[1].version}
        return {"action": "none", "version": None}
    overall = report["overall"]
    candidate = versions.OutcomeModelVersion(
        version=versions.next_number(),
        trained_on=today.isoformat(),
        model=report["model"],
        features=FEATURES,
        train=report["train"],
        test=report["test"],
        heldout_auc=overall["learned"]["auc"]["value"],
        heuristic_auc=overall["heuristic"]["auc"]["value"],
        weight=report["weight"],
    )
    current_auc = report.get("current_auc")
    if (
        in_use is not None
        and current_auc is not None
        and (candidate.heldout_auc is None or candidate.heldout_auc < current_auc)
    ):
        versions.reject(candidate, current_auc)
        return {
            "action": "not_deployed",
            "version": in_use[1].version,
            "candidate_auc": candidate.heldout_auc,
            "current_auc": current_auc,
        }
    versions.deploy(model, candidate)
    return {"action": "deployed", "version": candidate.version}


def evaluate(today: date | None = None, *, deploy: bool = False) -> dict[str, Any]:
    """The time-ordered held-out evaluation of a model retrained now, against the recomputed
    heuristic and the model in use. With ``deploy`` (the weekly job) the retrained model
    replaces the one in use when it is not worse. The report is kept for the staff page."""
    today = today or date.today()
    in_use = versions.current()
    report, model = assess(history(), in_use[0] if in_use else None)
    report["evaluated_on"] = today.isoformat()
    report["in_use"] = None if in_use is None else in_use[1].version
    if deploy:
        report["decision"] = _decide(report, model, today)
        found = versions.current()
        report["in_use"] = None if found is None else found[1].version
    versions.save_evaluation(report)
    return report


def refit(today: date) -> int:
    """The weekly job: evaluate, deploy if not worse. Returns the labelled placements used."""
    return int(evaluate(today, deploy=True)["usable"])
