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

from engine.bench import table
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


def test_tick_scaling_moves_the_same_due_cases_among_more_stored_ones(
    app: Flask, tmp_path: Path, database: str | None
) -> None:
    doc = bench(
        app,
        tmp_path,
        database,
        "tick-scaling",
        "--cases",
        "100",
        "--stored",
        "100",
        "--stored",
        "400",
    )

    assert_shape(doc, "tick-scaling", 100, ("stored_100", "stored_400"))
    assert doc["stored"] == [100, 400]
    for name, stored in (("stored_100", 100), ("stored_400", 400)):
        assert doc[name]["moved"] == 100
        assert doc[name]["stored"] == stored


def test_replay_verifies_every_event_of_the_seeded_log(
    app: Flask, tmp_path: Path, database: str | None
) -> None:
    doc = bench(app, tmp_path, database, "replay", "--cases", "600")

    assert_shape(doc, "replay", 600, ("diktum", "diktum_tenth"))
    full, tenth = doc["diktum"], doc["diktum_tenth"]
    assert (full["events"], full["cases"], full["inconsistent"]) == (600, 200, 0)
    assert (tenth["events"], tenth["cases"], tenth["inconsistent"]) == (60, 20, 0)


def test_peer_lifecycles_complete_in_diktum_the_floor_and_spiffworkflow(
    app: Flask, tmp_path: Path, database: str | None
) -> None:
    doc = bench(app, tmp_path, database, "peer", "--cases", "20")

    assert_shape(doc, "peer", 20, ("diktum", "floor", "spiffworkflow"))
    diktum, floor, spiff = doc["diktum"], doc["floor"], doc["spiffworkflow"]
    for run in (diktum, floor, spiff):
        assert (run["completed"], run["resolved"], run["escalated"]) == (20, 10, 10)
    assert diktum["moved_sunday"] == diktum["moved_monday"] == 20
    assert floor["moved_sunday"] == floor["moved_monday"] == 20
    # The floor wrote what Diktum wrote: the engine's replay accepts every case it wrote.
    assert floor["verified"] == 20
    assert doc["ceiling"] == pytest.approx(floor["per_second"] / spiff["per_second"], rel=0.01)
    assert f"ceiling (floor/spiffworkflow) {doc['ceiling']}x" in table.figure(doc)


def test_intake_opens_complaints_through_the_engine_the_api_and_open311(
    app: Flask, tmp_path: Path, database: str | None
) -> None:
    doc = bench(
        app, tmp_path, database, "intake", "--cases", "30", "--clients", "3", "--stored", "40"
    )

    assert_shape(doc, "intake", 30, ("diktum", "api", "open311"))
    for name in ("api", "open311"):
        run = doc[name]
        assert run["statuses"] == {"201": 30}
        assert run["p50_ms"] <= run["p95_ms"] <= run["p99_ms"] <= run["max_ms"]
    # 30 by each contender, plus the warm-up requests and the engine's warm-up complaint.
    assert doc["diktum"]["cases_opened_in_database"] == 3 * 30 + 2 * 20 + 1
    assert doc["stored"] == 40


def test_actions_through_the_api_triage_the_sampled_stored_cases(
    app: Flask, tmp_path: Path, database: str | None
) -> None:
    doc = bench(
        app, tmp_path, database, "action", "--cases", "300", "--requests", "30", "--clients", "3"
    )

    assert_shape(doc, "action", 300, ("api",))
    api = doc["api"]
    assert api["statuses"] == {"200": 30}
    assert api["triaged_in_database"] == 30 + 20  # and the warm-up's
    assert doc["stored"] == 300


POSTGRES_ROW = "| M | 2026-01-01 | 50 | **naive** (PostgreSQL): diktum 1/s | 1.0 : x |"
OLD_SQLITE_ROW = "| M | 2026-01-01 | 50 | **naive** (SQLite): diktum 1/s | 1.0 : stale |"


def test_bench_writes_its_rows_into_the_readme_table_and_keeps_other_databases_rows(
    app: Flask, tmp_path: Path
) -> None:
    readme = tmp_path / "README.md"
    readme.write_text(
        f"# X\n\n<!-- bench:start -->\nold\n{POSTGRES_ROW}\n{OLD_SQLITE_ROW}\n"
        "<!-- bench:end -->\n\nafter\n",
        encoding="utf-8",
    )

    result = app.test_cli_runner().invoke(
        cli,
        [
            *("bench", "naive", "--cases", "50", "--workdir", str(tmp_path / "b")),
            *("--readme", str(readme), "--output", str(tmp_path / "out.json")),
        ],
    )

    assert result.exit_code == 0, result.output
    assert "naive  n=50" in result.output
    text = readme.read_text(encoding="utf-8")
    assert "old" not in text
    assert "| machine | date | N | figure | ratio |" in text
    assert "**naive** (SQLite)" in text
    assert OLD_SQLITE_ROW not in text
    assert POSTGRES_ROW in text
    assert text.count("| machine |") == 1
    assert text.endswith("<!-- bench:end -->\n\nafter\n")
    [doc] = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))
    assert doc["scenario"] == "naive"
