"""The engine through the ``diktum`` command line, as scripts and acceptance checks use it:
``--json`` documents on stdout, one-line errors on stderr, and the exit codes."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from engine.cases import CASES
from engine.events import EVENTS
from engine.store import Store
from engine.tick import FIRINGS
from engine.users import USERS
from tests.conftest import close_store, make_app, rewrite_history
from tests.test_engine_mini import (
    MINI,
    MONDAY,
    PUBLISHED,
    SATURDAY,
    SUNDAY_REVIEW,
    TEBET,
    TEBET_BARAT,
    TEBET_TIMUR,
)
from web.cli import cli

CLI_USERS = {
    "petugas_timur": ("petugas", TEBET_TIMUR),
    "petugas_barat": ("petugas", TEBET_BARAT),
    "camat_tebet": ("camat", TEBET),
}


class Diktum:
    """Runs ``diktum`` commands against one app, as a shell would."""

    def __init__(self, app: Flask, url: str) -> None:
        self.app = app
        self.url = url

    def run(self, *args: str) -> tuple[int, str, str]:
        result = self.app.test_cli_runner().invoke(cli, list(args))
        return result.exit_code, result.stdout, result.stderr

    def json(self, *args: str) -> Any:
        code, out, err = self.run(*args, "--json")
        assert code == 0, f"{args}: exit {code}\n{out}{err}"
        return json.loads(out)

    def open(self, unit: str = TEBET_TIMUR, user: str = "petugas_timur") -> str:
        receipt = self.json(
            "case", "open", "--definition", "mini", "--unit", unit, "--channel", "in_person",
            "--title", "Sampah menumpuk", "--user", user, "--now", SATURDAY.isoformat(),
        )  # fmt: skip
        return str(receipt["number"])

    def counts(self) -> dict[str, int]:
        store = Store(self.url)
        try:
            with store.read() as conn:
                return {
                    t.name: conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
                    for t in (CASES, EVENTS, FIRINGS, USERS)
                }
        finally:
            store.close()

    def execute(self, statement: Any) -> None:
        store = Store(self.url)
        try:
            with store.write() as conn:
                conn.execute(statement)
        finally:
            store.close()

    def rewrite_history(self, statement: Any) -> None:
        store = Store(self.url)
        try:
            with store.write() as conn:
                rewrite_history(conn, statement)
        finally:
            store.close()


@pytest.fixture
def diktum(database_url: str, tmp_path: Path) -> Iterator[Diktum]:
    """An app whose definitions folder holds only the mini definition, initialised."""
    folder = tmp_path / "definitions"
    folder.mkdir()
    (folder / "mini.v1.yaml").write_text(MINI, encoding="utf-8")
    app = make_app(database_url, tmp_path)
    app.config["DEFINITIONS_DIR"] = str(folder)
    shell = Diktum(app, database_url)
    report = shell.json("init", "--now", PUBLISHED.isoformat())
    assert report["definitions"] == [{"definition": "mini@1", "published": True}]
    assert report["units_added"] > 300
    for name, (role, unit) in CLI_USERS.items():
        shell.json("user", "add", name, "--role", role, "--unit", unit)
    yield shell
    close_store(app)


def test_definitions_load_of_published_content_is_a_no_op(diktum: Diktum, tmp_path: Path) -> None:
    [loaded] = diktum.json("definitions", "load", str(tmp_path / "definitions" / "mini.v1.yaml"))
    assert (loaded["definition"], loaded["published"]) == ("mini@1", False)
    assert [d["id"] for d in diktum.json("definitions", "list")] == ["mini"]


def test_case_open_json_gives_the_receipt_with_number_and_tracking(diktum: Diktum) -> None:
    receipt = diktum.json(
        "case", "open", "--definition", "mini", "--unit", TEBET_TIMUR, "--channel", "in_person",
        "--title", "Sampah menumpuk", "--user", "petugas_timur", "--field", "urgent=ya",
        "--received-at", "2025-03-01T08:30:00+07:00", "--now", MONDAY.isoformat(),
    )  # fmt: skip
    number = receipt["number"]
    assert receipt["tracking"] == f"/lacak/{number}"
    assert receipt["definition"] == "mini@1"
    assert (receipt["state"], receipt["channel"], receipt["unit"]) == (
        "received",
        "in_person",
        TEBET_TIMUR,
    )
    assert receipt["received_at"] == "2025-03-01T08:30:00+07:00"
    assert dt.datetime.fromisoformat(receipt["recorded_at"]) == MONDAY


def test_case_open_outside_the_window_is_refused_on_stderr_and_writes_nothing(
    diktum: Diktum,
) -> None:
    before = diktum.counts()
    code, out, err = diktum.run(
        "case", "open", "--definition", "mini", "--unit", TEBET_TIMUR, "--channel", "in_person",
        "--title", "x", "--user", "petugas_timur", "--now", MONDAY.isoformat(), "--json",
    )  # fmt: skip
    assert (code, out) == (1, "")
    assert err == "error: Pengaduan langsung hanya hari Sabtu pukul 08.00-11.00\n"
    assert diktum.counts() == before


def test_case_fire_json_reports_the_new_state_and_steps(diktum: Diktum) -> None:
    number = diktum.open()
    fired = diktum.json(
        "case", "fire", number, "triage", "--user", "petugas_timur",
        "--field", "needs_review=true", "--now", SATURDAY.isoformat(),
    )  # fmt: skip
    assert fired == {
        "number": number,
        "state": "triaged",
        "steps": [{"trigger": "triage", "from": "received", "to": "triaged"}],
    }


def test_a_refused_case_fire_is_one_line_on_stderr_exits_1_and_writes_nothing(
    diktum: Diktum,
) -> None:
    number = diktum.open()
    before = diktum.counts()
    code, out, err = diktum.run(
        "case", "fire", number, "triage", "--user", "petugas_barat",
        "--field", "needs_review=true", "--now", SATURDAY.isoformat(), "--json",
    )  # fmt: skip
    assert (code, out) == (1, "")
    assert err == f"error: user 'petugas_barat' cannot act on complaints of unit {TEBET_TIMUR}\n"
    assert diktum.counts() == before


def test_a_stale_expected_version_exits_4_and_writes_nothing(diktum: Diktum) -> None:
    number = diktum.open()
    diktum.json(
        "case", "fire", number, "triage", "--user", "petugas_timur",
        "--field", "needs_review=false", "--now", SATURDAY.isoformat(),
    )  # fmt: skip
    before = diktum.counts()
    code, _, err = diktum.run(
        "case", "fire", number, "withdraw", "--user", "camat_tebet", "--expect-version", "1",
        "--now", SATURDAY.isoformat(),
    )  # fmt: skip
    assert code == 4
    assert err.startswith("error: ") and err.count("\n") == 1 and "reload" in err
    assert diktum.counts() == before


def test_case_show_json_has_the_case_its_actions_and_its_history(diktum: Diktum) -> None:
    number = diktum.open()
    diktum.json(
        "case", "fire", number, "triage", "--user", "petugas_timur",
        "--field", "needs_review=true", "--field", "urgent=true", "--now", SATURDAY.isoformat(),
    )  # fmt: skip
    diktum.json("tick", "--now", MONDAY.isoformat())

    shown = diktum.json("case", "show", number)

    assert (shown["number"], shown["definition"], shown["version"]) == (number, "mini", 1)
    assert (shown["state"], shown["diktum"], shown["unit"]) == ("handling", "KETIGA", TEBET_TIMUR)
    assert shown["channel"] == "in_person"
    assert dt.datetime.fromisoformat(shown["received_at"]) == SATURDAY
    assert shown["data"] == {"needs_review": True, "urgent": True}
    assert shown["actions"] == [
        {
            "trigger": "resolve",
            "title": "resolve",
            "diktum": "KETIGA",
            "roles": ["petugas", "camat"],
            "fields": [{"name": "resolved", "type": "bool", "required": True}],
        }
    ]
    history = shown["history"]
    assert [(h["seq"], h["trigger"], h["from"], h["to"]) for h in history] == [
        (1, "open", None, "received"),
        (2, "triage", "received", "triaged"),
        (3, "review", "triaged", "decide"),
        (4, "route", "decide", "handling"),
    ]
    assert [h["actor"] for h in history] == ["petugas_timur"] * 2 + ["scheduler"] * 2
    assert dt.datetime.fromisoformat(history[2]["at"]) == SUNDAY_REVIEW
    assert all(len(h["hash"]) == 64 for h in history)


def test_tick_json_lists_each_firing_with_what_it_moved(diktum: Diktum) -> None:
    number = diktum.open()
    diktum.json(
        "case", "fire", number, "triage", "--user", "petugas_timur",
        "--field", "needs_review=true", "--now", SATURDAY.isoformat(),
    )  # fmt: skip

    report = diktum.json("tick", "--now", MONDAY.isoformat())
    again = diktum.json("tick", "--now", MONDAY.isoformat())

    [firing] = report["firings"]
    assert {k: firing[k] for k in ("definition", "version", "trigger", "diktum", "moved")} == {
        "definition": "mini",
        "version": 1,
        "trigger": "review",
        "diktum": "KEDUA",
        "moved": 1,
    }
    assert dt.datetime.fromisoformat(firing["fire_time"]) == SUNDAY_REVIEW
    assert again["firings"] == []


def test_replay_exits_0_on_a_clean_log_and_3_on_a_tampered_one(diktum: Diktum) -> None:
    number = diktum.open()
    diktum.json(
        "case", "fire", number, "triage", "--user", "petugas_timur",
        "--field", "needs_review=false", "--now", SATURDAY.isoformat(),
    )  # fmt: skip
    clean = diktum.json("replay", number)
    assert (clean["consistent"], clean["events"], clean["state"]) == (True, 2, "triaged")
    assert [s["trigger"] for s in clean["steps"]] == ["open", "triage"]

    diktum.rewrite_history(
        sa.update(EVENTS)
        .where(EVENTS.c.seq == 2)
        .values(payload={"fields": {"needs_review": True}})
    )
    code, out, _ = diktum.run("replay", number, "--json")

    assert code == 3
    verdict = json.loads(out)
    assert (verdict["consistent"], verdict["first_bad_seq"]) == (False, 2)
    assert "altered" in verdict["reason"]


def test_replay_until_shows_the_case_as_it_stood_then(diktum: Diktum) -> None:
    number = diktum.open()
    diktum.json(
        "case", "fire", number, "triage", "--user", "petugas_timur",
        "--field", "needs_review=false", "--now", MONDAY.isoformat(),
    )  # fmt: skip
    then = diktum.json("replay", number, "--until", "2025-03-02T00:00:00+07:00")
    assert (then["consistent"], then["events"], then["state"]) == (True, 1, "received")


def test_audit_verify_json_counts_the_log_and_exits_3_naming_the_bad_cases(
    diktum: Diktum,
) -> None:
    numbers = [diktum.open() for _ in range(3)]
    report = diktum.json("audit", "verify")
    assert report == {"cases": 3, "events": 3, "consistent": True, "bad": []}

    diktum.execute(sa.update(CASES).where(CASES.c.number == numbers[1]).values(state="done"))
    code, out, _ = diktum.run("audit", "verify", "--json")

    assert code == 3
    report = json.loads(out)
    assert (report["cases"], report["consistent"]) == (3, False)
    [bad] = report["bad"]
    assert bad["number"] == numbers[1]
    assert "state is 'done'" in bad["reason"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--role", "lurah", "--unit", TEBET), "unknown role 'lurah'"),
        (("--role", "petugas", "--unit", "31.99"), "unknown unit '31.99'"),
    ],
)
def test_user_add_with_an_unknown_role_or_unit_errors_and_adds_nobody(
    diktum: Diktum, args: tuple[str, ...], message: str
) -> None:
    before = diktum.counts()
    code, out, err = diktum.run("user", "add", "someone", *args)
    assert (code, out) == (1, "")
    assert err.startswith(f"error: {message}")
    assert diktum.counts() == before


def test_a_bad_now_is_a_usage_error(diktum: Diktum) -> None:
    code, out, err = diktum.run("tick", "--now", "next tuesday", "--json")
    assert (code, out) == (2, "")
    assert "Invalid value for --now: 'next tuesday' is not an ISO 8601 date-time" in err


def test_case_erase_wipes_personal_data_logs_it_and_replay_stays_consistent(
    diktum: Diktum,
) -> None:
    diktum.json("user", "add", "admin1", "--role", "admin", "--unit", TEBET)
    number = diktum.open()
    erased = diktum.json(
        "case", "erase", number, "--user", "admin1", "--reason", "Permintaan 2024/17",
        "--now", SUNDAY_REVIEW.isoformat(),
    )  # fmt: skip
    assert (erased["number"], erased["seq"]) == (number, 2)
    verdict = diktum.json("replay", number)
    assert verdict["consistent"] and [s["trigger"] for s in verdict["steps"]] == ["open", "erase"]

    before = diktum.counts()
    code, out, err = diktum.run("case", "erase", number, "--user", "admin1", "--reason", "lagi")
    assert (code, out) == (4, "") and "erased already" in err
    code, out, err = diktum.run("case", "erase", number, "--user", "camat_tebet", "--reason", "x")
    assert (code, out) == (1, "") and "only an administrator" in err
    assert diktum.counts() == before


def test_user_password_sets_a_new_password_and_refuses_a_short_one(diktum: Diktum) -> None:
    before = diktum.counts()
    code, _, err = diktum.run("user", "password", "petugas_timur", "--password", "pendek")
    assert (code, err.strip()) == (1, "error: a password needs at least 10 characters")
    code, _, err = diktum.run("user", "password", "siapa", "--password", "x" * 12)
    assert (code, err.strip()) == (1, "error: unknown user 'siapa'")
    assert diktum.json("user", "password", "petugas_timur", "--password", "x" * 12) == {
        "name": "petugas_timur",
        "sessions_ended": True,
    }
    assert diktum.counts() == before
