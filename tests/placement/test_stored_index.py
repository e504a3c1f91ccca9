"""Stored expert features: written when a profile is saved, updated on edit, used to rank, and
rebuilt when stale; rankings from them equal rankings featurised on the spot."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select, update

from matching import index
from placement.extensions import db
from placement.matches import services, stored_index
from placement.matches.records import expert_record, need_record
from placement.models import CountryIndex, ExpertFeatures, ExpertProfile, ExpertSkill, NeedStatus
from placement.taxonomy import get_taxonomy
from tests import factories

TODAY = date.today()


@pytest.fixture(autouse=True)
def _fresh_process_cache() -> None:
    stored_index.forget_loaded()


def _row(expert_id: int) -> ExpertFeatures | None:
    db.session.expire_all()
    return db.session.get(ExpertFeatures, expert_id)


def _open_need(**fields: object):
    return factories.NeedFactory(
        status=NeedStatus.OPEN,
        start=TODAY + timedelta(days=40),
        end=TODAY + timedelta(days=160),
        duration_weeks=4,
        **fields,
    )


def test_saving_a_profile_writes_its_row(app_ctx: None) -> None:
    expert = factories.ExpertFactory()
    row = _row(expert.id)
    assert row is not None
    assert row.version == stored_index.current_version()
    stored = index.load(row.profile, stored_index.featurizer())
    profile = db.session.get(ExpertProfile, expert.id)
    assert stored.record == expert_record(profile)


def test_an_edit_updates_the_row(app_ctx: None) -> None:
    expert = factories.ExpertFactory()
    before = _row(expert.id)
    first_blob, first_time = before.profile, before.updated_at
    profile = db.session.get(ExpertProfile, expert.id)
    profile.skills.append(ExpertSkill(label="manage hospital ward"))
    db.session.commit()
    after = _row(expert.id)
    assert after.profile != first_blob
    assert after.updated_at >= first_time
    stored = index.load(after.profile, stored_index.featurizer())
    assert "manage hospital ward" in stored.record.skills


def test_a_rolled_back_edit_leaves_the_row(app_ctx: None) -> None:
    expert = factories.ExpertFactory()
    blob = _row(expert.id).profile
    profile = db.session.get(ExpertProfile, expert.id)
    profile.summary = "Changed, then abandoned."
    db.session.flush()
    db.session.rollback()
    assert _row(expert.id).profile == blob


def test_erasure_deletes_the_row(app_ctx: None) -> None:
    expert = factories.ExpertFactory()
    profile = db.session.get(ExpertProfile, expert.id)
    profile.anonymised_at = profile.updated_at
    db.session.commit()
    assert _row(expert.id) is None


def test_ranking_uses_the_stored_row(app_ctx: None) -> None:
    """A row edited behind the hook's back is what the ranking reads: proof it does not
    featurise the profile again."""
    need = _open_need()
    expert = factories.ExpertFactory()
    other = factories.ExpertFactory(occupation_label="agronomist", summary=None)
    feat = stored_index.featurizer()
    swapped = index.load(_row(other.id).profile, feat)
    mine = index.load(_row(expert.id).profile, feat)
    # Give the first expert the second one's features (keeping their own id).
    from dataclasses import replace

    blob = index.dump(replace(swapped.record, id=mine.record.id), swapped.profile)
    db.session.execute(
        update(ExpertFeatures).where(ExpertFeatures.expert_id == expert.id).values(profile=blob)
    )
    db.session.commit()
    ranked = dict(services.ranked_expert_ids(need, 10))
    assert ranked[expert.id].score == ranked[other.id].score


def test_a_stale_or_missing_row_is_rebuilt_on_use(app_ctx: None) -> None:
    need = _open_need()
    stale = factories.ExpertFactory()
    missing = factories.ExpertFactory()
    db.session.execute(
        update(ExpertFeatures).where(ExpertFeatures.expert_id == stale.id).values(version="old")
    )
    db.session.execute(
        ExpertFeatures.__table__.delete().where(ExpertFeatures.expert_id == missing.id)
    )
    db.session.commit()
    ranked = dict(services.ranked_expert_ids(need, 10))
    assert {stale.id, missing.id} <= set(ranked)
    version = stored_index.current_version()
    assert _row(stale.id).version == version
    assert _row(missing.id).version == version


def test_rankings_from_stored_rows_equal_a_fresh_fit(app_ctx: None) -> None:
    need = _open_need()
    occupations = ("general practitioner", "nurse", "pharmacist", "midwife", "agronomist")
    experts = [
        factories.ExpertFactory(occupation_label=label, years_experience=3 + i)
        for i, label in enumerate(occupations * 2)
    ]
    ranked = services.ranked_expert_ids(need, 10)
    profiles = [db.session.get(ExpertProfile, e.id) for e in experts]
    fresh = (
        services.outcome_aware_matcher()
        .fit(
            [expert_record(p) for p in profiles],
            [need_record(need)],
            taxonomy=get_taxonomy(),
        )
        .rank_experts(str(need.uuid), k=10 * services.OVERFETCH)
    )
    assert [m.expert_id for _i, m in ranked] == [m.expert_id for m in fresh][: len(ranked)]
    for (_i, got), want in zip(ranked, fresh, strict=False):
        assert got.score == pytest.approx(want.score, abs=1e-9)
        assert got.components == want.components


def _fresh_ranking(need, experts):
    profiles = [db.session.get(ExpertProfile, e.id) for e in experts]
    return (
        services.outcome_aware_matcher()
        .fit([expert_record(p) for p in profiles], [need_record(need)], taxonomy=get_taxonomy())
        .rank_experts(str(need.uuid), k=10 * services.OVERFETCH)
    )


def _assert_same(ranked, fresh) -> None:
    assert ranked
    assert [m.expert_id for _i, m in ranked] == [m.expert_id for m in fresh][: len(ranked)]
    for (_i, got), want in zip(ranked, fresh, strict=False):
        assert got.score == pytest.approx(want.score, abs=1e-9)
        assert got.explanation == want.explanation


def test_the_country_block_is_stored_and_follows_edits(app_ctx: None) -> None:
    """The first ranking stores the country's block; another worker reads it in one row and
    applies the edits made since (by their change stamps); rankings stay a fresh fit's."""
    need = _open_need()
    labels = ("nurse", "general practitioner", "midwife", "pharmacist")
    experts = [factories.ExpertFactory(occupation_label=label) for label in labels]
    _assert_same(services.ranked_expert_ids(need, 10), _fresh_ranking(need, experts))
    stored = db.session.scalar(select(CountryIndex).where(CountryIndex.country == "SL"))
    assert stored is not None and stored.version == stored_index.current_version()
    assert len(index.CountryBlock.from_bytes(stored.block)) == len(experts)

    profile = db.session.get(ExpertProfile, experts[3].id)
    profile.skills.append(ExpertSkill(label="patient care"))
    erased = db.session.get(ExpertProfile, experts[1].id)
    erased.anonymised_at = erased.updated_at
    db.session.commit()
    stored_index.forget_loaded()  # another worker: only the stored block and the rows
    block, users = stored_index.country_block("SL")
    assert experts[1].id not in users and experts[1].id not in block.keys.tolist()
    kept = [e for e in experts if e.id != experts[1].id]
    _assert_same(services.ranked_expert_ids(need, 10), _fresh_ranking(need, kept))


def test_an_erasure_deletes_the_stored_blocks(app_ctx: None) -> None:
    need = _open_need()
    factories.ExpertFactory()
    services.ranked_expert_ids(need, 10)
    assert db.session.scalar(select(func.count()).select_from(CountryIndex)) == 1
    services.forget_rankings()
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(CountryIndex)) == 0


def test_reindex_rebuilds_every_row(app_ctx: None) -> None:
    experts = [factories.ExpertFactory() for _ in range(3)]
    db.session.execute(ExpertFeatures.__table__.delete())
    db.session.commit()
    assert stored_index.reindex(batch=2) == 3
    rows = db.session.scalars(select(ExpertFeatures.expert_id)).all()
    assert set(rows) == {e.id for e in experts}
    assert stored_index.reindex(only_stale=True) == 0


@pytest.mark.parametrize("processes", [1, 2])
def test_reindex_stores_every_country_block_the_ranking_then_uses(
    app_ctx: None, processes: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The full build writes each country's block with its rows (in batches, in worker
    processes or not); the first ranking uses that block as stored (it finds nothing to
    apply, stores nothing again) and ranks as a fresh fit."""
    need = _open_need()
    labels = ("nurse", "general practitioner", "midwife", "pharmacist", "agronomist")
    experts = [factories.ExpertFactory(occupation_label=label) for label in labels * 2]
    abroad = factories.ExpertFactory(origin_country="GH")
    monkeypatch.setattr(index, "PARALLEL_FROM", 0)  # forked workers even for a dozen experts
    db.session.execute(CountryIndex.__table__.delete())
    db.session.execute(ExpertFeatures.__table__.delete())
    db.session.commit()
    assert stored_index.reindex(batch=3, processes=processes) == len(experts) + 1
    stored = {row.country: row for row in db.session.scalars(select(CountryIndex))}
    assert set(stored) == {"SL", "GH"}
    version = stored_index.current_version()
    assert {row.version for row in stored.values()} == {version}
    block = index.CountryBlock.from_bytes(stored["SL"].block)
    assert sorted(block.keys.tolist()) == sorted(e.id for e in experts)
    assert abroad.id in index.CountryBlock.from_bytes(stored["GH"].block).keys.tolist()
    built_at = stored["SL"].built_at
    stored_index.forget_loaded()  # another worker: only what the build stored
    _assert_same(services.ranked_expert_ids(need, 10), _fresh_ranking(need, experts))
    db.session.expire_all()
    assert db.session.get(CountryIndex, "SL").built_at == built_at


def test_the_hook_can_be_turned_off(app, app_ctx: None) -> None:
    app.config["STORED_FEATURES_ON_SAVE"] = False
    try:
        expert = factories.ExpertFactory()
        assert _row(expert.id) is None
    finally:
        app.config["STORED_FEATURES_ON_SAVE"] = True


def test_the_reindex_command_reports_what_it_stored(app, db_session) -> None:
    with app.app_context():
        factories.ExpertFactory()
        db.session.execute(ExpertFeatures.__table__.delete())
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["reindex", "--stale-only"])
    assert result.exit_code == 0, result.output
    assert "Stored the features of 1 experts" in result.output
    assert app.test_cli_runner().invoke(args=["reindex", "--batch-size", "0"]).exit_code == 2


def test_an_edit_through_the_pages_after_a_page_view_updates_the_row(
    app_ctx: None, client, login
) -> None:
    """Each request has its own session: the save hook sees an edit made after other pages
    were served (the path a person takes), not only edits made in one app context."""
    expert = factories.ExpertFactory()
    window = expert.availability[0]
    login(expert.user)
    db.session.commit()
    before = _row(expert.id).profile
    assert client.get("/expert/availability").status_code == 200
    start, end = TODAY + timedelta(days=30), TODAY + timedelta(days=300)
    response = client.post(
        f"/expert/availability/{window.uuid}/edit",
        data={"start": start.isoformat(), "end": end.isoformat(), "note": ""},
    )
    assert response.status_code == 302
    after = _row(expert.id)
    assert after.profile != before
    stored = index.load(after.profile, stored_index.featurizer())
    assert any(w.start == start and w.end == end for w in stored.record.availability)
