"""``diktum bench``: every scenario at a tiny size through the CLI, on SQLite and
PostgreSQL, checked for the document's shape and for what really happened (cases moved,
rows written, events verified, lifecycles completed). Never for speed: benchmarks report
it, tests do not enforce it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from tests.conftest import PG_ENV, close_store, make_app, postgres_url
from web.cli import cli

N = 200


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest) -> str | None:
    """Where the benchmarks build their databases: SQLite files, or PostgreSQL schemas."""
    if request.param == "sqlite":
        return None
    url = postgres_url()
    if url is None:
        pytest.skip(f"{PG_ENV} is not set (CI sets it; see .ci/run)")
    return url


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Flask]:
    application = make_app(f"sqlite:///{tmp_path / 'app.sqlite'}", tmp_path)
    yield application
    close_store(application)


def bench(app: Flask, tmp_path: Path, database: str | None, *args: str) -> dict[str, Any]:
    command = ["bench", *args, "--json", "--workdir", str(tmp_path / "bench")]
    if database is not None:
        command += ["--database-url", database]
    result = app.test_cli_runner().invoke(cli, command)
    assert result.exit_code == 0, result.output + result.stderr
    doc: dict[str, Any] = json.loads(result.stdout)
    return doc


def assert_shape(doc: dict[str, Any], scenario: str, n: int, contenders: tuple[str, ...]) -> None:
    assert (doc["scenario"], doc["n"]) == (scenario, n)
    assert doc["machine"]["cores"] >= 1 and doc["machine"]["ram_gb"] > 0
    for name in contenders:
        run = doc[name]
        assert run["seconds"] > 0 and run["per_second"] > 0
        assert run["peak_rss_mb"] > 10  # a Python process, measured in its own right
    assert "ratio" in doc and "target" in doc and "met" in doc


def test_tick_moves_every_case_and_the_floor_writes_as_many_rows(
    app: Flask, tmp_path: Path, database: str | None
) -> None:
    doc = bench(app, tmp_path, database, "tick", "--cases", str(N))

    assert_shape(doc, "tick", N, ("diktum", "floor"))
    diktum, floor = doc["diktum"], doc["floor"]
    assert diktum["moved"] == diktum["count"] == diktum["cases_in_dest"] == N
    assert floor["written"] == floor["count"] == floor["cases_in_dest"] == N
    # Seeded: intake, triage and the gateway's branch; then the firing's step.
    assert diktum["events_total"] == floor["events_total"] == 4 * N
    assert doc["ratio"] == pytest.approx(diktum["per_second"] / floor["per_second"], rel=0.01)


def test_naive_machines_move_the_same_cases_one_by_one(
    app: Flask, tmp_path: Path, database: str | None
) -> None:
    doc = bench(app, tmp_path, database, "naive", "--cases", str(N))

    assert_shape(doc, "naive", N, ("diktum", "naive"))
    assert doc["diktum"]["moved"] == N
    assert doc["naive"]["moved"] == doc["naive"]["cases_in_dest"] == N
