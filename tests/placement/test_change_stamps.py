"""Kept candidates re-checked cheaply: experts' change stamps (placement/matches/stamps.py).

A need's kept ranking is re-checked on every view; the re-check reads the ranked experts'
change stamps and re-reads consent, erasure, eligibility and bookings only for the experts whose
stamp moved. These tests hold the promise that made the re-check worth keeping: after any such
change, the very next view of the host's and of the staff's candidates no longer shows that
expert, whichever worker serves it; and that a view with nothing changed does not re-read them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, insert, select, update

from placement.extensions import db
from placement.matches import services
from placement.models import (
    CEFRLevel,
    ConsentPurpose,
    ConsentRecord,
    ExpertProfile,
    Need,
    PlacementStatus,
    Programme,
    User,
)
from tests import factories

TODAY = date.today()
STAYS, CHANGES = "emergency physician", "midwife"


def _signed_in(app: Flask, user: User) -> FlaskClient:
    """A browser of its own (its own cookies), signed in through the login form."""
    browser = app.test_client()
    response = browser.post("/login", data={"email": user.email, "password": factories.PASSWORD})
    assert response.status_code == 302
    return browser


def _host_section(browser: FlaskClient, need: Need) -> str:
    page = browser.get(f"/host/needs/{need.uuid}").get_data(as_text=True)
    return page[page.index('id="candidates"') :]


def _staff_section(browser: FlaskClient, need: Need) -> str:
    page = browser.get(f"/staff/needs/{need.uuid}").get_data(as_text=True)
    return page[page.index('id="candidates-heading"') : page.index('id="history-heading"')]


def _stamp(expert_id: int) -> int:
    return db.session.scalar(
        select(ExpertProfile.change_stamp).where(ExpertProfile.id == expert_id)
    )


@contextmanager
def _memory_of_another_worker() -> Iterator[None]:
    """What a worker that did not serve the change holds in memory: the ranking and the checks
    as they were (a change served here may clear this process's)."""
    rankings = dict(services._RANKINGS._items)
    checks = dict(services._CHECKS._items)
    yield
    services._RANKINGS._items.clear()
    services._RANKINGS._items.update(rankings)
    services._CHECKS._items.clear()
    services._CHECKS._items.update(checks)


def _forget_memory() -> None:
    """A worker that knows only the database."""
    services._RANKINGS.clear()
    services._CHECKS.clear()


@pytest.fixture
def kept(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setitem(app.config, "MATCH_CACHE_SECONDS", 300)
    _forget_memory()
    yield
    _forget_memory()


@pytest.fixture
def pages(app: Flask, db_session: object, kept: None) -> Callable[..., dict[str, object]]:
    """Two experts ranked for an open need, seen by its host and by staff (rankings kept)."""

    def make(**need_fields: object) -> dict[str, object]:
        host = factories.HostMemberFactory()
        stays = factories.ExpertFactory(occupation_label=STAYS)
        changes = factories.ExpertFactory(occupation_label=CHANGES)
        need = factories.NeedFactory(institution=host.institution, **need_fields)
        return {
            "need": need,
            "stays": stays,
            "changes": changes,
            "host": _signed_in(app, host.user),
            "staff": _signed_in(app, factories.StaffFactory()),
            "expert": _signed_in(app, changes.user),
        }

    return make


def _withdraw_processing(world: dict) -> None:
    assert world["expert"].post("/expert/consent", data={}).status_code == 302


def _withdraw_sharing(world: dict) -> None:
    response = world["expert"].post("/expert/consent", data={"processing": "y"})
    assert response.status_code == 302


def _erase(world: dict) -> None:
    response = world["expert"].post(
        "/expert/data/delete", data={"password": factories.PASSWORD, "confirm": "y"}
    )
    assert response.status_code == 302


def _move_availability(world: dict) -> None:
    """An eligibility-relevant edit through the pages: the only window moves past the need."""
    window = world["changes"].availability[0]
    need = world["need"]
    start, end = need.end + timedelta(days=10), need.end + timedelta(days=200)
    response = world["expert"].post(
        f"/expert/availability/{window.uuid}/edit",
        data={"start": start.isoformat(), "end": end.isoformat(), "note": ""},
    )
    assert response.status_code == 302


def _lower_language(world: dict) -> None:
    """An eligibility-relevant edit of a child row: English below the need's B2."""
    profile = db.session.get(ExpertProfile, world["changes"].id)
    profile.languages[0].level = CEFRLevel.A2
    db.session.commit()


def _move_home(world: dict) -> None:
    """An edit of the profile row: the expert now lives in the need's country."""
    db.session.get(ExpertProfile, world["changes"].id).residence_country = "SL"
    db.session.commit()


def _book(world: dict) -> None:
    """A placement elsewhere, approved, over the whole of the need's dates."""
    need = world["need"]
    factories.PlacementFactory(
        expert=db.session.get(ExpertProfile, world["changes"].id),
        status=PlacementStatus.APPROVED,
        start=need.start,
        end=need.end,
    )
    db.session.commit()


CHANGES_THAT_HIDE = {
    "consent to processing withdrawn": _withdraw_processing,
    "erased": _erase,
    "availability moved": _move_availability,
    "language lowered": _lower_language,
    "moved to the need's country": _move_home,
    "booked": _book,
}
WORKERS = ("this worker", "another worker's memory", "another worker, database only")


@pytest.mark.parametrize("worker", WORKERS)
@pytest.mark.parametrize("change", CHANGES_THAT_HIDE)
def test_the_next_view_after_a_change_no_longer_shows_the_expert(
    pages: Callable[..., dict], monkeypatch: pytest.MonkeyPatch, change: str, worker: str
) -> None:
    world = pages()
    need = world["need"]
    for section in (_host_section(world["host"], need), _staff_section(world["staff"], need)):
        assert STAYS in section and CHANGES in section
        assert str(world["changes"].uuid) in section
    if worker == "another worker's memory":
        with _memory_of_another_worker():
            CHANGES_THAT_HIDE[change](world)
    else:
        CHANGES_THAT_HIDE[change](world)
    if worker == "another worker, database only":
        _forget_memory()
    # The kept ranking is used (re-checked), not made again; an erasure deletes the stored
    # rankings and this worker's, so only another worker's memory still holds one.
    if change != "erased" or worker == "another worker's memory":
        monkeypatch.setattr(services, "_rank_experts", lambda *_a: pytest.fail("ranked again"))
    for section in (_host_section(world["host"], need), _staff_section(world["staff"], need)):
        # Not listed at all (an erased profile has no occupation left to show, but its card
        # would still be there, with its uuid in the form).
        assert CHANGES not in section and str(world["changes"].uuid) not in section
        assert STAYS in section and str(world["stays"].uuid) in section


@pytest.mark.parametrize("worker", WORKERS[::2])
def test_withdrawn_sharing_hides_from_the_host_only(
    pages: Callable[..., dict], monkeypatch: pytest.MonkeyPatch, worker: str
) -> None:
    world = pages()
    need = world["need"]
    assert CHANGES in _host_section(world["host"], need)
    assert CHANGES in _staff_section(world["staff"], need)
    _withdraw_sharing(world)
    if worker != "this worker":
        _forget_memory()
    monkeypatch.setattr(services, "_rank_experts", lambda *_a: pytest.fail("ranked again"))
    assert CHANGES not in _host_section(world["host"], need)
    assert CHANGES in _staff_section(world["staff"], need)


def test_consent_given_again_shows_the_expert_again(
    pages: Callable[..., dict], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A verdict is kept with its stamp, not for good: a new change judges again."""
    world = pages()
    need = world["need"]
    assert CHANGES in _host_section(world["host"], need)
    _withdraw_sharing(world)
    monkeypatch.setattr(services, "_rank_experts", lambda *_a: pytest.fail("ranked again"))
    assert CHANGES not in _host_section(world["host"], need)
    world["expert"].post("/expert/consent", data={"processing": "y", "share_with_hosts": "y"})
    assert CHANGES in _host_section(world["host"], need)


def test_a_programme_edit_judges_every_kept_candidate_again(
    pages: Callable[..., dict], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The rules a programme adds are not an expert's change: verdicts made under other rules
    are not reused."""
    world = pages(programme=factories.ProgrammeFactory())
    need = world["need"]
    assert STAYS in _staff_section(world["staff"], need)
    assert STAYS in _host_section(world["host"], need)
    programme = db.session.get(Programme, need.programme_id)
    programme.eligible_residence_countries = ["GB"]  # both experts live in NL
    db.session.commit()
    monkeypatch.setattr(services, "_rank_experts", lambda *_a: pytest.fail("ranked again"))
    for section in (_host_section(world["host"], need), _staff_section(world["staff"], need)):
        assert STAYS not in section and CHANGES not in section


# --- what a view costs ----------------------------------------------------------------------


@contextmanager
def _statements() -> Iterator[list[str]]:
    seen: list[str] = []

    def note(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        seen.append(statement)

    engine = db.session.get_bind().engine  # the test's connection's
    event.listen(engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", note)


STAMPS_READ = "SELECT expert_profiles.id, expert_profiles.change_stamp \nFROM"


def _recheck_reads() -> tuple[str, ...]:
    """How the re-check's own queries begin (the page's loading of profiles is not one)."""
    dialect = db.session.get_bind().dialect
    queries = (
        services._CONSENTS_OF,
        services._BOOKED_OF,
        services._LANGUAGES_OF,
        services._WINDOWS_OF,
        services._PROFILES_OF,
    )
    return tuple(str(q.compile(dialect=dialect)).split("\nWHERE")[0] for q in queries)


def test_an_unchanged_view_reads_only_the_stamps(
    pages: Callable[..., dict], monkeypatch: pytest.MonkeyPatch
) -> None:
    world = pages()
    need = world["need"]
    judged: list[list[int]] = []
    original = services._judge
    monkeypatch.setattr(
        services, "_judge", lambda n, ids, h: judged.append(ids) or original(n, ids, h)
    )
    _host_section(world["host"], need)  # ranks, and checks the ranking once
    assert len(judged) == 1
    judged.clear()
    with _statements() as seen:
        assert CHANGES in _host_section(world["host"], need)
    assert judged == []
    stamp_reads = [s for s in seen if s.startswith(STAMPS_READ)]
    assert len(stamp_reads) == 1
    recheck = _recheck_reads()
    assert [s for s in seen if s.startswith(recheck)] == []
    # One expert changes: only they are judged again, on the next view only.
    _lower_language(world)
    with _statements() as seen:
        assert CHANGES not in _host_section(world["host"], need)
    assert judged == [[world["changes"].id]]
    assert len([s for s in seen if s.startswith(recheck)]) == 5
    assert CHANGES not in _host_section(world["host"], need)
    assert judged == [[world["changes"].id]]


def test_an_unchanged_re_check_is_one_statement(app: Flask, db_session: object, kept: None) -> None:
    """The service on its own: the kept ranking in memory, nothing changed, one query."""
    experts = [factories.ExpertFactory() for _ in range(4)]
    need = factories.NeedFactory()
    with app.test_request_context():
        first = services.ranked_expert_ids(need, 20, for_host=True)
        assert {i for i, _m in first} == {e.id for e in experts}
        need = db.session.get(Need, need.id)
        need.languages, need.programme  # noqa: B018 (loaded, as the page has them)
        with _statements() as seen:
            again = services.kept_ranking(need, 20, for_host=True)
        assert again == first
        assert len(seen) == 1 and "change_stamp" in seen[0]


# --- the stamps themselves --------------------------------------------------------------------


def test_every_kind_of_change_moves_the_stamp(app_ctx: None) -> None:
    expert = factories.ExpertFactory()
    other = factories.ExpertFactory()
    steps: list[Callable[[], None]] = [
        lambda: db.session.add(
            ConsentRecord(
                user_id=expert.user_id,
                purpose=ConsentPurpose.PROCESSING,
                granted=False,
                text_version="test",
            )
        ),
        lambda: setattr(db.session.get(ExpertProfile, expert.id), "summary", "Surgeon."),
        lambda: setattr(expert.availability[0], "end", TODAY + timedelta(days=90)),
        lambda: db.session.delete(expert.skills[0]),
        lambda: setattr(
            db.session.get(ExpertProfile, expert.id), "anonymised_at", datetime.now(UTC)
        ),
    ]
    for step in steps:
        before = _stamp(expert.id), _stamp(other.id)
        step()
        db.session.commit()
        assert _stamp(expert.id) > before[0]
        assert _stamp(other.id) == before[1]


def test_a_placement_moves_the_stamp_of_each_expert_it_concerns(app_ctx: None) -> None:
    first, second, bystander = (factories.ExpertFactory() for _ in range(3))
    placement = factories.PlacementFactory(expert=first)
    booked = _stamp(first.id)
    placement.status = PlacementStatus.APPROVED
    db.session.commit()
    assert _stamp(first.id) > booked
    before = _stamp(first.id), _stamp(second.id), _stamp(bystander.id)
    placement.expert = second
    db.session.commit()
    after = _stamp(first.id), _stamp(second.id), _stamp(bystander.id)
    assert after[0] > before[0] and after[1] > before[1] and after[2] == before[2]


def test_bulk_writes_move_the_stamps_and_a_rollback_none(app_ctx: None) -> None:
    experts = [factories.ExpertFactory() for _ in range(3)]
    before = [_stamp(e.id) for e in experts]
    db.session.execute(
        update(ExpertProfile)
        .where(ExpertProfile.id == experts[0].id)
        .values(residence_country="SL")
    )
    db.session.commit()
    bulk = [_stamp(e.id) for e in experts]
    assert all(b > a for a, b in zip(before, bulk, strict=True))
    db.session.execute(
        insert(ConsentRecord),
        [
            {
                "user_id": experts[2].user_id,
                "purpose": ConsentPurpose.PROCESSING,
                "granted": False,
                "text_version": "test",
            }
        ],
    )
    db.session.commit()
    # An insert names whose row it is: only that expert's stamp moves.
    after_insert = [_stamp(e.id) for e in experts]
    assert after_insert[2] > bulk[2] and after_insert[:2] == bulk[:2]
    bulk = after_insert
    db.session.get(ExpertProfile, experts[1].id).summary = "Never saved."
    db.session.flush()
    assert _stamp(experts[1].id) > bulk[1]
    db.session.rollback()
    assert [_stamp(e.id) for e in experts] == bulk


def test_the_re_check_judges_on_what_the_engine_reads_of_the_need(app_ctx: None) -> None:
    """The lighter record the re-check builds carries every field the hard rules read."""
    from matching.eligibility import exclusion_reasons
    from placement.matches.records import expert_record, need_record

    need = factories.NeedFactory(programme=factories.ProgrammeFactory())
    full, light = need_record(need), services._constraint_need(need)
    for field in ("id", "country", "start", "end", "duration_weeks", "languages"):
        assert getattr(light, field) == getattr(full, field), field
    experts = [
        factories.ExpertFactory(),
        factories.ExpertFactory(residence_country="SL"),
        factories.ExpertFactory(origin_country="GH"),
    ]
    experts[0].languages[0].level = CEFRLevel.A1
    db.session.commit()
    rules = services.programme_rules(need.programme, {})
    for expert in experts:
        record = expert_record(expert)
        assert exclusion_reasons(record, light, rules) == exclusion_reasons(record, full, rules)


def test_a_value_set_to_itself_moves_no_stamp(app_ctx: None) -> None:
    """Nothing is written then, so a page that only reads never writes a stamp either."""
    expert = factories.ExpertFactory()
    before = _stamp(expert.id)
    profile = db.session.get(ExpertProfile, expert.id)
    profile.summary = profile.summary
    db.session.commit()
    assert _stamp(expert.id) == before
