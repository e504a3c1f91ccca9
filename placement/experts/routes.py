"""Expert pages: dashboard, guided profile, availability, documents, consent and data rights.

Routes parse the form, call a service, commit once, then render or redirect.
"""

from __future__ import annotations

import io
from datetime import date
from typing import Any

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import logout_user
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response

from placement.auth.decorators import expert_required, signed_in_user
from placement.auth.passwords import verify_password
from placement.crisis.services import alerts_for_expert
from placement.experts import cv, data_rights, documents, forms, services
from placement.experts.timeline import timeline
from placement.extensions import db
from placement.forms import add_error
from placement.models import ConsentPurpose, DocumentKind, ExpertProfile, SuggestionStatus
from placement.outcomes.services import pending_surveys
from placement.partners.services import shown_memberships
from placement.taxonomy import concept_label, get_taxonomy

bp = Blueprint("experts", __name__, url_prefix="/expert")


def _profile() -> ExpertProfile:
    return services.profile_for(signed_in_user())


def _lang() -> str:
    return str(get_locale() or "en")


@bp.route("/")
@expert_required
def dashboard() -> str:
    profile = _profile()
    return render_template(
        "experts/dashboard.html",
        profile=profile,
        placements=services.placements_for(profile),
        completeness=services.completeness(profile),
        matches=services.match_list(profile, limit=5),
        surveys=pending_surveys(signed_in_user()),
        alerts=alerts_for_expert(signed_in_user()),
    )


@bp.route("/profile")
@expert_required
def profile() -> str:
    return render_template(
        "experts/profile.html",
        profile=_profile(),
        steps=services.PROFILE_STEPS,
        completeness=services.completeness(_profile()),
        taxonomy=get_taxonomy(),
        lang=_lang(),
        memberships=shown_memberships(_profile()),
    )


def _rows_or_one(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The saved rows, or one empty row to start with: "Add another" brings more."""
    return rows or [{}]


def _step_form(step: int, profile: ExpertProfile) -> Any:
    """The form of one step, filled from the profile on GET and from the request on POST."""
    if step == 1:
        return forms.OriginForm(
            obj=profile if request.method == "GET" else None, gender=profile.gender.value
        )
    if step == 2:
        rows = [{"code": x.code, "level": x.level.value} for x in profile.languages]
        return forms.LanguagesForm(
            data={"languages": _rows_or_one(rows)} if request.method == "GET" else None,
            countries=(profile.origin_country, profile.residence_country),
        )
    if step == 3:
        rows = [{"label": s.label, "proficiency": str(s.proficiency or "")} for s in profile.skills]
        data = {
            "occupation": profile.occupation_label,
            "skills": [*rows, {}],
            "years_experience": profile.years_experience,
            "sectors": profile.sectors,
            "summary": profile.summary,
        }
        return forms.SkillsForm(data=data if request.method == "GET" else None)
    if step == 4:
        rows = [
            {
                "kind": q.kind.value,
                "title": q.title,
                "issuer": q.issuer,
                "obtained_on": q.obtained_on,
                "expires_on": q.expires_on,
            }
            for q in profile.qualifications
        ]
        data = {"education": profile.education, "qualifications": _rows_or_one(rows)}
        return forms.QualificationsForm(data=data if request.method == "GET" else None)
    data = {
        "preferred_regions": ", ".join(profile.preferred_regions),
        "remote_ok": profile.remote_ok,
    }
    return forms.PreferencesForm(data=data if request.method == "GET" else None)


def _save_step(step: int, profile: ExpertProfile, form: Any) -> None:
    if step == 1:
        services.save_origin(
            profile,
            origin_country=form.origin_country.data,
            origin_region=form.origin_region.data,
            residence_country=form.residence_country.data,
            residence_status=form.residence_status.data,
            gender=form.gender.data,
            abroad_since=form.abroad_since.data,
        )
    elif step == 2:
        rows = [(r.form.code.data, r.form.level.data) for r in form.languages if r.form.code.data]
        services.save_languages(profile, rows)
    elif step == 3:
        skills = [
            (r.form.label.data, int(r.form.proficiency.data) if r.form.proficiency.data else None)
            for r in form.skills
            if r.form.label.data
        ]
        services.save_skills(
            profile,
            occupation=form.occupation.data,
            skills=skills,
            years_experience=form.years_experience.data,
            sectors=form.sectors.data or [],
            summary=form.summary.data,
            lang=_lang(),
        )
    elif step == 4:
        rows = [r.form.data for r in form.qualifications if r.form.title.data]
        services.save_qualifications(profile, form.education.data, rows)
    else:
        regions = [r.strip() for r in (form.preferred_regions.data or "").split(",") if r.strip()]
        services.save_preferences(profile, regions, form.remote_ok.data)


@bp.route("/profile/step/<int:step>", methods=["GET", "POST"])
@expert_required
def profile_step(step: int) -> str | Response:
    if not 1 <= step <= len(services.PROFILE_STEPS):
        abort(404)
    profile = _profile()
    form = _step_form(step, profile)
    # "Add another" or "Remove": one row more or fewer, everything typed kept, nothing saved.
    rows_changed = (
        request.method == "POST"
        and isinstance(form, forms.RowsForm)
        and form.change_rows(request.form)
    )
    if not rows_changed and form.validate_on_submit():
        _save_step(step, profile, form)
        db.session.commit()
        flash(_("Saved."), "success")
        if request.form.get("next_step") and step < len(services.PROFILE_STEPS):
            return redirect(url_for("experts.profile_step", step=step + 1))
        if request.form.get("next_step"):
            return redirect(url_for("experts.availability"))
        return redirect(url_for("experts.profile_step", step=step))
    if request.method == "POST" and not rows_changed:
        flash(_("Some answers need your attention; nothing else was lost."), "error")
    return render_template(
        f"experts/step_{services.PROFILE_STEPS[step - 1][0]}.html",
        form=form,
        step=step,
        steps=services.PROFILE_STEPS,
        profile=profile,
    )


@bp.route("/availability", methods=["GET", "POST"])
@expert_required
def availability() -> str | Response:
    profile = _profile()
    form = forms.WindowForm()
    if form.validate_on_submit():
        try:
            services.save_window(profile, form.start.data, form.end.data, form.note.data)
        except services.ProfileError as error:
            db.session.rollback()
            add_error(form, "start", error)
        else:
            db.session.commit()
            flash(_("Availability window added."), "success")
            return redirect(url_for("experts.availability"))
    return render_template(
        "experts/availability.html",
        form=form,
        profile=profile,
        timeline=timeline(
            profile.availability, date.today(), rtl=get_locale().text_direction == "rtl"
        ),
    )


@bp.route("/availability/<window_id>/edit", methods=["GET", "POST"])
@expert_required
def edit_window(window_id: str) -> str | Response:
    profile = _profile()
    window = services.window_of(profile, window_id)
    if window is None:
        abort(404)
    form = forms.WindowForm(obj=window if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            services.save_window(profile, form.start.data, form.end.data, form.note.data, window)
        except services.ProfileError as error:
            db.session.rollback()
            add_error(form, "start", error)
        else:
            db.session.commit()
            flash(_("Availability window changed."), "success")
            return redirect(url_for("experts.availability"))
    return render_template("experts/edit_window.html", form=form, window=window)


@bp.route("/availability/<window_id>/delete", methods=["POST"])
@expert_required
def delete_window(window_id: str) -> Response:
    profile = _profile()
    window = services.window_of(profile, window_id)
    if window is None:
        abort(404)
    services.remove_window(profile, window)
    db.session.commit()
    flash(_("Availability window removed."), "success")
    return redirect(url_for("experts.availability"))


@bp.route("/documents", methods=["GET", "POST"], endpoint="documents")
@expert_required
def documents_page() -> tuple[str, int] | str | Response:
    profile = _profile()
    try:
        form = forms.DocumentForm()
    except RequestEntityTooLarge:  # refused before it is read; the page stays as it was
        form = forms.DocumentForm(formdata=None)
        add_error(form, "file", _("The file is larger than 5 MB."))
        return render_template("experts/documents.html", form=form, profile=profile), 413
    if form.validate_on_submit():
        try:
            document = documents.store_upload(profile, form.file.data, DocumentKind(form.kind.data))
            cv.propose(profile, document, _lang())
        except documents.DocumentError as error:
            db.session.rollback()
            add_error(form, "file", error)
        else:
            db.session.commit()
            flash(_("Document uploaded."), "success")
            if document.kind is DocumentKind.CV and document.extracted_text:
                return redirect(url_for("experts.cv_skills", document_id=document.uuid))
            if document.kind is DocumentKind.CV:
                flash(documents.NO_TEXT_MESSAGE, "warning")
            return redirect(url_for("experts.documents"))
    return render_template("experts/documents.html", form=form, profile=profile)


def _own_document(document_id: str) -> Any:
    document = documents.document_for(signed_in_user(), document_id)
    if document is None or document.expert.user_id != signed_in_user().id:
        abort(404)
    return document


@bp.route("/documents/<document_id>/delete", methods=["POST"])
@expert_required
def delete_document(document_id: str) -> Response:
    document = _own_document(document_id)
    path = documents.remove_document(_profile(), document)
    db.session.commit()
    documents.delete_files([path])
    flash(_("Document deleted."), "success")
    return redirect(url_for("experts.documents"))


@bp.route("/documents/<document_id>/skills", methods=["GET", "POST"])
@expert_required
def cv_skills(document_id: str) -> str | Response:
    """The CV step: each suggestion with the sentence it came from, accepted or rejected with
    one small form (no script needed)."""
    document = _own_document(document_id)
    profile = _profile()
    form = forms.SuggestionDecisionForm()
    if form.validate_on_submit():
        suggestion = cv.suggestion_in(document, form.suggestion.data)
        if suggestion is None:
            abort(404)
        label = concept_label(suggestion.esco_uri)
        cv.decide(profile, suggestion, form.decision.data == "accept", label, signed_in_user())
        db.session.commit()
        if form.decision.data == "reject":
            flash(_("“%(label)s” will not be suggested again.", label=label), "success")
        elif suggestion.kind == "occupation":
            flash(_("“%(label)s” is now your occupation.", label=label), "success")
        else:
            flash(_("“%(label)s” added to your skills.", label=label), "success")
        return redirect(url_for("experts.cv_skills", document_id=document.uuid))
    if cv.propose(profile, document, _lang()):  # a CV uploaded before suggestions were kept
        db.session.commit()
    return render_template(
        "experts/cv_skills.html",
        form=form,
        document=document,
        pending=cv.suggestions_for(document, SuggestionStatus.SUGGESTED),
        accepted=cv.suggestions_for(document, SuggestionStatus.ACCEPTED),
        rejected=cv.suggestions_for(document, SuggestionStatus.REJECTED),
        confidence_text=cv.confidence_text,
        kind_text=cv.kind_text,
        section_text=cv.section_text,
    )


@bp.route("/consent", methods=["GET", "POST"])
@expert_required
def consent() -> str | Response:
    user = signed_in_user()
    state = services.current_consents(user)
    form = forms.ConsentForm(
        data={
            "processing": state[ConsentPurpose.PROCESSING],
            "share_with_hosts": state[ConsentPurpose.SHARE_WITH_HOSTS],
        }
        if request.method == "GET"
        else None
    )
    if form.validate_on_submit():
        services.set_consents(
            user,
            {
                ConsentPurpose.PROCESSING: form.processing.data,
                ConsentPurpose.SHARE_WITH_HOSTS: form.share_with_hosts.data,
            },
        )
        db.session.commit()
        flash(_("Your choices are saved and apply at once."), "success")
        return redirect(url_for("experts.consent"))
    return render_template("experts/consent.html", form=form, state=state)


@bp.route("/data", methods=["GET"])
@expert_required
def my_data() -> str:
    return render_template("experts/data.html", form=forms.DeleteAccountForm())


@bp.route("/data/export", methods=["GET"])
@expert_required
def export_data() -> Response:
    user = signed_in_user()
    payload = data_rights.export_zip(user)
    return send_file(
        io.BytesIO(payload),
        mimetype="application/zip",
        as_attachment=True,
        download_name=f"homeward-my-data-{date.today().isoformat()}.zip",
    )


@bp.route("/data/delete", methods=["POST"])
@expert_required
def delete_account() -> str | Response:
    user = signed_in_user()
    form = forms.DeleteAccountForm()
    if form.validate_on_submit():
        if not verify_password(user.password_hash, form.password.data):
            add_error(form, "password", _("Your password is not correct."))
        else:
            files = data_rights.erase_account(user)
            db.session.commit()
            documents.delete_files(files)
            logout_user()
            flash(_("Your account and personal data have been deleted."), "success")
            return redirect(url_for("main.index"))
    return render_template("experts/data.html", form=form), 400
