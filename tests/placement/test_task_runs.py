"""Staff requests run as tasks (issue 20, point 2): an export or a global assignment run is a
durable TaskRun record, run by the queue (in-process without a broker), followed on a page
that updates in place through a JSON status endpoint; only the staff member who asked (and
administrators) may see it or download the file."""

from __future__ import annotations

import io
import uuid
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from openpyxl import load_workbook
from sqlalchemy import select

from placement import tasks
from placement.extensions import db
from placement.models import (
    AuditEvent,
    Placement,
    PlacementStatus,
    Role,
    TaskKind,
    TaskRun,
    TaskStatus,
    User,
)
from placement.outcomes import evaluation
from placement.task_runs.services import export_folder
from tests import factories
from tests.conftest import make_test_app, scratch_database_url

CSV_HEADER = "placement,expert,programme"


def _page(response: Any) -> str:
    return response.get_data(as_text=True)


def _only_run() -> TaskRun:
    db.session.expire_all()
    return db.session.scalars(select(TaskRun)).one()


def _folder(app: Flask) -> Any:
    with app.test_request_context():
        return export_folder()


@pytest.fixture
def staff(login_as: Callable[..., User]) -> User:
    return login_as(Role.STAFF)


def _client_for(app: Flask, user: User | None) -> FlaskClient:
    client = app.test_client()
    if user is not None:
        response = client.post("/login", data={"email": user.email, "password": factories.PASSWORD})
        assert response.status_code == 302
    return client


# --- an export, start to download ---------------------------------------------------------


class TestExport:
    def test_a_staff_member_starts_an_export_and_downloads_it(
        self, app: Flask, client: FlaskClient, staff: User
    ) -> None:
        factories.PlacementFactory(status=PlacementStatus.COMPLETED)
        response = client.post("/staff/tasks/exports/placements", data={"format": "csv"})
        assert response.status_code == 303
        run = _only_run()
        assert response.headers["Location"].endswith(f"/staff/tasks/{run.uuid}")
        assert (run.kind, run.status, run.attempts) == (TaskKind.EXPORT_PLACEMENTS, "done", 1)
        assert run.requested_by_id == staff.id and run.result_count == 1
        assert run.started_at and run.finished_at and run.error is None
        page = _page(client.get(f"/staff/tasks/{run.uuid}"))
        assert "The export is ready: 1 placement." in page
        assert "data-pending-status" not in page and 'aria-live="polite"' in page
        download = client.get(f"/staff/tasks/{run.uuid}/download")
        assert download.status_code == 200 and download.mimetype == "text/csv"
        assert "attachment" in download.headers["Content-Disposition"]
        lines = download.get_data(as_text=True).splitlines()
        assert lines[0].startswith(CSV_HEADER) and len(lines) == 2
        download.close()
        assert not list(_folder(app).glob("*.partial"))
        audit = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "task.export_placements")
        ).one()
        assert audit.actor_id == staff.id and audit.object_uuid == str(run.uuid)
        assert audit.after["format"] == "csv"

    def test_the_filters_of_the_page_apply_and_xlsx_is_offered(
        self, client: FlaskClient, staff: User
    ) -> None:
        programme = factories.ProgrammeFactory()
        factories.PlacementFactory()
        evaluated = factories.PlacementFactory()
        evaluated.need.programme_id = programme.id
        db.session.commit()
        response = client.post(
            f"/staff/tasks/exports/placements?programme={programme.uuid}", data={"format": "xlsx"}
        )
        assert response.status_code == 303
        run = _only_run()
        assert run.params["programme"] == str(programme.uuid) and run.result_count == 1
        download = client.get(f"/staff/tasks/{run.uuid}/download")
        assert download.mimetype.endswith("spreadsheetml.sheet")
        workbook = load_workbook(io.BytesIO(download.data))
        assert workbook["placements"].max_row == 2  # the header and the programme's one
        download.close()

    def test_the_evaluation_page_offers_the_queued_export(
        self, client: FlaskClient, staff: User
    ) -> None:
        page = _page(client.get("/staff/evaluation"))
        assert 'action="/staff/tasks/exports/placements?' in page
        assert "Prepare the placements with outcomes (CSV)" in page

    def test_an_unknown_format_is_refused(self, client: FlaskClient, staff: User) -> None:
        response = client.post("/staff/tasks/exports/placements", data={"format": "pdf"})
        assert response.status_code == 400
        assert db.session.scalars(select(TaskRun)).first() is None

    def test_an_export_that_fails_says_why_and_keeps_no_file(
        self, app: Flask, client: FlaskClient, staff: User, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        def broken(_filters: object) -> list[dict[str, object]]:
            raise RuntimeError("the evaluation database is unreachable")

        monkeypatch.setattr(evaluation, "export_rows", broken)
        response = client.post("/staff/tasks/exports/placements", data={"format": "csv"})
        assert response.status_code == 303  # the request itself does not fail
        run = _only_run()
        assert run.status is TaskStatus.FAILED and run.finished_at is not None
        assert run.error == "the evaluation database is unreachable"
        page = _page(client.get(f"/staff/tasks/{run.uuid}"))
        assert "It failed." in page and "the evaluation database is unreachable" in page
        assert 'role="alert"' in page and "/download" not in page
        assert client.get(f"/staff/tasks/{run.uuid}/download").status_code == 404
        assert client.get(f"/staff/tasks/{run.uuid}/status").json == {
            "status": "failed",
            "ready": True,
            "page": f"/staff/tasks/{run.uuid}",
        }
        assert not list(_folder(app).glob(f"{run.uuid}*"))


# --- with a broker: the request only enqueues; the page waits, then shows the result -------


class TestQueued:
    def test_the_page_waits_for_the_worker_then_shows_the_result(
        self, client: FlaskClient, staff: User, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        sent: list[tuple[object, tuple[object, ...]]] = []
        monkeypatch.setattr(tasks, "enqueue", lambda task, *args, **_kw: sent.append((task, args)))
        response = client.post("/staff/tasks/exports/placements", data={"format": "csv"})
        assert response.status_code == 303
        run = _only_run()
        assert run.status is TaskStatus.QUEUED and sent == [
            (tasks.export_placements, (None, run.id))
        ]
        page = _page(client.get(f"/staff/tasks/{run.uuid}"))
        assert "Waiting for a worker to start it." in page and 'aria-busy="true"' in page
        assert f'data-pending-status="/staff/tasks/{run.uuid}/status"' in page
        assert f'href="/staff/tasks/{run.uuid}">Refresh</a>' in page
        assert "js/pending." in page
        status = client.get(f"/staff/tasks/{run.uuid}/status")
        assert status.json["status"] == "queued" and status.json["ready"] is False
        assert status.headers["Cache-Control"] == "no-store"
        assert client.get(f"/staff/tasks/{run.uuid}/download").status_code == 404
        assert tasks.export_placements.apply(args=(None, run.id)).get() == 0  # the worker
        assert client.get(f"/staff/tasks/{run.uuid}/status").json["ready"] is True
        page = _page(client.get(f"/staff/tasks/{run.uuid}"))
        assert "The export is ready: 0 placements." in page and "data-pending-status" not in page

    def test_a_queue_that_cannot_take_the_request_fails_the_run_plainly(
        self, client: FlaskClient, staff: User, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        def down(*_args: object, **_kw: object) -> None:
            raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

        monkeypatch.setattr(tasks, "enqueue", down)
        response = client.post("/staff/tasks/exports/placements", data={"format": "csv"})
        assert response.status_code == 303
        run = _only_run()
        assert run.status is TaskStatus.FAILED and "Connection refused" in run.error
        page = _page(client.get(f"/staff/tasks/{run.uuid}"))
        assert "The task queue could not take the request: Error 111" in page

    def test_my_runs_are_listed_to_come_back_to(self, client: FlaskClient, staff: User) -> None:
        theirs = factories.TaskRunFactory()
        mine = factories.TaskRunFactory(requested_by=db.session.get(User, staff.id))
        page = _page(client.get("/staff/tasks/"))
        assert f"/staff/tasks/{mine.uuid}" in page and str(theirs.uuid) not in page
        assert client.get("/staff/tasks/?page=9").status_code == 404


# --- a run killed half-way, or delivered twice ------------------------------------------


class TestRunAgain:
    def test_a_run_killed_half_way_runs_again_and_replaces_the_partial_file(
        self, app: Flask, app_ctx: None
    ) -> None:
        run = factories.TaskRunFactory(status=TaskStatus.RUNNING, attempts=1, result_count=None)
        folder = export_folder()
        folder.mkdir(parents=True, exist_ok=True)
        partial = folder / f"{run.uuid}.csv.partial"
        partial.write_text("placement,exp", encoding="utf-8")  # what the killed run left
        factories.PlacementFactory()
        assert tasks.enqueue(tasks.export_placements, None, run.id).get() == 1
        db.session.expire_all()
        again = db.session.get(TaskRun, run.id)
        assert (again.status, again.attempts, again.result_count) == (TaskStatus.DONE, 2, 1)
        assert not partial.exists()
        lines = (folder / again.result_file).read_text(encoding="utf-8").splitlines()
        assert lines[0].startswith(CSV_HEADER) and len(lines) == 2

    def test_a_finished_run_delivered_again_does_nothing(self, app_ctx: None) -> None:
        for status in (TaskStatus.DONE, TaskStatus.FAILED):
            run = factories.TaskRunFactory(status=status, attempts=1, result_count=7)
            assert tasks.enqueue(tasks.export_placements, None, run.id).get() == 0
            db.session.expire_all()
            kept = db.session.get(TaskRun, run.id)
            assert (kept.status, kept.attempts, kept.result_count) == (status, 1, 7)

    def test_a_run_that_fails_keeps_none_of_its_writes(
        self, app_ctx: None, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        from placement.placements import assignment

        programme = factories.ProgrammeFactory()
        staff = factories.StaffFactory()
        run = factories.TaskRunFactory(
            kind=TaskKind.PROPOSE_PLAN, status=TaskStatus.QUEUED, attempts=0, requested_by=staff
        )
        placement = factories.PlacementFactory()

        def half_then_fail(_programme: object, *, actor: User) -> int:
            db.session.get(Placement, placement.id).status = PlacementStatus.CANCELLED
            db.session.flush()
            raise ValueError("no plan")

        monkeypatch.setattr(assignment, "propose_plan", half_then_fail)
        assert tasks.enqueue(tasks.propose_plan, programme.id, staff.id, run.id).get() == 0
        db.session.expire_all()
        assert db.session.get(Placement, placement.id).status is not PlacementStatus.CANCELLED
        failed = db.session.get(TaskRun, run.id)
        assert (failed.status, failed.error, failed.attempts) == (TaskStatus.FAILED, "no plan", 1)


class TestRequeue:
    def test_a_run_whose_message_was_lost_is_enqueued_again(
        self, app: Flask, app_ctx: None
    ) -> None:
        from datetime import UTC, datetime, timedelta

        from placement.jobs import run_job

        long_ago = datetime.now(UTC) - timedelta(hours=2)
        lost = factories.TaskRunFactory(
            status=TaskStatus.QUEUED, attempts=0, result_count=None, enqueued_at=long_ago
        )
        waiting = factories.TaskRunFactory(
            status=TaskStatus.QUEUED, attempts=0, result_count=None, enqueued_at=datetime.now(UTC)
        )
        started = factories.TaskRunFactory(
            status=TaskStatus.RUNNING, attempts=1, result_count=None, enqueued_at=long_ago
        )
        factories.PlacementFactory()
        assert run_job(app, "requeue-task-runs", date.today()) == 1
        db.session.expire_all()
        done = db.session.get(TaskRun, lost.id)
        assert (done.status, done.attempts, done.result_count) == (TaskStatus.DONE, 1, 1)
        assert done.enqueued_at > long_ago
        assert db.session.get(TaskRun, waiting.id).status is TaskStatus.QUEUED  # not yet due
        assert db.session.get(TaskRun, started.id).status is TaskStatus.RUNNING  # the broker's
        assert run_job(app, "requeue-task-runs", date.today()) == 0


# --- the global assignment run -----------------------------------------------------------


def test_a_global_assignment_run_is_a_task_with_its_page(
    app: Flask, client: FlaskClient, staff: User
) -> None:
    programme = factories.ProgrammeFactory()
    need = factories.NeedFactory(programme_id=programme.id)
    factories.ExpertFactory()
    response = client.post(f"/staff/programmes/{programme.uuid}/assignment/propose")
    assert response.status_code == 303
    run = _only_run()
    assert response.headers["Location"].endswith(f"/staff/tasks/{run.uuid}")
    assert (run.kind, run.status, run.result_count) == (TaskKind.PROPOSE_PLAN, "done", 1)
    assert db.session.scalars(select(Placement.need_id)).all() == [need.id]
    page = _page(client.get(f"/staff/tasks/{run.uuid}"))
    assert "1 proposal created from the plan." in page and programme.name in page
    assert "/staff/placements?status=proposed" in page
    audit = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "task.propose_plan")
    ).one()
    assert audit.object_type == "Programme" and audit.object_uuid == str(programme.uuid)
    trail = _page(client.get(f"/staff/audit?record={programme.uuid}"))
    assert "ran the programme&#39;s global assignment" in trail


@pytest.fixture
def real_app(tmp_path: Path) -> Iterator[Flask]:
    """An app with the real sessions (expired on commit, one per app context), not the test
    transaction: what `make demo` runs."""
    application = make_test_app(scratch_database_url(tmp_path, "runs"), tmp_path)
    with application.app_context():
        upgrade()
        db.session.remove()
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


def test_without_a_broker_a_run_works_inside_the_request(real_app: Flask) -> None:
    """The task runs in-process in the web request (no broker) with a session of its own:
    ending it leaves the request's signed-in user usable (it once failed as "not bound to a
    Session")."""
    with real_app.app_context():
        programme = factories.ProgrammeFactory()
        factories.NeedFactory(programme_id=programme.id)
        factories.ExpertFactory()
        email, programme_uuid = factories.StaffFactory().email, programme.uuid
        db.session.remove()
    client = real_app.test_client()
    client.post("/login", data={"email": email, "password": factories.PASSWORD})
    response = client.post(f"/staff/programmes/{programme_uuid}/assignment/propose")
    assert response.status_code == 303
    page = _page(client.get(response.headers["Location"]))
    assert "1 proposal created from the plan." in page
    response = client.post("/staff/tasks/exports/placements", data={"format": "csv"})
    assert "The export is ready: 1 placement." in _page(client.get(response.headers["Location"]))
    with real_app.app_context():
        runs = db.session.scalars(select(TaskRun)).all()
        assert [(r.status, r.error) for r in runs] == [(TaskStatus.DONE, None)] * 2
        db.session.remove()


# --- who may see a run, and bad ids --------------------------------------------------------

ROUTES = ("/staff/tasks/{id}", "/staff/tasks/{id}/status", "/staff/tasks/{id}/download")


@pytest.fixture
def done_export(app: Flask, db_session: object) -> TaskRun:
    run = factories.TaskRunFactory()
    with app.test_request_context():
        factories.write_export(run)
    return run


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("role", ["expert", "host", "anonymous", "other_staff"])
def test_no_one_else_sees_a_run(app: Flask, done_export: TaskRun, route: str, role: str) -> None:
    user = {
        "expert": lambda: factories.ExpertFactory().user,
        "host": lambda: factories.HostMemberFactory().user,
        "anonymous": lambda: None,
        "other_staff": factories.StaffFactory,
    }[role]()
    response = _client_for(app, user).get(route.format(id=done_export.uuid))
    if role == "anonymous":
        assert response.status_code == 302 and "/login?next=" in response.headers["Location"]
    else:
        assert response.status_code in (403, 404)
    assert b"placement,expert" not in response.data


@pytest.mark.parametrize("route", ROUTES)
def test_the_owner_and_administrators_see_a_run(
    app: Flask, done_export: TaskRun, route: str
) -> None:
    for user in (done_export.requested_by, factories.AdminFactory()):
        response = _client_for(app, user).get(route.format(id=done_export.uuid))
        assert response.status_code == 200
        response.close()


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("bad", [str(uuid.uuid4()), "not-a-uuid", "1"])
def test_an_unknown_run_is_not_found(
    client: FlaskClient, staff: User, route: str, bad: str
) -> None:
    assert client.get(route.format(id=bad)).status_code == 404


@pytest.mark.parametrize("role", ["expert", "host", "anonymous"])
def test_only_staff_may_start_an_export(app: Flask, db_session: object, role: str) -> None:
    user = {
        "expert": lambda: factories.ExpertFactory().user,
        "host": lambda: factories.HostMemberFactory().user,
        "anonymous": lambda: None,
    }[role]()
    response = _client_for(app, user).post(
        "/staff/tasks/exports/placements", data={"format": "csv"}
    )
    assert response.status_code in (302, 403)
    assert db.session.scalars(select(TaskRun)).first() is None


def test_an_export_whose_file_is_gone_says_so(client: FlaskClient, staff: User, app: Flask) -> None:
    run = factories.TaskRunFactory(
        requested_by=db.session.get(User, staff.id), result_file="gone.csv"
    )
    assert "The file is no longer kept." in _page(client.get(f"/staff/tasks/{run.uuid}"))
    assert client.get(f"/staff/tasks/{run.uuid}/download").status_code == 404


@pytest.mark.parametrize(
    ("locale", "text"),
    [("fr", "Export des placements"), ("es", "Exportación de las"), ("ar", "تصدير التعيينات")],
)
def test_a_run_page_reads_in_the_staff_member_s_language(
    app: Flask, db_session: object, locale: str, text: str
) -> None:
    staff = factories.StaffFactory(locale=locale)
    run = factories.TaskRunFactory(requested_by=staff, status=TaskStatus.QUEUED)
    page = _page(_client_for(app, staff).get(f"/staff/tasks/{run.uuid}"))
    assert text in page and "Waiting for a worker" not in page
