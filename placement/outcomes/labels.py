"""What counts as a successful placement, from the surveys of both sides.

Two kinds of evidence arrive at different times. At the end of the assignment both the host and
the expert answer whether the objectives were met (and the host rates its satisfaction): that is
the *early proxy*, available for most placements within weeks. Twelve months later the host says
whether new procedures were adopted and kept: that is the *later outcome*, the one the programme
cares about, available for fewer placements and only after a year.

The combining rule (documented in docs/outcome-features.md), as in the proxy-outcome literature:

* **Proxy** = success when the host says the objectives were met *and* rates the placement 4 or
  5. When the host has not reported, the expert's own answer (objectives met, satisfaction 4 or
  5) stands in, and the placement is counted as "no host report". When the two sides disagree on
  whether the objectives were met, the host's answer is kept (the host bears the outcome) and
  the placement is counted as "contradictory".
* **Later** = the host's answer to "were new procedures adopted and kept?".
* The model is **trained on proxies** and **calibrated to the later outcome** where enough later
  outcomes exist; the evaluation scores it against the **best known outcome** (later if known,
  else proxy).

Every survey problem is counted, never silently dropped: see :class:`Quality`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from placement.models import OutcomeReport, RespondentRole, SurveyPoint

SATISFIED = 4  # on the 1..5 scale, 4 and 5 count as satisfied


@dataclass(frozen=True)
class Label:
    """The labels of one placement and when each became known (for the no-leak rule)."""

    proxy: bool | None = None
    proxy_known_at: datetime | None = None
    later: bool | None = None
    later_known_at: datetime | None = None
    problems: tuple[str, ...] = ()

    @property
    def best(self) -> bool | None:
        """The best known outcome: the 12-month answer when it exists, else the proxy."""
        return self.later if self.later is not None else self.proxy

    def known_by(self, moment: datetime) -> bool | None:
        """The best outcome that was already known at ``moment`` (None if none was)."""
        if self.later is not None and self.later_known_at and self.later_known_at <= moment:
            return self.later
        if self.proxy is not None and self.proxy_known_at and self.proxy_known_at <= moment:
            return self.proxy
        return None


#: Problem codes, in the order they are reported.
PROBLEMS = (
    "no_end_report",
    "no_host_report",
    "missing_answers",
    "contradictory",
    "follow_up_missing_answer",
)


def _submitted(reports: Iterable[OutcomeReport], point: SurveyPoint, role: RespondentRole):
    return next(
        (
            r
            for r in reports
            if r.point is point and r.respondent_role is role and r.submitted_at is not None
        ),
        None,
    )


def _side(answers: dict[str, Any]) -> bool | None:
    """One side's end-of-assignment verdict, None when the needed answers are missing."""
    met, satisfaction = answers.get("objectives_met"), answers.get("satisfaction")
    if not isinstance(met, bool) or not isinstance(satisfaction, int):
        return None
    return met and satisfaction >= SATISFIED


def label_of(reports: list[OutcomeReport]) -> Label:
    """Apply the combining rule above to one placement's survey reports."""
    problems: list[str] = []
    host = _submitted(reports, SurveyPoint.END, RespondentRole.HOST)
    expert = _submitted(reports, SurveyPoint.END, RespondentRole.EXPERT)
    host_verdict = _side(host.answers) if host else None
    expert_verdict = _side(expert.answers) if expert else None
    if host is None and expert is None:
        problems.append("no_end_report")
    elif host is None:
        problems.append("no_host_report")
    if (host is not None and host_verdict is None) or (
        expert is not None and expert_verdict is None
    ):
        problems.append("missing_answers")
    proxy, proxy_at = None, None
    if host_verdict is not None:
        proxy, proxy_at = host_verdict, host.submitted_at  # type: ignore[union-attr]
        expert_met = expert.answers.get("objectives_met") if expert else None
        if isinstance(expert_met, bool) and expert_met != host.answers["objectives_met"]:  # type: ignore[union-attr]
            problems.append("contradictory")
    elif expert_verdict is not None:
        proxy, proxy_at = expert_verdict, expert.submitted_at  # type: ignore[union-attr]
    later, later_at = None, None
    follow_up = _submitted(reports, SurveyPoint.FOLLOW_UP, RespondentRole.HOST)
    if follow_up is not None:
        adopted = follow_up.answers.get("procedures_adopted")
        if isinstance(adopted, bool):
            later, later_at = adopted, follow_up.submitted_at
        else:
            problems.append("follow_up_missing_answer")
    return Label(proxy, proxy_at, later, later_at, tuple(problems))


@dataclass
class Quality:
    """How many completed placements had which survey problem, and how many could be used."""

    completed: int = 0
    labelled: int = 0
    with_later: int = 0
    problems: Counter[str] = field(default_factory=Counter)
    no_heuristic: int = 0  # the engine could not score the pair again (e.g. data changed since)

    def add(self, label: Label) -> None:
        self.completed += 1
        self.labelled += label.best is not None
        self.with_later += label.later is not None
        self.problems.update(label.problems)

    def as_dict(self) -> dict[str, Any]:
        return {
            "completed": self.completed,
            "labelled": self.labelled,
            "with_later": self.with_later,
            "unlabelled": self.completed - self.labelled,
            "no_heuristic": self.no_heuristic,
            "problems": {code: self.problems.get(code, 0) for code in PROBLEMS},
        }
