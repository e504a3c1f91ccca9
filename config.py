"""Configuration for Homeward, read from environment variables.

Config objects are frozen dataclasses passed to ``create_app``; domain code never imports this
module, so tests can build any number of differently configured apps side by side.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent
LOCALES = ("en", "fr", "es", "ar")


def instance_path() -> Path:
    """Folder for the SQLite file, uploads, the development secret key and loaded taxonomies."""
    return Path(os.environ.get("PLACEMENT_INSTANCE_PATH", PROJECT_ROOT / "instance")).resolve()


def taxonomy_dir() -> Path:
    """Where `placement taxonomy load` writes a full ESCO download, and where matching reads it."""
    return Path(os.environ.get("PLACEMENT_TAXONOMY_DIR", instance_path() / "taxonomy")).resolve()


def _development_secret_key(folder: Path) -> str:
    """A random key kept in the instance folder, so development sessions survive restarts."""
    key_file = folder / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    folder.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class BaseConfig:
    """Settings shared by every environment; field names are Flask config keys."""

    ENV_NAME: str = "development"
    SECRET_KEY: str = ""
    SQLALCHEMY_DATABASE_URI: str = ""
    SQLALCHEMY_ENGINE_OPTIONS: dict[str, Any] = field(default_factory=dict)
    INSTANCE_PATH: str = ""
    UPLOAD_DIR: str = ""
    # Finished staff exports (placement/task_runs): shared by the web and the task workers.
    EXPORT_DIR: str = ""
    TAXONOMY_DIR: str = ""
    TESTING: bool = False
    WTF_CSRF_ENABLED: bool = True
    # A long profile or CV form must not fail after an hour (flask-wtf default 3600 s).
    WTF_CSRF_TIME_LIMIT: int = 8 * 3600
    SESSION_COOKIE_HTTPONLY: bool = True
    SESSION_COOKIE_SAMESITE: str = "Lax"
    SESSION_COOKIE_SECURE: bool = False
    REMEMBER_COOKIE_SECURE: bool = False
    REMEMBER_COOKIE_HTTPONLY: bool = True
    REMEMBER_COOKIE_SAMESITE: str = "Lax"
    REMEMBER_COOKIE_DURATION: timedelta = timedelta(days=14)
    PERMANENT_SESSION_LIFETIME: timedelta = timedelta(hours=12)
    SESSION_IDLE_TIMEOUT: timedelta = timedelta(minutes=30)
    # The cookie is sent again only when the session changes (login, activity noted once a
    # minute), not on every response; expiry is enforced server-side from login_at / seen_at.
    SESSION_REFRESH_EACH_REQUEST: bool = False
    MAX_CONTENT_LENGTH: int = 6 * 1024 * 1024
    MAX_FORM_PARTS: int = 200
    BABEL_DEFAULT_LOCALE: str = "en"
    BABEL_DEFAULT_TIMEZONE: str = "UTC"
    LANGUAGES: tuple[str, ...] = LOCALES
    MAIL_BACKEND: str = "outbox"  # "outbox" keeps mail in the database; "smtp" sends it
    MAIL_SERVER: str = "localhost"
    MAIL_PORT: int = 25
    MAIL_USE_TLS: bool = False
    MAIL_USERNAME: str = ""
    MAIL_PASSWORD: str = ""
    MAIL_DEFAULT_SENDER: str = "Homeward <no-reply@homeward.invalid>"
    PASSWORD_RESET_MAX_AGE: int = 3600
    RATELIMIT_STORAGE_URI: str = "memory://"
    RATELIMIT_ENABLED: bool = True
    RATELIMIT_HEADERS_ENABLED: bool = True
    LOGIN_RATE_LIMIT: str = "10 per minute; 100 per hour"
    REGISTER_RATE_LIMIT: str = "5 per minute; 50 per day"
    RESET_RATE_LIMIT: str = "5 per minute; 20 per hour"
    SCHEDULER_ENABLED: bool = False
    # Task queue (placement/tasks.py). No broker: tasks run in-process at once (the demo needs
    # nothing). With one (redis://127.0.0.1:6379/0), `placement worker` processes run them.
    TASK_BROKER_URL: str = ""
    TASK_RESULT_BACKEND: str = ""
    # Origin countries per worker shard, shards separated by ";" (e.g. "SL,GH;ET,SN"): shard N's
    # tasks go to queue "countries-N"; other countries and tasks without one go to "default".
    TASK_COUNTRY_SHARDS: str = ""
    # Seconds before a task taken by a worker that died (kill -9) is handed out again.
    TASK_VISIBILITY_TIMEOUT: int = 3600
    # Expert features are stored at each profile commit (placement/matches/stored_index.py).
    STORED_FEATURES_ON_SAVE: bool = True
    PREFERRED_URL_SCHEME: str = "http"
    # Links in mail sent by scheduled jobs (no request to take the host from).
    PUBLIC_BASE_URL: str = "http://127.0.0.1:5000"

    def as_flask_config(self) -> dict[str, Any]:
        return asdict(self)


def _database_uri(folder: Path) -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        return f"sqlite:///{folder / 'homeward.db'}"
    return normalise_database_url(url)


def normalise_database_url(url: str) -> str:
    """Accept the usual postgres:// and postgresql:// spellings and use the psycopg 3 driver."""
    if url.startswith("postgres://"):  # Heroku-style URLs
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def _engine_options(uri: str) -> dict[str, Any]:
    if uri.startswith("sqlite"):
        # Busy timeout in seconds; WAL and foreign keys are set on every connection in db.py.
        return {"connect_args": {"timeout": 30}}
    return {"pool_pre_ping": True}


def load_config(env_name: str | None = None, **overrides: Any) -> BaseConfig:
    """Build the configuration for ``env_name`` (development, production, testing) from the
    environment, refusing to start production without an explicit secret key."""
    env_name = env_name or os.environ.get("PLACEMENT_ENV", "development")
    folder = instance_path()
    uri = overrides.pop("SQLALCHEMY_DATABASE_URI", None) or _database_uri(folder)
    secret = os.environ.get("SECRET_KEY", "")
    if env_name == "production" and not secret:
        raise RuntimeError(
            "SECRET_KEY must be set when PLACEMENT_ENV=production; refusing to start."
        )
    if not secret:
        secret = "test-secret-key" if env_name == "testing" else _development_secret_key(folder)
    production = env_name == "production"
    values: dict[str, Any] = {
        "ENV_NAME": env_name,
        "SECRET_KEY": secret,
        "SQLALCHEMY_DATABASE_URI": uri,
        "SQLALCHEMY_ENGINE_OPTIONS": _engine_options(uri),
        "INSTANCE_PATH": str(folder),
        "UPLOAD_DIR": os.environ.get("PLACEMENT_UPLOAD_DIR", str(folder / "uploads")),
        "EXPORT_DIR": os.environ.get("PLACEMENT_EXPORT_DIR", str(folder / "exports")),
        "TAXONOMY_DIR": str(taxonomy_dir()),
        "TESTING": env_name == "testing",
        "SESSION_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_SECURE": production,
        "PREFERRED_URL_SCHEME": "https" if production else "http",
        "MAIL_BACKEND": os.environ.get("MAIL_BACKEND", "smtp" if production else "outbox"),
        "MAIL_SERVER": os.environ.get("MAIL_SERVER", "localhost"),
        "MAIL_PORT": int(os.environ.get("MAIL_PORT", "25")),
        "MAIL_USE_TLS": _bool("MAIL_USE_TLS", False),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME", ""),
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD", ""),
        "MAIL_DEFAULT_SENDER": os.environ.get(
            "MAIL_DEFAULT_SENDER", BaseConfig.MAIL_DEFAULT_SENDER
        ),
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        "SCHEDULER_ENABLED": False,
        "TASK_BROKER_URL": os.environ.get("TASK_BROKER_URL", ""),
        "TASK_RESULT_BACKEND": os.environ.get("TASK_RESULT_BACKEND", ""),
        "TASK_COUNTRY_SHARDS": os.environ.get("TASK_COUNTRY_SHARDS", ""),
        "TASK_VISIBILITY_TIMEOUT": int(os.environ.get("TASK_VISIBILITY_TIMEOUT", "3600")),
        "PUBLIC_BASE_URL": os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000"),
    }
    values.update(overrides)
    return BaseConfig(**values)
