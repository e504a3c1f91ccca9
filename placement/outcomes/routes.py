"""Survey pages for experts and hosts."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import DateField, SelectField
from wtforms.validators import Optional

from placement.auth.decorators import signed_in_user, staff_required
from placement.extensions import db
from placement.forms import select_choices
from placement.outcomes import evaluation, reporting, services
from placement.outcomes import history as model_history
from placement.outcomes.model import current_model
from placement.programmes.services import all_programmes, programme_by_uuid

bp = Blueprint("outcomes", __name__)


class EvaluationFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET filter form

    programme = SelectField(_l("Programme"), validators=[Optional()])
    start = DateField(_l("Placements starting from"), validators=[Optional()])
    end = DateField(_l("until"), validators=[Optional()])


@bp.route("/surveys/")
def my_surveys() -> str:
    return render_template(
        "outcomes/my_surveys.html", reports=services.pending_surveys(signed_in_user())
    )


@bp.route("/surveys/<report_id>", methods=["GET", "POST"])
def survey(report_id: str) -> str | Response | tuple[str, int]:
    report = services.survey_for(signed_in_user(), report_id)
    if report is None:
        abort(404)
    form = FlaskForm()  # CSRF only; the questions come from the questionnaire data
    errors: dict[str, str] = {}
    if form.validate_on_submit():
        try:
            services.submit(report, request.form.to_dict())
        except services.SurveyError as error:
            errors = error.errors
        else:
            db.session.commit()
            flash(_("Thank you: your answers are recorded."), "success")
            return redirect(url_for("main.dashboard"))
    status = 400 if errors else 200
    return render_template(
        "outcomes/survey.html",
        report=report,
        form=form,
        errors=errors,
        questionnaire=services.questionnaire_of(report),
        values=request.form if request.method == "POST" else report.answers,
    ), status


# Evaluation (staff) ---------------------------------------------------------------------------


def _filters() -> tuple[evaluation.Filters, EvaluationFilterForm]:
    form = EvaluationFilterForm(request.args)
    form.programme.choices = select_choices(
        [("", _("All programmes")), *((str(p.uuid), p.name) for p in all_programmes())]
    )
    if not form.validate():
        flash(_("Some filters were not understood and are ignored."), "error")
        return evaluation.Filters(), form
    programme = programme_by_uuid(form.programme.data) if form.programme.data else None
    return evaluation.Filters(
        programme.id if programme else None, form.start.data, form.end.data
    ), form


@bp.route("/staff/evaluation")
@staff_required
def dashboard() -> str:
    filters, form = _filters()
    return render_template(
        "outcomes/dashboard.html",
        form=form,
        figures=evaluation.dashboard(filters),
        fairness=evaluation.fairness(filters),
        model=current_model(),
        report=model_history.last_evaluation(),
        problem_labels=reporting.PROBLEM_LABELS,
        decision_labels=reporting.DECISION_LABELS,
        group_labels=reporting.GROUP_LABELS,
        thresholds=reporting.THRESHOLDS,
        query=request.query_string.decode(),
    )


def _download(body: str | bytes, name: str, mimetype: str) -> Response:
    response = make_response(body)
    response.mimetype = mimetype
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@bp.route("/staff/evaluation/placements.csv")
@staff_required
def export_csv() -> Response:
    filters, _form = _filters()
    body = evaluation.to_csv([c for c, _m in evaluation.COLUMNS], evaluation.export_rows(filters))
    return _download(body, "homeward-placements.csv", "text/csv")


@bp.route("/staff/evaluation/placements.xlsx")
@staff_required
def export_xlsx() -> Response:
    filters, _form = _filters()
    return _download(
        evaluation.to_xlsx(filters),
        "homeward-placements.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


@bp.route("/staff/evaluation/fairness.csv")
@staff_required
def fairness_csv() -> Response:
    filters, _form = _filters()
    body = evaluation.to_csv(evaluation.FAIRNESS_COLUMNS, evaluation.fairness(filters))
    return _download(body, "homeward-fairness.csv", "text/csv")


@bp.route("/staff/evaluation/dictionary.csv")
@staff_required
def dictionary_csv() -> Response:
    rows = [{"column": c, "meaning": m} for c, m in evaluation.COLUMNS]
    return _download(
        evaluation.to_csv(["column", "meaning"], rows), "homeward-data-dictionary.csv", "text/csv"
    )
