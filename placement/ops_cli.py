"""Operations commands: backup, restore and bulk import.

    placement backup FILE            copy the SQLite database with SQLite's online backup API
    placement restore FILE --yes     put a backup back (the current database is kept aside)
    placement import experts FILE    create expert accounts from an interchange file, in batches

PostgreSQL is backed up with pg_dump and restored with pg_restore (docs/security.md); these
commands say so instead of guessing.
"""

from __future__ import annotations

import re
import sqlite3
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import select
from sqlalchemy.engine import make_url

OPS_COMMANDS: list[click.Command] = []

PG_HELP = (
    "This database is PostgreSQL: back it up with "
    '`pg_dump --format=custom --file=homeward.dump "$DATABASE_URL"` and restore it with '
    '`pg_restore --clean --if-exists --no-owner --dbname="$DATABASE_URL" homeward.dump` '
    "(see docs/security.md)."
)


def _sqlite_path() -> Path:
    """The SQLite file of the configured database, or a clear refusal."""
    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() != "sqlite":
        raise click.ClickException(PG_HELP)
    if not url.database or url.database == ":memory:":
        raise click.ClickException("An in-memory database cannot be backed up or restored.")
    return Path(url.database).resolve()


def _check(path: Path) -> tuple[str, str | None]:
    """(integrity_check result, alembic revision) of a SQLite file, read-only."""
    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as error:
        raise click.ClickException(f"{path}: cannot be opened as SQLite ({error}).") from None
    try:
        result = connection.execute("PRAGMA integrity_check").fetchone()[0]
        try:
            row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
        except sqlite3.Error:
            row = None
        return result, row[0] if row else None
    except sqlite3.DatabaseError as error:
        raise click.ClickException(f"{path}: not a SQLite database ({error}).") from None
    finally:
        connection.close()


def _copy(source: Path, target: Path, *, single_file: bool = True) -> None:
    """SQLite's online backup: a consistent copy while the application keeps running. A backup
    file is made a single self-contained file (rollback journal, no -wal beside it)."""
    src = sqlite3.connect(str(source), timeout=30)
    dst = sqlite3.connect(str(target), timeout=30)
    try:
        src.backup(dst, pages=1024)
        if single_file:
            dst.execute("PRAGMA journal_mode=DELETE")
    finally:
        dst.close()
        src.close()


@click.command("backup")
@click.argument("target", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace TARGET if it exists.")
@with_appcontext
def backup_command(target: Path, force: bool) -> None:
    """Copy the SQLite database to TARGET, safely while the platform is running."""
    source = _sqlite_path()
    if not source.exists():
        raise click.ClickException(f"There is no database at {source}.")
    target = target.resolve()
    if target == source:
        raise click.ClickException("The backup must not overwrite the database itself.")
    if target.exists() and not force:
        raise click.ClickException(f"{target} exists; choose another name or add --force.")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    _copy(source, partial)
    result, revision = _check(partial)
    if result != "ok":
        partial.unlink(missing_ok=True)
        raise click.ClickException(f"The copy failed its integrity check: {result}")
    partial.replace(target)  # the backup appears whole or not at all
    target.chmod(0o600)  # personal data
    size = target.stat().st_size
    click.echo(f"Backed up {source} to {target} ({size:,} bytes, schema {revision}).")


@click.command("restore")
@click.argument("backup", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def restore_command(backup: Path, yes: bool) -> None:
    """Replace the SQLite database's contents with BACKUP.

    The backup is checked first (integrity, and a schema this code knows). The current database
    is copied aside, then overwritten through SQLite's backup API, which holds the database's
    write lock: requests running meanwhile wait, and none sees a half-restored file.
    """
    from alembic.script import ScriptDirectory
    from flask_migrate import Migrate

    target = _sqlite_path()
    backup = backup.resolve()
    if backup == target:
        raise click.ClickException("That is the database itself, not a backup.")
    result, revision = _check(backup)
    if result != "ok":
        raise click.ClickException(f"{backup} fails its integrity check: {result}")
    if revision is None:
        raise click.ClickException(f"{backup} is not a Homeward database (no alembic_version).")
    migrate: Migrate = current_app.extensions["migrate"]
    scripts = ScriptDirectory.from_config(migrate.migrate.get_config(migrate.directory))
    known = {script.revision for script in scripts.walk_revisions()}
    if revision not in known:
        raise click.ClickException(
            f"{backup} has schema {revision}, unknown to this version of Homeward: restore it "
            "with the version that made it."
        )
    if not yes:
        click.confirm(f"Replace everything in {target} with {backup}?", abort=True)
    kept = None
    if target.exists():
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        kept = target.with_name(f"{target.name}.before-restore-{stamp}")
        _copy(target, kept)
        kept.chmod(0o600)
    from placement.extensions import db

    db.session.remove()
    db.engine.dispose()  # no pooled connection keeps the old pages cached
    _copy(backup, target, single_file=False)
    click.echo(f"Restored {backup} into {target} (schema {revision}).")
    if kept:
        click.echo(f"The previous database is kept as {kept}.")
    head = scripts.get_current_head()
    if revision != head:
        click.echo(f"The backup's schema is older: run `placement db upgrade` (to {head}).")


# import ---------------------------------------------------------------------------------------

import_group = AppGroup("import", help="Bulk imports from interchange files.")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# No argon2 hash matches "!": the account cannot log in until its owner resets the password.
NO_PASSWORD = "!"  # noqa: S105  # nosec B105 (a marker that is no hash)
LIMITS = {"name": 200, "email": 254, "origin_region": 200, "occupation": 255}


def _email_for(record: Any) -> str:
    """The record's address, or a placeholder no mail is ever sent to (RFC 2606 .invalid)."""
    if record.email:
        return record.email.strip().lower()
    slug = re.sub(r"[^a-z0-9]+", "-", record.id.lower()).strip("-")[:60] or "expert"
    return f"{slug}@import.invalid"


def _problems(records: list[Any]) -> list[str]:
    """What would make a row fail in the database, found before anything is written."""
    from placement.models import CEFRLevel

    levels = {level.value for level in CEFRLevel}
    problems: list[str] = []
    seen: dict[str, int] = {}
    for number, record in enumerate(records, start=1):
        where = f"record {number} (id {record.id!r})"
        email = _email_for(record)
        if not EMAIL.match(email):
            problems.append(f"{where}: field email: not an email address")
        if email in seen:
            problems.append(f"{where}: field email: same address as record {seen[email]}")
        seen.setdefault(email, number)
        values = {
            "name": record.name or "",
            "email": email,
            "origin_region": record.origin_region or "",
            "occupation": record.occupation or "",
        }
        for field, limit in LIMITS.items():
            if len(values[field]) > limit:
                problems.append(f"{where}: field {field}: longer than {limit} characters")
        for language in record.languages:
            if language.level not in levels or len(language.code) > 3:
                problems.append(f"{where}: field languages: {language.code}/{language.level}")
        if any(len(skill) > 255 for skill in record.skills):
            problems.append(f"{where}: field skills: a skill is longer than 255 characters")
    return problems


def _add_batch(records: list[Any], consent_version: str | None) -> tuple[int, int]:
    """Add one batch (flushed, not committed); returns (created, already present)."""
    from placement.extensions import db
    from placement.models import (
        AvailabilityWindow,
        CEFRLevel,
        ConsentPurpose,
        ConsentRecord,
        ExpertLanguage,
        ExpertProfile,
        ExpertSkill,
        Gender,
        Role,
        User,
    )

    emails = [_email_for(r) for r in records]
    present = set(db.session.scalars(select(User.email).where(User.email.in_(emails))))
    users: list[tuple[User, Any]] = []
    for record, email in zip(records, emails, strict=True):
        if email in present:
            continue
        user = User(
            email=email, full_name=record.name or "", password_hash=NO_PASSWORD, role=Role.EXPERT
        )
        db.session.add(user)
        users.append((user, record))
    db.session.flush()
    for user, record in users:
        occupation = record.occupation or None
        is_uri = bool(occupation and occupation.startswith("http"))
        db.session.add(
            ExpertProfile(
                user_id=user.id,
                gender=Gender(record.gender),
                origin_country=record.origin_country,
                origin_region=record.origin_region,
                residence_country=record.residence_country,
                occupation_uri=occupation if is_uri else None,
                occupation_label=None if is_uri else occupation,
                summary=record.summary,
                years_experience=(
                    int(record.years_experience) if record.years_experience is not None else None
                ),
                sectors=list(record.sectors),
                preferred_regions=[],
                profile_step=5,
                languages=[
                    ExpertLanguage(code=x.code, level=CEFRLevel(x.level)) for x in record.languages
                ],
                skills=[
                    ExpertSkill(label=s, esco_uri=s if s.startswith("http") else None)
                    for s in record.skills
                ],
                availability=[
                    AvailabilityWindow(start=w.start, end=w.end) for w in record.availability
                ],
            )
        )
        if consent_version:
            db.session.add(
                ConsentRecord(
                    user_id=user.id,
                    purpose=ConsentPurpose.PROCESSING,
                    granted=True,
                    text_version=consent_version,
                )
            )
    db.session.flush()
    return len(users), len(records) - len(users)


@import_group.command("experts")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--batch-size", default=500, show_default=True, type=click.IntRange(1, 10_000))
@click.option(
    "--consent-version",
    default=None,
    help="Record consent to processing, given to the programme office under this notice "
    "version (sharing with hosts is never granted by an import).",
)
@with_appcontext
def import_experts_command(path: Path, batch_size: int, consent_version: str | None) -> None:
    """Create expert accounts and profiles from an experts.jsonl interchange file.

    The whole file is checked first; nothing is written if any record is wrong. Rows are then
    committed in batches, and each batch is reported only after its commit, so every record
    reported is durable. Records whose email already has an account are skipped, so running the
    command again after an interruption finishes the job without duplicates.
    """
    from matching.io import InterchangeError, read_experts
    from placement.extensions import db

    try:
        records = read_experts(path)
    except InterchangeError as error:
        raise click.ClickException(f"Nothing imported. {error}") from None
    problems = _problems(records)
    if problems:
        shown = "\n".join(problems[:20])
        more = f"\n… and {len(problems) - 20} more" if len(problems) > 20 else ""
        raise click.ClickException(f"Nothing imported: {len(problems)} problems.\n{shown}{more}")
    created = skipped = 0
    for first in range(0, len(records), batch_size):
        batch = records[first : first + batch_size]
        try:
            new, old = _add_batch(batch, consent_version)
            db.session.commit()
        except Exception:
            db.session.rollback()
            raise
        created, skipped = created + new, skipped + old
        # Printed after the commit: an acknowledged record is on disk.
        click.echo(
            f"acknowledged {first + len(batch)} of {len(records)} records "
            f"(batch {first // batch_size + 1}: {new} created, {old} already present)"
        )
        sys.stdout.flush()
    click.echo(f"Done: {created} experts created, {skipped} already present.")


OPS_COMMANDS.extend([backup_command, restore_command, import_group])
