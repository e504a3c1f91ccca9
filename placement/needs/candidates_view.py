"""What the host's candidates section says beyond the list: why experts are not candidates.

The list itself is rendered on each view (templates/needs/_candidates.html) from the one kept
ranking (:func:`placement.matches.services.ranked_expert_ids`): no HTML is kept, so every
reader's form carries their own CSRF field as any other form does.
"""

from __future__ import annotations

from collections.abc import Callable

from flask_babel import ngettext

from placement.matches.services import Exclusions


def exclusion_lines(found: Exclusions) -> list[str]:
    """Each rule that removed experts from a need, with how many, in the reader's language,
    in the order the rules are checked."""
    lines = []
    for code, phrase in _RULE_PHRASES.items():
        count = found.by_rule.get(code, 0)
        if count:
            lines.append(phrase(count))
    return lines


# One phrase per rule of matching/eligibility.py (REASON_CODES), then consent and content.
_RULE_PHRASES: dict[str, Callable[[int], str]] = {
    "origin_country": lambda n: ngettext(
        "%(num)d expert comes from another country of origin.",
        "%(num)d experts come from another country of origin.",
        n,
    ),
    "residence_country": lambda n: ngettext(
        "%(num)d expert already lives in the country of the need.",
        "%(num)d experts already live in the country of the need.",
        n,
    ),
    "availability": lambda n: ngettext(
        "%(num)d expert is not available long enough within the need's dates.",
        "%(num)d experts are not available long enough within the need's dates.",
        n,
    ),
    "busy": lambda n: ngettext(
        "%(num)d expert is already booked by another placement on these dates.",
        "%(num)d experts are already booked by other placements on these dates.",
        n,
    ),
    "language": lambda n: ngettext(
        "%(num)d expert does not speak a language asked for at the level asked for.",
        "%(num)d experts do not speak a language asked for at the level asked for.",
        n,
    ),
    "programme_origin": lambda n: ngettext(
        "%(num)d expert's country of origin is not covered by the programme.",
        "%(num)d experts' countries of origin are not covered by the programme.",
        n,
    ),
    "programme_residence": lambda n: ngettext(
        "%(num)d expert lives in a country the programme does not cover.",
        "%(num)d experts live in countries the programme does not cover.",
        n,
    ),
    "programme_duration": lambda n: ngettext(
        "The need's duration is outside what the programme funds (%(num)d expert excluded).",
        "The need's duration is outside what the programme funds (%(num)d experts excluded).",
        n,
    ),
    "consent": lambda n: ngettext(
        "%(num)d expert has not agreed to their profile being used for matching.",
        "%(num)d experts have not agreed to their profiles being used for matching.",
        n,
    ),
    "sharing": lambda n: ngettext(
        "%(num)d expert has not agreed to share their profile with host institutions.",
        "%(num)d experts have not agreed to share their profiles with host institutions.",
        n,
    ),
    "empty_profile": lambda n: ngettext(
        "%(num)d expert has no skills, occupation or summary to match on yet.",
        "%(num)d experts have no skills, occupation or summary to match on yet.",
        n,
    ),
    "no_overlap": lambda n: ngettext(
        "%(num)d eligible expert has nothing in their skills, occupation or summary related "
        "to this need.",
        "%(num)d eligible experts have nothing in their skills, occupation or summary related "
        "to this need.",
        n,
    ),
}
