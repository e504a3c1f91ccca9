"""Helpers shared by every feature's forms."""

from __future__ import annotations

from collections.abc import Iterable

from wtforms.fields.choices import SelectChoice


def strip_whitespace(value: object) -> object:
    """Phones add trailing spaces to typed text; they are never meaningful."""
    return value.strip() if isinstance(value, str) else value


def select_choices(pairs: Iterable[tuple[str, object]]) -> list[SelectChoice]:
    """(value, label) pairs as WTForms 3.3 select choices (tuples are deprecated there)."""
    return [SelectChoice(value, label) for value, label in pairs]  # type: ignore[arg-type]


def list_errors(field: object) -> list[str]:
    """The errors of a FieldList itself, without those of its rows (which show by each row)."""
    return [str(e) for e in getattr(field, "errors", []) if not isinstance(e, list | dict)]
