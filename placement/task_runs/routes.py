"""Pages of staff requests run as tasks: start an export, see each request's page (pending,
done or failed, updated in place through a small JSON status endpoint), download the export.

A run is seen by the staff member who asked for it and by administrators; anyone else gets a
404, as for an unknown id, so ids reveal nothing."""

from __future__ import annotations

import io

from flask import Blueprint, abort, jsonify, redirect, render_template, send_file, url_for
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import HiddenField
from wtforms.validators import AnyOf

from placement.auth.decorators import signed_in_user, staff_required
from placement.models import TaskRun
from placement.outcomes.routes import _filters
from placement.pagination import paginate
from placement.task_runs import services

bp = Blueprint("task_runs", __name__, url_prefix="/staff/tasks")


class ExportForm(FlaskForm):
    """Start an export (the evaluation filters come in the query string, as on the page)."""

    format = HiddenField(default="csv", validators=[AnyOf(list(services.EXPORT_FORMATS))])


def _run(run_id: str) -> TaskRun:
    run = services.run_for(signed_in_user(), run_id)
    if run is None:
        abort(404)
    return run


@bp.route("/")
@staff_required
def mine() -> str:
    """The runs one has asked for (an administrator sees everyone's), newest first."""
    return render_template(
        "task_runs/list.html",
        runs=paginate(services.visible_to(signed_in_user())),
        kind_labels=services.KIND_LABELS,
        status_labels=services.STATUS_LABELS,
    )


@bp.route("/exports/placements", methods=["POST"])
@staff_required
def start_export() -> Response:
    form = ExportForm()
    if not form.validate_on_submit():
        abort(400)
    filters, _form = _filters()
    run_id = services.submit_export(filters, form.format.data or "csv", signed_in_user())
    return redirect(url_for("task_runs.view", run_id=run_id), code=303)


@bp.route("/<run_id>")
@staff_required
def view(run_id: str) -> str:
    run = _run(run_id)
    return render_template(
        "task_runs/view.html",
        run=run,
        kind_labels=services.KIND_LABELS,
        status_labels=services.STATUS_LABELS,
        download=services.export_file(run) is not None,
    )


@bp.route("/<run_id>/status")
@staff_required
def status(run_id: str) -> Response:
    """Where the run stands (JSON), for its page that waits for it: ``ready`` once it is done
    or failed, and ``page`` to fetch the finished section from."""
    run = _run(run_id)
    response = jsonify(
        status=run.status.value,
        ready=run.finished,
        page=url_for("task_runs.view", run_id=run.uuid),
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/<run_id>/download")
@staff_required
def download(run_id: str) -> Response:
    run = _run(run_id)
    path = services.export_file(run)
    if path is None:
        abort(404)
    extension = path.suffix.lstrip(".")
    name = f"homeward-placements-{run.created_at:%Y-%m-%d}.{extension}"
    # Read whole (an export is built in memory by the task anyway): no file handle is left
    # open if the browser drops the connection half-way through the download.
    response = send_file(
        io.BytesIO(path.read_bytes()),
        mimetype=services.EXPORT_FORMATS.get(extension, "application/octet-stream"),
        as_attachment=True,
        download_name=name,
        max_age=0,
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response
