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

from flask import current_app
from flask_babel import get_locale
from markupsafe import Markup

from matching.engine import Match
from placement.matches.services import cache_seconds, with_profiles
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
        html = current_app.jinja_env.get_template("needs/_candidates.html").render(
            need=need,
            candidates=with_profiles(ranked),
            host_interest=host_interest,
        )
        if seconds > 0:
            _FRAGMENTS.put(key, html)
    # Autoescaped template output and WTForms' own markup, so nothing unescaped is added.
    return Markup(html.replace(CSRF_PLACEHOLDER, csrf_field))  # noqa: S704  # nosec B704
