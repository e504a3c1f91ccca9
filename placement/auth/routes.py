"""Account pages. Routes parse, call a service, commit once, then render or redirect."""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, logout_user
from werkzeug.wrappers import Response

from placement.auth import services
from placement.auth.decorators import public, signed_in_user
from placement.auth.forms import (
    ChangePasswordForm,
    ExpertRegistrationForm,
    InstitutionRegistrationForm,
    LocaleForm,
    LoginForm,
    ResetPasswordForm,
    ResetRequestForm,
    SettingsForm,
)
from placement.auth.redirects import safe_next
from placement.extensions import db, limiter
from placement.forms import add_error, select_choices
from placement.geo import zone_choices
from placement.models import InstitutionType

bp = Blueprint("auth", __name__)


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _register_limit() -> str:
    return current_app.config["REGISTER_RATE_LIMIT"]


def _reset_limit() -> str:
    return current_app.config["RESET_RATE_LIMIT"]


def _post_only(limit: object) -> object:
    return limiter.limit(limit, methods=["POST"])


@bp.route("/login", methods=["GET", "POST"])
@public
@_post_only(_login_limit)
def login() -> str | Response:
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is None:
            current_app.logger.info("failed login from %s", request.remote_addr)
            flash(_("The email address or the password is not correct."), "error")
        else:
            services.start_session(user)
            db.session.commit()
            return redirect(safe_next(request.args.get("next")) or url_for("main.dashboard"))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout() -> Response:
    services.end_all_sessions(signed_in_user())
    db.session.commit()
    logout_user()
    locale = session.get("locale")
    session.clear()
    if locale:
        session["locale"] = locale
    flash(_("You have logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/register")
@public
def register() -> str:
    return render_template("auth/register_choice.html")


@bp.route("/register/expert", methods=["GET", "POST"])
@public
@_post_only(_register_limit)
def register_expert() -> str | Response:
    form = ExpertRegistrationForm()
    if form.validate_on_submit():
        try:
            user = services.register_expert(
                form.email.data,
                form.password.data,
                form.full_name.data,
                share_with_hosts=form.consent_sharing.data,
                locale=session.get("locale"),
            )
        except services.AccountError as error:
            db.session.rollback()
            add_error(form, error.field, error.message)
        else:
            services.start_session(user)
            db.session.commit()
            flash(_("Welcome to Homeward. Your account is ready."), "success")
            return redirect(url_for("main.dashboard"))
    return render_template("auth/register_expert.html", form=form)


@bp.route("/register/institution", methods=["GET", "POST"])
@public
@_post_only(_register_limit)
def register_institution() -> str | Response:
    form = InstitutionRegistrationForm()
    if form.validate_on_submit():
        try:
            user = services.register_institution_user(
                form.email.data,
                form.password.data,
                form.full_name.data,
                institution_name=form.institution_name.data,
                institution_kind=InstitutionType(form.institution_kind.data),
                country=form.country.data,
                town=form.town.data or None,
                job_title=form.job_title.data or None,
                locale=session.get("locale"),
            )
        except services.AccountError as error:
            db.session.rollback()
            add_error(form, error.field, error.message)
        else:
            services.start_session(user)
            db.session.commit()
            flash(
                _("Your institution is registered. Programme staff will verify it shortly."),
                "success",
            )
            return redirect(url_for("main.dashboard"))
    return render_template("auth/register_institution.html", form=form)


@bp.route("/reset", methods=["GET", "POST"])
@public
@_post_only(_reset_limit)
def reset_request() -> str | Response:
    form = ResetRequestForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        db.session.commit()
        flash(
            _("If an account uses that address, we have sent it a link to reset the password."),
            "info",
        )
        return redirect(url_for("auth.login"))
    return render_template("auth/reset_request.html", form=form)


@bp.route("/reset/<token>", methods=["GET", "POST"])
@public
@_post_only(_reset_limit)
def reset_password(token: str) -> str | Response:
    user = services.user_for_reset_token(token)
    if user is None:
        flash(_("This reset link is invalid or has expired. Ask for a new one."), "error")
        return redirect(url_for("auth.reset_request"))
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            services.reset_password(user, form.password.data)
        except services.AccountError as error:
            db.session.rollback()
            add_error(form, error.field, error.message)
        else:
            db.session.commit()
            flash(_("Your password has been changed. You can log in now."), "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/reset_password.html", form=form)


@bp.route("/account/password", methods=["GET", "POST"])
def change_password() -> str | Response:
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = signed_in_user()
        try:
            services.change_password(user, form.current_password.data, form.new_password.data)
        except services.AccountError as error:
            db.session.rollback()
            add_error(form, error.field, error.message)
        else:
            # Other devices are now logged out; this one starts a fresh session.
            services.start_session(user)
            db.session.commit()
            flash(
                _("Your password has been changed. Other devices have been logged out."), "success"
            )
            return redirect(url_for("main.dashboard"))
    return render_template("auth/change_password.html", form=form)


@bp.route("/account/settings", methods=["GET", "POST"])
def settings() -> str | Response:
    user = signed_in_user()
    form = SettingsForm(data={"timezone": user.timezone or ""})
    form.timezone.choices = select_choices(
        [("", _("Automatic: from your country of residence")), *zone_choices()]
    )
    if form.validate_on_submit():
        user.timezone = form.timezone.data or None
        db.session.commit()
        flash(_("Your settings are saved."), "success")
        return redirect(url_for("auth.settings"))
    return render_template("auth/settings.html", form=form)


@bp.route("/locale", methods=["POST"])
@public
def set_locale() -> Response:
    form = LocaleForm()
    form.locale.choices = select_choices((code, code) for code in current_app.config["LANGUAGES"])
    if form.validate_on_submit():
        session["locale"] = form.locale.data
        if current_user.is_authenticated:
            current_user.locale = form.locale.data
            db.session.commit()
    return redirect(safe_next(request.form.get("next")) or url_for("main.index"))
