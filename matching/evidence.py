"""Whether a match rests on what the person can do, or only on the circumstances around it.

A score can be high on languages, dates, experience and region alone. A list that shows such
matches next to ones backed by skills reads them all as recommendations, so lists separate the
two. This predicate is the one rule for "has skill or occupation evidence", shared by every
list that needs it (the expert's match list, a host's ranking).
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["EVIDENCE_MIN", "has_skill_evidence"]

#: The least skill-profile or occupation similarity that counts as evidence. Below it the
#: similarity comes from the broad transversal skills every profile shares (communication,
#: teamwork), not from the work itself.
EVIDENCE_MIN = 0.15
#: Components that measure the work itself: coverage of the need's required and desired skills
#: (any matched skill counts) and the similarity of skill profiles and occupations.
COVERAGE = ("required_skills", "desired_skills")
SIMILARITY = ("skills", "occupation")


def has_skill_evidence(components: Mapping[str, float | None]) -> bool:
    """True when a match's components show a matched skill or a close skill profile or
    occupation; free-text similarity, languages and dates alone are not evidence.

    Parameters
    ----------
    components : mapping
        :attr:`matching.engine.Match.components` (criterion to value in [0, 1] or None).
    """
    if any((components.get(name) or 0.0) > 0.0 for name in COVERAGE):
        return True
    return any((components.get(name) or 0.0) >= EVIDENCE_MIN for name in SIMILARITY)
