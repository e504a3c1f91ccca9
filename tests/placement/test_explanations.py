""" "Why this score": the engine's explanation of a match as the reader sees it
(placement/explanations.py), and the card that prints it."""

from __future__ import annotations

from flask import Flask

from matching.engine import Match
from placement.explanations import CriterionRow, explain


def _match(**overrides: object) -> Match:
    fields: dict = {
        "need_id": "n1",
        "expert_id": "e1",
        "score": 0.5,
        "components": {"required_skills": 0.666666, "language": 1.0, "availability": None},
        "explanation": {
            "required_skills": {"matched": ["triage", "wound care"], "missing": ["midwifery"]},
            "desired_skills": {"matched": ["teaching"]},
            "semantic": {"shared": ["nursing"]},
            "unknown": ["availability"],
        },
    }
    fields.update(overrides)
    return Match(**fields)  # type: ignore[arg-type]


def test_every_line_and_row_in_the_readers_language(app: Flask) -> None:
    with app.test_request_context(headers={"Accept-Language": "fr"}):
        why = explain(_match())
    assert why.required_matched == "triage, wound care"
    assert why.required_missing == "midwifery"
    assert why.desired_matched == "teaching"
    assert why.unknown == "Disponibilités"
    assert why.rows == (
        CriterionRow("Compétences requises", 67),
        CriterionRow("Langues", 100),
        CriterionRow("Disponibilités", None),
    )


def test_shared_work_is_shown_only_where_the_texts_scored(app: Flask) -> None:
    scored = {"semantic": 0.4}
    with app.test_request_context():
        assert explain(_match(components=scored)).shared_work == "nursing"
        assert explain(_match(components={"semantic": 0.0})).shared_work == ""
        assert explain(_match(components={"semantic": None})).shared_work == ""


def test_an_explanation_with_nothing_in_it_has_empty_lines(app: Flask) -> None:
    with app.test_request_context():
        why = explain(_match(components={}, explanation={}))
    assert (why.required_matched, why.required_missing, why.desired_matched) == ("", "", "")
    assert (why.shared_work, why.unknown, why.rows) == ("", "", ())


def test_taxonomy_concepts_are_shown_by_their_label_and_unknown_names_as_given(
    app: Flask,
) -> None:
    with app.test_request_context():
        from placement.taxonomy import get_taxonomy

        uri = get_taxonomy().uris("skill")[0]
        why = explain(
            _match(
                components={"novel_criterion": 0.125},
                explanation={"required_skills": {"matched": [uri]}},
            )
        )
        assert why.required_matched == get_taxonomy().label(uri, "en") != uri
    assert why.rows == (CriterionRow("novel_criterion", 12),)


def test_the_card_prints_the_lines_escaped(app: Flask) -> None:
    template = app.jinja_env.get_template("_explanation.html")
    hostile = _match(explanation={"required_skills": {"matched": ["<script>x</script>"]}})
    with app.test_request_context():
        html = template.render(m=hostile)
    assert "&lt;script&gt;x&lt;/script&gt;" in html and "<script>" not in html
    assert "Required skills matched:" in html and "<td>67%</td>" in html
    assert "<td>unknown</td>" in html
