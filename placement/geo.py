"""Country and language names in the reader's language, from Babel's CLDR data (offline)."""

from __future__ import annotations

import re
from functools import lru_cache

from babel import Locale
from flask_babel import get_locale

_ALPHA2 = re.compile(r"^[A-Z]{2}$")
# CLDR territory codes that are not ISO 3166-1 alpha-2 countries.
_NOT_COUNTRIES = frozenset({"EU", "EZ", "UN", "QO", "XA", "XB", "XK", "ZZ"})


@lru_cache(maxsize=8)
def _countries(locale_code: str) -> tuple[tuple[str, str], ...]:
    names = Locale.parse(locale_code).territories
    pairs = [
        (code, name)
        for code, name in names.items()
        if _ALPHA2.match(code) and code not in _NOT_COUNTRIES
    ]
    return tuple(sorted(pairs, key=lambda pair: pair[1].casefold()))


def country_choices() -> list[tuple[str, str]]:
    return list(_countries(str(get_locale() or "en")))


def country_codes() -> frozenset[str]:
    return frozenset(code for code, _ in _countries("en"))


def country_name(code: str | None) -> str:
    if not code:
        return ""
    return Locale.parse(str(get_locale() or "en")).territories.get(code, code)


def language_name(code: str | None) -> str:
    if not code:
        return ""
    return Locale.parse(str(get_locale() or "en")).languages.get(code, code)
