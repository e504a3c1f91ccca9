"""Operations commands: backup, restore and bulk import (filled in by the reliability work)."""

from __future__ import annotations

import click

OPS_COMMANDS: list[click.Command] = []
