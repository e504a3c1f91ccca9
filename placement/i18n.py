"""Locale selection: the user's setting, then the session's choice, then Accept-Language."""

from __future__ import annotations

from typing import Any

from babel.support import NullTranslations
from flask import Flask, current_app, g, has_request_context, request, session
from flask_babel import get_translations
from flask_login import current_user
from jinja2 import pass_eval_context
from jinja2.nodes import EvalContext
from markupsafe import Markup


def select_locale() -> str:
    supported = current_app.config["LANGUAGES"]
    if not has_request_context():  # command line and scheduled jobs
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user and current_user.is_authenticated and current_user.locale in supported:
        return current_user.locale
    chosen = session.get("locale")
    if chosen in supported:
        return chosen
    return (
        request.accept_languages.best_match(supported) or current_app.config["BABEL_DEFAULT_LOCALE"]
    )


def select_timezone() -> str | None:
    if not has_request_context():
        return None
    if current_user and current_user.is_authenticated and current_user.timezone:
        return current_user.timezone
    return None


def current_translations() -> NullTranslations:
    """The catalogue of the current locale and domain, found once while they stay the same.

    Flask-Babel's own lookup walks the request's context four times per string (domain,
    translations cache, locale, the locale's name): a page of twenty candidate cards asks for
    nearly three hundred strings, and that walk was a quarter of its time. The catalogue is
    kept on Flask-Babel's own per-request state next to the locale and domain objects it was
    found for, so ``force_locale`` (a mail in its reader's language) and ``refresh`` (a user
    who just changed language), which replace those objects, are seen at the next string.
    """
    try:
        state = g._flask_babel
    except (AttributeError, RuntimeError):  # before Flask-Babel's first lookup; no app context
        return get_translations()
    kept = getattr(state, "homeward_catalogue", None)
    locale = getattr(state, "babel_locale", None)
    domain = getattr(state, "babel_domain", None)
    if kept is not None and locale is not None and kept[0] is locale and kept[1] is domain:
        return kept[2]
    translations = get_translations()  # sets the locale and domain it used on ``state``
    state.homeward_catalogue = (
        getattr(state, "babel_locale", None),
        getattr(state, "babel_domain", None),
        translations,
    )
    return translations


def install_template_gettext(app: Flask) -> None:
    """Templates' ``_``, ``gettext``, ``ngettext``, ``pgettext`` and ``npgettext`` read
    :func:`current_translations`, with Jinja's new-style semantics (the result autoescaped,
    then ``%`` formatted with the call's variables, ``num`` defaulting to the count).

    Jinja's i18n extension (which Flask-Babel adds) wraps each of them in three layers of
    template calls, a third of what a translated string cost a page; these are single calls.
    ``{% trans %}`` blocks resolve the same names, so they read the same catalogue.
    """
    app.jinja_env.newstyle_gettext = True  # type: ignore[attr-defined]
    app.jinja_env.globals.update(
        _=_template_gettext,
        gettext=_template_gettext,
        ngettext=_template_ngettext,
        pgettext=_template_pgettext,
        npgettext=_template_npgettext,
    )


def _formatted(eval_ctx: EvalContext, translated: str, variables: dict[str, Any]) -> str:
    """Always a format string, as in Jinja (``%%`` is a percent sign); the catalogue's text is
    trusted as Jinja trusts it, its variables are escaped by ``Markup.__mod__``. A string with
    neither variables nor a percent sign, most of a page's, formats to itself."""
    text = Markup(translated) if eval_ctx.autoescape else translated  # noqa: S704
    return text % variables if variables or "%" in text else text


@pass_eval_context
def _template_gettext(eval_ctx: EvalContext, string: str, /, **variables: Any) -> str:
    return _formatted(eval_ctx, current_translations().ugettext(string), variables)


@pass_eval_context
def _template_ngettext(
    eval_ctx: EvalContext, singular: str, plural: str, num: int, /, **variables: Any
) -> str:
    variables.setdefault("num", num)
    translated = current_translations().ungettext(singular, plural, num)
    return _formatted(eval_ctx, translated, variables)


@pass_eval_context
def _template_pgettext(
    eval_ctx: EvalContext, context: str, string: str, /, **variables: Any
) -> str:
    variables.setdefault("context", context)
    return _formatted(eval_ctx, current_translations().upgettext(context, string), variables)


@pass_eval_context
def _template_npgettext(
    eval_ctx: EvalContext, context: str, singular: str, plural: str, num: int, /, **variables: Any
) -> str:
    variables.setdefault("context", context)
    variables.setdefault("num", num)
    translated = current_translations().unpgettext(context, singular, plural, num)
    return _formatted(eval_ctx, translated, variables)
