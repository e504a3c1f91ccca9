"""Country and language names in the reader's language.

The codes are the ISO lists the matching engine validates against, so a country or language
picked in a form is always one the engine accepts; the names come from Babel's CLDR data
(offline), falling back to the English name of the ISO list.
"""

from __future__ import annotations

from functools import lru_cache

from babel import Locale
from babel.core import get_global
from flask_babel import get_locale

from matching.records import country_codes as iso_countries
from matching.records import language_codes as iso_languages

# Territories with no settled population: nobody comes from or lives in them, so forms do not
# offer them (the matching engine still accepts their codes in records).
UNINHABITED = frozenset({"AQ", "BV", "HM", "TF", "GS", "UM"})
# Ancient, liturgical and constructed languages nobody lists for working with a host: kept in
# the engine's code list for old records, left out of the forms.
NOT_OFFERED = frozenset({"ae", "cu", "pi", "vo", "ia", "ie", "io"})
# The six official languages of the United Nations, offered right after the country's own.
UN_LANGUAGES = ("ar", "zh", "en", "fr", "ru", "es")
# A country's language is offered first when at least this share of its people speak it.
MIN_POPULATION_PERCENT = 5.0


def _locale_code() -> str:
    return str(get_locale() or "en")


@lru_cache(maxsize=8)
def _countries(locale_code: str) -> tuple[tuple[str, str], ...]:
    names = Locale.parse(locale_code).territories
    pairs = [
        (code, names.get(code, english))
        for code, english in iso_countries().items()
        if code not in UNINHABITED
    ]
    return tuple(sorted(pairs, key=lambda pair: pair[1].casefold()))


@lru_cache(maxsize=8)
def _languages(locale_code: str) -> tuple[tuple[str, str], ...]:
    names = Locale.parse(locale_code).languages
    pairs = [
        (code, names.get(code, english))
        for code, english in iso_languages().items()
        if code not in NOT_OFFERED
    ]
    return tuple(sorted(pairs, key=lambda pair: pair[1].casefold()))


def country_languages(country: str | None) -> list[str]:
    """Languages spoken by at least ``MIN_POPULATION_PERCENT`` of a country's people, most
    spoken first (CLDR's estimates, e.g. Krio, English, Mende, Temne for Sierra Leone)."""
    if not country:
        return []
    spoken = get_global("territory_languages").get(country.upper(), {})
    known = iso_languages()
    ranked = sorted(spoken.items(), key=lambda item: -(item[1].get("population_percent") or 0))
    return [
        code
        for code, info in ranked
        if code in known and (info.get("population_percent") or 0) >= MIN_POPULATION_PERCENT
    ]


def country_choices(*, origins_first: bool = False) -> list[tuple[str, str]]:
    """Countries to offer, in the reader's language and alphabetical order. With
    ``origins_first`` (a country of origin or of placement: a need's, an expert's origin, a
    programme's), the eligible origin countries of the programmes running now come first, so
    that the few countries a deployment serves are not lost among two hundred."""
    pairs = list(_countries(_locale_code()))
    if not origins_first:
        return pairs
    from placement.programmes.services import origin_countries

    first = origin_countries()
    return [p for p in pairs if p[0] in first] + [p for p in pairs if p[0] not in first]


def language_choices(*countries: str | None) -> list[tuple[str, str]]:
    """Languages to offer, in the reader's language: those of ``countries`` first (the
    expert's origin and residence), then the UN languages, then the rest alphabetically."""
    pairs = _languages(_locale_code())
    names = dict(pairs)
    first = [c for country in countries for c in country_languages(country)]
    first += list(UN_LANGUAGES)
    ordered = list(dict.fromkeys(c for c in first if c in names))
    return [(c, names[c]) for c in ordered] + [p for p in pairs if p[0] not in ordered]


def country_codes() -> frozenset[str]:
    return frozenset(iso_countries())


def country_name(code: str | None) -> str:
    if not code:
        return ""
    return Locale.parse(_locale_code()).territories.get(code, iso_countries().get(code, code))


def language_name(code: str | None) -> str:
    if not code:
        return ""
    return Locale.parse(_locale_code()).languages.get(code, iso_languages().get(code, code))


@lru_cache(maxsize=8)
def _zones(locale_code: str) -> tuple[tuple[str, str], ...]:
    """Every time zone CLDR ties to a country and this Python knows, named in the reader's
    language ("Canada (Toronto) Time" / "heure : Canada (Toronto)")."""
    from zoneinfo import available_timezones

    from babel.core import get_global
    from babel.dates import get_timezone, get_timezone_location

    known = available_timezones()
    zones = {z for zs in get_global("territory_zones").values() for z in zs if z in known}
    pairs = [(z, get_timezone_location(get_timezone(z), locale=locale_code)) for z in zones]
    return tuple(sorted(pairs, key=lambda pair: (pair[1].casefold(), pair[0])))


def zone_choices() -> list[tuple[str, str]]:
    return list(_zones(_locale_code()))
