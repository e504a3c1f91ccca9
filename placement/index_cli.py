"""`placement reindex` (rebuild stored expert features) and `placement worker` (run tasks)."""

from __future__ import annotations

import time

import click
from flask import current_app
from flask.cli import with_appcontext


@click.command("reindex")
@click.option("--stale-only", is_flag=True, help="Only profiles without a current row.")
@click.option(
    "--batch-size",
    default=20_000,
    show_default=True,
    type=click.IntRange(1, 50_000),
    help="Experts featurised per batch.",
)
@click.option(
    "--processes",
    default=None,
    type=click.IntRange(1, 64),
    help="Forked worker processes featurising batches (default: 2, or 1 on one CPU).",
)
@with_appcontext
def reindex_command(stale_only: bool, batch_size: int, processes: int | None) -> None:
    """Featurise every expert profile again and store it, with every origin country's block
    (after an engine or taxonomy upgrade, or a bulk change made outside the application).
    Each country commits on its own, so an interrupted run is finished by running it again
    with --stale-only."""
    from placement.matches.stored_index import reindex

    began = time.perf_counter()
    written = reindex(batch=batch_size, only_stale=stale_only, processes=processes)
    click.echo(f"Stored the features of {written} experts in {time.perf_counter() - began:.1f} s.")


@click.command("worker")
@click.option(
    "--shard",
    "shards",
    multiple=True,
    help="Consume this shard's queue (a number of TASK_COUNTRY_SHARDS, or 'default'); "
    "repeat for several. Default: every queue.",
)
@click.option("--concurrency", default=1, show_default=True, type=click.IntRange(1, 64))
@click.option(
    "--pool", default="prefork", show_default=True, type=click.Choice(["prefork", "solo"])
)
@click.option("--include", "includes", multiple=True, help="Also import this module's tasks.")
@with_appcontext
def worker_command(
    shards: tuple[str, ...], concurrency: int, pool: str, includes: tuple[str, ...]
) -> None:
    """Run a task worker (rankings, scheduled jobs, imports, exports, mail) against
    TASK_BROKER_URL. Workers given disjoint shards own disjoint origin countries."""
    import importlib

    from placement import tasks

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    known = tasks.queue_names(app.config)
    queues = [
        name if name == tasks.DEFAULT_QUEUE else f"countries-{name}" for name in shards
    ] or known
    unknown = [q for q in queues if q not in known]
    if unknown:
        raise click.BadParameter(f"no such shard: {', '.join(unknown)} (known: {known})")
    for module in includes:
        importlib.import_module(module)
    try:
        tasks.start_worker(app, queues, concurrency, pool)
    except RuntimeError as error:
        raise click.ClickException(str(error)) from error


INDEX_COMMANDS = [reindex_command, worker_command]
