"""What every scenario shares: options, the machine's facts, measuring a contender in a
fresh process (time and peak RSS), latency percentiles, and the result document.

Each contender runs in a new interpreter (``python -m engine.bench.common``), so one
contender's imports, caches and garbage do not count against another's peak RSS, and
its setup (imports, connecting) is outside the timed part: the child times only the work.
"""

from __future__ import annotations

import datetime as dt
import importlib
import os
import pickle
import platform
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from engine.db import normalise_url


@dataclass(frozen=True)
class Options:
    """What ``diktum bench`` was asked for."""

    cases: int | None
    """The scenario's size N (None: the scenario's default)."""
    workdir: Path
    """Where SQLite databases are written."""
    definitions: Path
    """The shipped definitions (the 2017 instruction is the benchmarks' world)."""
    database_url: str | None = None
    """PostgreSQL to run on (a schema per database, dropped afterwards); None: SQLite."""
    stored: tuple[int, ...] = ()
    """Cases stored besides the measured ones (scenarios that have such a population)."""
    clients: int = 8
    """Concurrent HTTP clients."""
    requests: int | None = None
    """HTTP requests per contender (None: the scenario's default)."""
    wsgi_app: str = ""
    """The WSGI app the HTTP scenarios serve, as gunicorn names it (``module:factory()``):
    the web layer passes it in, so the engine imports nothing of it."""

    def size(self, default: int) -> int:
        return default if self.cases is None else self.cases

    @property
    def database(self) -> str:
        return "postgresql" if self.database_url else "sqlite"


@dataclass(frozen=True)
class Measured:
    """What a contender's timed work reports: how many units it did, in how long."""

    count: int
    seconds: float
    facts: dict[str, Any] = field(default_factory=dict)
    latencies_ms: Sequence[float] = ()
    cpu_seconds: float | None = None
    """The process's CPU time over the same span: on a shared machine, the steadier
    figure (the wall-clock ``seconds`` stay the reported one)."""


@dataclass(frozen=True)
class Run:
    """One contender's figures, as the JSON document carries them."""

    count: int
    seconds: float
    peak_rss_mb: float
    facts: dict[str, Any] = field(default_factory=dict)
    latencies_ms: Sequence[float] = ()
    cpu_seconds: float | None = None

    @property
    def per_second(self) -> float:
        return self.count / self.seconds if self.seconds > 0 else 0.0

    def as_dict(self) -> dict[str, Any]:
        result: dict[str, Any] = {
            "count": self.count,
            "seconds": round(self.seconds, 4),
            "per_second": round(self.per_second, 1),
            "peak_rss_mb": round(self.peak_rss_mb, 1),
        }
        if self.cpu_seconds is not None:
            result["cpu_seconds"] = round(self.cpu_seconds, 4)
        if self.latencies_ms:
            result.update(percentiles(self.latencies_ms))
        return result | self.facts


def measure(work: Callable[..., Measured], *args: Any) -> Run:
    """Run ``work(*args)`` in a fresh interpreter; its timing, facts and peak RSS.

    ``work`` must be a module-level function: the child imports its module and nothing
    else (no CLI, no web app), so its peak RSS is the contender's own.
    """
    request = pickle.dumps((work.__module__, work.__qualname__, args))
    done = subprocess.run(
        [sys.executable, "-m", "engine.bench.common"],
        input=request,
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(
            f"{work.__qualname__} failed (exit {done.returncode}):\n"
            + done.stderr.decode(errors="replace")[-4000:]
        )
    measured, peak_kb = pickle.loads(done.stdout)
    return Run(
        measured.count,
        measured.seconds,
        peak_kb / 1024,
        measured.facts,
        measured.latencies_ms,
        measured.cpu_seconds,
    )


def _child() -> None:
    """The child's side of ``measure``: read the work from stdin, pickle the result."""
    module, name, args = pickle.loads(sys.stdin.buffer.read())
    work = getattr(importlib.import_module(module), name)
    measured = work(*args)
    # Not getrusage's ru_maxrss: Linux carries it across exec from the forking parent,
    # whose size would then count here. VmHWM belongs to this process's own memory.
    peak_kb = peak_rss_mb(os.getpid()) * 1024
    sys.stdout.buffer.write(pickle.dumps((measured, peak_kb)))


class Timer:
    """``with Timer() as t: ...`` then ``t.seconds`` (wall clock) and ``t.cpu_seconds``."""

    seconds: float = 0.0
    cpu_seconds: float = 0.0

    def __enter__(self) -> Timer:
        self._start = time.perf_counter()
        self._cpu = time.process_time()
        return self

    def __exit__(self, *_: object) -> None:
        self.seconds = time.perf_counter() - self._start
        self.cpu_seconds = time.process_time() - self._cpu


class Laps:
    """Seconds per phase of one timed run: ``lap(name)`` closes the phase running since
    the previous lap (or since the start)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.seconds[name] = round(now - self._last, 4)
        self._last = now


def phase_ratios(ours: Run, theirs: Run) -> dict[str, float]:
    """Per phase both runs timed (``facts["phase_seconds"]``), how many times longer
    ``theirs`` took than ``ours``: where a lifecycle's overall ratio comes from."""
    mine, other = ours.facts.get("phase_seconds", {}), theirs.facts.get("phase_seconds", {})
    return {
        name: round(other[name] / seconds, 1)
        for name, seconds in mine.items()
        if name in other and seconds > 0
    }


def peak_rss_mb(pid: int) -> float:
    """The peak RSS of another live process (``VmHWM``), e.g. a server under load."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def percentiles(latencies_ms: Sequence[float]) -> dict[str, float]:
    """p50, p95, p99 and max by the nearest-rank method."""
    ordered = sorted(latencies_ms)

    def rank(p: float) -> float:
        index = max(0, min(len(ordered) - 1, int(-(-p * len(ordered) // 100)) - 1))
        return round(ordered[index], 2)

    return {"p50_ms": rank(50), "p95_ms": rank(95), "p99_ms": rank(99), "max_ms": rank(100)}


def machine(database_url: str | None = None) -> dict[str, Any]:
    """The facts a figure needs beside it: cores, RAM, CPU, Python, the database."""
    facts: dict[str, Any] = {
        "cores": os.cpu_count(),
        "ram_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "cpu": _cpu_model(),
        "python": platform.python_version(),
        "platform": platform.platform(terse=True),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }
    if database_url:
        engine = sa.create_engine(normalise_url(database_url))
        try:
            with engine.connect() as conn:
                version = conn.execute(sa.text("SHOW server_version")).scalar()
            facts["database"] = f"PostgreSQL {version}"
        finally:
            engine.dispose()
    else:
        facts["database"] = f"SQLite {sqlite3.sqlite_version}"
    return facts


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def document(
    scenario: str,
    n: int,
    options: Options,
    runs: dict[str, Run],
    ratio: float | None,
    target: str,
    met: bool | None,
    **extra: Any,
) -> dict[str, Any]:
    """The scenario's JSON document: every contender's run beside the machine's facts."""
    return {
        "scenario": scenario,
        "n": n,
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": machine(options.database_url),
        "database": options.database,
        **{name: run.as_dict() for name, run in runs.items()},
        "ratio": None if ratio is None else round(ratio, 3),
        "target": target,
        "met": met,
        **extra,
    }


if __name__ == "__main__":
    _child()
