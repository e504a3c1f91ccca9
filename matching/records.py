"""Plain, immutable records for experts and needs, and their validation.

The records mirror the interchange format (``shared/spec/interchange.md``). They are frozen so
that they can be cached, hashed and shared between the engine, the command line and the web
application without defensive copies. Validation lives here, not in the readers, so the web
forms and the file readers reject exactly the same things.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources
from typing import Any

__all__ = [
    "GENDERS",
    "LEVELS",
    "Expert",
    "Language",
    "Need",
    "RecordError",
    "Window",
    "country_codes",
    "expert_from_dict",
    "language_codes",
    "level_rank",
    "need_from_dict",
]

#: CEFR levels in increasing order; ``native`` ranks above ``C2``.
LEVELS: tuple[str, ...] = ("A1", "A2", "B1", "B2", "C1", "C2", "native")
GENDERS: tuple[str, ...] = ("female", "male", "other", "undisclosed")
_LEVEL_BY_KEY = {level.lower(): level for level in LEVELS}


class RecordError(ValueError):
    """A record field is missing or invalid.

    Parameters
    ----------
    field : str
        Dotted path of the offending field, e.g. ``languages[1].level``.
    message : str
        What is wrong, in English.
    """

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@cache
def _code_table(name: str) -> dict[str, str]:
    text = resources.files("matching").joinpath("data", name).read_text(encoding="utf-8")
    table: dict[str, str] = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            code, _, label = line.partition("\t")
            table[code] = label
    return table


def country_codes() -> dict[str, str]:
    """ISO 3166-1 alpha-2 codes shipped with the package, mapped to English names."""
    return _code_table("countries.tsv")


def language_codes() -> dict[str, str]:
    """ISO 639-1 codes shipped with the package, mapped to English names, plus ISO 639-3 codes
    of regional languages without a two-letter code (Krio ``kri``, Temne ``tem``...)."""
    return _code_table("languages.tsv")


def level_rank(level: str) -> int:
    """Rank of a CEFR level: 1 for ``A1`` … 6 for ``C2``, 7 for ``native``."""
    return LEVELS.index(level) + 1


@dataclass(frozen=True)
class Language:
    """A spoken language: ISO 639-1 ``code`` and CEFR ``level`` (or ``native``)."""

    code: str
    level: str

    @property
    def rank(self) -> int:
        return level_rank(self.level)


@dataclass(frozen=True)
class Window:
    """A closed date interval; both ``start`` and ``end`` count as days."""

    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def overlap_days(self, other: Window) -> int:
        """Number of days both windows share, counting both end dates (0 if disjoint)."""
        first = max(self.start, other.start)
        last = min(self.end, other.end)
        return max(0, (last - first).days + 1)


@dataclass(frozen=True)
class Expert:
    """A diaspora professional, as in the interchange format's expert record."""

    id: str
    origin_country: str
    residence_country: str
    languages: tuple[Language, ...] = ()
    occupation: str | None = None
    skills: tuple[str, ...] = ()
    summary: str | None = None
    years_experience: float | None = None
    availability: tuple[Window, ...] = ()
    sectors: tuple[str, ...] = ()
    origin_region: str | None = None
    gender: str = "undisclosed"
    name: str | None = None
    email: str | None = None
    #: Skills proposed for the expert (e.g. read from a CV) but not confirmed by them: ESCO
    #: URIs or labels like ``skills``. The engine counts each at half a confirmed skill.
    #: Library-level only: the interchange format has no such field (its readers ignore
    #: unknown fields).
    suggested_skills: tuple[str, ...] = ()

    @property
    def has_profile(self) -> bool:
        """Whether there is anything to match on (skills, occupation or summary)."""
        return bool(self.skills or self.suggested_skills or self.occupation or self.summary)


@dataclass(frozen=True)
class Need:
    """A host institution's request for one or more experts."""

    id: str
    institution: str
    country: str
    title: str
    start: date
    end: date
    duration_weeks: int
    slots: int = 1
    region: str | None = None
    description: str | None = None
    sector: str | None = None
    occupation: str | None = None
    required_skills: tuple[str, ...] = ()
    desired_skills: tuple[str, ...] = ()
    languages: tuple[Language, ...] = ()

    @property
    def window(self) -> Window:
        return Window(self.start, self.end)


# --- field parsers -------------------------------------------------------------------------


def _string(value: Any, field: str, *, required: bool = False) -> str | None:
    if value is None:
        if required:
            raise RecordError(field, "required field is missing")
        return None
    if not isinstance(value, str):
        raise RecordError(field, f"expected a string, got {type(value).__name__}")
    value = value.strip()
    if not value:
        if required:
            raise RecordError(field, "must not be empty")
        return None
    return value


def _required_string(value: Any, field: str) -> str:
    text = _string(value, field, required=True)
    if text is None:  # pragma: no cover - _string raises first
        raise RecordError(field, "required field is missing")
    return text


def _country(value: Any, field: str) -> str:
    text = _required_string(value, field)
    code = text.upper()
    if code not in country_codes():
        raise RecordError(field, f"unknown country code {text!r} (expected ISO 3166-1 alpha-2)")
    return code


def _date(value: Any, field: str) -> date:
    if not isinstance(value, str):
        raise RecordError(field, "expected a date as a string YYYY-MM-DD")
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise RecordError(field, f"invalid date {value!r} (expected YYYY-MM-DD)") from None


def _integer(value: Any, field: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise RecordError(field, f"expected an integer, got {type(value).__name__}")
    if isinstance(value, float) and not (math.isfinite(value) and value.is_integer()):
        raise RecordError(field, f"expected an integer, got {value!r}")
    if value < minimum:
        raise RecordError(field, f"must be at least {minimum}, got {int(value)}")
    return int(value)


def _list(value: Any, field: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise RecordError(field, f"expected a list, got {type(value).__name__}")
    return value


def _strings(value: Any, field: str) -> tuple[str, ...]:
    items = []
    for i, item in enumerate(_list(value, field)):
        text = _string(item, f"{field}[{i}]")
        if text is not None:
            items.append(text)
    return tuple(items)


def _languages(value: Any, field: str) -> tuple[Language, ...]:
    best: dict[str, Language] = {}
    for i, item in enumerate(_list(value, field)):
        where = f"{field}[{i}]"
        if not isinstance(item, Mapping):
            raise RecordError(where, 'expected an object {"code", "level"}')
        code_text = _required_string(item.get("code"), f"{where}.code")
        code = code_text.lower()
        if code not in language_codes():
            raise RecordError(
                f"{where}.code", f"unknown language code {code_text!r} (ISO 639-1 or 639-3)"
            )
        level_text = _required_string(item.get("level"), f"{where}.level")
        level = _LEVEL_BY_KEY.get(level_text.lower())
        if level is None:
            raise RecordError(
                f"{where}.level", f"unknown level {level_text!r} (expected A1..C2 or native)"
            )
        language = Language(code, level)
        if code not in best or language.rank > best[code].rank:
            best[code] = language
    return tuple(sorted(best.values(), key=lambda lang: lang.code))


def _windows(value: Any, field: str) -> tuple[Window, ...]:
    windows = []
    for i, item in enumerate(_list(value, field)):
        where = f"{field}[{i}]"
        if not isinstance(item, Mapping):
            raise RecordError(where, 'expected an object {"start", "end"}')
        start = _date(_required(item, "start", f"{where}.start"), f"{where}.start")
        end = _date(_required(item, "end", f"{where}.end"), f"{where}.end")
        if end < start:
            raise RecordError(f"{where}.end", f"end {end} is before start {start}")
        windows.append(Window(start, end))
    return tuple(sorted(windows, key=lambda w: (w.start, w.end)))


def _required(d: Mapping[str, Any], key: str, field: str | None = None) -> Any:
    value = d.get(key)
    if value is None:
        raise RecordError(field or key, "required field is missing")
    return value


def _years(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise RecordError("years_experience", "expected a number")
    if value < 0:
        raise RecordError("years_experience", "must not be negative")
    return float(value)


def _gender(value: Any) -> str:
    text = _string(value, "gender")
    if text is None:
        return "undisclosed"
    if text.lower() not in GENDERS:
        raise RecordError("gender", f"expected one of {', '.join(GENDERS)}, got {text!r}")
    return text.lower()


def _check_object(d: Any) -> Mapping[str, Any]:
    if not isinstance(d, Mapping):
        raise RecordError("(record)", f"expected a JSON object, got {type(d).__name__}")
    return d


def expert_from_dict(d: Mapping[str, Any]) -> Expert:
    """Build an :class:`Expert` from an interchange record, validating every field.

    Unknown fields are ignored and missing optional fields take the documented defaults, as
    the interchange contract requires.

    Parameters
    ----------
    d : Mapping
        One decoded JSON object.

    Returns
    -------
    Expert

    Raises
    ------
    RecordError
        Naming the first invalid field.
    """
    d = _check_object(d)
    expert_id = _required_string(_required(d, "id"), "id")
    return Expert(
        id=expert_id,
        origin_country=_country(_required(d, "origin_country"), "origin_country"),
        residence_country=_country(_required(d, "residence_country"), "residence_country"),
        languages=_languages(d.get("languages"), "languages"),
        occupation=_string(d.get("occupation"), "occupation"),
        skills=_strings(d.get("skills"), "skills"),
        summary=_string(d.get("summary"), "summary"),
        years_experience=_years(d.get("years_experience")),
        availability=_windows(d.get("availability"), "availability"),
        sectors=tuple(s.lower() for s in _strings(d.get("sectors"), "sectors")),
        origin_region=_string(d.get("origin_region"), "origin_region"),
        gender=_gender(d.get("gender")),
        name=_string(d.get("name"), "name"),
        email=_string(d.get("email"), "email"),
    )


def need_from_dict(d: Mapping[str, Any]) -> Need:
    """Build a :class:`Need` from an interchange record, validating every field.

    Besides field types, checks that ``end`` is not before ``start``, that ``duration_weeks``
    fits inside ``start``..``end`` (both days counted) and that ``slots`` is at least 1.

    Parameters
    ----------
    d : Mapping
        One decoded JSON object.

    Returns
    -------
    Need

    Raises
    ------
    RecordError
        Naming the first invalid field.
    """
    d = _check_object(d)
    need_id = _required_string(_required(d, "id"), "id")
    institution = _required_string(_required(d, "institution"), "institution")
    country = _country(_required(d, "country"), "country")
    title = _required_string(_required(d, "title"), "title")
    start = _date(_required(d, "start"), "start")
    end = _date(_required(d, "end"), "end")
    if end < start:
        raise RecordError("end", f"end {end} is before start {start}")
    weeks = _integer(_required(d, "duration_weeks"), "duration_weeks", 1)
    window_days = (end - start).days + 1
    if weeks * 7 > window_days:
        raise RecordError(
            "duration_weeks",
            f"{weeks} weeks ({weeks * 7} days) do not fit in {start}..{end} ({window_days} days)",
        )
    slots = d.get("slots")
    return Need(
        id=need_id,
        institution=institution,
        country=country,
        title=title,
        start=start,
        end=end,
        duration_weeks=weeks,
        slots=1 if slots is None else _integer(slots, "slots", 1),
        region=_string(d.get("region"), "region"),
        description=_string(d.get("description"), "description"),
        sector=(_string(d.get("sector"), "sector") or "").lower() or None,
        occupation=_string(d.get("occupation"), "occupation"),
        required_skills=_strings(d.get("required_skills"), "required_skills"),
        desired_skills=_strings(d.get("desired_skills"), "desired_skills"),
        languages=_languages(d.get("languages"), "languages"),
    )
