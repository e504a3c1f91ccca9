from datetime import date

import pytest

from matching.records import (
    Expert,
    Language,
    RecordError,
    Window,
    country_codes,
    expert_from_dict,
    language_codes,
    need_from_dict,
)
from tests.matching.conftest import expert_dict, need_dict


def test_code_lists_are_complete():
    assert len(country_codes()) == 250  # 249 ISO 3166-1 codes plus XK
    assert {"SL", "GH", "NL", "SS", "XK"} <= set(country_codes())
    assert len(language_codes()) == 183 + 28  # ISO 639-1, then regional ISO 639-3 codes
    assert {"en", "fr", "ar", "pt", "so", "kri", "tem", "men"} <= set(language_codes())


def test_expert_defaults_and_extra_fields_ignored():
    expert = expert_from_dict(
        {"id": "E1", "origin_country": "sl", "residence_country": "NL", "favourite": "tea"}
    )
    assert expert == Expert("E1", "SL", "NL")
    assert expert.gender == "undisclosed"
    assert expert.availability == ()
    assert not expert.has_profile


def test_expert_full_record():
    expert = expert_from_dict(expert_dict(languages=[{"code": "FR", "level": "native"}]))
    assert expert.languages == (Language("fr", "native"),)
    assert expert.languages[0].rank == 7
    assert expert.availability == (Window(date(2027, 1, 1), date(2027, 12, 31)),)
    assert expert.skills == ("manage nursing staff", "administer medication")


def test_need_defaults():
    record = need_dict()
    del record["slots"]
    need = need_from_dict(record)
    assert need.slots == 1
    assert need.window.days == 122


@pytest.mark.parametrize(
    ("record", "field"),
    [
        ({"origin_country": "XX"}, "origin_country"),
        ({"residence_country": None}, "residence_country"),
        ({"id": ""}, "id"),
        ({"id": 7}, "id"),
        ({"languages": [{"code": "xx", "level": "B2"}]}, "languages[0].code"),
        ({"languages": [{"code": "en", "level": "D1"}]}, "languages[0].level"),
        ({"languages": [{"code": "en"}]}, "languages[0].level"),
        ({"languages": "en"}, "languages"),
        ({"availability": [{"start": "2027-02-01", "end": "2027-01-01"}]}, "availability[0].end"),
        ({"availability": [{"start": "2027-02-30", "end": "2027-03-01"}]}, "availability[0].start"),
        ({"skills": ["ok", 3]}, "skills[1]"),
        ({"years_experience": "ten"}, "years_experience"),
        ({"years_experience": -1}, "years_experience"),
        ({"gender": "robot"}, "gender"),
    ],
)
def test_expert_errors_name_the_field(record, field):
    with pytest.raises(RecordError) as info:
        expert_from_dict(expert_dict(**record))
    assert info.value.field == field


@pytest.mark.parametrize(
    ("record", "field"),
    [
        ({"country": "ZZ"}, "country"),
        ({"title": None}, "title"),
        ({"institution": "  "}, "institution"),
        ({"start": None}, "start"),
        ({"end": "2027-02-01"}, "end"),
        ({"duration_weeks": 20}, "duration_weeks"),
        ({"duration_weeks": 0}, "duration_weeks"),
        ({"duration_weeks": 2.5}, "duration_weeks"),
        ({"duration_weeks": True}, "duration_weeks"),
        ({"slots": 0}, "slots"),
        ({"required_skills": "nursing"}, "required_skills"),
    ],
)
def test_need_errors_name_the_field(record, field):
    with pytest.raises(RecordError) as info:
        need_from_dict(need_dict(**record))
    assert info.value.field == field


def test_duration_fits_exactly_counting_both_days():
    need = need_from_dict(need_dict(start="2027-01-01", end="2027-01-14", duration_weeks=2))
    assert need.duration_weeks == 2
    with pytest.raises(RecordError):
        need_from_dict(need_dict(start="2027-01-01", end="2027-01-13", duration_weeks=2))


def test_not_an_object():
    with pytest.raises(RecordError) as info:
        expert_from_dict([1, 2])  # type: ignore[arg-type]
    assert info.value.field == "(record)"
