"""A bounded load: citizens file and officers act, concurrently, for a fixed time.

Each client is a thread with its own keep-alive connection that, until the time is up,
picks one of: file a complaint through the JSON API, file one through Open311, read the
inbox, route a filed complaint (``disposisi``, by the kelurahan's officer) or report the
follow-up of a routed one (``lapor_tindak_lanjut``, by the unit's officer). Actions send
the version they read, so two clients acting on one complaint get one 200 and one 409:
nothing is overwritten. Every answer is kept — what was accepted, and what was not — so
a test can check afterwards that everything accepted is in the database and its log.

The 2024 South Jakarta instruction is the workload (its electronic channel is open at
any time); the caller supplies the keys (a kiosk key to file with, and keys bound to the
kelurahan's and the unit's officers).
"""

from __future__ import annotations

import http.client
import json
import random
import threading
import time
import urllib.parse
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from engine.bench.common import percentiles

DEFINITION = "inwalkot-jaksel-e-0006-2024"
SERVICE = f"{DEFINITION}:kebersihan"
KELURAHAN = "31.74.01.1001"
UNIT = "31.74.SDSDA"

MIX: tuple[tuple[str, int], ...] = (
    ("file_api", 30),
    ("file_open311", 15),
    ("inbox", 15),
    ("route", 25),
    ("follow_up", 15),
)
"""Operations and their weights: about half the requests write a new complaint."""

EXPECTED = {
    "file_api": {201},
    "file_open311": {201},
    "inbox": {200},
    "read": {200, 403},
    "route": {200, 403, 409},
    "follow_up": {200, 403, 409},
}
"""Answers that are correct under concurrency: 409 is a race lost to another officer or
the scheduler; 403 comes when the complaint moved out of the officer's units meanwhile
(escalated by the scheduler, or returned to its kelurahan by another officer's step):
``Outcome.moved_away`` lists those, for the caller to check."""


@dataclass(frozen=True)
class Keys:
    kiosk: str
    kelurahan: str
    unit: str


@dataclass
class Outcome:
    """Everything the load saw; ``accepted`` and ``actions`` are what must be stored."""

    seconds: float = 0.0
    statuses: dict[str, Counter[int]] = field(default_factory=lambda: defaultdict(Counter))
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    accepted: list[str] = field(default_factory=list)
    """Complaint numbers answered 201."""
    actions: list[tuple[str, str]] = field(default_factory=list)
    """(number, trigger) of every action answered 200."""
    unexpected: list[str] = field(default_factory=list)
    """The first few answers outside ``EXPECTED``, for the report."""
    moved_away: set[str] = field(default_factory=set)
    """Complaints an officer was refused (403): they had moved to another unit meanwhile."""
    transport_errors: int = 0

    @property
    def requests(self) -> int:
        return sum(sum(c.values()) for c in self.statuses.values())

    @property
    def errors(self) -> int:
        """Answers outside ``EXPECTED`` (5xx and wrong 4xx) plus failed connections."""
        wrong = sum(
            n
            for kind, counter in self.statuses.items()
            for status, n in counter.items()
            if status not in EXPECTED[kind]
        )
        return wrong + self.transport_errors

    def report(self) -> dict[str, Any]:
        every = [ms for values in self.latencies.values() for ms in values]
        return {
            "seconds": round(self.seconds, 1),
            "requests": self.requests,
            "per_second": round(self.requests / self.seconds, 1) if self.seconds else None,
            "errors": self.errors,
            "error_rate": round(self.errors / self.requests, 5) if self.requests else None,
            "conflicts_409": sum(c[409] for c in self.statuses.values()),
            "complaints_accepted": len(self.accepted),
            "actions_accepted": len(self.actions),
            "latency_ms": percentiles(every) if every else {},
            "by_kind": {
                kind: {
                    "statuses": {str(s): n for s, n in sorted(counter.items())},
                    **(percentiles(self.latencies[kind]) if self.latencies[kind] else {}),
                }
                for kind, counter in sorted(self.statuses.items())
            },
            "unexpected": self.unexpected,
        }


class _Pools:
    """Complaints waiting to be routed, and routed ones waiting for their follow-up."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.filed: list[str] = []
        self.routed: list[str] = []

    def take(self, pool: list[str], rng: random.Random) -> str | None:
        with self.lock:
            return pool[rng.randrange(len(pool))] if pool else None

    def move(self, number: str, source: list[str], dest: list[str] | None) -> None:
        with self.lock:
            if number in source:
                source.remove(number)
                if dest is not None:
                    dest.append(number)


def run(
    port: int,
    keys: Keys,
    *,
    clients: int,
    seconds: float,
    seed: int = 135,
    alongside: Callable[[threading.Event], None] | None = None,
) -> Outcome:
    """``clients`` threads against ``127.0.0.1:port`` for ``seconds``; ``alongside`` runs
    in its own thread meanwhile (e.g. ticks) until the load ends."""
    outcome = Outcome()
    pools = _Pools()
    lock = threading.Lock()
    deadline = time.monotonic() + seconds
    done = threading.Event()

    def record(kind: str, status: int, elapsed_ms: float, body: bytes) -> None:
        with lock:
            outcome.statuses[kind][status] += 1
            if status in EXPECTED[kind]:
                outcome.latencies[kind].append(elapsed_ms)
            elif len(outcome.unexpected) < 10:
                outcome.unexpected.append(f"{kind} {status} {body[:200]!r}")

    def client(index: int) -> None:
        rng = random.Random(seed * 1000 + index)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        names, weights = zip(*MIX, strict=True)
        try:
            while time.monotonic() < deadline:
                kind = rng.choices(names, weights)[0]
                try:
                    _step(conn, kind, keys, pools, rng, record, outcome, lock)
                except (OSError, http.client.HTTPException):
                    with lock:
                        outcome.transport_errors += 1
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        finally:
            conn.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    helper = threading.Thread(target=alongside, args=(done,)) if alongside else None
    start = time.monotonic()
    for thread in threads:
        thread.start()
    if helper is not None:
        helper.start()
    for thread in threads:
        thread.join()
    outcome.seconds = time.monotonic() - start
    done.set()
    if helper is not None:
        helper.join()
    return outcome


def _step(
    conn: http.client.HTTPConnection,
    kind: str,
    keys: Keys,
    pools: _Pools,
    rng: random.Random,
    record: Callable[[str, int, float, bytes], None],
    outcome: Outcome,
    lock: threading.Lock,
) -> None:
    if kind == "file_api":
        body = {
            "definition": DEFINITION,
            "unit": KELURAHAN,
            "channel": "elektronik",
            "title": f"Saluran tersumbat #{rng.randrange(10**6)}",
            "description": "Air meluap ke jalan setiap hujan.",
            "category": "banjir dan saluran air",
            "fields": {"lokasi": "Jl. Tebet Timur Dalam II"},
            "complainant": {"name": "Warga Uji Beban"},
        }
        status, answer = _send(conn, kind, "POST", "/api/v1/cases", keys.kiosk, body, record)
        if status == 201:
            _accepted(json.loads(answer)["number"], pools, outcome, lock)
    elif kind == "file_open311":
        form = {
            "api_key": keys.kiosk,
            "service_code": SERVICE,
            "address_id": KELURAHAN,
            "address_string": "Jl. Tebet Timur Dalam II",
            "description": "Sampah menumpuk di pinggir jalan.",
        }
        status, answer = _send(conn, kind, "POST", "/open311/v2/requests.json", None, form, record)
        if status == 201:
            _accepted(json.loads(answer)[0]["service_request_id"], pools, outcome, lock)
    elif kind == "inbox":
        _send(conn, kind, "GET", "/api/v1/cases?limit=20", keys.kelurahan, None, record)
    else:
        route = kind == "route"
        pool = pools.filed if route else pools.routed
        number = pools.take(pool, rng)
        if number is None:
            return
        key = keys.kelurahan if route else keys.unit
        status, answer = _send(conn, "read", "GET", f"/api/v1/cases/{number}", key, None, record)
        if status == 403:
            _moved_away(number, pool, pools, outcome, lock)
        if status != 200:
            return
        version = json.loads(answer)["row_version"]
        trigger, fields = (
            ("disposisi", {"unit_tujuan": UNIT, "catatan_disposisi": "Mohon ditangani"})
            if route
            else ("lapor_tindak_lanjut", {"hasil_tindak_lanjut": "Saluran dibersihkan"})
        )
        path = f"/api/v1/cases/{number}/actions/{trigger}"
        body = {"fields": fields, "expected_version": version}
        status, _ = _send(conn, kind, "POST", path, key, body, record)
        if status == 403:
            _moved_away(number, pool, pools, outcome, lock)
        if status == 200:
            with lock:
                outcome.actions.append((number, trigger))
            pools.move(number, pool, pools.routed if route else None)


def _moved_away(
    number: str, pool: list[str], pools: _Pools, outcome: Outcome, lock: threading.Lock
) -> None:
    with lock:
        outcome.moved_away.add(number)
    pools.move(number, pool, None)


def _accepted(number: str, pools: _Pools, outcome: Outcome, lock: threading.Lock) -> None:
    with lock:
        outcome.accepted.append(number)
    with pools.lock:
        pools.filed.append(number)


def _send(
    conn: http.client.HTTPConnection,
    kind: str,
    method: str,
    path: str,
    key: str | None,
    body: dict[str, Any] | None,
    record: Callable[[str, int, float, bytes], None],
) -> tuple[int, bytes]:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    payload = None
    if body is not None and path.startswith("/open311"):
        payload = urllib.parse.urlencode(body).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    elif body is not None:
        payload = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    start = time.perf_counter()
    conn.request(method, path, payload, headers)
    response = conn.getresponse()
    answer = response.read()
    record(kind, response.status, (time.perf_counter() - start) * 1000, answer)
    return response.status, answer
