"""Helpers shared by every feature's forms."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from flask import flash
from flask_babel import lazy_gettext as _l
from wtforms import TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from placement.extensions import db


def strip_whitespace(value: object) -> object:
    """Phones add trailing spaces to typed text; they are never meaningful."""
    return value.strip() if isinstance(value, str) else value


def select_choices(pairs: Iterable[tuple[str, object]]) -> list[SelectChoice]:
    """(value, label) pairs as WTForms 3.3 select choices (tuples are deprecated there)."""
    return [SelectChoice(value, label) for value, label in pairs]  # type: ignore[arg-type]


def text_limit(limit: int) -> Length:
    """A length limit whose message gives the limit and the current length, and says that the
    text is kept (the form comes back with it, to shorten)."""
    return Length(
        max=limit,
        message=_l(
            "Keep this text to %(max)d characters; it has %(length)d now. "
            "What you wrote is still here to shorten."
        ),
    )


def limited_text(label: object, limit: int, description: object = None) -> TextAreaField:
    """An optional free-text field with a stated limit: said under the field, counted as one
    types (``data-counter``: static/js/counter.js, included by ``counter_script()`` of
    templates/_scripts.html) and checked on the server with :func:`text_limit`, so every long
    text of the forms behaves the same way."""
    return TextAreaField(
        label,
        filters=[strip_whitespace],
        validators=[Optional(), text_limit(limit)],
        description=description or _l("At most %(max)d characters.", max=limit),
        render_kw={"data-counter": limit},
    )


def list_errors(field: object) -> list[str]:
    """The errors of a FieldList itself, without those of its rows (which show by each row)."""
    return [str(e) for e in getattr(field, "errors", []) if not isinstance(e, list | dict)]


def add_error(form: object, field_name: str | None, message: object) -> None:
    """Show a service's refusal next to the field it concerns, or at the top of the page when
    it concerns no field of this form; what the user typed stays in the form."""
    field = getattr(form, field_name, None) if field_name else None
    if field is None or not hasattr(field, "errors"):
        flash(str(message), "error")
    else:
        field.errors = [*field.errors, str(message)]


@dataclass
class Outcome:
    """What :func:`committed` did: ``ok`` once the change is committed, else the refusal."""

    ok: bool = False
    error: Exception | None = None


@contextmanager
def committed(
    refusals: type[Exception] | tuple[type[Exception], ...], form: object = None
) -> Iterator[Outcome]:
    """Run a service call and commit it, or, when the service refuses (raises one of
    ``refusals``), roll back and show why: next to the field the refusal names when ``form``
    has it, else at the top of the page. Routes then only say what follows a success::

        with committed(AccountError, form) as done:
            services.register(...)
        if done.ok:
            flash(...)
            return redirect(...)

    One place for what every form route did by hand, so none forgets the rollback.
    """
    outcome = Outcome()
    try:
        yield outcome
    except refusals as error:
        db.session.rollback()
        outcome.error = error
        message = getattr(error, "message", None) or str(error)
        add_error(form, getattr(error, "field", None), message)
    else:
        db.session.commit()
        outcome.ok = True
