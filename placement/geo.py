"""Country and language names in the reader's language.

The codes are the ISO lists the matching engine validates against, so a country or language
picked in a form is always one the engine accepts; the names come from Babel's CLDR data
(offline), falling back to the English name of the ISO list.
"""

from __future__ import annotations

from functools import lru_cache

from babel import Locale
from flask_babel import get_locale

from matching.records import country_codes as iso_countries
from matching.records import language_codes as iso_languages


def _locale_code() -> str:
    return str(get_locale() or "en")


@lru_cache(maxsize=8)
def _countries(locale_code: str) -> tuple[tuple[str, str], ...]:
    names = Locale.parse(locale_code).territories
    pairs = [(code, names.get(code, english)) for code, english in iso_countries().items()]
    return tuple(sorted(pairs, key=lambda pair: pair[1].casefold()))


@lru_cache(maxsize=8)
def _languages(locale_code: str) -> tuple[tuple[str, str], ...]:
    names = Locale.parse(locale_code).languages
    pairs = [(code, names.get(code, english)) for code, english in iso_languages().items()]
    return tuple(sorted(pairs, key=lambda pair: pair[1].casefold()))


def country_choices() -> list[tuple[str, str]]:
    return list(_countries(_locale_code()))


def language_choices() -> list[tuple[str, str]]:
    return list(_languages(_locale_code()))


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
