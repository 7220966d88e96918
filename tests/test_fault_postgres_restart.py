"""PostgreSQL restarted while citizens file and officers act: clear 503s during the
outage, nothing half-written, and service resumes without restarting Diktum.

The machine's shared PostgreSQL is not touched: the module starts a private cluster of
its own (``initdb`` into a temporary directory, listening on 127.0.0.1 and a free port
only, trust authentication), as the ``postgres`` OS user when run as root, and removes
it afterwards. Diktum is served by Werkzeug in a background thread, and client threads
talk to it over HTTP: two file complaints through the JSON API, one through Open311, and
two officers route (``disposisi``) and report (``lapor_tindak_lanjut``) what was filed.
Mid-traffic the cluster is stopped (``pg_ctl stop -m fast``, which cuts every session),
left down for a while and started again; the same server process keeps serving.
"""

from __future__ import annotations

import http.client
import json
import logging
import os
import queue
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from werkzeug.serving import BaseWSGIServer, make_server

from engine.cases import CASES
from engine.db import DatabaseFault
from engine.events import EVENTS
from engine.replay import verify_all
from engine.store import Store
from tests.conftest import PUBLISHED_AT, close_store, make_app
from tests.test_api import JAKSEL, PERSON, SDSDA, TEBET_TIMUR, bearer, create_key
from tests.test_open311 import KEBERSIHAN
from tests.test_web_auth import add_user
from web.cli import cli

PG_BIN = Path("/usr/lib/postgresql/15/bin")
PG_USER = "postgres"
"""The OS user that runs the private cluster when the tests run as root (initdb refuses
root); otherwise the cluster runs as the current user."""

WARM_UP = 2.5
"""Seconds of traffic before the outage."""
DOWN = 2.0
"""Seconds the cluster stays down."""
COOL_DOWN = 3.0
"""Seconds of traffic after the cluster is back."""
RECOVERY = 1.0
"""After the cluster accepts connections again, requests sent later than this must all
succeed: the pool's pre-ping replaces the connections the restart cut."""
HTTP_TIMEOUT = 30.0
BACK_OFF = 0.05
"""Seconds a client waits after a 503 (a real client would honour Retry-After)."""


# --- a private PostgreSQL cluster -----------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Cluster:
    """A PostgreSQL cluster of the test's own, controlled with ``pg_ctl``."""

    home: Path
    port: int

    @property
    def data(self) -> Path:
        return self.home / "data"

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def run(self, program: str, *args: str) -> subprocess.CompletedProcess[str]:
        command = [str(PG_BIN / program), *args]
        if os.geteuid() == 0:
            command = ["runuser", "-u", PG_USER, "--", *command]
        return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)

    def ctl(self, *args: str) -> None:
        done = self.run("pg_ctl", "-D", str(self.data), "-l", str(self.home / "log"), *args)
        assert done.returncode == 0, done.stdout + done.stderr + self.log()

    def start(self) -> None:
        options = f"-p {self.port} -k {self.home} -c listen_addresses=127.0.0.1"
        self.ctl("-w", "-t", "60", "-o", options, "start")

    def stop(self, mode: str = "fast") -> None:
        self.ctl("-w", "-t", "60", "-m", mode, "stop")

    def running(self) -> bool:
        return self.run("pg_ctl", "-D", str(self.data), "status").returncode == 0

    def log(self) -> str:
        path = self.home / "log"
        return path.read_text(errors="replace") if path.exists() else ""


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    """A fresh cluster on 127.0.0.1 and a free port, stopped and removed afterwards."""
    if not (PG_BIN / "initdb").exists():
        pytest.skip(f"PostgreSQL 15 binaries are not in {PG_BIN} (apt-get install postgresql)")
    # Not under pytest's temporary root: that is private to root, and the server runs
    # as the postgres user.
    home = Path(tempfile.mkdtemp(prefix="diktum-pg-"))
    if os.geteuid() == 0:
        shutil.chown(home, PG_USER, PG_USER)
    cluster = Cluster(home, _free_port())
    try:
        made = cluster.run(
            "initdb", "-D", str(cluster.data), "-U", "postgres", "-A", "trust", "--no-sync"
        )
        assert made.returncode == 0, made.stdout + made.stderr
        cluster.start()
        yield cluster
    finally:
        if cluster.running():
            cluster.stop("immediate")
        shutil.rmtree(home, ignore_errors=True)


# --- Diktum served against it ---------------------------------------------------------


@dataclass
class Live:
    url: str
    app: Flask
    kiosk: dict[str, str]
    open311_key: str
    lurah: dict[str, str]
    unit: dict[str, str]


@pytest.fixture(scope="module")
def live(cluster: Cluster, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    """Diktum initialised on the private cluster, served on 127.0.0.1 and a free port."""
    # The clients file faster than people would: no rate limit.
    app = make_app(cluster.url, tmp_path_factory.mktemp("pg-restart"), RATELIMIT_ENABLED=False)
    done = app.test_cli_runner().invoke(cli, ["init", "--now", PUBLISHED_AT.isoformat()])
    assert done.exit_code == 0, done.output
    add_user(app, "lurah1", "lurah", TEBET_TIMUR)
    add_user(app, "sda1", "petugas_unit", SDSDA)
    world = Live(
        url="",
        app=app,
        kiosk=bearer(create_key(app, "kiosk")),
        open311_key=create_key(app, "warga-app"),
        lurah=bearer(create_key(app, "key-lurah1", "lurah1")),
        unit=bearer(create_key(app, "key-sda1", "sda1")),
    )
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server: BaseWSGIServer = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="pg-restart-server", daemon=True)
    thread.start()
    world.url = f"127.0.0.1:{server.server_port}"
    try:
        yield world
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        close_store(app)


# --- traffic ----------------------------------------------------------------------------


@dataclass
class Answer:
    what: str
    status: int
    body: str
    content_type: str
    sent: float
    """When the request was sent (``time.monotonic``)."""


@dataclass
class Traffic:
    """Every answer the clients got, and what the answers promised."""

    host: str
    stop: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    answers: list[Answer] = field(default_factory=list)
    broken: list[str] = field(default_factory=list)
    """Requests that got no HTTP answer at all (reset, refused, timed out)."""
    filed: set[str] = field(default_factory=set)
    done: set[tuple[str, str]] = field(default_factory=set)
    """(number, trigger) of every action answered 200."""
    to_route: queue.Queue[tuple[str, int]] = field(default_factory=queue.Queue)
    to_report: queue.Queue[tuple[str, int]] = field(default_factory=queue.Queue)

    def send(self, what: str, path: str, body: bytes, headers: dict[str, str]) -> Answer | None:
        sent = time.monotonic()
        connection = http.client.HTTPConnection(self.host, timeout=HTTP_TIMEOUT)
        try:
            connection.request("POST", path, body=body, headers=headers)
            response = connection.getresponse()
            answer = Answer(
                what,
                response.status,
                response.read().decode("utf-8", errors="replace"),
                response.getheader("Content-Type", ""),
                sent,
            )
        except OSError as exc:
            with self.lock:
                self.broken.append(f"{what} {path}: {exc!r}")
            return None
        finally:
            connection.close()
        with self.lock:
            self.answers.append(answer)
        return answer

    def pause(self, answer: Answer | None) -> None:
        """After a 503, wait a little before the next request, as a client should."""
        if answer is None or answer.status == 503:
            time.sleep(BACK_OFF)

    def post_json(self, what: str, path: str, payload: Any, auth: dict[str, str]) -> Answer | None:
        headers = {"Content-Type": "application/json"} | auth
        return self.send(what, path, json.dumps(payload).encode(), headers)


def file_through_the_api(traffic: Traffic, kiosk: dict[str, str], name: str) -> None:
    i = 0
    while not traffic.stop.is_set():
        i += 1
        body = {
            "definition": JAKSEL,
            "unit": TEBET_TIMUR,
            "channel": "elektronik",
            "title": f"Saluran tersumbat ({name} {i})",
            "description": "Air meluap ke jalan setiap hujan.",
            "category": "banjir dan saluran air",
            "fields": {"lokasi": "Jl. Tebet Timur Dalam II"},
            "complainant": PERSON,
        }
        answer = traffic.post_json("api intake", "/api/v1/cases", body, kiosk)
        if answer is not None and answer.status == 201:
            number = json.loads(answer.body)["number"]
            with traffic.lock:
                traffic.filed.add(number)
            traffic.to_route.put((number, 0))
        traffic.pause(answer)


def file_through_open311(traffic: Traffic, key: str) -> None:
    i = 0
    while not traffic.stop.is_set():
        i += 1
        form = {
            "api_key": key,
            "service_code": KEBERSIHAN,
            "address_id": TEBET_TIMUR,
            "description": f"Sampah menumpuk di pinggir jalan ({i})",
            "first_name": "Siti",
            "phone": "081234567890",
        }
        answer = traffic.send(
            "open311 intake",
            "/open311/v2/requests.json",
            urllib.parse.urlencode(form).encode(),
            {"Content-Type": "application/x-www-form-urlencoded"},
        )
        if answer is not None and answer.status == 201:
            number = json.loads(answer.body)[0]["service_request_id"]
            with traffic.lock:
                traffic.filed.add(number)
            traffic.to_route.put((number, 0))
        traffic.pause(answer)


def act(
    traffic: Traffic,
    auth: dict[str, str],
    trigger: str,
    fields: dict[str, str],
    version: int,
    inbox: queue.Queue[tuple[str, int]],
    outbox: queue.Queue[tuple[str, int]] | None,
) -> None:
    """Take ``trigger`` on each case that arrives in ``inbox``; after a 503 try again
    (up to three times): the first attempt may have committed, and then the second is
    refused as stale (409)."""
    while not traffic.stop.is_set():
        try:
            number, attempts = inbox.get(timeout=0.1)
        except queue.Empty:
            continue
        body = {"fields": fields, "expected_version": version}
        path = f"/api/v1/cases/{number}/actions/{trigger}"
        answer = traffic.post_json(f"action {trigger}", path, body, auth)
        if answer is None:
            continue
        if answer.status == 200:
            with traffic.lock:
                traffic.done.add((number, trigger))
            if outbox is not None:
                outbox.put((number, 0))
        elif answer.status == 503 and attempts < 3:
            inbox.put((number, attempts + 1))
        traffic.pause(answer)


# --- what every answer must look like -------------------------------------------------


def unexpected(answer: Answer) -> str | None:
    """Why ``answer`` is not one a client may get, or None when it is."""
    if answer.status in (200, 201, 409) and answer.content_type.startswith("application/json"):
        return None
    if answer.status == 503:
        try:
            body = json.loads(answer.body)
        except ValueError:
            return f"503 without a JSON body: {answer.body[:200]!r}"
        if answer.what == "open311 intake":
            if body == [{"code": 503, "description": DatabaseFault.unavailable.message}]:
                return None
        elif body.get("error", {}).get("code") == DatabaseFault.unavailable.value:
            return None
    return f"{answer.what}: {answer.status} {answer.body[:300]!r}"


def test_restarting_postgresql_mid_traffic_loses_nothing_and_fires_nothing_twice(
    cluster: Cluster, live: Live
) -> None:
    traffic = Traffic(live.url)
    route = {"unit_tujuan": SDSDA, "catatan_disposisi": "Saluran air"}
    report = {"hasil_tindak_lanjut": "Saluran dibersihkan"}
    clients = [
        threading.Thread(target=file_through_the_api, args=(traffic, live.kiosk, "a")),
        threading.Thread(target=file_through_the_api, args=(traffic, live.kiosk, "b")),
        threading.Thread(target=file_through_open311, args=(traffic, live.open311_key)),
        threading.Thread(
            target=act,
            args=(traffic, live.lurah, "disposisi", route, 1, traffic.to_route, traffic.to_report),
        ),
        threading.Thread(
            target=act,
            args=(traffic, live.unit, "lapor_tindak_lanjut", report, 2, traffic.to_report, None),
        ),
    ]
    for client in clients:
        client.start()
    try:
        time.sleep(WARM_UP)
        down_at = time.monotonic()
        cluster.stop("fast")
        time.sleep(DOWN)
        cluster.start()
        up_at = time.monotonic()
        time.sleep(COOL_DOWN)
    finally:
        traffic.stop.set()
        for client in clients:
            client.join(timeout=HTTP_TIMEOUT + 5)

    answers = traffic.answers
    problems = [p for p in map(unexpected, answers) if p is not None]
    assert problems == [], "\n".join(problems[:20])
    assert traffic.broken == [], "\n".join(traffic.broken[:20])
    unavailable = [a for a in answers if a.status == 503]
    assert unavailable, "no request met the outage"
    assert all(down_at - 1.0 <= a.sent <= up_at + RECOVERY for a in unavailable), (
        "a 503 outside the outage"
    )
    after = [a for a in answers if a.sent > up_at + RECOVERY]
    assert after and all(a.status in (200, 201, 409) for a in after)
    assert any(a.status == 201 for a in after) and any(a.status == 200 for a in after)

    checked = check_the_log(cluster.url, traffic)
    print(
        f"\n{len(answers)} requests, {len(unavailable)} answered 503 during a "
        f"{DOWN:.0f} s outage, {len(traffic.filed)} complaints filed (201), "
        f"{len(traffic.done)} actions taken (200), {checked} cases checked"
    )


def check_the_log(url: str, traffic: Traffic) -> int:
    """Every promise kept and no case half-written; returns the number of cases checked."""
    store = Store(url)
    try:
        with store.read() as conn:
            cases = {row.number: row for row in conn.execute(sa.select(CASES))}
            logs: dict[int, list[Any]] = {}
            for event in conn.execute(sa.select(EVENTS).order_by(EVENTS.c.case_id, EVENTS.c.seq)):
                logs.setdefault(event.case_id, []).append(event)
            verdicts = [v for v in verify_all(conn, store.tree()) if not v.consistent]
    finally:
        store.close()
    assert traffic.filed <= cases.keys(), "a complaint answered 201 is missing"
    for number, case in cases.items():
        log = logs.get(case.id, [])
        assert log and log[0].trigger == "open", f"{number} has no intake event"
        assert [e.seq for e in log] == list(range(1, case.seq + 1)), f"{number}: seq"
        triggers = [e.trigger for e in log]
        assert len(triggers) == len(set(triggers)), f"{number} fired an action twice"
    for number, trigger in traffic.done:
        assert trigger in {e.trigger for e in logs[cases[number].id]}, (number, trigger)
    assert verdicts == []
    return len(cases)
