"""The host's ranked candidates as HTML, rendered once and kept per process.

Twenty candidates with their explanations are most of the cost of a need's page (hundreds of
translated strings and a hundred ORM objects), and the page is the one hosts reload most. Who
may be shown is decided before, on every view, by ``ranked_expert_ids`` (consent, erasure and
hard constraints are re-checked there). The HTML is then a function of the need, the reader's
language, who is shown in which order with which score, and the host's interest marks: these
make the key, so a withdrawn consent or a new mark changes the key. A card shows the profile as
it was when the ranking was made, like its score and explanation, and both are made anew when
the ranking expires (MATCH_CACHE_SECONDS).
"""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app
from flask_babel import get_locale, ngettext
from markupsafe import Markup

from matching.engine import Match
from placement.matches.services import Exclusions, cache_seconds, evidence_first, with_profiles
from placement.models import Need
from placement.process_cache import ProcessCache

# What needs/_candidates.html has in place of each form's CSRF field; every reader gets their own.
CSRF_PLACEHOLDER = "<!-- csrf field -->"

_FRAGMENTS: ProcessCache[str] = ProcessCache()


def candidates_html(
    need: Need, ranked: list[tuple[int, Match]], host_interest: set[int], csrf_field: Markup
) -> Markup:
    """The candidate list of ``need`` for this reader, from the kept HTML when it still fits.
    ``ranked`` is who may be shown now (profile id, match), best first."""
    key = (
        str(need.uuid),
        need.updated_at,
        str(get_locale()),
        tuple((expert_id, match.score, expert_id in host_interest) for expert_id, match in ranked),
    )
    seconds = cache_seconds()
    html = _FRAGMENTS.get(key, seconds) if seconds > 0 else None
    if html is None:
        strong, weaker = evidence_first(ranked)
        html = current_app.jinja_env.get_template("needs/_candidates.html").render(
            need=need,
            candidates=with_profiles(strong),
            weaker=with_profiles(weaker),
            host_interest=host_interest,
        )
        if seconds > 0:
            _FRAGMENTS.put(key, html)
    # Autoescaped template output and WTForms' own markup, so nothing unescaped is added.
    return Markup(html.replace(CSRF_PLACEHOLDER, csrf_field))  # noqa: S704  # nosec B704


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
