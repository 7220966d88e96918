"""Running Diktum: the web app with its scheduler, or the scheduler alone."""

from __future__ import annotations

import logging
import signal
import threading
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext
from werkzeug.serving import run_simple

from engine.scheduler import run_worker
from web.clitools import handled, parse_instant, store


@click.command()
@with_appcontext
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--no-scheduler", is_flag=True, help="Serve only (the scheduler runs elsewhere).")
@handled
def serve(host: str, port: int, no_scheduler: bool) -> None:
    """UI + API + scheduler in one process: the embedded default."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    stop = threading.Event()
    if not no_scheduler:
        worker = threading.Thread(target=run_worker, args=(store(), stop), daemon=True)
        worker.start()
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    try:
        # Flask's app.run() refuses to run inside its own CLI; the reloader would start
        # a second scheduler (LIBRARIES.md), so it stays off.
        run_simple(host, port, app, use_reloader=False, threaded=True)
    finally:
        stop.set()


@click.command()
@click.option("--now", "fixed", envvar="DIKTUM_NOW", help="Run with this ISO 8601 clock.")
@with_appcontext
@handled
def worker(fixed: str | None) -> None:
    """The scheduler alone; on PostgreSQL it stands by until it holds the lock."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    stop = threading.Event()

    def shutdown(*_: Any) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, shutdown)
    signal.signal(signal.SIGINT, shutdown)
    if fixed:
        instant = parse_instant(fixed, "--now")
        run_worker(store(), stop, clock=lambda: instant)
    else:
        run_worker(store(), stop)
