"""GET /taxonomy/search: the engine's resolver behind the search box, in the reader's language."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask.testing import FlaskClient


@pytest.mark.parametrize(
    ("query", "kind", "first"),
    [
        ("adapt teachng", "skill", "adapt teaching to student's capabilities"),
        ("anaesthesia", "skill", "anaesthetics"),
        ("vocational teachr", "occupation", "vocational teacher"),
    ],
)
def test_typos_bring_the_intended_concept_first(
    client: FlaskClient, login_as: Callable, query: str, kind: str, first: str
) -> None:
    login_as("expert")
    results = client.get("/taxonomy/search", query_string={"q": query, "kind": kind}).json
    labels = [r["label"] for r in results["results"]]
    assert labels[0] == first
    assert "natural gas" not in labels and "computer programming" not in labels


def test_french_reader_gets_french_labels(client: FlaskClient, login_as: Callable) -> None:
    login_as("expert")
    client.post("/locale", data={"locale": "fr"})
    results = client.get("/taxonomy/search", query_string={"q": "comptabilite"}).json["results"]
    assert results[0]["label"] == "comptabilité"


@pytest.mark.parametrize("query", ["ng", "zz", "%%", "   "])
def test_short_fragments_find_no_typo_matches(
    client: FlaskClient, login_as: Callable, query: str
) -> None:
    login_as("expert")
    results = client.get("/taxonomy/search", query_string={"q": query}).json["results"]
    # Only labels that are or begin with the text itself: never a fragment inside a word.
    assert all(r["matched"].startswith(query.strip().lower()) for r in results)
