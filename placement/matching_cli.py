"""File-based matching commands: ``placement match``, ``placement assign``, ``placement taxonomy``.

They follow ``shared/spec/interchange.md`` to the letter and need neither the web application
nor a database. Bad input stops a command with exit status 2 and a message naming the file, the
line and the field; the output file is written to a temporary file and renamed into place only
on success, so a failed run never leaves a partial or truncated ``--out``.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import click

from matching.assignment import assign
from matching.engine import Matcher
from matching.esco_import import (
    TaxonomyImportError,
    import_official,
    is_taxonomy_dir,
    read_dir,
    write_dir,
)
from matching.io import InterchangeError, read_experts, read_needs
from matching.records import Expert, Need
from matching.taxonomy import ATTRIBUTION, Taxonomy

__all__ = ["assign_command", "match_command", "taxonomy_group"]

_IN_FILE = click.Path(exists=True, dir_okay=False, readable=True)
_OUT_FILE = click.Path(dir_okay=False, writable=True)


def _default_taxonomy_dir() -> Path | None:
    try:
        import config
    except ImportError:
        return None
    return config.taxonomy_dir()


def load_taxonomy() -> Taxonomy:
    """The taxonomy written by ``placement taxonomy load`` if there is one, else the shipped."""
    return Taxonomy.load_or_shipped(_default_taxonomy_dir())


def _fail(message: str) -> None:
    click.echo(f"Error: {message}", err=True)
    raise SystemExit(2)


def _read(experts_path: str, needs_path: str) -> tuple[list[Expert], list[Need]]:
    try:
        return read_experts(experts_path), read_needs(needs_path)
    except InterchangeError as exc:
        _fail(str(exc))
        raise  # unreachable: _fail exits


def _write_lines(out: str, lines: Iterable[dict[str, Any]]) -> int:
    """Write JSON lines to a temporary file beside ``out`` and rename it into place."""
    target = Path(out)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:
        _fail(f"{out}: cannot write here: {exc.strerror}")
        raise
    count = 0
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            for line in lines:
                handle.write(json.dumps(line, ensure_ascii=False) + "\n")
                count += 1
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return count


@click.command("match")
@click.option("--experts", "experts_path", required=True, type=_IN_FILE, help="experts.jsonl")
@click.option("--needs", "needs_path", required=True, type=_IN_FILE, help="needs.jsonl")
@click.option(
    "--top",
    "top",
    default=10,
    show_default=True,
    type=click.IntRange(min=0),
    help="Candidates per need.",
)
@click.option("--out", "out", required=True, type=_OUT_FILE, help="Ranking file to write.")
def match_command(experts_path: str, needs_path: str, top: int, out: str) -> None:
    """Rank the best eligible experts for every need (one JSON line per need, input order)."""
    experts, needs = _read(experts_path, needs_path)
    matcher = Matcher().fit(experts, needs, taxonomy=load_taxonomy())
    ranking = matcher.match_all(top) if top else {n.id: [] for n in needs}
    lines = (
        {
            "need_id": need.id,
            "candidates": [
                {"expert_id": m.expert_id, "score": m.score, "explanation": m.explanation}
                for m in ranking[need.id]
            ],
        }
        for need in needs
    )
    count = _write_lines(out, lines)
    click.echo(f"Wrote {count} rankings to {out}.")


@click.command("assign")
@click.option("--experts", "experts_path", required=True, type=_IN_FILE, help="experts.jsonl")
@click.option("--needs", "needs_path", required=True, type=_IN_FILE, help="needs.jsonl")
@click.option("--out", "out", required=True, type=_OUT_FILE, help="Assignment file to write.")
@click.option(
    "--min-score",
    "min_score",
    default=0.0,
    show_default=True,
    type=float,
    help="Ignore pairs scoring below this.",
)
def assign_command(experts_path: str, needs_path: str, out: str, min_score: float) -> None:
    """Choose placements maximising the total score (one JSON line per placement)."""
    experts, needs = _read(experts_path, needs_path)
    matcher = Matcher().fit(experts, needs, taxonomy=load_taxonomy())
    result = assign(matcher.candidate_links(), {n.id: n.slots for n in needs}, min_score=min_score)
    order = {need.id: i for i, need in enumerate(needs)}
    pairs = sorted(result.pairs, key=lambda p: (order[p[0]], -p[2], p[1]))
    _write_lines(out, ({"need_id": n, "expert_id": e, "score": s} for n, e, s in pairs))
    report = result.compare_greedy()
    click.echo(
        f"Wrote {len(pairs)} placements to {out}: total score {report['optimal_total']:.6f} "
        f"(greedy: {report['greedy_total']:.6f} with {report['greedy_placements']} placements)."
    )


@click.group("taxonomy")
def taxonomy_group() -> None:
    """Manage the ESCO taxonomy used for matching."""


@taxonomy_group.command("load")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, readable=True))
@click.option(
    "--into",
    "into",
    type=click.Path(file_okay=False),
    default=None,
    help="Target folder (default: the configured taxonomy folder).",
)
@click.option(
    "--language",
    "languages",
    multiple=True,
    help="Read only this language's label files, e.g. --language ar (repeatable).",
)
def load_command(directory: str, into: str | None, languages: tuple[str, ...]) -> None:
    """Load an official ESCO CSV download (any languages) from DIRECTORY.

    DIRECTORY holds the CSV files or the downloaded zips, e.g. "ESCO dataset - v1.2.0 -
    classification - ar - csv.zip" for the Arabic labels. Labels, concepts and
    occupation–skill relations are merged into the taxonomy already in the target folder,
    or into the ESCO subset shipped with Homeward if there is none yet.
    """
    target = Path(into) if into else _default_taxonomy_dir()
    if target is None:
        _fail("no target folder: pass --into PATH")
        return
    base = read_dir(target) if is_taxonomy_dir(target) else read_dir(_shipped_dir())
    try:
        data, counts = import_official(directory, base, languages or None)
    except TaxonomyImportError as exc:
        _fail(str(exc))
        return
    write_dir(data, target)
    for name, rows in sorted(counts.items()):
        click.echo(f"  {name}: {rows} rows")
    click.echo(
        f"Taxonomy written to {target}: {len(data.concepts)} concepts, "
        f"{len(data.relations)} relations, languages {', '.join(data.languages)}."
    )
    click.echo(ATTRIBUTION)


def _shipped_dir() -> Path:
    from matching.taxonomy import _shipped_dir as shipped

    return shipped()
