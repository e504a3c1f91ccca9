import pytest

from matching.evidence import COVERAGE_MIN, SIMILARITY_MIN, has_skill_evidence

BACKGROUND = {"language": 1.0, "availability": 1.0, "experience": 0.9, "region": 1.0, "text": 0.4}


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ({}, False),
        ({"required_skills": 0.0, "desired_skills": 0.0, "skills": 0.0, "occupation": 0.0}, False),
        ({"required_skills": None, "skills": None, "occupation": None}, False),
        ({"skills": SIMILARITY_MIN / 2, "occupation": SIMILARITY_MIN / 2}, False),
        ({"required_skills": 0.25}, False),  # one generic skill in four is not a match
        ({"desired_skills": 0.25, "skills": SIMILARITY_MIN * 0.9}, False),
        ({"required_skills": COVERAGE_MIN}, True),
        ({"desired_skills": 0.5}, True),
        ({"skills": SIMILARITY_MIN}, True),
        ({"occupation": 0.8}, True),
    ],
)
def test_only_skills_and_occupation_count(content, expected):
    assert has_skill_evidence({**BACKGROUND, **content}) is expected


def test_engine_matches_are_judged_by_their_components(taxonomy):
    from matching.engine import Matcher
    from matching.records import expert_from_dict, need_from_dict
    from tests.matching.conftest import expert_dict, need_dict

    nurse = expert_from_dict(
        expert_dict("E1", skills=["manage nursing staff", "administer medication"])
    )
    need_fit = need_from_dict(need_dict("N1", required_skills=["administer medication"]))
    need_far = need_from_dict(
        need_dict(
            "N2",
            required_skills=["prepare financial statements"],
            desired_skills=[],
            occupation="accountant",
            title="accountant",
            description="Manage the accounts staff; nursing budgets, medication bills.",
        )
    )
    matcher = Matcher().fit([nurse], [need_fit, need_far], taxonomy=taxonomy)
    by_need = {m.need_id: m for m in matcher.rank_needs("E1", k=5)}
    assert has_skill_evidence(by_need["N1"].components)
    assert by_need["N2"].score > 0  # ranked on languages and dates alone...
    assert not has_skill_evidence(by_need["N2"].components)  # ...which is not evidence
