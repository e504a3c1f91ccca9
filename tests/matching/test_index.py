"""The stored matching index: profiles kept as bytes give exactly the engine's rankings."""

from __future__ import annotations

from dataclasses import replace

import pytest

from benchmarks.generate import speed_set
from matching import index
from matching.engine import Matcher
from matching.records import Expert


@pytest.fixture(scope="module")
def data(taxonomy):
    experts, needs = speed_set(taxonomy, 600, 60, seed=3, n_countries=3)
    # Some experts with a summary, an empty profile and unresolvable skills.
    experts[0] = replace(experts[0], summary="Nurse who manages hospital wards and staff.")
    experts[1] = replace(experts[1], skills=(), occupation=None, summary=None)
    experts[2] = replace(experts[2], skills=("zzqx unknown craft", *experts[2].skills))
    return experts, needs


def _stored_matcher(taxonomy, experts, needs):
    featurizer = index.featurizer_for(taxonomy)
    blobs = index.build(experts, featurizer)
    records, profiles = index.profiles(index.load(b, featurizer) for b in blobs.values())
    return Matcher().fit(records, needs, taxonomy=taxonomy, expert_profiles=profiles)


def test_round_trip_keeps_record_and_profile(taxonomy, data):
    experts, _needs = data
    featurizer = index.featurizer_for(taxonomy)
    for expert in experts[:50]:
        profile = featurizer.expert(expert)
        stored = index.load(index.dump(expert, profile), featurizer)
        assert stored.record == expert
        got = stored.profile
        assert got.concepts == profile.concepts
        assert got.blocks == profile.blocks
        assert got.skills == profile.skills
        assert got.occupations == profile.occupations
        assert got.empty == profile.empty
        assert (got.row != profile.row).nnz == 0


def test_rankings_from_the_index_equal_a_fit_from_scratch(taxonomy, data):
    experts, needs = data
    fresh = Matcher().fit(experts, needs, taxonomy=taxonomy)
    stored = _stored_matcher(taxonomy, experts, needs)
    a, b = fresh.match_all(10), stored.match_all(10)
    assert sum(len(v) for v in a.values()) > 0
    for need_id in a:
        assert [m.expert_id for m in a[need_id]] == [m.expert_id for m in b[need_id]]
        for x, y in zip(a[need_id], b[need_id], strict=True):
            assert abs(x.score - y.score) <= 1e-9
            assert x.explanation == y.explanation
    for expert in experts[:20]:
        assert fresh.rank_needs(expert.id) == stored.rank_needs(expert.id)


def test_an_edited_expert_is_replaced(taxonomy, data):
    experts, needs = data
    stored = _stored_matcher(taxonomy, experts, needs)
    featurizer = index.featurizer_for(taxonomy)
    edited: Expert = replace(experts[5], skills=experts[9].skills, occupation=experts[9].occupation)
    item = index.load(index.dump(edited, featurizer.expert(edited)), featurizer)
    stored.add_or_update_expert(item.record, item.profile)
    fresh = Matcher().fit([*experts[:5], edited, *experts[6:]], needs, taxonomy=taxonomy)
    assert stored.match_all(10) == fresh.match_all(10)


def test_file_round_trip_and_version_stamp(taxonomy, data, tmp_path):
    experts, _needs = data
    featurizer = index.featurizer_for(taxonomy)
    blobs = index.build(experts[:30], featurizer)
    path = tmp_path / "SL.idx"
    index.write_file(path, blobs)
    assert dict(index.read_file(path)) == blobs
    assert not path.with_name("SL.idx.partial").exists()
    stamp = index.feature_version(featurizer)
    assert stamp == index.feature_version(featurizer) and len(stamp) == 24
    other = index.featurizer_for(taxonomy, Matcher(occupation_top=5))
    assert index.feature_version(other) != stamp


def test_not_a_stored_profile_is_refused(taxonomy):
    with pytest.raises(ValueError, match="not a stored"):
        index.load(b"XXXX\x00\x00\x00\x00", index.featurizer_for(taxonomy))
