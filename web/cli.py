"""The ``diktum`` command line: a Flask click group, so commands share the app's config."""

from __future__ import annotations

import click
from flask.cli import FlaskGroup

from web.app import create_app
from web.commands import admin, apikeys, bench, cases, definitions, server


@click.group(cls=FlaskGroup, create_app=create_app, add_default_commands=False)
def cli() -> None:
    """Diktum: executable, auditable workflows from Jakarta's instructions on complaints."""


for command in (
    definitions.validate,
    definitions.diagram,
    definitions.definitions,
    admin.db,
    admin.init,
    admin.user,
    apikeys.apikey,
    cases.case,
    cases.tick,
    cases.replay,
    cases.audit,
    cases.report,
    server.serve,
    server.worker,
    bench.bench,
):
    cli.add_command(command)


def main() -> None:
    cli(prog_name="diktum")


if __name__ == "__main__":
    main()
