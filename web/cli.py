"""The ``diktum`` command line: a Flask click group, so commands share the app's config.

Errors are mapped to exit codes here and only here: 1 for invalid input (definitions,
arguments), 2 for usage errors (click's own), 3 for a failed audit.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click
from flask import current_app
from flask.cli import FlaskGroup

from web.app import create_app, shipped_definitions
from workflow.definition import Definition
from workflow.diagram import mermaid
from workflow.errors import DefinitionError
from workflow.loader import load_all, load_file

F = TypeVar("F", bound=Callable[..., Any])

EXIT_INVALID = 1


def json_option(func: F) -> F:
    """The ``--json`` flag every reporting command takes."""
    return click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")(func)


def emit(payload: Any, as_json: bool, text: str) -> None:
    """Print ``payload`` as JSON, or ``text`` for people."""
    if as_json:
        click.echo(json.dumps(payload, ensure_ascii=False, indent=2, default=str))
    else:
        click.echo(text)


def fail(message: str, code: int = EXIT_INVALID) -> None:
    """A one-line error on stderr and a non-zero exit; nothing has been written."""
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


@click.group(cls=FlaskGroup, create_app=create_app, add_default_commands=False)
def cli() -> None:
    """Diktum: executable, auditable workflows from Jakarta's instructions on complaints."""


@cli.command(with_appcontext=False)
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
        sys.exit(EXIT_INVALID)
    keys = [d.key for d in definitions]
    emit({"valid": True, "definitions": keys}, as_json, "\n".join(f"ok {k}" for k in keys))


@cli.command()
@click.argument("ref")
def diagram(ref: str) -> None:
    """Mermaid stateDiagram-v2 text of a definition: ID[@VERSION] or a file path."""
    click.echo(mermaid(resolve_definition(ref)), nl=False)


@cli.group()
def definitions() -> None:
    """Workflow definitions."""


@definitions.command("list")
@json_option
def definitions_list(as_json: bool) -> None:
    """The definitions available to run."""
    found = _available()
    payload = [
        {"id": d.id, "version": d.version, "title": d.title, "number": d.basis.number}
        for d in found
    ]
    emit(payload, as_json, "\n".join(f"{d.key}\t{d.title}" for d in found))


@definitions.command("show")
@click.argument("ref")
@json_option
def definitions_show(ref: str, as_json: bool) -> None:
    """The normalised definition (defaults filled in): ID[@VERSION] or a file path."""
    definition = resolve_definition(ref)
    payload = definition.model_dump(mode="json", by_alias=True)
    emit(payload, as_json, json.dumps(payload, ensure_ascii=False, indent=2))


def resolve_definition(ref: str) -> Definition:
    """A definition named by file path, ``id`` (its newest version) or ``id@version``."""
    if ref.endswith((".yaml", ".yml")) or Path(ref).is_file():
        try:
            return load_file(ref)
        except DefinitionError as exc:
            for problem in exc.problems:
                click.echo(str(problem), err=True)
            sys.exit(EXIT_INVALID)
    ident, _, version = ref.partition("@")
    matches = [d for d in _available() if d.id == ident]
    if version:
        if not version.isdigit():
            fail(f"'{ref}': a version is a whole number, as in {ident}@1")
        matches = [d for d in matches if d.version == int(version)]
    if not matches:
        known = ", ".join(sorted({d.key for d in _available()})) or "none"
        fail(f"unknown definition '{ref}' (known: {known})")
    return max(matches, key=lambda d: d.version)


def _available() -> list[Definition]:
    try:
        return shipped_definitions(current_app)
    except DefinitionError as exc:
        fail(f"the definitions directory has problems:\n{exc}")
        raise AssertionError("unreachable") from exc


def main() -> None:
    cli(prog_name="diktum")
