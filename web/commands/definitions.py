"""Commands for administrators: validate, publish, list, show and draw definitions."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from engine import registry
from web.clitools import EXIT_INVALID, emit, handled, json_option, now_option, store
from workflow.definition import Definition
from workflow.diagram import mermaid
from workflow.errors import DefinitionError
from workflow.loader import load_all, load_file


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(dir_okay=False))
@json_option
def validate(paths: tuple[str, ...], as_json: bool) -> None:
    """Validate definition files: every problem as path:line:col: message."""
    try:
        definitions = load_all(paths)
    except DefinitionError as exc:
        if as_json:
            problems = [p.__dict__ for p in exc.problems]
            emit({"valid": False, "problems": problems}, True, "")
        else:
            for problem in exc.problems:
                click.echo(str(problem))
        raise SystemExit(EXIT_INVALID) from None
    keys = [d.key for d in definitions]
    emit({"valid": True, "definitions": keys}, as_json, "\n".join(f"ok {k}" for k in keys))


@click.command()
@with_appcontext
@click.argument("ref")
@handled
def diagram(ref: str) -> None:
    """Mermaid stateDiagram-v2 text of a definition: ID[@VERSION] or a file path."""
    click.echo(mermaid(resolve(ref)), nl=False)


@click.group(cls=AppGroup)
def definitions() -> None:
    """Workflow definitions: publish, list, show."""


@definitions.command("load")
@click.argument("paths", nargs=-1, required=True, type=click.Path(dir_okay=False))
@json_option
@now_option
@handled
def definitions_load(paths: tuple[str, ...], as_json: bool, now: object) -> None:
    """Publish definition files as new versions; identical content is a no-op."""
    with store().write() as conn:
        results = registry.publish_files(conn, [Path(p) for p in paths], now)  # type: ignore[arg-type]
    payload = [
        {"definition": p.definition.key, "published": new, "content_hash": p.content_hash}
        for p, new in results
    ]
    lines = [f"{'published' if new else 'unchanged'} {p.definition.key}" for p, new in results]
    emit(payload, as_json, "\n".join(lines))


@definitions.command("list")
@json_option
@handled
def definitions_list(as_json: bool) -> None:
    """The published definition versions."""
    with store().read() as conn:
        found = registry.all_versions(conn)
    payload = [
        {
            "id": p.definition.id,
            "version": p.definition.version,
            "title": p.definition.title,
            "number": p.definition.basis.number,
            "published_at": p.published_at,
            "content_hash": p.content_hash,
        }
        for p in found
    ]
    emit(payload, as_json, "\n".join(f"{p.definition.key}\t{p.definition.title}" for p in found))


@definitions.command("show")
@click.argument("ref")
@json_option
@handled
def definitions_show(ref: str, as_json: bool) -> None:
    """The normalised definition (defaults filled in): ID[@VERSION] or a file path."""
    payload = resolve(ref).model_dump(mode="json", by_alias=True)
    emit(payload, as_json, json.dumps(payload, ensure_ascii=False, indent=2))


def resolve(ref: str) -> Definition:
    """A definition named by file path, or published as ``id`` (newest) or ``id@version``."""
    if ref.endswith((".yaml", ".yml")) or Path(ref).is_file():
        return load_file(ref)
    with store().read() as conn:
        return registry.find(conn, ref).definition


def shipped_files() -> list[Path]:
    return sorted(Path(current_app.config["DEFINITIONS_DIR"]).glob("*.yaml"))
