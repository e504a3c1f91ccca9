"""Hard eligibility: who may be proposed for a need at all.

Eligibility filters *before* scoring: an ineligible expert never appears in a ranking or an
assignment, however well they would score. The four rules of the interchange contract always
apply; programmes add their own through :class:`ProgrammeRules`. Every rule has a machine code
and an English message so that staff can ask "why is X not listed?".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta

from matching.records import Expert, Need, Window

__all__ = [
    "REASON_CODES",
    "ProgrammeRules",
    "Reason",
    "exclusion_reasons",
    "free_windows",
    "is_eligible",
]

#: Every code :func:`exclusion_reasons` can return, in the order rules are checked.
REASON_CODES: tuple[str, ...] = (
    "origin_country",
    "residence_country",
    "availability",
    "busy",
    "language",
    "programme_origin",
    "programme_residence",
    "programme_duration",
)


@dataclass(frozen=True)
class Reason:
    """Why an expert is excluded from a need: stable ``code`` plus English ``message``."""

    code: str
    message: str


@dataclass(frozen=True)
class ProgrammeRules:
    """Constraints a programme adds on top of the four contract rules.

    Parameters
    ----------
    eligible_origin_countries : frozenset of str, optional
        Only experts from these countries of origin (None: no restriction).
    eligible_residence_countries : frozenset of str, optional
        Only experts living in these countries (None: no restriction).
    min_weeks, max_weeks : int, optional
        Bounds on a need's ``duration_weeks`` the programme funds.
    busy : mapping of expert id to windows
        Existing placements; the free time left outside them must still hold the need.
    """

    eligible_origin_countries: frozenset[str] | None = None
    eligible_residence_countries: frozenset[str] | None = None
    min_weeks: int | None = None
    max_weeks: int | None = None
    busy: Mapping[str, tuple[Window, ...]] = field(default_factory=dict, hash=False)


def free_windows(windows: Iterable[Window], busy: Iterable[Window] = ()) -> tuple[Window, ...]:
    """Availability windows with the busy periods cut out (both end dates are busy days)."""
    free = sorted(windows, key=lambda w: (w.start, w.end))
    for period in sorted(busy, key=lambda w: (w.start, w.end)):
        pieces: list[Window] = []
        for w in free:
            if period.end < w.start or period.start > w.end:
                pieces.append(w)
                continue
            if w.start < period.start:
                pieces.append(Window(w.start, period.start - timedelta(days=1)))
            if period.end < w.end:
                pieces.append(Window(period.end + timedelta(days=1), w.end))
        free = pieces
    return tuple(free)


def _fits(windows: Iterable[Window], need: Need) -> bool:
    days = need.duration_weeks * 7
    return any(w.overlap_days(need.window) >= days for w in windows)


def _busy_blocks(expert: Expert, need: Need, rules: ProgrammeRules | None) -> bool:
    busy = rules.busy.get(expert.id) if rules is not None else None
    return bool(busy) and not _fits(free_windows(expert.availability, busy or ()), need)


def _language_reasons(expert: Expert, need: Need) -> list[Reason]:
    spoken = {lang.code: lang.rank for lang in expert.languages}
    reasons = []
    for lang in need.languages:
        if spoken.get(lang.code, 0) < lang.rank:
            have = next((x.level for x in expert.languages if x.code == lang.code), None)
            detail = f"speaks it at {have}" if have else "does not list it"
            reasons.append(
                Reason("language", f"needs {lang.code} at {lang.level} or above; expert {detail}")
            )
    return reasons


def _contract_reasons(expert: Expert, need: Need, rules: ProgrammeRules | None) -> list[Reason]:
    reasons = []
    if expert.origin_country != need.country:
        reasons.append(
            Reason(
                "origin_country",
                f"country of origin {expert.origin_country} is not the placement country "
                f"{need.country}",
            )
        )
    if expert.residence_country == need.country:
        reasons.append(Reason("residence_country", f"expert already lives in {need.country}"))
    if not _fits(expert.availability, need):
        reasons.append(
            Reason(
                "availability",
                f"no availability window overlaps {need.start}..{need.end} by "
                f"{need.duration_weeks * 7} days",
            )
        )
    elif _busy_blocks(expert, need, rules):
        reasons.append(
            Reason("busy", "existing placements leave too little free time in the window")
        )
    reasons.extend(_language_reasons(expert, need))
    return reasons


def _programme_reasons(expert: Expert, need: Need, rules: ProgrammeRules) -> list[Reason]:
    reasons = []
    origins = rules.eligible_origin_countries
    if origins is not None and expert.origin_country not in origins:
        reasons.append(
            Reason("programme_origin", f"the programme does not cover {expert.origin_country}")
        )
    residences = rules.eligible_residence_countries
    if residences is not None and expert.residence_country not in residences:
        reasons.append(
            Reason(
                "programme_residence",
                f"the programme does not cover residents of {expert.residence_country}",
            )
        )
    too_short = rules.min_weeks is not None and need.duration_weeks < rules.min_weeks
    too_long = rules.max_weeks is not None and need.duration_weeks > rules.max_weeks
    if too_short or too_long:
        reasons.append(
            Reason(
                "programme_duration",
                f"{need.duration_weeks} weeks is outside the programme's "
                f"{rules.min_weeks or 1}..{rules.max_weeks or '∞'} weeks",
            )
        )
    return reasons


def exclusion_reasons(
    expert: Expert, need: Need, rules: ProgrammeRules | None = None
) -> list[Reason]:
    """Every rule the pair breaks; an empty list means the pair is eligible.

    Parameters
    ----------
    expert : Expert
    need : Need
    rules : ProgrammeRules, optional
        Programme constraints added to the four contract rules.

    Returns
    -------
    list of Reason
        In the order of :data:`REASON_CODES`.
    """
    reasons = _contract_reasons(expert, need, rules)
    if rules is not None:
        reasons.extend(_programme_reasons(expert, need, rules))
    return reasons


def is_eligible(expert: Expert, need: Need, rules: ProgrammeRules | None = None) -> bool:
    """Whether the expert may be proposed for the need (see :func:`exclusion_reasons`)."""
    return not exclusion_reasons(expert, need, rules)
