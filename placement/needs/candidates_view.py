"""What the host's candidates section shows: the candidates' cards, and why experts are not
candidates.

The list comes from the one kept ranking (:func:`placement.matches.services.ranked_expert_ids`,
re-checked on every view) and its cards are rendered on every view, by the page's own template
pass: no HTML is kept, so every reader's form carries their own CSRF field as any other form
does (issue 20, point 5: one cache, of ranking data only). What a card shows of the profile
is read with one plain query instead of loading full profile objects, which was most of a
view's database time.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask_babel import ngettext
from sqlalchemy import bindparam, select

from matching.engine import Match
from placement.extensions import db
from placement.matches.services import Exclusions
from placement.models import ExpertProfile, ExpertSkill


@dataclass(frozen=True)
class CardExpert:
    """What a candidate's card shows of the profile."""

    id: int
    uuid: uuid.UUID
    occupation_label: str | None
    years_experience: int | None
    residence_country: str | None
    skill_labels: tuple[str, ...]


@dataclass(frozen=True)
class CardItem:
    """One card's data, as templates/needs/_candidate_card.html reads it: the candidate's
    number on the page, what the card shows of the profile, and the match."""

    n: int
    expert: CardExpert
    match: Match


def candidate_cards(ranked: list[tuple[int, Match]], first: int = 1) -> list[CardItem]:
    """The cards of ``ranked`` (profile id, match), numbered from ``first``, in order; a
    profile no longer there is left out. The page renders them in its own pass (one template
    context for every card, not one per card)."""
    experts = card_experts([expert_id for expert_id, _match in ranked])
    cards: list[CardItem] = []
    for expert_id, match in ranked:
        expert = experts.get(expert_id)
        if expert is not None:
            cards.append(CardItem(first + len(cards), expert, match))
    return cards


def card_experts(expert_ids: list[int]) -> dict[int, CardExpert]:
    """Profile id -> what its card shows, read now (one Core query, a row per skill: no ORM
    objects and one round trip, as this runs on every view)."""
    if not expert_ids:
        return {}
    fields: dict[int, Any] = {}
    skills: dict[int, list[str]] = {}
    for row in db.session.connection().execute(_CARDS_OF, {"ids": expert_ids}):
        fields.setdefault(row.id, row)
        labels = skills.setdefault(row.id, [])
        if row.label is not None:
            labels.append(row.label)
    return {
        expert_id: CardExpert(
            row.id,
            row.uuid,
            row.occupation_label,
            row.years_experience,
            row.residence_country,
            tuple(skills[expert_id]),
        )
        for expert_id, row in fields.items()
    }


_IDS = bindparam("ids", expanding=True)
_CARDS_OF = (
    select(
        ExpertProfile.id,
        ExpertProfile.uuid,
        ExpertProfile.occupation_label,
        ExpertProfile.years_experience,
        ExpertProfile.residence_country,
        ExpertSkill.label,
    )
    .outerjoin(ExpertSkill, ExpertSkill.expert_id == ExpertProfile.id)
    .where(ExpertProfile.id.in_(_IDS))
    .order_by(ExpertProfile.id, ExpertSkill.id)
)


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
