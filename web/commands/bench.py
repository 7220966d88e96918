"""``diktum bench``: the benchmarks, each beside its floor or peer (engine.bench)."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext

from engine.bench import table
from engine.bench.common import Options
from engine.bench.scenarios import SCENARIOS, runner
from web.clitools import emit, fail, handled, json_option

WSGI_APP = "web.app:create_app()"
"""What the HTTP scenarios serve with gunicorn."""


@click.command()
@with_appcontext
@click.argument("scenario", type=click.Choice([*SCENARIOS, "all"]))
@click.option("--cases", type=click.IntRange(min=1), help="The size N (default: the scenario's).")
@click.option(
    "--database-url",
    help="Run on this PostgreSQL (a schema per database, dropped after); default SQLite.",
)
@click.option(
    "--stored",
    type=click.IntRange(min=0),
    multiple=True,
    help="Cases stored besides the measured ones (intake, action, tick-scaling); repeatable.",
)
@click.option("--clients", type=click.IntRange(min=1), default=8, show_default=True)
@click.option("--requests", type=click.IntRange(min=1), help="HTTP requests per contender.")
@click.option(
    "--workdir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where SQLite databases go (default: a temporary folder, removed after).",
)
@click.option(
    "--readme",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="Write the results into the table between the bench markers of this README "
    "(replacing the rows of the same scenarios on the same database).",
)
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the JSON documents (a list) to this file.",
)
@json_option
@handled
def bench(
    scenario: str,
    cases: int | None,
    database_url: str | None,
    stored: tuple[int, ...],
    clients: int,
    requests: int | None,
    workdir: Path | None,
    readme: Path | None,
    output: Path | None,
    as_json: bool,
) -> None:
    """Run SCENARIO (or all of them) and report each contender's rate and peak RSS.

    \b
    tick          N cases moved by one firing, beside the floor (the bare driver)
    tick-scaling  the same firing among ever more stored cases
    intake        complaints opened through the engine, the JSON API and Open311
    action        officers' actions through the API with many cases stored
    replay        the whole log verified: rate and peak RSS
    peer          the 2017 lifecycle in Diktum and in SpiffWorkflow
    naive         one transitions machine per case, against the set-based tick
    """
    names = list(SCENARIOS) if scenario == "all" else [scenario]
    docs: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="diktum-bench-") as scratch:
        folder = workdir or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        options = Options(
            cases=cases,
            workdir=folder.resolve(),
            definitions=Path(current_app.config["DEFINITIONS_DIR"]),
            database_url=database_url,
            stored=stored,
            clients=clients,
            requests=requests,
            wsgi_app=WSGI_APP,
        )
        failed: list[str] = []
        for name in names:
            try:
                doc = runner(name)(options)
            except Exception as exc:  # one scenario's failure must not lose the others'
                if len(names) == 1:
                    raise
                failed.append(name)
                click.echo(f"error: {name}: {exc}", err=True)
                continue
            docs.append(doc)
            if not as_json:
                click.echo(table.summary(doc))
    if output is not None:
        output.write_text(json.dumps(docs, indent=2, ensure_ascii=False), encoding="utf-8")
    if readme is not None:
        table.write_readme(readme, docs)
    if as_json:
        emit(docs[0] if scenario != "all" else docs, True, "")
    if failed:
        fail(f"scenarios failed: {', '.join(failed)}")
