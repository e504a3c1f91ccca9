"""Programme pages (staff): list, create, edit."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from placement.auth.decorators import signed_in_user, staff_required
from placement.extensions import db
from placement.forms import add_error
from placement.models import Programme
from placement.needs.forms import with_blank_rows
from placement.programmes import services
from placement.programmes.forms import ProgrammeForm
from placement.staff.services import audit_trail

bp = Blueprint("programmes", __name__, url_prefix="/staff/programmes")


def _form_data(programme: Programme) -> dict[str, Any]:
    return {
        "code": programme.code,
        "name": programme.name,
        "description": programme.description,
        "start": programme.start,
        "end": programme.end,
        "eligible_origin_countries": programme.eligible_origin_countries,
        "eligible_residence_countries": programme.eligible_residence_countries,
        "priority_sectors": programme.priority_sectors,
        "min_weeks": programme.min_weeks,
        "max_weeks": programme.max_weeks,
        "currency": programme.currency,
        "active": programme.active,
        "quotas": with_blank_rows(
            [
                {"country": q.country, "max_placements": q.max_placements, "budget": q.budget}
                for q in programme.quotas
            ],
            {},
        ),
    }


def _input(form: ProgrammeForm) -> services.ProgrammeInput:
    return services.ProgrammeInput(
        code=form.code.data,
        name=form.name.data,
        description=form.description.data or None,
        start=form.start.data,
        end=form.end.data,
        eligible_origin_countries=form.eligible_origin_countries.data,
        eligible_residence_countries=form.eligible_residence_countries.data or [],
        priority_sectors=form.priority_sectors.data or [],
        min_weeks=form.min_weeks.data,
        max_weeks=form.max_weeks.data,
        currency=form.currency.data,
        active=form.active.data,
        quotas=[
            services.QuotaInput(r.form.country.data, r.form.max_placements.data, r.form.budget.data)
            for r in form.quotas
            if r.form.country.data
        ],
    )


def _save(form: ProgrammeForm, programme: Programme | None) -> Programme | None:
    try:
        saved = services.save_programme(_input(form), actor=signed_in_user(), programme=programme)
    except services.ProgrammeError as error:
        db.session.rollback()
        add_error(form, error.field, error.message)
        return None
    db.session.commit()
    flash(_("Programme saved."), "success")
    return saved


@bp.route("/")
@staff_required
def index() -> str:
    return render_template("programmes/index.html", programmes=services.all_programmes())


@bp.route("/new", methods=["GET", "POST"])
@staff_required
def new() -> str | Response:
    form = ProgrammeForm(
        data={"quotas": with_blank_rows([], {}), "currency": "EUR", "active": True}
        if request.method == "GET"
        else None
    )
    if form.validate_on_submit() and (saved := _save(form, None)) is not None:
        return redirect(url_for("programmes.edit", programme_id=saved.uuid))
    return render_template("programmes/edit.html", form=form, programme=None, history=[])


@bp.route("/<programme_id>", methods=["GET", "POST"])
@staff_required
def edit(programme_id: str) -> str | Response:
    programme = services.programme_by_uuid(programme_id)
    if programme is None:
        abort(404)
    form = ProgrammeForm(data=_form_data(programme) if request.method == "GET" else None)
    if form.validate_on_submit() and _save(form, programme) is not None:
        return redirect(url_for("programmes.edit", programme_id=programme.uuid))
    return render_template(
        "programmes/edit.html",
        form=form,
        programme=programme,
        history=audit_trail(str(programme.uuid)),
    )
