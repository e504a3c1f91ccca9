"""Whether a match rests on what the person can do, or only on the circumstances around it.

A score can be high on languages, dates, experience and region alone. A list that shows such
matches next to ones backed by skills reads them all as recommendations, so lists separate the
two. This predicate is the one rule for "has skill or occupation evidence", shared by every
list that needs it (the expert's match list, a host's ranking, the staff view of a need).
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["COVERAGE_MIN", "SIMILARITY_MIN", "has_skill_evidence"]

#: The least share of a need's required (or desired) skills the expert must have: one generic
#: skill out of four ("communicate", "teamwork") is not a match; one of three is.
COVERAGE_MIN = 1 / 3
#: The least skill-profile or occupation similarity that counts as evidence. Below it the
#: similarity comes from the broad transversal skills every profile shares (communication,
#: teamwork), not from the work itself.
SIMILARITY_MIN = 0.15
#: The components that measure the work itself, with the least value that counts: coverage of
#: the need's required and desired skills, and the similarity of skill profiles and occupations.
#: Languages, dates, experience, region, free text and predicted success only say that someone
#: could come, not that they can do the work.
THRESHOLDS: Mapping[str, float] = {
    "required_skills": COVERAGE_MIN,
    "desired_skills": COVERAGE_MIN,
    "skills": SIMILARITY_MIN,
    "occupation": SIMILARITY_MIN,
}


def has_skill_evidence(components: Mapping[str, float | None]) -> bool:
    """True when a match's components show enough of the need's skills or a close skill
    profile or occupation; free-text similarity, languages and dates alone are not evidence.

    Parameters
    ----------
    components : mapping
        :attr:`matching.engine.Match.components` (criterion to value in [0, 1] or None).
    """
    return any((components.get(name) or 0.0) >= least for name, least in THRESHOLDS.items())
