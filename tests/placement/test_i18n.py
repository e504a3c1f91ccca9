"""Languages: complete catalogs, every main page in each locale, right-to-left Arabic,
localised formats, and ESCO skills across languages."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from flask import Flask, session
from flask.testing import FlaskClient
from flask_babel import force_locale, refresh

from matching.taxonomy import Taxonomy
from tests import factories

ROOT = Path(__file__).resolve().parents[2]
CATALOGS = ROOT / "placement" / "translations"
TRANSLATED = ("fr", "es", "ar")
LOG_IN = {"en": "Log in", "fr": "Se connecter", "es": "Iniciar sesión", "ar": "تسجيل الدخول"}


def _catalog(locale: str) -> object:
    with (CATALOGS / locale / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale=locale)


@pytest.mark.parametrize("locale", TRANSLATED)
def test_catalog_is_complete(locale: str) -> None:
    catalog = _catalog(locale)
    missing = [
        m.id
        for m in catalog
        if m.id and (not m.string or m.fuzzy or (isinstance(m.string, tuple) and not all(m.string)))
    ]
    assert missing == [], f"{len(missing)} untranslated messages in {locale}: {missing[:5]}"


def test_catalogs_hold_every_message_of_the_sources(tmp_path: Path) -> None:
    """A string added to a page without running `make messages` would show untranslated."""
    fresh = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "-k",
            "lazy_gettext",
            "--no-location",
            "-o",
            str(fresh),
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with fresh.open("rb") as handle:
        wanted = {m.id for m in read_po(handle) if m.id}
    for locale in TRANSLATED:
        have = {m.id for m in _catalog(locale) if m.id}
        assert wanted - have == set(), f"run `make messages` and translate ({locale})"


@pytest.mark.parametrize("locale", ["en", *TRANSLATED])
@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/login",
        "/register",
        "/register/expert",
        "/register/institution",
        "/needs",
        "/about",
        "/reset",
    ],
)
def test_public_pages_render_in_each_language(client: FlaskClient, locale: str, path: str) -> None:
    client.post("/locale", data={"locale": locale})
    page = client.get(path).get_data(as_text=True)
    direction = "rtl" if locale == "ar" else "ltr"
    assert f'<html lang="{locale}" dir="{direction}">' in page
    assert LOG_IN[locale] in page or path == "/login"


@pytest.mark.parametrize("locale", TRANSLATED)
@pytest.mark.parametrize("role", ["expert", "institution", "staff", "admin"])
def test_dashboards_in_each_language(
    client: FlaskClient, login_as: Callable, locale: str, role: str
) -> None:
    user = login_as(role)
    client.post("/locale", data={"locale": locale})
    response = client.get("/dashboard", follow_redirects=True)
    assert response.status_code == 200
    assert f'<html lang="{locale}"' in response.get_data(as_text=True)
    assert user.email  # the account keeps its language for emails


def test_dates_follow_the_language(client: FlaskClient, login: Callable) -> None:
    expert = factories.ExpertFactory()
    login(expert.user)
    client.post("/locale", data={"locale": "fr"})
    window = expert.availability[0]
    page = client.get("/expert/availability").get_data(as_text=True)
    months = (
        "janv.",
        "févr.",
        "mars",
        "avr.",
        "mai",
        "juin",
        "juil.",
        "août",
        "sept.",
        "oct.",
        "nov.",
        "déc.",
    )
    assert f"{window.start.day} {months[window.start.month - 1]} {window.start.year}" in page


_STRINGS = (
    '{{ _("Log in") }}|'
    '{{ ngettext("%(num)d year of experience", "%(num)d years of experience", 3) }}'
)


def test_page_strings_follow_a_forced_locale_and_come_back(app: Flask) -> None:
    """A mail written in its reader's language in the middle of a French page: the template
    strings switch with ``force_locale`` and return to French after it."""
    template = app.jinja_env.from_string(_STRINGS)
    with app.test_request_context(headers={"Accept-Language": "fr"}):
        before = template.render()
        with force_locale("es"):
            forced = template.render()
        after = template.render()
    assert before == "Se connecter|3 ans d'expérience"
    assert forced.startswith(f"{LOG_IN['es']}|3 ")
    assert after == before


def test_page_strings_follow_a_language_changed_during_the_request(app: Flask) -> None:
    """Choosing a language then ``refresh()`` (the choice is shown on the same response)."""
    template = app.jinja_env.from_string('{{ _("Log in") }}')
    with app.test_request_context(headers={"Accept-Language": "fr"}):
        assert template.render() == LOG_IN["fr"]
        session["locale"] = "ar"
        assert template.render() == LOG_IN["fr"]  # the locale is kept for the request
        refresh()
        assert template.render() == LOG_IN["ar"]


def test_template_strings_escape_their_variables_and_take_any_variable_name(app: Flask) -> None:
    template = app.jinja_env.from_string(
        '{{ _("lives in %(country)s", country=place) }}|{{ _("%(string)s %(num)s", string="a",'
        ' num="b") }}|{{ ngettext("%(num)d year", "%(num)d years", 2, num=5) }}'
    )
    with app.test_request_context(headers={"Accept-Language": "fr"}):
        rendered = template.render(place="<b>Kenya</b>")
    assert rendered == "pays de résidence : &lt;b&gt;Kenya&lt;/b&gt;|a b|5 years"
    percent = app.jinja_env.from_string('{{ _("100%% sure") }}|{{ _("<b>not markup</b>") }}')
    with app.test_request_context():
        assert percent.render() == "100% sure|<b>not markup</b>"  # trusted, as in Jinja


def test_a_french_skill_finds_the_english_concept(client: FlaskClient, login_as: Callable) -> None:
    login_as("expert")
    client.post("/locale", data={"locale": "fr"})
    english = Taxonomy.load().resolve("manage budgets")[0].uri
    results = client.get("/taxonomy/search?q=gérer des budgets").json["results"]
    assert results[0]["uri"] == english and results[0]["label"] == "gérer des budgets"


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("?q=" + "x" * 101, 400),
        ("?kind=planet&q=ab", 400),
        ("?q=ab&limit=lots", 400),
        ("?q=a", 200),
    ],
)
def test_taxonomy_search_bad_input(
    client: FlaskClient, login_as: Callable, query: str, status: int
) -> None:
    login_as("expert")
    response = client.get("/taxonomy/search" + query)
    assert response.status_code == status
    assert response.is_json
