"""App-level commands of the `placement` CLI: accounts, demo data, serving."""

from __future__ import annotations

from datetime import date, datetime

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from flask_migrate import upgrade
from werkzeug.serving import run_simple

from placement.extensions import db
from placement.models import Role


@click.command("create-user")
@click.option("--email", prompt=True)
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--name", default="", help="Full name shown in the interface.")
@click.password_option(help="At least 12 characters; asked for when not given.")
@with_appcontext
def create_user_command(email: str, role: str, name: str, password: str) -> None:
    """Create an account of any role (staff and admin accounts are only made this way)."""
    from placement.auth.services import AccountError, create_user

    try:
        user = create_user(email, password, Role(role), name)
    except AccountError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from error
    db.session.commit()
    click.echo(f"Created {user.role.value} account {user.email}.")


def _seed_and_report() -> None:
    from placement.demo.seed import seed_demo

    created = seed_demo()
    db.session.commit()
    from placement.jobs import run_job

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    used = run_job(app, "refit-outcome-model", date.today())
    click.echo(f"Outcome model trained on {used} recorded outcomes.")
    if created:
        click.echo("Demo data added: " + ", ".join(f"{n} {k}" for k, n in sorted(created.items())))
    else:
        click.echo("Demo data already present; nothing added.")


@click.command("seed-demo")
@with_appcontext
def seed_demo_command() -> None:
    """Load the demo data set (idempotent: a second run adds nothing)."""
    _seed_and_report()


def _print_demo_logins(url: str) -> None:
    from placement.demo.seed import DEMO_LOGINS, DEMO_PASSWORD

    click.echo("")
    click.echo(f"Homeward is running at {url}")
    click.echo(f"Demo logins (password for all: {DEMO_PASSWORD}):")
    for login in DEMO_LOGINS:
        click.echo(f"  {login.role:<12} {login.email}")
    click.echo("")


@click.command("serve")
@click.option("--demo", is_flag=True, help="Create the database, apply migrations, load demo data.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@with_appcontext
def serve_command(demo: bool, host: str, port: int) -> None:
    """Serve the platform with the development server (use gunicorn in production)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    upgrade()
    if demo:
        _seed_and_report()
        _print_demo_logins(f"http://{host}:{port}")
    # Flask ignores app.run() inside its own CLI, so serve with Werkzeug directly.
    run_simple(host, port, app, threaded=True, use_reloader=False, use_debugger=False)


jobs_group = AppGroup("jobs", help="Scheduled jobs.")


@jobs_group.command("run-due")
@click.option(
    "--date",
    "on_date",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Act as if today were this date (YYYY-MM-DD).",
)
def run_due_command(on_date: datetime | None) -> None:
    """Run every job once (for cron, and for tests); each only acts on what is due."""
    from placement.jobs import run_due

    today = on_date.date() if on_date else date.today()
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    for name, count in run_due(app, today).items():
        click.echo(f"{name}: {count}")


@jobs_group.command("list")
def list_jobs_command() -> None:
    """The jobs the scheduler runs, with their schedules."""
    from placement.jobs import JOBS

    for job in JOBS.values():
        click.echo(f"{job.name:<16} {job.cron}  {job.description}")


@click.command("scheduler")
@with_appcontext
def scheduler_command() -> None:
    """Run the scheduler process (one per deployment, beside the web workers)."""
    from placement.scheduler import build_scheduler

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    click.echo("Scheduler started; Ctrl+C to stop.")
    build_scheduler(app).start()


outcomes_group = AppGroup("outcomes", help="Learning from recorded outcomes.")


@outcomes_group.command("evaluate")
def evaluate_command() -> None:
    """Time-ordered held-out evaluation of the learned score against the recomputed heuristic."""
    from placement.outcomes.model import evaluate
    from placement.outcomes.reporting import lines

    for line in lines(evaluate()):
        click.echo(line)


@outcomes_group.command("refit")
def refit_command() -> None:
    """Retrain the outcome model now (the scheduler does it weekly)."""
    from placement.jobs import run_job

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    count = run_job(app, "refit-outcome-model", date.today())
    click.echo(f"Outcomes used: {count}")


def register_commands(app: Flask) -> None:
    for command in (
        create_user_command,
        seed_demo_command,
        serve_command,
        jobs_group,
        outcomes_group,
        scheduler_command,
    ):
        app.cli.add_command(command)
    from placement.index_cli import INDEX_COMMANDS
    from placement.ops_cli import OPS_COMMANDS

    for command in (*OPS_COMMANDS, *INDEX_COMMANDS):
        app.cli.add_command(command)
