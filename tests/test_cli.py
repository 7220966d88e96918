"""The ``diktum`` commands of the definitions layer, run as a user would run them."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from flask import Flask

from tests.conftest import DEFINITIONS
from web.cli import cli

SHIPPED = sorted(str(p) for p in DEFINITIONS.glob("*.yaml"))


def run(runner: CliRunner, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_validate_accepts_every_shipped_definition(runner: CliRunner) -> None:
    code, out, _ = run(runner, "validate", *SHIPPED)
    assert code == 0
    assert "ok ingub-135-2017@1" in out
    assert "ok inwalkot-jaksel-e-0006-2024@1" in out


def test_validate_reports_each_problem_with_its_location_and_exits_1(
    runner: CliRunner, tmp_path: Path
) -> None:
    broken = tmp_path / "broken.yaml"
    text = Path(SHIPPED[0]).read_text(encoding="utf-8").replace("kind: start", "kind: strat", 1)
    broken.write_text(text, encoding="utf-8")
    line = next(i for i, row in enumerate(text.splitlines(), 1) if "kind: strat" in row)
    code, out, _ = run(runner, "validate", str(broken))
    assert code == 1
    assert out.startswith(f"{broken}:{line}:")
    assert "'strat'" in out


def test_validate_json_lists_problems(runner: CliRunner, tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("id: [unclosed\n", encoding="utf-8")
    code, out, _ = run(runner, "validate", "--json", str(broken))
    assert code == 1
    report = json.loads(out)
    assert report["valid"] is False
    assert report["problems"][0]["path"] == str(broken)
    assert report["problems"][0]["line"] >= 1


def test_validate_missing_file_is_a_located_error_not_a_traceback(
    runner: CliRunner, tmp_path: Path
) -> None:
    code, out, _ = run(runner, "validate", str(tmp_path / "nope.yaml"))
    assert code == 1
    assert "cannot read file" in out
    assert "Traceback" not in out


def test_diagram_of_a_definition_by_id_is_mermaid_with_diktum_labels(runner: CliRunner) -> None:
    code, out, _ = run(runner, "diagram", "ingub-135-2017@1")
    assert code == 0
    assert out.startswith("stateDiagram-v2\n")
    assert "KEDUA" in out and "KETIGA" in out
    assert "[*] -->" in out


def test_diagram_of_a_file_path_matches_the_published_id(runner: CliRunner) -> None:
    by_path = run(runner, "diagram", SHIPPED[0])
    by_id = run(runner, "diagram", Path(SHIPPED[0]).name.split(".v")[0])
    assert by_path[0] == by_id[0] == 0
    assert by_path[1] == by_id[1]


def test_diagram_of_an_unknown_definition_says_which_exist(runner: CliRunner) -> None:
    code, _, err = run(runner, "diagram", "ingub-999@1")
    assert code == 1
    assert "unknown definition 'ingub-999@1'" in err
    assert "ingub-135-2017@1" in err


def test_diagram_rejects_a_version_that_is_not_a_number(runner: CliRunner) -> None:
    code, _, err = run(runner, "diagram", "ingub-135-2017@latest")
    assert code == 1
    assert "version is a whole number" in err


def test_definitions_show_json_is_the_normalised_definition(runner: CliRunner) -> None:
    code, out, _ = run(runner, "definitions", "show", SHIPPED[0], "--json")
    assert code == 0
    shown = json.loads(out)
    assert {"id", "version", "basis", "roles", "channels", "states", "transitions"} <= set(shown)
    assert all("kind" in s and "diktum" in s for s in shown["states"].values())
    scheduled = [t for t in shown["transitions"] if t["kind"] == "scheduled"]
    assert scheduled and all(t["schedule"]["day_of_week"] for t in scheduled)
    assert all({"trigger", "diktum", "roles", "from", "to"} <= set(t) for t in shown["transitions"])


def test_definitions_list_json_names_both_instructions(runner: CliRunner) -> None:
    code, out, _ = run(runner, "definitions", "list", "--json")
    assert code == 0
    ids = {d["id"] for d in json.loads(out)}
    assert ids == {"ingub-135-2017", "inwalkot-jaksel-e-0006-2024"}


def test_the_front_page_lists_the_published_definitions_escaped(app: Flask) -> None:
    page = app.test_client().get("/")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "ingub-135-2017@1" in text
    assert "inwalkot-jaksel-e-0006-2024@1" in text
    assert "stateDiagram-v2" in text
    assert "--&gt;" in text  # diagram arrows are escaped, not raw markup
