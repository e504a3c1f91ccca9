"""Property tests: whatever the records, no ineligible pair is ever proposed."""

from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matching.assignment import assign
from matching.eligibility import ProgrammeRules, is_eligible
from matching.engine import Matcher
from matching.records import Expert, Language, Need, Window

COUNTRIES = ["SL", "GH", "NL"]
SKILLS = [
    "diagnose nursing care",
    "plan nursing care",
    "infection control",
    "pharmacology",
    "data models",
    "operating systems",
    "use scripting programming",
    "zzqx wobble",
]
LANGS = st.lists(
    st.builds(
        Language,
        st.sampled_from(["en", "fr"]),
        st.sampled_from(["A2", "B1", "B2", "C1", "C2", "native"]),
    ),
    max_size=2,
    unique_by=lambda lang: lang.code,
)
BASE = date(2027, 1, 1)


@st.composite
def windows(draw):
    start = BASE + timedelta(days=draw(st.integers(0, 200)))
    return Window(start, start + timedelta(days=draw(st.integers(0, 150))))


@st.composite
def experts(draw, i):
    return Expert(
        id=f"E{i}",
        origin_country=draw(st.sampled_from(COUNTRIES)),
        residence_country=draw(st.sampled_from(COUNTRIES)),
        languages=tuple(draw(LANGS)),
        skills=tuple(draw(st.lists(st.sampled_from(SKILLS), max_size=4))),
        occupation=draw(st.sampled_from([None, "ward nurse", "software developer"])),
        availability=tuple(draw(st.lists(windows(), max_size=2))),
        years_experience=draw(st.sampled_from([None, 2.0, 20.0])),
    )


@st.composite
def needs(draw, i):
    start = BASE + timedelta(days=draw(st.integers(0, 200)))
    days = draw(st.integers(7, 120))
    return Need(
        id=f"N{i}",
        institution="Hospital",
        country=draw(st.sampled_from(COUNTRIES)),
        title=draw(st.sampled_from(["nurse", "software developer", "data analyst"])),
        start=start,
        end=start + timedelta(days=days - 1),
        duration_weeks=draw(st.integers(1, days // 7)),
        slots=draw(st.integers(1, 2)),
        required_skills=tuple(draw(st.lists(st.sampled_from(SKILLS), max_size=3))),
        languages=tuple(draw(LANGS)),
    )


@st.composite
def problems(draw):
    n_experts, n_needs = draw(st.integers(1, 8)), draw(st.integers(1, 4))
    expert_list = [draw(experts(i)) for i in range(n_experts)]
    need_list = [draw(needs(i)) for i in range(n_needs)]
    busy = {e.id: (draw(windows()),) for e in expert_list if draw(st.booleans())}
    rules = draw(
        st.sampled_from(
            [
                None,
                ProgrammeRules(busy=busy),
                ProgrammeRules(eligible_residence_countries=frozenset({"NL", "GH"}), min_weeks=2),
            ]
        )
    )
    return expert_list, need_list, rules


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_no_ineligible_pair_is_ever_returned(taxonomy, problem):
    expert_list, need_list, rules = problem
    matcher = Matcher().fit(expert_list, need_list, taxonomy=taxonomy, rules=rules)
    by_id_e = {e.id: e for e in expert_list}
    by_id_n = {n.id: n for n in need_list}

    def ok(need_id, expert_id):
        return is_eligible(by_id_e[expert_id], by_id_n[need_id], rules)

    for need_id, matches in matcher.match_all(k=10).items():
        assert all(ok(need_id, m.expert_id) for m in matches)
        assert all(0 < m.score <= 1 for m in matches)
    for expert in expert_list:
        assert all(ok(m.need_id, expert.id) for m in matcher.rank_needs(expert.id))
    links = matcher.candidate_links()
    assert all(ok(n, e) for n, e, _ in links)
    result = assign(links, {n.id: n.slots for n in need_list})
    assert all(ok(n, e) for n, e, _ in result.pairs)
    # every eligible pair with a profile shows up, with match's own score
    scores = {(n, e): s for n, e, s in links}
    for need_id, matches in matcher.match_all(k=10).items():
        for m in matches:
            assert scores[(need_id, m.expert_id)] == m.score
