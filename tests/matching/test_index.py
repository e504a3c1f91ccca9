"""The stored matching index: profiles kept as bytes give exactly the engine's rankings."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import timedelta

import numpy as np
import pytest

from benchmarks.generate import speed_set
from matching import index
from matching.eligibility import ProgrammeRules
from matching.engine import Matcher
from matching.features import Featurizer
from matching.records import Expert, Window


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


# --- country blocks: one country's rows in arrays, ranked with Matcher.fit_stored ------------


def _block_setup(taxonomy, data):
    experts, needs = data
    featurizer = index.featurizer_for(taxonomy)
    blobs = index.build(experts, featurizer)
    country = experts[0].origin_country
    mine = [e for e in experts if e.origin_country == country]
    items = [(key, 1, index.load(blobs[e.id], featurizer)) for key, e in enumerate(mine)]
    block = index.CountryBlock.from_bytes(
        index.country_block(country, items, featurizer).to_bytes()
    )

    def load(ids):
        return {i: (x.record, x.profile) for i in ids for x in [index.load(blobs[i], featurizer)]}

    return featurizer, blobs, mine, [n for n in needs if n.country == country], block, load


def _same_rankings(fresh, stored, needs):
    listed = 0
    for need in needs:
        a, b = fresh.rank_experts(need.id, 30), stored.rank_experts(need.id, 30)
        listed += len(a)
        assert [m.expert_id for m in a] == [m.expert_id for m in b]
        for x, y in zip(a, b, strict=True):
            assert abs(x.score - y.score) <= 1e-9
            assert x.components == y.components
            assert x.explanation == y.explanation
    assert listed > 0


def test_rankings_from_a_country_block_equal_a_fit_from_scratch(taxonomy, data):
    _featurizer, _blobs, mine, needs, block, load = _block_setup(taxonomy, data)
    # A subset held (say, those who consent), some of them booked, programme country rules.
    held = [
        key for key, e in enumerate(mine) if key % 5 and e.residence_country != e.origin_country
    ]
    chosen = [mine[key] for key in held]
    busy = {
        e.id: (Window(e.availability[0].start + timedelta(days=2), e.availability[0].end),)
        for e in chosen[:25]
        if e.availability
    }
    residences = frozenset(e.residence_country for e in chosen[:30])
    for rules in (None, ProgrammeRules(busy=busy, eligible_residence_countries=residences)):
        fresh = Matcher().fit(chosen, needs, taxonomy=taxonomy, rules=rules)
        stored = Matcher().fit_stored(
            block, needs, taxonomy=taxonomy, rules=rules, held=block.held(held), load=load
        )
        _same_rankings(fresh, stored, needs)


def test_an_updated_block_equals_a_block_built_afresh(taxonomy, data):
    featurizer, _blobs, mine, needs, block, load = _block_setup(taxonomy, data)
    edited = replace(mine[3], skills=("manage budgets", *mine[3].skills), years_experience=30)
    profile = featurizer.expert(edited)
    changed = index.IndexedExpert(edited, profile)
    updated = block.updated(
        index.country_block(block.country, [(3, 2, changed)], featurizer), drop=[5]
    )
    assert len(updated) == len(block) - 1
    assert list(updated.ids) == sorted(updated.ids)
    assert updated.stamps[list(updated.keys).index(3)] == 2

    def load_edited(ids):
        found = dict(load([i for i in ids if i != edited.id]))
        if edited.id in ids:
            found[edited.id] = (edited, profile)
        return found

    experts = [edited if e.id == edited.id else e for k, e in enumerate(mine) if k != 5]
    fresh = Matcher().fit(experts, needs, taxonomy=taxonomy)
    stored = Matcher().fit_stored(updated, needs, taxonomy=taxonomy, load=load_edited)
    _same_rankings(fresh, stored, needs)


def test_a_country_block_refuses_bad_input(taxonomy, data):
    featurizer, blobs, mine, needs, block, load = _block_setup(taxonomy, data)
    stranger = next(e for e in data[0] if e.origin_country != block.country)
    with pytest.raises(ValueError, match="one origin country"):
        index.country_block(
            block.country, [(0, 1, index.load(blobs[stranger.id], featurizer))], featurizer
        )
    with pytest.raises(ValueError, match="not a stored country block"):
        index.CountryBlock.from_bytes(_npz(meta=np.array("{}")))
    with pytest.raises(ValueError, match="one flag per row"):
        Matcher().fit_stored(block, needs, taxonomy=taxonomy, held=np.ones(2, bool), load=load)
    stored = Matcher().fit_stored(block, needs, taxonomy=taxonomy, load=load)
    with pytest.raises(RuntimeError, match="stored block"):
        stored.add_or_update_expert(mine[0])


def test_a_stored_block_is_read_in_place_as_views_of_its_bytes(taxonomy, data):
    """A worker holds one copy of its country's block: the arrays read from the stored bytes
    are read-only views of them, not copies."""
    featurizer, _blobs, _mine, _needs, block, _load = _block_setup(taxonomy, data)
    blob = block.to_bytes()
    read = index.CountryBlock.from_bytes(blob)
    _assert_same_block(read, block)
    held = np.frombuffer(blob, dtype=np.uint8)
    for array in (read.ids, read.region, read.win_start, read.matrix.data, read.prose.indices):
        assert np.shares_memory(array, held)
        assert not array.flags.writeable
    # Updating a block read in place makes new arrays and leaves the stored bytes alone.
    updated = read.updated(read, drop=[int(read.keys[0])])
    _assert_same_block(index.CountryBlock.from_bytes(updated.to_bytes()), updated)
    assert index.CountryBlock.from_bytes(blob).keys.tolist() == block.keys.tolist()
    empty = index.block_from_blobs(block.country, [], featurizer)
    assert len(index.CountryBlock.from_bytes(empty.to_bytes())) == 0


def test_a_damaged_block_is_refused_with_a_clear_error(taxonomy, data):
    _featurizer, _blobs, _mine, _needs, block, _load = _block_setup(taxonomy, data)
    blob = block.to_bytes()
    for damaged in (blob[:200], blob[:6] + b"\xff" * 8 + blob[14:], b"not a block at all"):
        with pytest.raises(ValueError, match="not a stored country block"):
            index.CountryBlock.from_bytes(damaged)


def _npz(**arrays) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def _assert_same_block(a, b) -> None:
    assert (a.country, a.version) == (b.country, b.version)
    for name in ("ids", "keys", "stamps", "residence", "empty", "win_start", "win_end"):
        assert np.array_equal(getattr(a, name), getattr(b, name)), name
    for name in ("languages", "experience", "region"):
        assert np.array_equal(getattr(a, name), getattr(b, name)), name
    for name in ("matrix", "prose"):
        x, y = getattr(a, name), getattr(b, name)
        assert x.shape == y.shape
        assert np.array_equal(x.indptr, y.indptr) and np.array_equal(x.indices, y.indices)
        assert np.array_equal(x.data, y.data), name


# --- the full build: batches, worker processes, rows and blocks from the same arrays --------


def _varied(data):
    """The fixture's experts plus shared, misspelt and suggested skills and summaries."""
    experts = list(data[0])
    experts[3] = replace(experts[3], suggested_skills=experts[4].skills[:2])
    experts[4] = replace(experts[4], summary=experts[0].summary, suggested_skills=("zzqx",))
    experts[5] = replace(experts[5], skills=(*experts[5].skills, "managge budgets"))
    return experts


def test_experts_featurised_in_a_batch_equal_each_alone(taxonomy, data):
    featurizer = index.featurizer_for(taxonomy)
    experts = _varied(data)
    batch = featurizer.experts(experts)
    for expert, together in zip(experts[:80], batch, strict=False):
        alone = Featurizer(taxonomy).expert(expert)  # its own caches: nothing shared
        assert index.dump(expert, together) == index.dump(expert, alone)
        assert together.blocks == alone.blocks and together.concepts == alone.concepts
        assert (together.row != alone.row).nnz == 0


def test_needs_featurised_in_a_batch_equal_each_alone(taxonomy, data):
    """A fit featurises its needs together; each profile is the one the need makes alone
    (shared skills, titles and descriptions, a misspelt skill, a need with nothing)."""
    needs = list(data[1])
    needs[0] = replace(needs[0], description="Manage hospital wards and train nursing staff.")
    needs[1] = replace(needs[1], description=needs[0].description, title=needs[2].title)
    needs[2] = replace(needs[2], required_skills=(*needs[2].required_skills, "managge budgets"))
    needs[3] = replace(needs[3], required_skills=(), desired_skills=(), occupation=None)
    needs[3] = replace(needs[3], title="", description=None)
    weights = Matcher().fit([], needs[:1], taxonomy=taxonomy).content_weights_
    batch = index.featurizer_for(taxonomy).needs(needs, weights)
    for need, together in zip(needs, batch, strict=True):
        alone = Featurizer(taxonomy).need(need, weights)  # its own caches: nothing shared
        assert together.blocks == alone.blocks and together.concepts == alone.concepts
        assert together.prose == alone.prose and together.given == alone.given
        assert together.required == alone.required and together.desired == alone.desired
        assert together.text_weights == alone.text_weights
        assert together.empty == alone.empty
        assert (together.row != alone.row).nnz == 0
    assert batch[3].empty and not batch[0].empty


def test_the_full_build_equals_the_rows_and_blocks_built_one_way_each(taxonomy, data):
    """build_index (in batches, here of 64, in this process and in two forked workers) gives
    build()'s bytes and block_from_blobs()'s blocks of those rows."""
    featurizer = index.featurizer_for(taxonomy)
    experts = _varied(data)
    blobs = index.build(experts, featurizer)
    items = [(key, 100 + key, e) for key, e in enumerate(experts)]
    for processes in (1, 2):
        seen = []
        for country, rows, block in index.build_index(
            index.by_country(items), featurizer, processes, chunk=64
        ):
            seen.append(country)
            mine = [(k, s, e) for k, s, e in items if e.origin_country == country]
            assert rows == {k: blobs[e.id] for k, _s, e in mine}
            want = index.block_from_blobs(
                country, [(k, s, blobs[e.id]) for k, s, e in mine], featurizer
            )
            _assert_same_block(block, want)
            _assert_same_block(index.CountryBlock.from_bytes(block.to_bytes()), want)
        assert seen == sorted({e.origin_country for e in experts})


def test_experts_without_an_origin_country_get_rows_and_no_block(taxonomy, data):
    featurizer = index.featurizer_for(taxonomy)
    stateless = replace(data[0][7], origin_country="")
    [(country, rows, block)] = index.build_index([("", [(1, 1, stateless)])], featurizer)
    assert (country, block) == ("", None)
    assert rows == {1: index.dump(stateless, featurizer.expert(stateless))}
