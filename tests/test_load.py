"""Load on the scale-out set-up: the Procfile's processes (gunicorn without a scheduler and
two ``diktum worker``) on PostgreSQL, 50 concurrent clients for a minute filing complaints
through the API and Open311 and taking actions, while ticks run. Afterwards every
accepted complaint and action is in the log, the whole log verifies, and no update was
lost. Loopback only.

``DIKTUM_LOAD_CLIENTS`` and ``DIKTUM_LOAD_SECONDS`` change the size (CI keeps 50 and 60);
``DIKTUM_LOAD_REPORT=path`` writes the figures as JSON (the README's reliability table).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, Any

import pytest
import sqlalchemy as sa
from flask import Flask

from engine.bench import load
from engine.cases import CASES
from engine.events import EVENTS
from tests.conftest import ROOT, close_store, make_app
from tests.test_api import create_key
from tests.test_web_auth import add_user
from web.cli import cli

CLIENTS = int(os.environ.get("DIKTUM_LOAD_CLIENTS", "50"))
SECONDS = float(os.environ.get("DIKTUM_LOAD_SECONDS", "60"))
TICK_EVERY = 3.0
"""Seconds between ticks during the load; each tick's clock is a working day later."""


def procfile() -> dict[str, str]:
    lines = (ROOT / "Procfile").read_text().splitlines()
    entries = (line.split(":", 1) for line in lines if line and not line.startswith("#"))
    return {name: command.strip() for name, command in entries}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def deployed(postgresql_url: str, tmp_path: Path) -> Iterator[tuple[Flask, int, load.Keys]]:
    """The Procfile's processes on a fresh PostgreSQL schema, with users and keys."""
    app = make_app(postgresql_url, tmp_path)
    result = app.test_cli_runner().invoke(cli, ["init"])
    assert result.exit_code == 0, result.output
    add_user(app, "lurah1", "lurah", load.KELURAHAN)
    add_user(app, "sda1", "petugas_unit", load.UNIT)
    keys = load.Keys(
        kiosk=create_key(app, "kiosk"),
        kelurahan=create_key(app, "key-lurah1", "lurah1"),
        unit=create_key(app, "key-sda1", "sda1"),
    )
    port = free_port()
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "PORT": str(port),
        "WEB_WORKERS": "2",
        "DIKTUM_DATABASE_URL": postgresql_url,
        "DIKTUM_SECRET_KEY": "load-test-secret-not-for-production",
        # The limits would measure themselves (one address, three keys), not the work.
        "DIKTUM_RATELIMIT_ENABLED": "false",
    }
    env.pop("DIKTUM_NOW", None)
    processes = []
    for name, command in procfile().items():
        log = (tmp_path / f"{name}.log").open("w")
        processes.append(
            (
                name,
                subprocess.Popen(
                    # As a Procfile runner does: through the shell, which execs the
                    # command, in a process group of its own so teardown reaches it all.
                    ["sh", "-c", f"exec {command}"],
                    cwd=ROOT,
                    env=env,
                    stdout=log,
                    stderr=log,
                    start_new_session=True,
                ),
                log,
            )
        )
    try:
        wait_until_serving(port, processes, tmp_path)
        yield app, port, keys
    finally:
        for _name, process, _log in processes:
            stop_group(process, signal.SIGTERM)
        for _name, process, log in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                stop_group(process, signal.SIGKILL)
                process.wait()
            stop_group(process, signal.SIGKILL)  # nothing of the group may outlive the test
            log.close()
        close_store(app)


def stop_group(process: subprocess.Popen[Any], sig: signal.Signals) -> None:
    """Signal the process and every process it started (its session's group)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, sig)


def wait_until_serving(
    port: int, processes: Sequence[tuple[str, subprocess.Popen[Any], IO[Any]]], logs: Path
) -> None:
    """Until the web answers (gunicorn listens before its workers have loaded the app)."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        for name, process, _ in processes:
            if process.poll() is not None:
                raise AssertionError(f"{name} exited: {(logs / f'{name}.log').read_text()}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/api/v1/openapi.json")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.25)
        finally:
            conn.close()
    raise AssertionError("the web did not answer within 120 s")


def history_of(app: Flask, number: str) -> list[tuple[object, ...]]:
    with app.extensions["diktum.store"].read() as conn:
        return [
            tuple(row)
            for row in conn.execute(
                sa.select(EVENTS.c.trigger, EVENTS.c.actor, EVENTS.c.unit_code, EVENTS.c.payload)
                .join(CASES, CASES.c.id == EVENTS.c.case_id)
                .where(CASES.c.number == number)
                .order_by(EVENTS.c.seq)
            )
        ]


def ticking(url: str, reports: list[dict[str, object]]) -> object:
    """Ticks every few seconds, each a working day further on, so deadlines of the
    complaints just filed pass and the scheduler's steps race the officers' actions."""

    def run(done: threading.Event) -> None:
        now = dt.datetime.now(dt.UTC)
        day = 0
        while not done.wait(TICK_EVERY):
            day += 1
            instant = (now + dt.timedelta(days=day)).isoformat()
            result = subprocess.run(
                [sys.executable, "-m", "web.cli", "tick", "--now", instant, "--json"],
                cwd=ROOT,
                env={**os.environ, "DIKTUM_DATABASE_URL": url},
                capture_output=True,
                text=True,
                timeout=300,
            )
            assert result.returncode == 0, result.stderr
            reports.append(json.loads(result.stdout))

    return run


def test_fifty_clients_for_a_minute_lose_nothing_and_the_log_verifies(
    deployed: tuple[Flask, int, load.Keys], postgresql_url: str
) -> None:
    app, port, keys = deployed
    ticks: list[dict[str, object]] = []
    outcome = load.run(
        port,
        keys,
        clients=CLIENTS,
        seconds=SECONDS,
        alongside=ticking(postgresql_url, ticks),  # type: ignore[arg-type]
    )
    report = outcome.report()

    assert outcome.errors == 0, (report["unexpected"], report["by_kind"])
    assert len(outcome.accepted) > 0 and len(outcome.actions) > 0, report
    assert ticks, "no tick ran alongside the load"

    with app.extensions["diktum.store"].read() as conn:
        stored = dict(conn.execute(sa.select(CASES.c.number, CASES.c.id)).all())
        logged = {
            (number, trigger)
            for number, trigger in conn.execute(
                sa.select(CASES.c.number, EVENTS.c.trigger).join(
                    CASES, CASES.c.id == EVENTS.c.case_id
                )
            )
        }
        moved = {
            number
            for number, seq, payload in conn.execute(
                sa.select(CASES.c.number, EVENTS.c.seq, EVENTS.c.payload).join(
                    CASES, CASES.c.id == EVENTS.c.case_id
                )
            )
            if seq > 1 and "unit" in (payload or {})
        }
        chains = conn.execute(
            sa.select(
                CASES.c.number, CASES.c.seq, sa.func.count(EVENTS.c.id), sa.func.max(EVENTS.c.seq)
            )
            .join(EVENTS, EVENTS.c.case_id == CASES.c.id)
            .group_by(CASES.c.number, CASES.c.seq)
        ).all()
    # Every complaint answered 201 is stored, with its intake event, exactly once.
    assert len(outcome.accepted) == len(set(outcome.accepted))
    assert set(outcome.accepted) == set(stored)
    assert all((number, "open") in logged for number in outcome.accepted)
    # Every action answered 200 is in the log; no case took the same action twice, so no
    # two clients both succeeded on one version (the 409s were the races they lost).
    assert set(outcome.actions) <= logged
    assert len(outcome.actions) == len(set(outcome.actions))
    # An officer was refused only a complaint that had meanwhile moved to another unit
    # (escalated by the scheduler, or returned to its kelurahan by another officer).
    strays = sorted(outcome.moved_away - moved)
    assert not strays, history_of(app, strays[0])
    # Each case's row agrees with its log: as many events as its sequence number says.
    assert all(seq == count == last for _n, seq, count, last in chains)
    verified = app.test_cli_runner().invoke(cli, ["audit", "verify", "--json"])
    assert verified.exit_code == 0, verified.output
    audit = json.loads(verified.output)
    assert (audit["consistent"], audit["cases"]) == (True, len(stored))

    destination = os.environ.get("DIKTUM_LOAD_REPORT")
    if destination:
        report |= {
            "clients": CLIENTS,
            "ticks": len(ticks),
            "cases_checked": len(stored),
            "events_checked": audit["events"],
            "refused_after_the_case_moved": len(outcome.moved_away),
        }
        Path(destination).write_text(json.dumps(report, indent=2) + "\n")
