"""What "Why this score" shows of one match, worked out in Python once per card.

The engine's explanation is nested dictionaries (matching/engine.Match). Walking them in the
template cost a Jinja call for every ``.get`` and a filter pass for every list, on each of the
twenty cards of a candidates page; here they become the few lines and table rows the reader
sees, in the reader's language, and templates/_explanation.html only prints them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from matching.engine import Match
from placement.labels import criterion_labels
from placement.taxonomy import skill_text


@dataclass(frozen=True)
class CriterionRow:
    """One row of the score table: the criterion's name, and its value as a whole percentage
    (None where the data to judge it is missing)."""

    label: str
    percent: int | None


@dataclass(frozen=True)
class ExplanationView:
    """The lines of "Why this score", each a comma-separated list ("" when there is none)."""

    required_matched: str
    required_missing: str
    desired_matched: str
    shared_work: str
    unknown: str
    rows: tuple[CriterionRow, ...]


def explain(match: Match) -> ExplanationView:
    """The explanation of ``match`` as the reader sees it (skills by their labels, criteria by
    their translated names); the shared work is shown only where the texts scored above 0."""
    labels = criterion_labels()
    explanation = match.explanation
    required = explanation.get("required_skills") or {}
    shared = (explanation.get("semantic") or {}).get("shared") or ()
    return ExplanationView(
        required_matched=_skills(required.get("matched")),
        required_missing=_skills(required.get("missing")),
        desired_matched=_skills((explanation.get("desired_skills") or {}).get("matched")),
        shared_work=_skills(shared) if (match.components.get("semantic") or 0) > 0 else "",
        unknown=", ".join(labels.get(name, name) for name in explanation.get("unknown") or ()),
        rows=tuple(
            CriterionRow(labels.get(name, name), None if value is None else _percent(value))
            for name, value in match.components.items()
        ),
    )


def _skills(values: Iterable[str] | None) -> str:
    return ", ".join(skill_text(value) for value in values or ())


def _percent(value: float) -> int:
    """A share as a whole percentage, rounded as the page's score is (``round`` in Jinja)."""
    return round(value * 100)
