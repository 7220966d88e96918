"""Every kind of mistake in a definition file is reported at the place a person fixes it.

Each test changes one thing in ``MINI``, a small valid definition, and checks the exact
``path:line:column: message`` of what ``load_text`` reports. ``at`` finds the line and
column of a piece of the text, so a test names what the problem points at instead of
counting characters.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from workflow.definition import Definition
from workflow.errors import DefinitionError
from workflow.loader import load_all, load_file, load_text

PATH = "mini.yaml"

MINI = textwrap.dedent(
    """\
    id: mini
    version: 1
    title: Mini
    basis: {instrument: Test, number: "1", date: 2024-01-01, issuer: Me}
    diktum: {KESATU: one, KEDUA: two}
    roles:
      petugas: {title: Petugas, level: kecamatan}
    fields:
      needs_review: {type: bool, title: Perlu tinjau}
      resolved: {type: bool, title: Selesai}
    channels:
      in_person:
        title: Langsung
        kind: in_person
        roles: [petugas]
        windows: [{days: [sat], start: "08:00", end: "11:00"}]
        message: Tutup
    states:
      received: {kind: start, title: Diterima, diktum: KESATU, lane: petugas}
      triaged: {kind: wait, title: Ditriase, diktum: KEDUA}
      decide: {kind: gateway, title: Putus}
      done: {kind: end, title: Selesai}
      escalated: {kind: end, title: Eskalasi}
    transitions:
      - {trigger: triage, kind: manual, from: received, to: triaged, roles: [petugas], fields: [needs_review], diktum: KESATU}
      - {trigger: review, kind: scheduled, from: triaged, to: decide, schedule: {day_of_week: sun, hour: 9}, on_holiday: run, condition: "needs_review == true"}
      - {trigger: close, kind: automatic, from: decide, to: done, condition: "needs_review == true"}
      - {trigger: close, kind: automatic, from: decide, to: escalated, escalate_to: kota}
    """  # noqa: E501
)
"""A valid definition: one role, two bool fields, a Saturday channel, a scheduled review
into a gateway whose default branch escalates."""

TRIAGE = (
    "  - {trigger: triage, kind: manual, from: received, to: triaged, roles: [petugas],"
    " fields: [needs_review], diktum: KESATU}\n"
)
LAST_TRANSITION = (
    "  - {trigger: close, kind: automatic, from: decide, to: escalated, escalate_to: kota}\n"
)
LAST_STATE = "  escalated: {kind: end, title: Eskalasi}\n"


def variant(old: str, new: str, text: str = MINI) -> str:
    """``text`` with its one occurrence of ``old`` replaced by ``new``."""
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times"
    return text.replace(old, new)


def at(text: str, needle: str, offset: int = 0) -> str:
    """``path:line:column`` of the one occurrence of ``needle`` in ``text`` (plus
    ``offset`` characters into it)."""
    assert text.count(needle) == 1, f"{needle!r} occurs {text.count(needle)} times"
    before = text[: text.index(needle) + offset]
    line = before.count("\n") + 1
    column = len(before) - (before.rfind("\n") + 1) + 1
    return f"{PATH}:{line}:{column}"


def problems(text: str) -> list[str]:
    with pytest.raises(DefinitionError) as info:
        load_text(text, PATH)
    return [str(problem) for problem in info.value.problems]


def test_the_mini_definition_loads() -> None:
    definition = load_text(MINI, PATH)
    assert isinstance(definition, Definition)
    assert definition.key == "mini@1"
    assert definition.start_state == "received"
    assert definition.end_states == ("done", "escalated")


# YAML


def test_yaml_syntax_error_is_located_where_the_parser_gave_up() -> None:
    text = variant("title: Mini", "title: [Mini")
    assert problems(text) == [
        f"{PATH}:4:6: YAML: while parsing a flow sequence expected ',' or ']', but got ':'"
    ]


def test_duplicate_key_is_reported_at_its_second_occurrence() -> None:
    text = variant("title: Mini\n", "title: Mini\ntitle: Again\n")
    assert problems(text) == [
        f"{PATH}:4:1: YAML: while constructing a mapping found duplicate key "
        '"title" with value "Again" (original value: "Mini")'
    ]


def test_reused_anchor_is_a_problem_not_a_warning() -> None:
    text = variant("    roles: [petugas]\n", "    roles: &who [petugas]\n")
    text = variant("roles: [petugas], fields", "roles: &who [petugas], fields", text)
    assert problems(text) == [
        f"{at(text, '&who [petugas], fields')}: YAML: found duplicate anchor 'who'"
    ]


def test_alias_inside_its_own_anchor_is_a_problem() -> None:
    assert problems("&loop [*loop]\n") == [f"{PATH}:1:1: YAML: recursive alias"]


def test_absurdly_deep_nesting_is_a_problem_not_a_recursion_error() -> None:
    # The top mapping is level 1, so the 64th "[" (column 8 + 63) is one level too deep.
    text = "title: " + "[" * 3000 + "]" * 3000 + "\n"
    assert problems(text) == [f"{PATH}:1:71: YAML: nested deeper than 64 levels"]


@pytest.mark.parametrize("text", ["- id: mini\n", "mini\n", "42\n", "", "# nothing\n"])
def test_a_document_that_is_not_a_mapping_is_refused(text: str) -> None:
    assert problems(text) == [f"{PATH}:1:1: a definition must be a YAML mapping"]


# Shapes and types


def test_unknown_key_suggests_the_nearest_known_key() -> None:
    text = variant("lane: petugas", "lanes: petugas")
    assert problems(text) == [f"{at(text, 'lanes')}: unknown key 'lanes' (did you mean 'lane'?)"]


def test_unknown_key_in_a_list_item_suggests_the_nearest_known_key() -> None:
    text = variant("roles: [petugas], fields", "rols: [petugas], fields")
    assert problems(text) == [f"{at(text, 'rols')}: unknown key 'rols' (did you mean 'roles'?)"]
    text = variant("{days: [sat]", "{dayz: [sat]")
    assert problems(text) == [f"{at(text, 'dayz')}: unknown key 'dayz' (did you mean 'days'?)"]


def test_unknown_key_without_a_near_match_gives_no_suggestion() -> None:
    text = variant("lane: petugas", "zzz: petugas")
    assert problems(text) == [f"{at(text, 'zzz')}: unknown key 'zzz'"]


def test_a_yaml_key_containing_a_bracket_is_still_located() -> None:
    key = '"title[0]"'
    text = variant("title: Mini", f"{key}: Mini")
    assert problems(text) == [
        f"{PATH}:1:1: missing required key 'title' in the definition",
        f"{at(text, key)}: unknown key 'title[0]' (did you mean 'title'?)",
    ]


@pytest.mark.parametrize(
    ("old", "new", "needle", "message"),
    [
        (
            "version: 1",
            'version: "abc"',
            '"abc"',
            "version: Input should be a valid integer, unable to parse string as an integer",
        ),
        (
            "level: kecamatan",
            "level: desa",
            "desa",
            "roles.petugas.level: Input should be 'provinsi', 'kota', 'kecamatan', "
            "'kelurahan', 'bagian', 'agency' or 'bumd', got 'desa'",
        ),
        (
            'start: "08:00"',
            'start: "8 am"',
            '"8 am"',
            "channels.in_person.windows.0.start: String should match pattern "
            "'^([01]\\d|2[0-3]):[0-5]\\d$|^24:00$': got '8 am'",
        ),
        (
            "date: 2024-01-01",
            "date: someday",
            "someday",
            "basis.date: Input should be a valid date or datetime, input is too short",
        ),
    ],
)
def test_wrong_type_is_reported_at_the_value(old: str, new: str, needle: str, message: str) -> None:
    text = variant(old, new)
    assert problems(text) == [f"{at(text, needle)}: {message}"]


def test_missing_required_key_is_reported_at_its_parent() -> None:
    text = variant("  done: {kind: end, title: Selesai}", "  done: {kind: end}")
    assert problems(text) == [f"{PATH}:22:3: missing required key 'title' in states.done"]


@pytest.mark.parametrize(
    ("old", "new", "needle", "message"),
    [
        ("hour: 9", "hour: 25", "25", "hour: Input should be less than or equal to 23"),
        (
            "hour: 9",
            "hour: 9, minute: 60",
            "60",
            "minute: Input should be less than or equal to 59",
        ),
        ("hour: 9", "hour: -1", "-1", "hour: Input should be greater than or equal to 0"),
        (
            "day_of_week: sun",
            "day_of_week: funday",
            "funday",
            "day_of_week.0: Input should be 'mon', 'tue', 'wed', 'thu', 'fri', 'sat' or 'sun',"
            " got 'funday'",
        ),
        (
            "day_of_week: sun",
            "day_of_week: [sun, funday]",
            "funday",
            "day_of_week.1: Input should be 'mon', 'tue', 'wed', 'thu', 'fri', 'sat' or 'sun',"
            " got 'funday'",
        ),
        (
            "day_of_week: sun",
            "day_of_week: []",
            "[]",
            "day_of_week: Tuple should have at least 1 item after validation, not 0",
        ),
    ],
)
def test_impossible_cron_field_is_one_problem_at_the_value(
    old: str, new: str, needle: str, message: str
) -> None:
    text = variant(old, new)
    assert problems(text) == [f"{at(text, needle)}: transitions.1.schedule.{message}"]


# References


def test_unknown_state_suggests_the_nearest_state() -> None:
    text = variant("from: decide, to: done", "from: decide, to: dnoe")
    assert problems(text) == [
        f"{PATH}:22:3: state 'done' cannot be reached from the start",
        f"{at(text, 'dnoe')}: unknown state 'dnoe' (did you mean 'done'?)",
    ]


def test_unknown_role_suggests_the_nearest_role() -> None:
    text = variant("lane: petugas", "lane: petugs")
    assert problems(text) == [
        f"{at(text, 'petugs')}: unknown role 'petugs' (did you mean 'petugas'?)"
    ]


def test_unknown_field_suggests_the_nearest_field() -> None:
    text = variant("fields: [needs_review]", "fields: [needs_reveiw]")
    assert problems(text) == [
        f"{at(text, 'needs_reveiw')}: unknown field 'needs_reveiw' (did you mean 'needs_review'?)"
    ]


def test_condition_on_an_unknown_field_suggests_the_nearest_field() -> None:
    text = variant('to: done, condition: "needs_review', 'to: done, condition: "need_review')
    quote = '"'
    assert problems(text) == [
        f"{at(text, quote + 'need_review')}: condition uses unknown field 'need_review' "
        "(did you mean 'needs_review'?)"
    ]


def test_a_macros_loop_variable_is_not_taken_for_a_field() -> None:
    looped = '"[true].exists(r, r == needs_review)'
    text = variant('to: done, condition: "needs_review', f"to: done, condition: {looped}")
    definition = load_text(text, PATH)
    [condition] = [
        t.condition for t in definition.transitions if t.trigger == "close" and t.condition
    ]
    assert condition == looped[1:] + " == true"
    # ... while a misspelt field beside it is still caught.
    typo = variant(
        'to: done, condition: "needs_review',
        'to: done, condition: "[true].exists(r, r == need_review)',
    )
    where = at(typo, '"[true]')
    assert problems(typo) == [
        f"{where}: condition uses unknown field 'need_review' (did you mean 'needs_review'?)"
    ]


def test_unknown_diktum_suggests_the_nearest_clause() -> None:
    text = variant("diktum: KEDUA}", "diktum: KEDUAA}")
    assert problems(text) == [
        f"{at(text, 'KEDUAA')}: unknown diktum 'KEDUAA' (did you mean 'KEDUA'?)"
    ]


# The graph


def test_state_no_transition_reaches_is_unreachable() -> None:
    text = variant(LAST_STATE, LAST_STATE + "  orphan: {kind: end, title: Yatim}\n")
    assert problems(text) == [f"{PATH}:24:3: state 'orphan' cannot be reached from the start"]


def test_state_other_than_an_end_needs_a_way_out() -> None:
    text = variant(LAST_STATE, LAST_STATE + "  parked: {kind: wait, title: Parkir}\n")
    text = variant(
        LAST_TRANSITION,
        LAST_TRANSITION
        + "  - {trigger: park, kind: manual, from: received, to: parked, roles: [petugas]}\n",
        text,
    )
    assert problems(text) == [
        f"{at(text, '{kind: wait, title: Parkir}')}: state 'parked' is not an end state "
        "but has no way out"
    ]


def test_end_state_with_an_outgoing_transition_is_refused() -> None:
    text = variant(
        LAST_TRANSITION,
        LAST_TRANSITION
        + "  - {trigger: reopen, kind: manual, from: done, to: received, roles: [petugas]}\n",
    )
    assert problems(text) == [
        f"{at(text, 'done, to: received')}: end state 'done' cannot have outgoing transitions"
    ]


def test_automatic_transition_from_a_state_that_is_not_a_gateway_is_refused() -> None:
    text = variant(
        LAST_TRANSITION,
        LAST_TRANSITION + "  - {trigger: skip, kind: automatic, from: triaged, to: done}\n",
    )
    assert problems(text) == [
        f"{at(text, 'triaged, to: done')}: automatic transitions leave gateway states, "
        "and only they do"
    ]


def test_gateway_without_a_default_branch_is_refused() -> None:
    text = variant(", escalate_to: kota}", ', escalate_to: kota, condition: "resolved == true"}')
    assert problems(text) == [
        f"{at(text, '{kind: gateway')}: gateway 'decide' needs exactly one branch without a "
        "condition, listed last (the default)"
    ]


def test_gateway_with_its_default_branch_first_is_refused() -> None:
    first = (
        "  - {trigger: close, kind: automatic, from: decide, to: done,"
        ' condition: "needs_review == true"}\n'
    )
    text = variant(first + LAST_TRANSITION, LAST_TRANSITION + first)
    assert problems(text) == [
        f"{at(text, '{kind: gateway')}: gateway 'decide' needs exactly one branch without a "
        "condition, listed last (the default)"
    ]


# Transitions


def test_scheduled_transition_needs_a_holiday_rule() -> None:
    text = variant("on_holiday: run, ", "")
    assert problems(text) == [
        f"{at(text, '{trigger: review')}: a scheduled transition needs 'on_holiday' "
        "(run, skip or next_working_day)"
    ]


def test_deadline_that_escalates_needs_an_escalation_transition() -> None:
    text = variant(
        "title: Ditriase, diktum: KEDUA}",
        "title: Ditriase, diktum: KEDUA, deadline: {working_days: 3, on_overdue: escalate}}",
    )
    assert problems(text) == [
        f"{at(text, 'escalate}}')}: state 'triaged' escalates when overdue but no escalation "
        "transition leaves it"
    ]


@pytest.mark.parametrize(
    "condition",
    ['"needs_review == = true"', "'needs_review == = true'", "needs_review == = true"],
    ids=["double-quoted", "single-quoted", "plain"],
)
def test_invalid_condition_points_into_the_expression(condition: str) -> None:
    text = variant(
        'on_holiday: run, condition: "needs_review == true"',
        f"on_holiday: run, condition: {condition}",
    )
    assert problems(text) == [
        # The lone "=" after "==" is the mistake.
        f"{at(text, '== = true', offset=3)}: invalid condition: Syntax error: "
        "token recognition error at: '= '"
    ]


def test_window_ending_before_it_starts_is_refused() -> None:
    text = variant('start: "08:00", end: "11:00"', 'start: "11:00", end: "08:00"')
    end = '"08:00"'
    assert problems(text) == [f"{at(text, end)}: window ends (08:00) before it starts"]


# Ambiguity


def test_same_trigger_from_the_same_state_without_conditions_is_ambiguous() -> None:
    text = variant(
        TRIAGE,
        TRIAGE
        + "  - {trigger: triage, kind: manual, from: received, to: done, roles: [petugas]}\n",
    )
    assert problems(text) == [
        f"{at(text, 'triage, kind: manual, from: received, to: done')}: ambiguous: trigger "
        "'triage' from 'received' is also transition 1, and their conditions can both hold"
    ]


def _two_triages(first: str, second: str) -> str:
    """``MINI`` with triage guarded by ``first`` and a second triage guarded by ``second``."""
    guarded = TRIAGE.replace("diktum: KESATU}", f'condition: "{first}"}}')
    return variant(
        TRIAGE,
        guarded + "  - {trigger: triage, kind: manual, from: received, to: done, roles: [petugas],"
        f' fields: [needs_review], condition: "{second}"}}\n',
    )


def test_overlapping_bool_conditions_are_ambiguous() -> None:
    text = _two_triages("needs_review == true", "resolved == false")
    assert problems(text) == [
        f"{at(text, 'triage, kind: manual, from: received, to: done')}: ambiguous: trigger "
        "'triage' from 'received' is also transition 1, and their conditions can both hold"
    ]


def test_disjoint_bool_conditions_are_not_ambiguous() -> None:
    text = _two_triages("needs_review == true", "needs_review == false")
    assert isinstance(load_text(text, PATH), Definition)


def test_same_trigger_for_disjoint_roles_is_not_ambiguous() -> None:
    text = variant(
        "  petugas: {title: Petugas, level: kecamatan}\n",
        "  petugas: {title: Petugas, level: kecamatan}\n"
        "  lurah: {title: Lurah, level: kelurahan}\n",
    )
    text = variant(
        TRIAGE,
        TRIAGE + "  - {trigger: triage, kind: manual, from: received, to: done, roles: [lurah]}\n",
        text,
    )
    assert isinstance(load_text(text, PATH), Definition)


# Several problems, several files


def test_every_problem_of_a_file_is_reported_in_one_run_sorted_by_line() -> None:
    text = variant("lane: petugas", "lane: petugs")
    text = variant("diktum: KEDUA}", "diktum: KEDUAA}", text)
    text = variant('start: "08:00", end: "11:00"', 'start: "11:00", end: "08:00"', text)
    text = variant("fields: [needs_review]", "fields: [needs_reveiw]", text)
    found = problems(text)
    assert [p.split(": ", 1)[1] for p in found] == [
        "window ends (08:00) before it starts",
        "unknown role 'petugs' (did you mean 'petugas'?)",
        "unknown diktum 'KEDUAA' (did you mean 'KEDUA'?)",
        "unknown field 'needs_reveiw' (did you mean 'needs_review'?)",
    ]
    lines = [int(p.split(":")[1]) for p in found]
    assert lines == sorted(lines) == [16, 19, 20, 25]


def test_every_shape_problem_is_reported_in_one_run() -> None:
    text = variant("version: 1", "version: 0")
    text = variant("level: kecamatan", "level: desa", text)
    text = variant("hour: 9", "hour: 25", text)
    assert [p.split(":")[1] for p in problems(text)] == ["2", "7", "26"]


def test_same_id_and_version_in_two_files_is_refused(tmp_path: Path) -> None:
    first, second = tmp_path / "a.yaml", tmp_path / "b.yaml"
    first.write_text(MINI, encoding="utf-8")
    second.write_text(variant("title: Mini", "title: Mini again"), encoding="utf-8")
    with pytest.raises(DefinitionError) as info:
        load_all([first, second])
    assert [str(p) for p in info.value.problems] == [
        f"{second}:1:1: duplicate definition mini@1: also in {first}"
    ]


def test_load_all_returns_every_definition_when_all_are_good(tmp_path: Path) -> None:
    first, second = tmp_path / "a.yaml", tmp_path / "b.yaml"
    first.write_text(MINI, encoding="utf-8")
    second.write_text(variant("version: 1", "version: 2"), encoding="utf-8")
    assert [d.key for d in load_all([first, second])] == ["mini@1", "mini@2"]


def test_load_all_reports_the_problems_of_every_file(tmp_path: Path) -> None:
    first, second = tmp_path / "a.yaml", tmp_path / "b.yaml"
    first.write_text(variant("lane: petugas", "lane: petugs"), encoding="utf-8")
    second.write_text(variant("hour: 9", "hour: 25"), encoding="utf-8")
    with pytest.raises(DefinitionError) as info:
        load_all([first, second])
    assert [(p.path, p.line) for p in info.value.problems] == [(str(first), 19), (str(second), 26)]


# Files


def test_missing_file_is_a_definition_error(tmp_path: Path) -> None:
    path = tmp_path / "absent.yaml"
    with pytest.raises(DefinitionError) as info:
        load_file(path)
    assert [str(p) for p in info.value.problems] == [
        f"{path}:1:1: cannot read file: No such file or directory"
    ]


def test_directory_is_an_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(DefinitionError) as info:
        load_file(tmp_path)
    assert [str(p) for p in info.value.problems] == [
        f"{tmp_path}:1:1: cannot read file: Is a directory"
    ]


def test_file_that_is_not_utf8_is_a_definition_error(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes(variant("title: Mini", "title: Café").encode("latin-1"))
    with pytest.raises(DefinitionError) as info:
        load_file(path)
    [problem] = info.value.problems
    assert (problem.path, problem.line, problem.column) == (str(path), 1, 1)
    assert problem.message.startswith("cannot read file: 'utf-8' codec can't decode byte 0xe9")


def test_load_file_reads_a_good_file(tmp_path: Path) -> None:
    path = tmp_path / "mini.yaml"
    path.write_text(MINI, encoding="utf-8")
    assert load_file(path) == load_text(MINI, PATH)
