"""Random input where people and programs type: the condition language and the CLI.

The condition language must answer any text with a condition or ``ExpressionError``
(never another exception, never a Rust panic from the CEL library, which is not an
``Exception``), and a compiled condition must evaluate any data to a plain bool. The
``diktum`` commands must answer any argv with exit 0, 1 (invalid), 2 (usage), 3 (audit)
or 4 (conflict), errors on stderr and never a traceback, and write nothing when they
refuse. Open311 and the JSON API are fuzzed by schemathesis in ``test_api_schema.py``.

Example counts are bounded and the runs derandomized (the same examples every run), so
the module takes seconds and never flakes; ``RUN`` counts the examples tried.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.conftest import PUBLISHED_AT, close_store, make_app
from tests.test_web_auth import add_user
from web.cli import cli
from web.extensions import app_store
from workflow.errors import ExpressionError
from workflow.expressions import compile_condition

RUN: Counter[str] = Counter()
"""Examples tried, by test: the figures for the README."""

BOUNDED = settings(
    max_examples=200,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# -- the condition language ------------------------------------------------------------

CEL_TOKENS = [
    "a", "b", "needs_review", "channel", "count", "x.y", "size(", "has(", "int(", "string(",
    "true", "false", "null", "1", "0", "-1", "1.5", "9223372036854775807", "18446744073709551616",
    "1u", "b'x'", '"web"', "'x'", '"""', "r'", "==", "!=", "<", "<=", ">", ">=", "&&", "||",
    "!", "?", ":", "+", "-", "*", "/", "%", "in", "(", ")", "[", "]", "{", "}", ",", ".",
    "all(", "exists(", "map(", "filter(", "matches(", "startsWith(", "timestamp(", "duration(",
    "\\", "\\u0000", "\x00", "\ud800", " ", "\n", "//", "/*", "é", "😀",
]  # fmt: skip
"""Pieces of CEL (and of things that are not), so random text is often nearly valid."""

cel_text = st.one_of(
    st.lists(st.sampled_from(CEL_TOKENS), min_size=1, max_size=12).map(" ".join),
    st.lists(st.sampled_from(CEL_TOKENS), min_size=1, max_size=12).map("".join),
    st.text(max_size=40),
)


@BOUNDED
@given(cel_text)
@example("(" * 500 + "a" + ")" * 500)  # deep nesting
@example("a" + " && a" * 500)
@example("[" * 200)
@example('"\\u')
@example("1 / 0 == 1")
@example("\ud800")
def test_compiling_any_text_gives_a_condition_or_an_expression_error(source: str) -> None:
    RUN["condition compile"] += 1
    try:
        condition = compile_condition(source)
    except ExpressionError as exc:
        assert str(exc).strip()
    else:
        assert condition.source == source


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats()
    | st.text(max_size=10)
    | st.dates(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=8,
)

CONDITIONS = [
    "needs_review == true",
    'channel == "web" && count > 1',
    "count + 1 > 2",
    "size(channel) > 3",
    "a.b == 1",
    "a in [1, 2, 3]",
    "count / 0 == 1",
    "int(channel) > 1",
    "has(a.b) && a.b",
    "a",
]


FIELD_NAMES = st.sampled_from(["needs_review", "channel", "count", "a", "b"])


@BOUNDED
@given(st.sampled_from(CONDITIONS), st.dictionaries(FIELD_NAMES, json_values))
def test_evaluating_any_data_gives_a_plain_bool(source: str, context: dict[str, Any]) -> None:
    RUN["condition evaluate"] += 1
    result = compile_condition(source).evaluate(context)
    assert result is True or result is False


# -- the CLI ----------------------------------------------------------------------------

COMMANDS: dict[tuple[str, ...], list[str]] = {
    ("validate",): ["--json"],
    ("diagram",): [],
    ("definitions", "list"): ["--json"],
    ("definitions", "show"): ["--json"],
    ("definitions", "load"): ["--json", "--now"],
    ("user", "add"): ["--role", "--unit", "--password", "--json"],
    ("user", "list"): ["--json"],
    ("user", "password"): ["--password", "--json"],
    ("apikey", "create"): ["--user", "--json", "--now"],
    ("apikey", "list"): ["--json"],
    ("apikey", "revoke"): ["--json"],
    ("case", "open"): [
        "--definition", "--unit", "--channel", "--title", "--description", "--category",
        "--received-at", "--user", "--field", "--name", "--phone", "--email", "--address",
        "--confidential", "--json", "--now",
    ],
    ("case", "fire"): ["--user", "--field", "--expect-version", "--json", "--now"],
    ("case", "show"): ["--json"],
    ("case", "migrate"): ["--to", "--user", "--json", "--now"],
    ("case", "erase"): ["--user", "--reason", "--json", "--now"],
    ("tick",): ["--json", "--now"],
    ("replay",): ["--until", "--json"],
    ("audit", "verify"): ["--limit", "--json"],
    ("audit", "anchor"): ["--now"],
    ("audit", "check"): ["--root", "--json"],
    ("report", "kecamatan"): ["--week", "--json"],
    ("report", "city"): ["--from", "--to", "--json"],
    ("report", "monitoring"): ["--unit", "--json", "--now"],
}  # fmt: skip
"""Every command but the long-running ones (serve, worker, bench) and init (tested
elsewhere), with its options."""

WORDS = [
    "", "-", "--", "x", "ingub-135-2017", "inwalkot-jaksel-e-0006-2024",
    "inwalkot-jaksel-e-0006-2024@1", "@", "@0", "@-1", "31", "31.74", "31.74.01",
    "31.74.01.1001", "elektronik", "kebersihan", "camat", "admin", "lurah1", "DK-0000-0000-0000-0",
    "disposisi", "lokasi=x", "=", "unit_tujuan=31.74.SDSDA", "2024-06-03", "2024-06-03T09:00",
    "2024-02-30", "9999-12-31T23:59:59+14:00", "0", "-1", "99999999999999999999", "1e9", "nan",
    "definitions/inwalkot-jaksel-e-0006-2024.v1.yaml", "/dev/null", "/nonexistent", ".",
    "<script>", "'; DROP TABLE case_file; --", "{{7*7}}", "é", "\x00", "a" * 300,
]  # fmt: skip


@st.composite
def argvs(draw: st.DrawFn) -> list[str]:
    command = draw(st.sampled_from(sorted(COMMANDS)))
    tokens = st.sampled_from(COMMANDS[command] + ["--help", "--bogus"]) | st.sampled_from(WORDS)
    rest = draw(st.lists(tokens | st.text(max_size=8), max_size=6))
    return [*command, *rest]


@pytest.fixture(scope="module")
def cli_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    folder: Path = tmp_path_factory.mktemp("cli-fuzz")
    app = make_app(f"sqlite:///{folder / 'diktum.sqlite'}", folder)
    runner = app.test_cli_runner()
    assert runner.invoke(cli, ["init", "--now", PUBLISHED_AT.isoformat()]).exit_code == 0
    add_user(app, "lurah1", "lurah", "31.74.01.1001")
    opened = runner.invoke(
        cli,
        [
            "case", "open", "--definition", "inwalkot-jaksel-e-0006-2024",
            "--unit", "31.74.01.1001", "--channel", "elektronik", "--title", "Sampah",
            "--now", dt.datetime(2024, 6, 3, 9, tzinfo=dt.UTC).isoformat(),
        ],
    )  # fmt: skip
    assert opened.exit_code == 0, opened.output
    yield app
    close_store(app)


def row_counts(app: Flask) -> dict[str, int]:
    with app_store(app).read() as conn:
        names = sa.inspect(conn).get_table_names()
        return {
            name: int(conn.execute(sa.text(f'SELECT count(*) FROM "{name}"')).scalar_one())
            for name in names
        }


@settings(BOUNDED, max_examples=150)
@given(argvs())
@example(["case", "open", "--title", "\x00"])
@example(["report", "city", "31.74", "--from", "2025-01-01", "--to", "2024-01-01"])
@example(["replay", "DK-0000-0000-0000-0", "--until", "tomorrow"])
@example(["audit", "verify", "--limit", "-1"])
@example(["audit", "check", "/dev/null", "--root", "x"])
@example(["audit", "check", "definitions/inwalkot-jaksel-e-0006-2024.v1.yaml"])
@example(["case", "fire", "x", "y", "--user", "lurah1", "--expect-version", "99999999999999999999"])
def test_any_arguments_get_a_known_exit_code_and_never_a_traceback(
    cli_app: Flask, argv: list[str]
) -> None:
    RUN["cli argv"] += 1
    before = row_counts(cli_app)
    result = cli_app.test_cli_runner().invoke(cli, argv)
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        argv,
        result.exception,
    )
    assert result.exit_code in (0, 1, 2, 3, 4), (argv, result.exit_code, result.output)
    assert "Traceback" not in result.output, argv
    if result.exit_code != 0:
        said = result.stderr.strip() or result.stdout.strip()  # validate lists on stdout
        assert said, argv  # it says why
        if result.exit_code != 2:  # usage errors show the usage; the others one line each
            lines = said.splitlines()
            assert all(line.strip() for line in lines), argv
            assert before == row_counts(cli_app), argv  # refused: nothing written


def test_the_runs_were_counted() -> None:
    """Run last in the module: prints what was tried (``pytest -s``)."""
    print(f"\nfuzz examples run: {dict(RUN)}")
    assert all(RUN.values())
