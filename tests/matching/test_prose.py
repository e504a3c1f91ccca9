"""Matching on prose: CV-like summaries and job-ad-like needs with no skill lists."""

import json
from dataclasses import replace

import pytest

from matching.engine import CONTENT, FUSION, FUSION_PATH, Matcher, load_fusion
from matching.features import SUGGESTED_WEIGHT, evidence_weights
from matching.records import expert_from_dict, need_from_dict
from matching.text import normalise_arabic, prose_language, prose_tokens
from tests.matching.conftest import expert_dict, need_dict

# Three experts per language, written as people write CVs; the need names no skill.
PROSE = {
    "en": (
        [
            "Twelve years as a ward nurse: I cared for patients after surgery, gave "
            "medication and trained junior nurses in infection control.",
            "Civil engineer who designed bridges and supervised road construction sites, "
            "checking concrete quality and contractors' schedules.",
            "Accountant preparing annual budgets, auditing ledgers and reporting to the board "
            "of a microfinance bank.",
        ],
        ("Nurse for the surgical ward", "Care for patients after surgery and train nurses."),
    ),
    "fr": (
        [
            "Ingénieur civil, j'ai conçu des ponts et dirigé des chantiers de construction de "
            "routes pour le ministère.",
            "Infirmière en chirurgie pendant dix ans : soins aux patients opérés, formation "
            "des infirmières à l'hygiène.",
            "Comptable chargée des budgets annuels et de l'audit des comptes d'une banque.",
        ],
        (
            "Ingénieur pour la construction de routes",
            "Diriger les chantiers de construction des routes et la conception des ponts.",
        ),
    ),
    "es": (
        [
            "Contadora con experiencia en presupuestos anuales y auditoría de cuentas de un "
            "banco de microfinanzas.",
            "Enfermero en un hospital rural, cuidado de pacientes y vacunación infantil.",
            "Ingeniera civil: diseño de puentes y supervisión de obras de carreteras.",
        ],
        (
            "Contador para el ministerio",
            "Preparar los presupuestos anuales y la auditoría de las cuentas públicas.",
        ),
    ),
    "ar": (
        [
            "مهندس مدني صمّم الجسور وأشرف على مواقع بناء الطرق",
            "محاسبة تعدّ الميزانيات السنوية وتدقق حسابات المصرف",
            "ممرضة في قسم الجراحة تعتني بالمرضى بعد العمليات وتدرّب الممرضات",
        ],
        ("ممرضة لقسم الجراحة", "رعاية المرضى بعد العمليات الجراحية وتدريب الممرضات"),
    ),
}
# Which expert of each language is the right one (hand-labelled).
RIGHT = {"en": 0, "fr": 0, "es": 0, "ar": 2}


def prose_records(lang):
    summaries, (title, description) = PROSE[lang]
    experts = [
        expert_from_dict(
            expert_dict(
                f"{lang}{i}", skills=[], summary=text, languages=[{"code": "en", "level": "C2"}]
            )
        )
        for i, text in enumerate(summaries)
    ]
    need = need_from_dict(
        need_dict(f"N-{lang}", title=title, description=description, required_skills=[])
    )
    return experts, need


@pytest.mark.parametrize("lang", sorted(PROSE))
def test_prose_only_ranking_puts_the_right_expert_first(taxonomy, lang):
    experts, need = prose_records(lang)
    matcher = Matcher().fit(experts, [need], taxonomy=taxonomy)
    ranking = matcher.rank_experts(need.id)
    assert ranking[0].expert_id == f"{lang}{RIGHT[lang]}"
    assert ranking[0].explanation["evidence"]["profile"] == "prose"
    assert "text" in ranking[0].explanation["evidence"]["carried_by"]


@pytest.mark.parametrize("lang", sorted(PROSE))
def test_other_channels_never_rank_the_right_expert_lower_than_text_alone(taxonomy, lang):
    experts, need = prose_records(lang)
    text_only = dict.fromkeys(CONTENT, 0.0) | {"text": 0.8}

    def position(matcher):
        ids = [m.expert_id for m in matcher.rank_experts(need.id)]
        return ids.index(f"{lang}{RIGHT[lang]}")

    full = Matcher().fit(experts, [need], taxonomy=taxonomy)
    alone = Matcher(text_only).fit(experts, [need], taxonomy=taxonomy)
    assert position(full) <= position(alone)


def test_arabic_spelling_variants_fold_together():
    assert normalise_arabic("إدارة") == normalise_arabic("ادارة") == "اداره"
    assert normalise_arabic("مستشفى") == "مستشفي"
    assert normalise_arabic("مُهَنْدِس") == "مهندس"  # diacritics
    assert normalise_arabic("مهـــندس") == "مهندس"  # tatweel
    assert prose_tokens("إدارة المستشفى") == prose_tokens("ادارة المستشفي")


def test_prose_tokens_stem_per_language_and_strip_accents_after():
    assert prose_language(["la", "gestion", "des", "budgets", "et", "des", "comptes"]) == "fr"
    assert (
        prose_language(["la", "gestión", "de", "los", "presupuestos", "y", "las", "cuentas"])
        == "es"
    )
    assert prose_language([]) == "en"
    assert prose_tokens("la gestión de los presupuestos") == prose_tokens(
        "la gestion de los presupuesto"
    )
    assert prose_tokens("managing nurses") == prose_tokens("managed nurse")
    assert prose_tokens("") == []


def test_missing_evidence_passes_its_weight_to_what_the_need_gives():
    weights = {"required_skills": 0.2, "desired_skills": 0.1, "occupation": 0.3, "text": 0.2}
    given = {"required_skills": False, "desired_skills": True, "occupation": True, "text": True}
    result = evidence_weights(weights, given)
    assert result["required_skills"] == 0.0
    assert sum(result.values()) == pytest.approx(0.8)
    assert result["occupation"] / result["text"] == pytest.approx(0.3 / 0.2)
    assert set(evidence_weights(weights, {}).values()) == {0.0}


def test_pair_weights_follow_both_records(taxonomy):
    prose = expert_from_dict(expert_dict("P", skills=[], summary="I nursed surgical patients."))
    listed = expert_from_dict(expert_dict("S"))
    no_required = need_from_dict(need_dict("N1", required_skills=[], description="Ward nurse."))
    matcher = Matcher().fit([prose, listed], [no_required], taxonomy=taxonomy)
    profile, weights = matcher.pair_weights(prose, no_required)
    assert profile == "prose" and weights["required_skills"] == 0.0
    assert sum(weights.values()) == pytest.approx(sum(FUSION["prose"].values()))
    profile, weights = matcher.pair_weights(listed, no_required)
    assert profile == "structured" and weights["required_skills"] == 0.0
    why = matcher.explain("P", "N1")
    assert why["weights"]["required_skills"] == 0.0 and why["evidence"]["profile"] == "prose"


def test_suggested_skills_count_less_than_confirmed_ones(taxonomy):
    skills = ["administer medication", "plan nursing care"]
    confirmed = expert_from_dict(expert_dict("C", skills=skills))
    suggested = replace(
        expert_from_dict(expert_dict("U", skills=[])), suggested_skills=tuple(skills)
    )
    need = need_from_dict(need_dict("N1", required_skills=skills))
    matcher = Matcher({"required_skills": 0.5}).fit(
        [confirmed, suggested], [need], taxonomy=taxonomy
    )
    ranking = matcher.rank_experts("N1")
    assert [m.expert_id for m in ranking] == ["C", "U"]
    by_id = {m.expert_id: m for m in ranking}
    assert by_id["U"].components["required_skills"] == pytest.approx(
        SUGGESTED_WEIGHT * by_id["C"].components["required_skills"], abs=1e-3
    )
    assert by_id["U"].score > 0


def test_shipped_fusion_is_loaded_and_used(taxonomy):
    data = json.loads(FUSION_PATH.read_text(encoding="utf-8"))["evidence"]
    assert load_fusion() == FUSION
    assert FUSION["prose"]["text"] == pytest.approx(data["prose"]["text"])
    matcher = Matcher().fit([], [], taxonomy=taxonomy)
    share = sum(matcher.weights_[c] for c in CONTENT)
    for name, fitted in FUSION.items():
        scale = share / sum(fitted.values())
        assert matcher.content_weights_[name] == pytest.approx(
            {c: w * scale for c, w in fitted.items()}
        )


def test_fusion_file_without_every_weight_is_rejected(tmp_path):
    path = tmp_path / "fusion.json"
    path.write_text(json.dumps({"evidence": {"structured": {"text": 1.0}, "prose": {}}}))
    with pytest.raises(ValueError, match="missing fusion weights"):
        load_fusion(path)


def test_prose_idf_stays_exact_under_incremental_updates(taxonomy):
    experts, need = prose_records("en")
    incremental = Matcher().fit(experts[:1], [], taxonomy=taxonomy)
    for expert in experts[1:]:
        incremental.add_or_update_expert(expert)
    incremental.add_or_update_need(need)
    refit = Matcher().fit(experts, [need], taxonomy=taxonomy)
    assert incremental.rank_experts(need.id) == refit.rank_experts(need.id)


@pytest.mark.parametrize("lang", ["english", "french", "spanish", "arabic"])
def test_the_installed_stemmer_gives_the_pure_python_snowball_stems(taxonomy, lang):
    """PyStemmer (C) is what snowballstemmer runs when it is installed; its stems must be the
    pure-Python algorithm's, or profiles would depend on the machine that made them."""
    import importlib
    import re

    import snowballstemmer

    module = importlib.import_module(f"snowballstemmer.{lang}_stemmer")
    pure = getattr(module, f"{lang.capitalize()}Stemmer")()
    installed = snowballstemmer.stemmer(lang)
    words = sorted(
        {
            w
            for uri in taxonomy.uris("occupation")[:400]
            for label in (taxonomy.label(uri, code) or "" for code in ("en", "fr", "es"))
            for w in re.findall(r"[^\W\d_]+", normalise_arabic(label.casefold()))
        }
        | {"ممرضة", "المستشفيات", "مهندسون", "الإدارة", "gestión", "infirmières", "nursing"}
    )
    assert [installed.stemWord(w) for w in words] == [pure.stemWord(w) for w in words]
