"""Load through HTTP: the real app in a real server, concurrent clients, latencies.

The server is gunicorn (the ``bench`` extra) with threaded workers on 127.0.0.1, serving
the WSGI app the caller names (``Options.wsgi_app``: the engine never imports the web
layer) on the benchmark's database. Clients are threads in this process, each on its own
keep-alive connection, taking requests from one shared list; each request's latency is
the time from sending to having read the whole response. Login throttling and intake
rate limits are off in the server: they would measure the limits, not the work.
"""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from engine.bench.common import Measured, Run, peak_rss_mb

SHAPES = {"sqlite": (1, 8), "postgresql": (2, 4)}
"""gunicorn (workers, threads per worker) by database: SQLite, the embedded default, is
one process (its writers take turns on a lock inside it); PostgreSQL takes a worker per
core. Threads, because requests wait on the database, not only on the CPU."""
READY_TIMEOUT = 60.0


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
    expect: int = 200


@dataclass(frozen=True)
class Server:
    port: int
    process: subprocess.Popen[bytes]
    workers: int
    threads: int

    def peak_rss(self) -> tuple[float, float]:
        """The largest worker's peak RSS and the sum over master and workers, in MB."""
        pids = [self.process.pid, *_children(self.process.pid)]
        peaks = [peak_rss_mb(pid) for pid in pids]
        workers = peaks[1:] or peaks
        return max(workers), sum(peaks)


@contextmanager
def server(wsgi_app: str, database_url: str, workdir: Path) -> Iterator[Server]:
    """gunicorn serving ``wsgi_app`` on ``database_url``, stopped on exit."""
    port = _free_port()
    workers, threads = SHAPES["sqlite" if database_url.startswith("sqlite") else "postgresql"]
    env = {
        **os.environ,
        "DIKTUM_DATABASE_URL": database_url,
        "DIKTUM_SECRET_KEY": "bench",
        "DIKTUM_RATELIMIT_ENABLED": "false",
    }
    env.pop("DIKTUM_NOW", None)
    log = (workdir / f"gunicorn-{port}.log").open("wb")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--workers",
            str(workers),
            "--worker-class",
            "gthread",
            "--threads",
            str(threads),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "--timeout",
            "120",
            wsgi_app,
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        _wait_ready(port, process, workdir / f"gunicorn-{port}.log")
        yield Server(port, process, workers, threads)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def drive(port: int, requests: Sequence[Request], clients: int) -> Measured:
    """Send ``requests`` with ``clients`` concurrent connections; successes counted, each
    request's latency kept, unexpected statuses reported."""
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    failures: list[str] = []
    lock = threading.Lock()
    position = iter(range(len(requests)))

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        try:
            while True:
                with lock:
                    index = next(position, None)
                if index is None:
                    return
                request = requests[index]
                start = time.perf_counter()
                conn.request(request.method, request.path, request.body, request.headers)
                response = conn.getresponse()
                body = response.read()
                elapsed = (time.perf_counter() - start) * 1000
                with lock:
                    statuses[response.status] += 1
                    if response.status == request.expect:
                        latencies.append(elapsed)
                    elif len(failures) < 5:
                        failures.append(f"{response.status} {body[:300]!r}")
        finally:
            conn.close()

    threads = [threading.Thread(target=client) for _ in range(clients)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - start
    facts = {
        "requests": len(requests),
        "clients": clients,
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
    }
    if failures:
        facts["failures"] = failures
    return Measured(len(latencies), seconds, facts, latencies)


def run_against(server: Server, requests: Sequence[Request], clients: int) -> Run:
    """``drive`` and the server's memory, as one contender's run."""
    measured = drive(server.port, requests, clients)
    largest, total = server.peak_rss()
    facts = {
        **measured.facts,
        "server_rss_total_mb": round(total, 1),
        "server": f"gunicorn {server.workers} worker(s) x {server.threads} threads",
    }
    return Run(measured.count, measured.seconds, largest, facts, measured.latencies_ms)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait_ready(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = log.read_text(errors="replace")[-2000:]
            raise RuntimeError(f"the server exited ({process.returncode}): {output}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/api/v1/openapi.json")
            conn.getresponse().read()
            conn.close()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"the server did not answer on port {port} in {READY_TIMEOUT:.0f} s")


def _children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (gunicorn's workers)."""
    found: list[int] = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
        except OSError:
            continue  # gone meanwhile
        for line in status.splitlines():
            if line.startswith("PPid:"):
                if int(line.split()[1]) == pid:
                    found.append(int(entry.name))
                break
    return found
