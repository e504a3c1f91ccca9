import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linear_sum_assignment

from matching.assignment import AssignmentError, assign

NEEDS = [f"N{i}" for i in range(4)]
EXPERTS = [f"E{i}" for i in range(6)]

instances = st.fixed_dictionaries(
    {
        "slots": st.fixed_dictionaries({n: st.integers(1, 3) for n in NEEDS}),
        "links": st.dictionaries(
            st.tuples(st.sampled_from(NEEDS), st.sampled_from(EXPERTS)),
            st.integers(0, 1000).map(lambda v: v / 1000),
            max_size=24,
        ),
    }
)


def optimum(links, slots):
    """Reference optimum: linear_sum_assignment on the slot-expanded dense matrix."""
    columns = [(n, s) for n in NEEDS for s in range(slots.get(n, 0))]
    weight = np.zeros((len(EXPERTS), len(columns)))
    for i, e in enumerate(EXPERTS):
        for j, (n, _) in enumerate(columns):
            weight[i, j] = links.get((n, e), 0.0)
    rows, cols = linear_sum_assignment(weight, maximize=True)
    return weight[rows, cols].sum()


def check_feasible(result, slots, links):
    experts = [e for _, e, _ in result.pairs]
    assert len(experts) == len(set(experts))
    for need in NEEDS:
        assert sum(1 for n, _, _ in result.pairs if n == need) <= slots.get(need, 0)
    for n, e, s in result.pairs:
        assert links.get((n, e), 0.0) == s


@settings(max_examples=150, deadline=None)
@given(instances)
def test_optimal_and_feasible(instance):
    slots, links = instance["slots"], instance["links"]
    result = assign([(n, e, s) for (n, e), s in links.items()], slots)
    check_feasible(result, slots, links)
    assert result.total_score == pytest.approx(optimum(links, slots), abs=1e-9)
    assert result.total_score >= result.greedy.total_score - 1e-9
    report = result.compare_greedy()
    assert report["optimal_placements"] == result.placements


@settings(max_examples=100, deadline=None)
@given(instances, st.data())
def test_locks_forced_and_bans_respected(instance, data):
    slots, links = instance["slots"], instance["links"]
    pairs = sorted(links)
    bans = data.draw(st.sets(st.sampled_from(pairs), max_size=4)) if pairs else set()
    lock_pool = [p for p in pairs if p not in bans]
    locks = {}
    if lock_pool:
        for n, e in data.draw(st.lists(st.sampled_from(lock_pool), max_size=3)):
            if e not in locks.values() and sum(1 for x in locks if x[0] == n) < slots[n]:
                locks[(n, e)] = e
    result = assign([(n, e, s) for (n, e), s in links.items()], slots, locks=list(locks), bans=bans)
    chosen = {(n, e) for n, e, _ in result.pairs}
    assert set(locks) <= chosen
    assert not chosen & bans
    check_feasible(result, slots, links)
    # the rest is optimal given the locks
    locked_experts = set(locks.values())
    rest_slots = {n: slots[n] - sum(1 for x in locks if x[0] == n) for n in NEEDS}
    rest_links = {k: v for k, v in links.items() if k not in bans and k[1] not in locked_experts}
    expected = optimum(rest_links, rest_slots) + sum(links[k] for k in locks)
    assert result.total_score == pytest.approx(expected, abs=1e-9)


def test_min_score_and_deterministic_order():
    links = [("N1", "E2", 0.5), ("N1", "E1", 0.5), ("N2", "E1", 0.2), ("N2", "E3", 0.05)]
    result = assign(links, {"N1": 1, "N2": 1}, min_score=0.1)
    assert result.total_score == pytest.approx(0.7)
    assert result.pairs == (("N1", "E2", 0.5), ("N2", "E1", 0.2))
    again = assign(list(reversed(links)), {"N1": 1, "N2": 1}, min_score=0.1)
    assert again.pairs == result.pairs


def test_greedy_is_worse_on_a_classic_case():
    links = [("N1", "E1", 0.9), ("N1", "E2", 0.8), ("N2", "E1", 0.85)]
    result = assign(links, {"N1": 1, "N2": 1})
    assert result.total_score == pytest.approx(1.65)
    assert result.greedy.total_score == pytest.approx(0.9)
    assert result.compare_greedy()["gain"] == pytest.approx(0.75)


def test_busy_and_errors():
    links = [("N1", "E1", 0.9), ("N1", "E2", 0.8)]
    assert assign(links, {"N1": 1}, busy={"E1"}).pairs == (("N1", "E2", 0.8),)
    assert assign(links, {"N1": 1}, busy={"E1": ["N1"]}).pairs == (("N1", "E2", 0.8),)
    with pytest.raises(AssignmentError):
        assign(links, {"N1": 1}, locks=[("N1", "E1"), ("N1", "E2")])
    with pytest.raises(AssignmentError):
        assign(links, {"N1": 2, "N2": 1}, locks=[("N1", "E1"), ("N2", "E1")])
    assert assign([], {"N1": 1}).pairs == ()
