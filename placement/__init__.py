"""Homeward: the Flask application factory."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask, g, request
from flask_babel import format_currency, format_date, format_datetime, format_decimal, get_locale
from flask_login import current_user
from sqlalchemy import select

from config import PROJECT_ROOT, BaseConfig, load_config

PACKAGE_DIR = Path(__file__).resolve().parent


def create_app(config: BaseConfig | None = None, **overrides: Any) -> Flask:
    """Build an app for ``config`` (from the environment when None). Nothing runs at import
    time and no scheduler is started here: the scheduler is its own process."""
    from placement.database import configure_engine, install_read_requests
    from placement.errors import install_error_handlers
    from placement.extensions import babel, csrf, db, limiter, login_manager, migrate
    from placement.i18n import install_template_gettext, select_locale, select_timezone
    from placement.security import install_security_headers
    from placement.static_assets import install_compression, install_static_assets

    config = config or load_config(**overrides)
    app = Flask(
        "placement",
        instance_path=config.INSTANCE_PATH,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    app.config.from_mapping(config.as_flask_config())
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(PACKAGE_DIR / "translations")
    Path(config.INSTANCE_PATH).mkdir(parents=True, exist_ok=True)
    # After-request hooks run last-registered first: compression is registered first so that it
    # compresses the final body, static caching before the security headers so it has the last
    # word on static files' Cache-Control.
    install_compression(app)
    install_static_assets(app)

    db.init_app(app)
    with app.app_context():
        configure_engine(db.engine)
    install_read_requests(app)
    migrate.init_app(app, db, directory=str(PACKAGE_DIR / "migrations"))
    csrf.init_app(app)
    limiter.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    install_template_gettext(app)
    _init_login(app, login_manager)

    _register_blueprints(app)
    from placement.api import init_api

    init_api(app)
    install_error_handlers(app)
    install_security_headers(app)
    _install_template_globals(app)

    from placement.auth.guard import install_guard

    install_guard(app)
    from placement.commands import register_commands

    register_commands(app)
    return app


def _init_login(app: Flask, login_manager: Any) -> None:
    from flask_babel import lazy_gettext as _l

    from placement.extensions import db
    from placement.ids import parse_uuid
    from placement.models import User

    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to see this page.")
    login_manager.login_message_category = "info"

    @login_manager.user_loader
    def _load_user(session_id: str) -> User | None:
        raw_uuid, _, version = session_id.partition(":")
        user_uuid = parse_uuid(raw_uuid)
        if user_uuid is None:
            return None
        user = db.session.scalar(select(User).where(User.uuid == user_uuid))
        if user is None or not user.is_active or str(user.session_version) != version:
            return None
        return user


def _register_blueprints(app: Flask) -> None:
    from placement.admin.routes import bp as admin_bp
    from placement.auth.routes import bp as auth_bp
    from placement.crisis.routes import bp as crisis_bp
    from placement.diaspora.routes import bp as diaspora_bp
    from placement.documents.routes import bp as documents_bp
    from placement.experts.routes import bp as experts_bp
    from placement.institutions.routes import bp as institutions_bp
    from placement.main.routes import bp as main_bp
    from placement.needs.routes import bp as needs_bp
    from placement.notifications_ui.routes import bp as notifications_bp
    from placement.outcomes.routes import bp as outcomes_bp
    from placement.partners.routes import bp as partners_bp
    from placement.placements.routes import bp as placements_bp
    from placement.programmes.routes import bp as programmes_bp
    from placement.staff.routes import bp as staff_bp
    from placement.task_runs.routes import bp as task_runs_bp
    from placement.taxonomy_search.routes import bp as taxonomy_bp

    for blueprint in (
        main_bp,
        auth_bp,
        experts_bp,
        documents_bp,
        taxonomy_bp,
        institutions_bp,
        needs_bp,
        placements_bp,
        notifications_bp,
        outcomes_bp,
        crisis_bp,
        partners_bp,
        diaspora_bp,
        staff_bp,
        programmes_bp,
        task_runs_bp,
        admin_bp,
    ):
        app.register_blueprint(blueprint)


def _install_template_globals(app: Flask) -> None:
    from placement import geo
    from placement.explanations import explain
    from placement.forms import list_errors
    from placement.labels import host_provides_label, template_helpers
    from placement.notifications import unread_count
    from placement.pagination import page_url
    from placement.taxonomy import concept_label, skill_text

    app.jinja_env.globals.update(template_helpers())
    app.jinja_env.globals["taxonomy_label"] = concept_label
    app.jinja_env.globals["explain"] = explain
    app.jinja_env.filters["skill_text"] = skill_text
    app.jinja_env.filters["list_errors"] = list_errors
    app.jinja_env.filters["host_provides_label"] = host_provides_label
    app.jinja_env.globals["page_url"] = page_url  # the pager of paginated lists
    app.jinja_env.filters["reject_page"] = lambda args: {
        k: v for k, v in args.items() if k != "page"
    }
    app.jinja_env.filters["country_name"] = geo.country_name
    app.jinja_env.filters["language_name_filter"] = geo.language_name
    # Dates and times in the reader's language and time zone.
    app.jinja_env.filters["date"] = format_date
    app.jinja_env.filters["number"] = format_decimal
    app.jinja_env.filters["money"] = lambda amount, currency="EUR": (
        format_currency(amount, currency) if amount is not None else "—"
    )
    app.jinja_env.filters["datetime"] = format_datetime
    from placement.experts.services import file_size

    app.jinja_env.filters["filesize"] = file_size

    @app.context_processor
    def _globals() -> dict[str, Any]:
        locale = get_locale()
        return {
            "current_locale": str(locale) if locale else "en",
            "text_direction": locale.text_direction if locale else "ltr",
            "languages": app.config["LANGUAGES"],
            "country_name": geo.country_name,
            "language_name": geo.language_name,
            "unread_notifications": (
                unread_count(current_user) if current_user.is_authenticated else 0
            ),
        }

    @app.before_request
    def _remember_path() -> None:
        g.current_path = request.full_path.rstrip("?")
