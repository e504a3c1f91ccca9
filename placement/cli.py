"""The `placement` command line: the Flask CLI group plus Homeward's own commands."""

from __future__ import annotations

import click
from flask.cli import FlaskGroup


def _create_app():
    from placement import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_default_commands=True)
def cli() -> None:
    """Homeward: temporary-return placements of diaspora professionals."""


def _register_matching_commands() -> None:
    """The file-based matching commands need neither the app nor a database."""
    from placement.matching_cli import assign_command, match_command, taxonomy_group

    cli.add_command(match_command, "match")
    cli.add_command(assign_command, "assign")
    cli.add_command(taxonomy_group, "taxonomy")


_register_matching_commands()


def main() -> None:
    cli(prog_name="placement")
