import json

import pytest

from matching.eligibility import ProgrammeRules
from matching.engine import CONTENT, ENGINE_VERSION, Matcher
from matching.records import expert_from_dict, need_from_dict
from tests.matching.conftest import expert_dict, need_dict

NURSE_SKILLS = [
    "diagnose nursing care",
    "plan nursing care",
    "implement fundamentals of nursing",
    "provide nursing advice on healthcare",
]
IT_SKILLS = ["use scripting programming", "data models", "operating systems"]


def experts():
    return [
        expert_from_dict(expert_dict("E1", skills=NURSE_SKILLS, occupation="ward nurse")),
        expert_from_dict(expert_dict("E2", skills=NURSE_SKILLS[:2])),
        expert_from_dict(expert_dict("E3", skills=NURSE_SKILLS[:2])),  # a twin of E2
        expert_from_dict(expert_dict("E4", skills=IT_SKILLS, years_experience=None)),
        expert_from_dict(expert_dict("E5", skills=[], years_experience=30)),  # empty profile
        expert_from_dict(expert_dict("E6", skills=NURSE_SKILLS, origin_country="GH")),
        expert_from_dict(
            expert_dict(
                "E7",
                skills=["tend to elderly", "zzqx wobble"],
                summary="I worked in a district hospital: infection control, pharmacology.",
            )
        ),
    ]


def needs():
    return [
        need_from_dict(
            need_dict(
                "N1", required_skills=NURSE_SKILLS[:3], desired_skills=["manage nursing staff"]
            )
        ),
        need_from_dict(need_dict("N2", title="software developer", required_skills=IT_SKILLS)),
        need_from_dict(need_dict("N3", country="GH")),
        need_from_dict(need_dict("N4", country="BF")),  # nobody from Burkina Faso
    ]


@pytest.fixture(scope="module")
def matcher(taxonomy):
    return Matcher().fit(experts(), needs(), taxonomy=taxonomy)


def test_ranking_is_relevant_and_deterministic(matcher):
    ranking = matcher.rank_experts("N1", k=10)
    ids = [m.expert_id for m in ranking]
    assert ids[0] == "E1"
    assert ids.index("E2") < ids.index("E3")  # equal scores: by id
    scores = [m.score for m in ranking]
    assert scores == sorted(scores, reverse=True)
    assert all(0 < s <= 1 for s in scores)
    assert matcher.rank_experts("N1", k=10) == ranking


def test_empty_profile_never_ranks(matcher):
    for need_id in matcher.needs_:
        assert "E5" not in {m.expert_id for m in matcher.rank_experts(need_id, k=50)}
    assert matcher.rank_needs("E5") == []
    reason = matcher.explain("E5", "N1")["reasons"][0]["code"]
    assert reason == "empty_profile"


def test_ineligible_never_listed_and_explained(matcher):
    assert "E6" not in {m.expert_id for m in matcher.rank_experts("N1")}
    why = matcher.explain("E6", "N1")
    assert not why["eligible"]
    assert why["reasons"][0]["code"] == "origin_country"
    assert [m.expert_id for m in matcher.rank_experts("N3")] == ["E6"]
    assert matcher.rank_experts("N4") == []


def test_explanation_contents(matcher):
    match = matcher.rank_experts("N1", k=1)[0]
    explanation = match.explanation
    json.dumps(explanation)
    assert explanation["engine"] == ENGINE_VERSION
    assert explanation["required_skills"]["matched"] == NURSE_SKILLS[:3]
    assert explanation["required_skills"]["missing"] == []
    assert explanation["components"]["region"] is None
    assert "region" in explanation["unknown"]
    assert set(CONTENT) <= set(match.components)
    weights = explanation["weights"]
    combined = sum(weights[n] * (v or 0.0) for n, v in match.components.items())
    assert combined / sum(weights.values()) == pytest.approx(match.score, abs=1e-3)


def test_unknown_experience_is_not_scored(matcher):
    match = next(m for m in matcher.rank_experts("N2") if m.expert_id == "E4")
    assert match.components["experience"] is None
    assert "experience" in match.explanation["unknown"]


def test_summary_and_free_text_count(matcher):
    assert "E7" in {m.expert_id for m in matcher.rank_experts("N1", k=10)}


def test_both_directions_agree(matcher):
    for need_id in matcher.needs_:
        for m in matcher.rank_experts(need_id, k=50):
            back = {x.need_id: x.score for x in matcher.rank_needs(m.expert_id, k=50)}
            assert back[need_id] == m.score


def test_match_all_equals_single_rankings(matcher):
    batch = matcher.match_all(k=3)
    assert list(batch) == ["N1", "N2", "N3", "N4"]
    for need_id, matches in batch.items():
        assert matches == matcher.rank_experts(need_id, k=3)


@pytest.mark.parametrize(("chunk", "threads"), [(1, 1), (1, 3), (2, 2), (512, 4)])
def test_match_all_is_the_same_for_any_chunking_and_threads(matcher, chunk, threads):
    """Chunks scored on a thread pool come back in order, each need with its own ranking."""
    single = {need_id: matcher.rank_experts(need_id, k=3) for need_id in matcher.needs_}
    assert matcher.match_all(k=3, chunk=chunk, threads=threads) == single


def test_k_zero_gives_empty_lists(matcher):
    assert matcher.match_all(k=0) == {n: [] for n in matcher.needs_}
    assert matcher.rank_experts("N1", k=0) == []


def test_explain_rank_and_score(matcher):
    top = matcher.rank_experts("N1", k=2)
    why = matcher.explain(top[1].expert_id, "N1")
    assert why["eligible"] and why["rank"] == 2 and why["score"] == top[1].score


def test_incremental_equals_refit(taxonomy):
    all_experts, all_needs = experts(), needs()
    incremental = Matcher().fit(all_experts[:3], all_needs[:1], taxonomy=taxonomy)
    for expert in all_experts[3:]:
        incremental.add_or_update_expert(expert)
    for need in all_needs[1:]:
        incremental.add_or_update_need(need)
    changed = expert_from_dict(expert_dict("E2", skills=IT_SKILLS))
    incremental.add_or_update_expert(changed)
    incremental.add_or_update_expert(expert_from_dict(expert_dict("E9", skills=NURSE_SKILLS)))
    incremental.remove_expert("E9")
    incremental.remove_need("N4")
    final_experts = [changed if e.id == "E2" else e for e in all_experts]
    refit = Matcher().fit(final_experts, all_needs[:3], taxonomy=taxonomy)
    assert incremental.match_all(k=10) == refit.match_all(k=10)
    for expert in final_experts:
        assert incremental.rank_needs(expert.id) == refit.rank_needs(expert.id)


def test_programme_rules_filter(taxonomy):
    rules = ProgrammeRules(eligible_residence_countries=frozenset({"BE"}))
    matcher = Matcher().fit(experts(), needs(), taxonomy=taxonomy, rules=rules)
    assert matcher.rank_experts("N1") == []
    assert matcher.explain("E1", "N1")["reasons"][0]["code"] == "programme_residence"


def test_extra_scorer_changes_order(taxonomy):
    def favour_e3(expert, need):
        return 1.0 if expert.id == "E3" else (None if expert.id == "E1" else 0.0)

    matcher = Matcher(extra_scorers={"predicted_success": (0.5, favour_e3)})
    matcher.fit(experts(), needs(), taxonomy=taxonomy)
    ranking = matcher.rank_experts("N1", k=2)
    assert ranking[0].expert_id == "E3"
    assert ranking[0].components["predicted_success"] == 1.0
    first = next(m for m in matcher.rank_experts("N1", k=10) if m.expert_id == "E1")
    assert first.components["predicted_success"] is None
    assert matcher.match_all(k=2)["N1"] == ranking


def test_weights_validated(taxonomy):
    with pytest.raises(ValueError, match="unknown criteria"):
        Matcher(weights={"charm": 1.0}).fit([], [], taxonomy=taxonomy)
    with pytest.raises(RuntimeError, match="not fitted"):
        Matcher().rank_experts("N1")


def test_top_k_is_the_top_of_every_pair_scored(taxonomy):
    """The top k of a ranking and of the batch is the top of every eligible pair, ties by
    id included, also when most candidates fail the hard rules (a language hardly anyone
    speaks) and when experts have the same profile."""
    from dataclasses import replace

    from benchmarks.generate import speed_set
    from matching.records import Language

    many, some = speed_set(taxonomy, 3000, 40, seed=11, n_countries=1)
    many = [*many, *(replace(many[0], id=f"twin-{i}") for i in range(30))]
    some[0] = replace(some[0], languages=(Language("sw", "C1"),))
    some[1] = replace(some[1], id="twin-need", title=some[2].title)
    matcher = Matcher().fit(many, some, taxonomy=taxonomy)
    everything = len(many)
    batch = matcher.match_all(10, explain=False)
    for need in some:
        ranked = matcher.rank_experts(need.id, everything)
        scores = [m.score for m in ranked]
        assert scores == sorted(scores, reverse=True)
        for k in (1, 10):
            assert matcher.rank_experts(need.id, k) == ranked[:k]
        assert [(m.expert_id, m.score) for m in batch[need.id]] == [
            (m.expert_id, m.score) for m in ranked[:10]
        ]


def test_explanations_follow_the_word_frequencies_after_an_update(taxonomy):
    """An explaining matcher keeps each record's IDF-weighted prose; an update changes the
    frequencies, and every explanation after it is the one of a fit from scratch."""
    all_experts, all_needs = experts(), needs()
    matcher = Matcher().fit(all_experts, all_needs, taxonomy=taxonomy)
    before = matcher.match_all(k=10)
    wordy = expert_from_dict(
        expert_dict(
            "E8",
            skills=NURSE_SKILLS[:1],
            summary="District hospital nurse: infection control, pharmacology, wards.",
        )
    )
    matcher.add_or_update_expert(wordy)
    after = matcher.match_all(k=10)
    assert after == Matcher().fit([*all_experts, wordy], all_needs, taxonomy=taxonomy).match_all(
        k=10
    )
    assert _text_scores(before) != _text_scores(after)  # the text scores did change


def _text_scores(ranked):
    return [m.components.get("text") for matches in ranked.values() for m in matches]
