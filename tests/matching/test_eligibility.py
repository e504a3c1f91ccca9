from datetime import date

from matching.eligibility import (
    ProgrammeRules,
    exclusion_reasons,
    free_windows,
    is_eligible,
)
from matching.records import Window, expert_from_dict, need_from_dict
from tests.matching.conftest import expert_dict, need_dict


def codes(expert, need, rules=None):
    return [r.code for r in exclusion_reasons(expert, need, rules)]


def test_eligible_pair():
    assert is_eligible(expert_from_dict(expert_dict()), need_from_dict(need_dict()))


def test_spec_example_fourteen_days_inclusive():
    expert = expert_from_dict(
        expert_dict(availability=[{"start": "2027-01-01", "end": "2027-01-14"}])
    )
    need = need_from_dict(need_dict(start="2027-01-01", end="2027-03-31", duration_weeks=2))
    assert is_eligible(expert, need)
    three = need_from_dict(need_dict(start="2027-01-01", end="2027-03-31", duration_weeks=3))
    assert codes(expert, three) == ["availability"]


def test_each_contract_rule():
    need = need_from_dict(need_dict(languages=[{"code": "fr", "level": "B2"}]))
    assert codes(expert_from_dict(expert_dict(origin_country="GH")), need)[0] == "origin_country"
    assert "residence_country" in codes(expert_from_dict(expert_dict(residence_country="SL")), need)
    assert "availability" in codes(expert_from_dict(expert_dict(availability=[])), need)
    low = expert_from_dict(expert_dict(languages=[{"code": "fr", "level": "B1"}]))
    assert codes(low, need) == ["language"]
    native = expert_from_dict(expert_dict(languages=[{"code": "fr", "level": "native"}]))
    assert is_eligible(native, need)


def test_all_reasons_listed_with_messages():
    expert = expert_from_dict(
        expert_dict(origin_country="GH", residence_country="SL", availability=[], languages=[])
    )
    reasons = exclusion_reasons(expert, need_from_dict(need_dict()))
    assert [r.code for r in reasons] == [
        "origin_country",
        "residence_country",
        "availability",
        "language",
    ]
    assert all(r.message for r in reasons)


def test_programme_rules():
    expert = expert_from_dict(expert_dict())
    need = need_from_dict(need_dict())
    assert codes(expert, need, ProgrammeRules(eligible_origin_countries=frozenset({"GH"}))) == [
        "programme_origin"
    ]
    assert codes(expert, need, ProgrammeRules(eligible_residence_countries=frozenset({"BE"}))) == [
        "programme_residence"
    ]
    assert codes(expert, need, ProgrammeRules(min_weeks=10)) == ["programme_duration"]
    assert codes(expert, need, ProgrammeRules(max_weeks=4)) == ["programme_duration"]


def test_busy_periods_cut_availability():
    expert = expert_from_dict(
        expert_dict(availability=[{"start": "2027-03-01", "end": "2027-06-30"}])
    )
    need = need_from_dict(need_dict(duration_weeks=8))
    busy = {"E1": (Window(date(2027, 4, 1), date(2027, 5, 31)),)}
    assert codes(expert, need, ProgrammeRules(busy=busy)) == ["busy"]
    short = {"E1": (Window(date(2027, 6, 1), date(2027, 6, 30)),)}
    assert is_eligible(expert, need, ProgrammeRules(busy=short))


def test_free_windows():
    w = Window(date(2027, 1, 1), date(2027, 1, 31))
    busy = [Window(date(2027, 1, 10), date(2027, 1, 20))]
    assert free_windows([w], busy) == (
        Window(date(2027, 1, 1), date(2027, 1, 9)),
        Window(date(2027, 1, 21), date(2027, 1, 31)),
    )
    assert free_windows([w], [w]) == ()
