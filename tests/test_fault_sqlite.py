"""SQLite refusing writes, opened read-only or out of space, through the real app and
the CLI: a clear error (503 saying which, or exit 5 with one line), nothing lost or
half-written, and the same operation succeeds once the fault clears.

The faults are SQLite's own. The tests run as root, so file permissions would not stop a
write: ``PRAGMA query_only`` and a read-only open (SQLite's URI ``mode=ro``) make SQLite
refuse writes with SQLITE_READONLY, and ``PRAGMA max_page_count`` pinned at the file's
size makes it refuse to grow with SQLITE_FULL ("database or disk is full"), as a full
disk does. Like a full disk, it still takes writes that fit in pages already allocated,
so the disk-full tests keep filing until SQLite refuses.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

import engine.tick
from engine import cases
from engine.db import DatabaseFault
from engine.events import EVENTS
from engine.replay import verify_all
from engine.store import Store
from engine.tick import FIRINGS
from engine.users import get_actor
from tests.conftest import PUBLISHED_AT, ROOT, WIB, close_store, make_app
from tests.test_api import JAKSEL, PERSON, SDSDA, TEBET_TIMUR, bearer, create_key
from tests.test_web_auth import add_user
from tests.test_web_citizen import complaint
from web.api import PREFIX
from web.cli import cli
from web.clitools import EXIT_DATABASE
from web.extensions import app_store

SATURDAY = dt.datetime(2024, 6, 8, 9, 0, tzinfo=WIB)
"""The clock of the web and of ``case open``: the Saturday intake of Ingub 135/2017."""
MONDAY = "2024-06-10T09:00:00+07:00"
"""A tick then moves Saturday's triaged cases to Monday's meeting (``rapat_senin``)."""
MEETING = "rapat_senin"
UNLIMITED = 1_073_741_823
"""SQLite's default ``max_page_count``."""
PAGE = {
    DatabaseFault.read_only: "Basis data sedang hanya dapat dibaca. Tidak ada yang tersimpan; "
    "coba lagi nanti.",
    DatabaseFault.disk_full: "Ruang penyimpanan basis data penuh. Tidak ada yang tersimpan; "
    "coba lagi nanti.",
}
"""What the error page tells a citizen, in Indonesian."""
TABLES = ("case_file", "event", "complainant", "firing")


class Disk:
    """SQLite's own limits, set on every connection the app's pool hands out."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.read_only = False
        self.max_pages = UNLIMITED
        sa.event.listen(store.engine, "checkout", self._apply)

    def _apply(self, dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA query_only={int(self.read_only)}")
        cursor.execute(f"PRAGMA max_page_count={self.max_pages}")
        cursor.close()

    def fill(self, headroom: int = 0) -> None:
        """Let the file grow by no more than ``headroom`` pages."""
        with self.store.read() as conn:
            self.max_pages = int(conn.exec_driver_sql("PRAGMA page_count").scalar_one()) + headroom

    def clear(self) -> None:
        self.read_only, self.max_pages = False, UNLIMITED


@dataclass
class World:
    app: Flask
    store: Store
    disk: Disk
    client: FlaskClient
    kiosk: dict[str, str]
    lurah: dict[str, str]

    def counts(self) -> dict[str, int]:
        """Rows of every table a write adds to: a refused write changes none."""
        with self.store.read() as conn:
            return {
                t: conn.exec_driver_sql(f"SELECT count(*) FROM {t}").scalar_one() for t in TABLES
            }

    def verified(self) -> int:
        """Every case replays from its log and its hash chain holds; returns how many."""
        with self.store.read() as conn:
            verdicts = list(verify_all(conn, self.store.tree()))
        assert [v.as_dict(with_steps=False) for v in verdicts if not v.consistent] == []
        return len(verdicts)

    def moves(self) -> dict[int, int]:
        """Per case, how many times Monday's meeting moved it."""
        with self.store.read() as conn:
            rows = conn.execute(
                sa.select(EVENTS.c.case_id, sa.func.count())
                .where(EVENTS.c.trigger == MEETING)
                .group_by(EVENTS.c.case_id)
            ).all()
        return {case_id: count for case_id, count in rows}

    def waiting(self, n: int) -> None:
        """``n`` in-person complaints of Saturday, triaged: all due at Monday's meeting."""
        with self.store.write() as conn:
            actor = get_actor(conn, "petugas")
            for i in range(n):
                receipt = cases.open_case(
                    conn, self.store.tree(), definition_ref="ingub-135-2017",
                    unit_code=TEBET_TIMUR, channel="langsung_kecamatan", title=f"Keluhan {i}",
                    now=SATURDAY, actor=actor, fields={"kelurahan": TEBET_TIMUR},
                )  # fmt: skip
                cases.fire(
                    conn, self.store.tree(), number=receipt.number, trigger="triase",
                    actor=actor, fields={"needs_field_review": False}, now=SATURDAY,
                )  # fmt: skip


def build(url: str, folder: Path) -> Flask:
    # The disk-full tests file until the disk is full: faster than a rate limit allows.
    return make_app(url, folder, RATELIMIT_ENABLED=False, NOW=SATURDAY.isoformat())


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    """An initialised app on a fresh SQLite file, its clock on Saturday morning, with an
    officer who routes electronic complaints and one who takes them in person."""
    app = build(f"sqlite:///{tmp_path / 'diktum.sqlite'}", tmp_path)
    done = app.test_cli_runner().invoke(cli, ["init", "--now", PUBLISHED_AT.isoformat()])
    assert done.exit_code == 0, done.output
    add_user(app, "lurah1", "lurah", TEBET_TIMUR)
    add_user(app, "petugas", "petugas_kecamatan", "31.74.01")
    kiosk, lurah = create_key(app, "kiosk"), create_key(app, "key-lurah1", "lurah1")
    store = app_store(app)
    yield World(app, store, Disk(store), app.test_client(), bearer(kiosk), bearer(lurah))
    close_store(app)


# --- the operations, each through the real app or the CLI ------------------------------


@dataclass(frozen=True)
class Attempt:
    succeeded: bool
    said: str
    """What a refusal said: status and message, or exit code and stderr."""


def through_the_form(world: World) -> Attempt:
    response = world.client.post("/adukan", data=complaint(world.client, definition=JAKSEL))
    if response.status_code == 302:
        return Attempt(True, "")
    page = response.get_data(as_text=True)
    found = re.search(r"<article>\s*<h1>\d+</h1>\s*<p>(.*?)</p>", page, re.S)
    retry = response.headers.get("Retry-After")
    return Attempt(False, f"{response.status_code} {found and found.group(1)} retry {retry}")


def through_the_api(world: World) -> Attempt:
    body = {
        "definition": JAKSEL,
        "unit": TEBET_TIMUR,
        "channel": "elektronik",
        "title": "Saluran air tersumbat",
        "description": "Air meluap ke jalan setiap hujan.",
        "category": "banjir dan saluran air",
        "fields": {"lokasi": "Jl. Tebet Timur Dalam II"},
        "complainant": PERSON,
    }
    return answered(world.client.post(f"{PREFIX}/cases", json=body, headers=world.kiosk), 201)


def routing(world: World, number: str) -> Callable[[World], Attempt]:
    """The lurah routes complaint ``number`` (disposisi) through the API."""

    def act(world: World) -> Attempt:
        body = {"fields": {"unit_tujuan": SDSDA}, "expected_version": 1}
        path = f"{PREFIX}/cases/{number}/actions/disposisi"
        return answered(world.client.post(path, json=body, headers=world.lurah), 200)

    return act


def answered(response: Any, success: int) -> Attempt:
    if response.status_code == success:
        return Attempt(True, "")
    error = response.json["error"]
    retry = response.headers.get("Retry-After")
    return Attempt(False, f"{response.status_code} {error['code']}: {error['message']} {retry}")


def through_the_cli(*args: str) -> Callable[[World], Attempt]:
    def run(world: World) -> Attempt:
        result = world.app.test_cli_runner().invoke(cli, list(args))
        if result.exit_code == 0:
            return Attempt(True, "")
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception
        return Attempt(False, f"exit {result.exit_code}: {result.stderr}")

    return run


CASE_OPEN = (
    "case", "open", "--definition", JAKSEL, "--unit", TEBET_TIMUR, "--channel", "elektronik",
    "--title", "Lampu jalan padam", "--field", "lokasi=Jl. Tebet Raya", "--name", "Budi",
    "--now", SATURDAY.isoformat(),
)  # fmt: skip
open_in_the_cli = through_the_cli(*CASE_OPEN)
tick_in_the_cli = through_the_cli("tick", "--now", MONDAY)


def refusal(fault: DatabaseFault, op: Callable[[World], Attempt]) -> str:
    """What ``op`` must say when the database refuses with ``fault``."""
    if op is through_the_form:
        return f"503 {PAGE[fault]} retry 5"
    if op in (open_in_the_cli, tick_in_the_cli):
        return f"exit {EXIT_DATABASE}: error: {fault.message}\n"
    return f"503 {fault.value}: {fault.message} 5"


def filed(world: World) -> str:
    response = world.client.post(
        f"{PREFIX}/cases",
        json={"definition": JAKSEL, "unit": TEBET_TIMUR, "channel": "elektronik",
              "title": "Jalan berlubang", "fields": {"lokasi": "Jl. Tebet Raya"}},
        headers=world.kiosk,
    )  # fmt: skip
    assert response.status_code == 201, response.get_data(as_text=True)
    return str(response.json["number"])  # type: ignore[index]


# --- read-only ----------------------------------------------------------------------------


def test_a_read_only_database_refuses_each_write_clearly_keeps_reads_and_recovers_live(
    world: World,
) -> None:
    number = filed(world)
    world.waiting(3)
    operations = [through_the_form, through_the_api, open_in_the_cli, tick_in_the_cli]
    world.disk.read_only = True
    before = world.counts()
    for op in [*operations, routing(world, number)]:
        attempt = op(world)
        assert not attempt.succeeded, op
        assert attempt.said == refusal(DatabaseFault.read_only, op)
        assert world.counts() == before, op
    status = world.client.get(f"{PREFIX}/cases/{number}/status", headers=world.kiosk)
    assert status.status_code == 200 and status.json["state"] == "diterima"  # type: ignore[index]
    assert world.client.get(f"/lacak/{number}").status_code == 200

    world.disk.clear()  # the same server, not restarted
    for op in [*operations, routing(world, number)]:
        assert op(world).succeeded, op
    after = world.counts()
    assert after["case_file"] == before["case_file"] + 3
    assert after["complainant"] == before["complainant"] + 3
    assert sum(world.moves().values()) == 3
    assert world.verified() == after["case_file"]


def test_a_read_only_open_refuses_writes_of_the_web_and_of_diktum_processes(
    world: World, tmp_path: Path
) -> None:
    world.waiting(3)
    before = world.counts()
    read_only = f"sqlite:///file:{tmp_path / 'diktum.sqlite'}?mode=ro&uri=true"
    viewer = build(read_only, tmp_path)
    try:
        store = app_store(viewer)
        beside = World(viewer, store, Disk(store), viewer.test_client(), world.kiosk, world.lurah)
        for op in (through_the_form, through_the_api):
            assert op(beside).said == refusal(DatabaseFault.read_only, op)
    finally:
        close_store(viewer)
    for args in (CASE_OPEN, ("tick", "--now", MONDAY)):
        refused = diktum(read_only, *args)
        assert (refused.returncode, refused.stdout) == (EXIT_DATABASE, "")
        assert refused.stderr == f"error: {DatabaseFault.read_only.message}\n"
    assert world.counts() == before

    for op in (through_the_form, through_the_api, open_in_the_cli, tick_in_the_cli):
        assert op(world).succeeded, op  # opened for writing, the same requests succeed
    assert world.counts()["case_file"] == before["case_file"] + 3
    assert sum(world.moves().values()) == 3


def diktum(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    """``diktum ARGS`` in a process of its own, on the database at ``url``."""
    env = {**os.environ, "DIKTUM_DATABASE_URL": url}
    return subprocess.run(
        [sys.executable, "-m", "web.cli", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


# --- disk full ----------------------------------------------------------------------------


def test_a_full_disk_refuses_intake_and_actions_clearly_and_keeps_what_it_accepted(
    world: World,
) -> None:
    numbers = iter([filed(world) for _ in range(40)])
    initial = world.counts()
    world.disk.fill()
    accepted: list[int] = []
    for op in (through_the_form, through_the_api, open_in_the_cli, None):
        accepted.append(0)
        for _attempt in range(40):
            attempt_op = op or routing(world, next(numbers))
            before = world.counts()
            attempt = attempt_op(world)
            if attempt.succeeded:
                accepted[-1] += 1
                continue
            expected = refusal(DatabaseFault.disk_full, op or through_the_api)
            assert attempt.said == expected
            assert world.counts() == before, "a refused write left rows behind"
            break
        else:
            raise AssertionError(f"{op} never met the full disk")

    world.disk.clear()
    for op in (through_the_form, through_the_api, open_in_the_cli, routing(world, next(numbers))):
        assert op(world).succeeded, op
    checked = world.verified()
    assert checked == world.counts()["case_file"] == initial["case_file"] + sum(accepted[:3]) + 3
    print(f"\naccepted on the full disk before the refusal (form, API, CLI, action): {accepted}")


def test_a_tick_that_fills_the_disk_mid_firing_resumes_and_moves_each_case_once(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    n, chunk = 200, 20
    world.waiting(n)
    monkeypatch.setattr(engine.tick, "CHUNK", chunk)
    world.disk.fill(headroom=12)
    refused = tick_in_the_cli(world)
    assert refused.said == refusal(DatabaseFault.disk_full, tick_in_the_cli)
    moved = sum(world.moves().values())
    assert 0 < moved < n, "the disk must fill mid-firing"
    assert moved % chunk == 0, "a chunk is moved whole or not at all"
    print(f"\nthe disk filled after {moved} of {n} cases moved")
    assert set(world.moves().values()) == {1}
    with world.store.read() as conn:
        [firing] = conn.execute(sa.select(FIRINGS).where(FIRINGS.c.trigger == MEETING)).all()
    assert firing.finished_at is None
    world.verified()

    world.disk.clear()
    assert tick_in_the_cli(world).succeeded
    assert world.moves() == dict.fromkeys(world.moves(), 1) and len(world.moves()) == n
    with world.store.read() as conn:
        [firing] = conn.execute(sa.select(FIRINGS).where(FIRINGS.c.trigger == MEETING)).all()
    assert firing.finished_at is not None and firing.moved == n
    world.verified()
