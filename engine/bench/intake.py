"""Scenario ``intake``: complaints opened per second, through the engine and through HTTP.

Three contenders take N electronic complaints each (the 2024 instruction's ``elektronik``
channel, open at all times) on one database:

* ``diktum``: ``engine.cases.open_case`` in a loop, a transaction per complaint;
* ``api``: ``POST /api/v1/cases`` (JSON, a bearer key) from concurrent clients;
* ``open311``: ``POST /open311/v2/requests.json`` (form, ``api_key``), the same way.

The HTTP contenders report p50/p95/p99 latency; the target (DESIGN.md's quality goal) is
p95 under 50 ms for both with 1,000,000 cases stored, which the database holds first
(``--stored`` sets another number).
"""

from __future__ import annotations

import datetime as dt
import json
import urllib.parse
from typing import Any

from engine import apikeys, cases
from engine.bench import http, world
from engine.bench.common import Measured, Options, Timer, document, measure
from engine.store import Store

DEFAULT_CASES = 2_000
DEFAULT_STORED = 1_000_000
DEFINITION = "inwalkot-jaksel-e-0006-2024"
CHANNEL = "elektronik"
CATEGORY = "kebersihan"
TARGET_P95_MS = 50.0
WARM_UP = 20
"""Requests sent before measuring, so every worker has loaded what it caches."""


def run(options: Options) -> dict[str, Any]:
    n = options.size(DEFAULT_CASES)
    requests = options.requests or n
    stored = sum(options.stored) if options.stored else DEFAULT_STORED
    with world.fresh("intake", options.workdir, options.database_url) as db:
        setup = world.prepare(db.url, options.definitions)
        if stored:
            world.seed(db.url, stored)
        key = _key(db.url)
        units = setup.kelurahan
        diktum = measure(diktum_intake, db.url, n, units)
        with http.server(options.wsgi_app, db.url, options.workdir) as server:
            http.drive(server.port, _api(key, units, WARM_UP, "warm"), options.clients)
            api = http.run_against(server, _api(key, units, requests, "api"), options.clients)
            http.drive(server.port, _open311(key, units, WARM_UP, "warm"), options.clients)
            open311 = http.run_against(
                server, _open311(key, units, requests, "open311"), options.clients
            )
        counts = world.counts(db.url)
    opened = counts["case_file"] - stored
    diktum.facts["cases_opened_in_database"] = opened
    p95s = [run.as_dict()["p95_ms"] for run in (api, open311)]
    ratio = api.per_second / diktum.per_second if diktum.per_second else None
    return document(
        "intake",
        n,
        options,
        {"diktum": diktum, "api": api, "open311": open311},
        ratio,
        f"p95 < {TARGET_P95_MS:.0f} ms through the API and Open311 "
        "(ratio: API complaints/s over the engine's)",
        all(p < TARGET_P95_MS for p in p95s),
        stored=stored,
    )


def _key(url: str) -> str:
    store = Store(url)
    try:
        with store.write() as conn:
            _, key = apikeys.create(conn, "bench-intake", dt.datetime.now(dt.UTC))
        return key
    finally:
        store.close()


def diktum_intake(url: str, n: int, units: list[str]) -> Measured:
    """N complaints through the engine, each in its own transaction."""
    store = Store(url)
    try:
        tree = store.tree()
        now = dt.datetime.now(dt.UTC)
        with store.write() as conn:  # what a running process has loaded: not timed
            cases.open_case(
                conn, tree, definition_ref=DEFINITION, unit_code=units[0], channel=CHANNEL,
                title="Pemanasan", category=CATEGORY, now=now,
            )  # fmt: skip
        with Timer() as timer:
            for i in range(n):
                with store.write() as conn:
                    cases.open_case(
                        conn,
                        tree,
                        definition_ref=DEFINITION,
                        unit_code=units[i % len(units)],
                        channel=CHANNEL,
                        title=f"Sampah menumpuk {i}",
                        description="Sampah belum diangkut sejak Senin.",
                        category=CATEGORY,
                        now=dt.datetime.now(dt.UTC),
                        complainant=cases.PersonalData(name="Warga", anonymous=False),
                    )
        return Measured(n, timer.seconds, {"opened": n}, cpu_seconds=timer.cpu_seconds)
    finally:
        store.close()


def _api(key: str, units: list[str], count: int, tag: str) -> list[http.Request]:
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    return [
        http.Request(
            "POST",
            "/api/v1/cases",
            json.dumps(
                {
                    "definition": DEFINITION,
                    "unit": units[i % len(units)],
                    "channel": CHANNEL,
                    "title": f"Sampah menumpuk {tag} {i}",
                    "description": "Sampah belum diangkut sejak Senin.",
                    "category": CATEGORY,
                    "complainant": {"name": "Warga"},
                }
            ).encode(),
            headers,
            201,
        )
        for i in range(count)
    ]


def _open311(key: str, units: list[str], count: int, tag: str) -> list[http.Request]:
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    return [
        http.Request(
            "POST",
            "/open311/v2/requests.json",
            urllib.parse.urlencode(
                {
                    "api_key": key,
                    "service_code": f"{DEFINITION}:{CATEGORY}",
                    "address_id": units[i % len(units)],
                    "lat": "-6.2297",
                    "long": "106.8530",
                    "description": f"Sampah menumpuk {tag} {i}: belum diangkut sejak Senin.",
                    "first_name": "Warga",
                }
            ).encode(),
            headers,
            201,
        )
        for i in range(count)
    ]
