"""The evaluation report as text lines, for ``placement outcomes evaluate`` (the staff page
renders the same stored report, so the two always show the same numbers)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from placement.outcomes.labels import PROBLEMS
from placement.outcomes.learner import MIN_FLEXIBLE, MIN_OUTCOMES, MIN_PER_CLASS

#: What the staff page says for each survey problem, decision and group (translated).
PROBLEM_LABELS = {
    "no_end_report": _l("No end-of-assignment answer from either side"),
    "no_host_report": _l("No host report (the expert's answer stands in)"),
    "missing_answers": _l("Answers missing from a submitted end survey"),
    "contradictory": _l("Host and expert disagree on the objectives (the host's answer is kept)"),
    "follow_up_missing_answer": _l("Follow-up submitted without the procedures answer"),
}
DECISION_LABELS = {
    "deployed": _l("The retrained model was deployed."),
    "not_deployed": _l(
        "The retrained model did worse than the model in use on the same held-out placements "
        "and was not deployed."
    ),
    "retired": _l("The model in use was retired: not enough outcomes."),
    "none": _l("No model was deployed."),
}
GROUP_LABELS = {"gender": _l("By gender"), "origin_country": _l("By country of origin")}
THRESHOLDS = {"outcomes": MIN_OUTCOMES, "per_class": MIN_PER_CLASS, "flexible": MIN_FLEXIBLE}


def interval(figure: dict[str, Any] | None) -> str:
    """``0.712 [0.640, 0.781]``, or ``—`` when there is no figure."""
    if not figure or figure.get("value") is None:
        return "—"
    return f"{figure['value']:.3f} [{figure['low']:.3f}, {figure['high']:.3f}]"


def _quality_lines(quality: dict[str, Any]) -> list[str]:
    problems = ", ".join(f"{code} {quality['problems'][code]}" for code in PROBLEMS)
    return [
        f"Completed placements: {quality['completed']}; labelled {quality['labelled']} "
        f"(12-month outcome known for {quality['with_later']}); unlabelled "
        f"{quality['unlabelled']}; heuristic not computable {quality['no_heuristic']}",
        f"Survey problems (counted, not dropped): {problems}",
    ]


def _figure_lines(figures: dict[str, Any], indent: str = "") -> list[str]:
    lines = [f"{indent}{'':<8}{'learned':>26}{'heuristic (recomputed)':>28}"]
    for metric in ("auc", "brier", "ece"):
        lines.append(
            f"{indent}{metric.upper():<8}{interval(figures['learned'][metric]):>26}"
            f"{interval(figures['heuristic'][metric]):>28}"
        )
    lines.append(f"{indent}AUC gain of learned over heuristic: {interval(figures['auc_gain'])}")
    return lines


def lines(report: dict[str, Any]) -> list[str]:
    """Everything the evaluation measured, in reading order."""
    out = [
        f"Labelled outcomes: {report['usable']} (threshold {report['threshold']})",
        *_quality_lines(report["quality"]),
    ]
    if not report["enough"]:
        out.append(
            "Not enough outcomes: no model is trained and rankings use the matching "
            "heuristic alone."
        )
        return out
    out += [
        f"Time-ordered split: trained on {report['train']} placements starting until "
        f"{report['train_until']}, tested on {report['test']} starting "
        f"{report['test_from']} to {report['test_until']}",
        f"Model chosen by time-ordered cross-validation: {report['model']} (tried "
        f"{', '.join(report['tried'])}; {report['selection']}); calibrated to "
        f"{report['calibrated_to']} outcomes",
        "Held-out figures with 95% bootstrap intervals "
        f"(success rate {report['overall']['success_rate']:.2f}):",
        *_figure_lines(report["overall"], "  "),
        "Calibration (bin, n, mean predicted, observed success):",
    ]
    for name in ("learned", "heuristic"):
        out.append(f"  {name}:")
        out += [
            f"    {row['bin']:<9} {row['n']:>4}  {row['predicted']:.2f}  {row['observed']:.2f}"
            for row in report["calibration"][name]
        ]
    for group, rows in report["groups"].items():
        out.append(f"By {group.replace('_', ' ')}:")
        for row in rows:
            if row["suppressed"]:
                out.append(f"  {row['value'] or '—'}: n={row['n']}, suppressed (small group)")
            else:
                out.append(f"  {row['value'] or '—'}: n={row['n']}")
                out += _figure_lines(row, "    ")
    out.append(
        f"Weight of the learned term from its held-out benefit: {report['weight']:g}"
        + (" (it does not help: rankings use the heuristic alone)" if not report["weight"] else "")
    )
    if report.get("current_auc") is not None:
        out.append(
            f"Model in use (v{report['in_use']}), same held-out AUC: {report['current_auc']:.3f}"
        )
    decision = report.get("decision")
    if decision:
        out.append(f"Decision: {decision['action']} (version {decision['version']})")
    return out
