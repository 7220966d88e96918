"""Scenario ``action``: officers' manual actions through the JSON API, many cases stored.

N complaints (default 1,000,000) are stored as received at Saturday's session; officers
(an API key bound to each kecamatan's receiving officer) triage a random sample of them
with ``POST /api/v1/cases/{number}/actions/triase`` from concurrent clients. The target
(DESIGN.md): p95 under 50 ms.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from typing import Any

import sqlalchemy as sa

from engine import apikeys
from engine.bench import http, world
from engine.bench.common import Options, document
from engine.cases import CASES
from engine.store import Store

DEFAULT_STORED = 1_000_000
DEFAULT_REQUESTS = 2_000
WARM_UP = 20
TARGET_P95_MS = 50.0
TRIGGER = "triase"
DEST = "menunggu_rapat_kecamatan"


def run(options: Options) -> dict[str, Any]:
    n = options.size(DEFAULT_STORED)
    requests = min(n, options.requests or DEFAULT_REQUESTS)
    warm = min(WARM_UP, max(0, n - requests))
    with world.fresh("action", options.workdir, options.database_url) as db:
        world.prepare(db.url, options.definitions)
        world.seed(db.url, n, actions=())
        keys = _keys(db.url)
        targets = _sample(db.url, requests + warm)
        work = [_triage(number, keys[kecamatan]) for number, kecamatan in targets]
        with http.server(options.wsgi_app, db.url, options.workdir) as server:
            http.drive(server.port, work[requests:], options.clients)
            api = http.run_against(server, work[:requests], options.clients)
        api.facts["triaged_in_database"] = world.counts(db.url).get(f"state:{DEST}", 0)
    p95 = api.as_dict()["p95_ms"] if api.latencies_ms else None
    return document(
        "action",
        n,
        options,
        {"api": api},
        None,
        f"p95 < {TARGET_P95_MS:.0f} ms with {n:,} cases stored",
        p95 is not None and p95 < TARGET_P95_MS,
        stored=n,
        actions=requests,
    )


def _keys(url: str) -> dict[str, str]:
    """A key acting as each kecamatan's receiving officer, by kecamatan."""
    store = Store(url)
    try:
        setup = world.setup(store)
        now = dt.datetime.now(dt.UTC)
        with store.write() as conn:
            return {
                kecamatan: apikeys.create(conn, f"bench-{kecamatan}", now, user_name=officer.name)[
                    1
                ]
                for kecamatan, officer in setup.officers.items()
            }
    finally:
        store.close()


def _sample(url: str, count: int) -> list[tuple[str, str]]:
    """``count`` stored cases picked at random: (number, kecamatan)."""
    store = Store(url)
    try:
        tree = store.tree()
        with store.read() as conn:
            top = int(conn.execute(sa.select(sa.func.max(CASES.c.id))).scalar_one())
            ids = random.Random(311).sample(range(1, top + 1), count)
            found: list[tuple[str, str]] = []
            for start in range(0, len(ids), 500):
                rows = conn.execute(
                    sa.select(CASES.c.number, CASES.c.unit_code).where(
                        CASES.c.id.in_(ids[start : start + 500])
                    )
                )
                found += [(r.number, str(tree.parents[r.unit_code])) for r in rows]
        return found
    finally:
        store.close()


def _triage(number: str, key: str) -> http.Request:
    body = {"fields": {"needs_field_review": False}, "expected_version": 1}
    return http.Request(
        "POST",
        f"/api/v1/cases/{number}/actions/{TRIGGER}",
        json.dumps(body).encode(),
        {"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
        200,
    )
