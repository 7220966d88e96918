"""The state machine of the mini definition: what may happen, what is refused and why."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from tests.test_validation import MINI, TRIAGE, variant
from workflow.definition import Definition, TransitionKind, UnitLevel
from workflow.loader import load_text
from workflow.machine import ActionRefused, WorkflowMachine, machine_for
from workflow.schedule import Firing

WIB = ZoneInfo("Asia/Jakarta")
SCHEDULED = (TransitionKind.scheduled,)
AUTOMATIC = (TransitionKind.automatic,)


@pytest.fixture(scope="module")
def mini() -> Definition:
    return load_text(MINI, "mini.yaml")


@pytest.fixture(scope="module")
def machine(mini: Definition) -> WorkflowMachine:
    return machine_for(mini)


def guarded(condition: str) -> WorkflowMachine:
    """The mini machine with triage guarded by ``condition``."""
    text = variant(TRIAGE, TRIAGE.replace("diktum: KESATU}", f'condition: "{condition}"}}'))
    return WorkflowMachine(load_text(text, "mini.yaml"))


# Actions


def test_petugas_may_triage_a_received_case(machine: WorkflowMachine) -> None:
    assert [t.trigger for t in machine.actions("received", "petugas", {})] == ["triage"]


def test_a_role_without_transitions_has_no_actions(machine: WorkflowMachine) -> None:
    assert machine.actions("received", "camat", {}) == []


def test_scheduled_and_automatic_steps_are_not_actions(machine: WorkflowMachine) -> None:
    assert machine.actions("triaged", "petugas", {"needs_review": True}) == []
    assert machine.actions("decide", "petugas", {"needs_review": True}) == []
    assert machine.actions("done", "petugas", {}) == []


def test_action_whose_condition_fails_on_the_case_is_not_offered() -> None:
    machine = guarded("resolved != true")
    assert [t.trigger for t in machine.actions("received", "petugas", {})] == ["triage"]
    assert machine.actions("received", "petugas", {"resolved": True}) == []


def test_action_whose_condition_reads_its_own_fields_is_offered_before_they_are_filled() -> None:
    machine = guarded("needs_review == true")
    assert [t.trigger for t in machine.actions("received", "petugas", {})] == ["triage"]


# Firing


def test_triage_records_the_typed_fields(machine: WorkflowMachine) -> None:
    outcome = machine.fire(
        "received",
        "triage",
        data={"resolved": False},
        role="petugas",
        supplied={"needs_review": "ya"},
    )
    assert [(s.trigger, s.source, s.dest) for s in outcome.steps] == [
        ("triage", "received", "triaged")
    ]
    assert outcome.state == "triaged"
    assert outcome.changes == {"needs_review": True}
    assert outcome.data == {"resolved": False, "needs_review": True}
    assert outcome.escalate_to is None


@pytest.mark.parametrize(
    ("state", "trigger", "role", "supplied", "reason"),
    [
        ("received", "shred", "petugas", {}, "unknown action 'shred'"),
        ("nowhere", "triage", "petugas", {}, "unknown state 'nowhere'"),
        ("triaged", "triage", "petugas", {}, "action 'triage' is not possible in state 'triaged'"),
        ("received", "triage", "camat", {}, "role 'camat' may not take action 'triage'"),
        ("received", "triage", "petugas", {}, "field 'needs_review' is required"),
        (
            "received",
            "triage",
            "petugas",
            {"needs_review": "barangkali"},
            "field 'needs_review': must be true or false, got 'barangkali'",
        ),
        (
            "received",
            "triage",
            "petugas",
            {"needs_review": True, "resolved": True},
            "field 'resolved' is not taken by this step",
        ),
    ],
)
def test_refusal_says_why(
    machine: WorkflowMachine,
    state: str,
    trigger: str,
    role: str,
    supplied: dict[str, object],
    reason: str,
) -> None:
    with pytest.raises(ActionRefused) as info:
        machine.fire(state, trigger, data={}, role=role, supplied=supplied)
    assert str(info.value) == reason


def test_scheduled_step_cannot_be_taken_as_an_action(machine: WorkflowMachine) -> None:
    with pytest.raises(
        ActionRefused, match=r"^action 'review' is not possible in state 'triaged'$"
    ):
        machine.fire("triaged", "review", data={"needs_review": True}, role="petugas")


def test_refusal_when_the_condition_does_not_hold() -> None:
    machine = guarded("needs_review == true")
    with pytest.raises(ActionRefused) as info:
        machine.fire(
            "received", "triage", data={}, role="petugas", supplied={"needs_review": False}
        )
    assert str(info.value) == "the condition of action 'triage' does not hold"
    outcome = machine.fire(
        "received", "triage", data={}, role="petugas", supplied={"needs_review": True}
    )
    assert outcome.state == "triaged"


def test_scheduled_review_refused_when_no_review_is_needed(machine: WorkflowMachine) -> None:
    for data in ({"needs_review": False}, {}):
        with pytest.raises(ActionRefused, match="the condition of action 'review' does not hold"):
            machine.fire("triaged", "review", data=data, kinds=SCHEDULED)


# Gateways


def test_review_passes_through_the_gateway_to_its_first_branch_that_holds(
    machine: WorkflowMachine,
) -> None:
    # The default branch (escalated) would hold too: order decides.
    outcome = machine.fire("triaged", "review", data={"needs_review": True}, kinds=SCHEDULED)
    assert [(s.trigger, s.source, s.dest) for s in outcome.steps] == [
        ("review", "triaged", "decide"),
        ("close", "decide", "done"),
    ]
    assert outcome.state == "done"
    assert outcome.escalate_to is None


@pytest.mark.parametrize("data", [{"needs_review": False}, {}], ids=["false", "unset"])
def test_gateway_takes_the_default_branch_last_and_reports_the_escalation(
    machine: WorkflowMachine, data: dict[str, object]
) -> None:
    outcome = machine.fire("decide", "close", data=data, kinds=AUTOMATIC)
    assert [(s.source, s.dest) for s in outcome.steps] == [("decide", "escalated")]
    assert outcome.state == "escalated"
    assert outcome.escalate_to is UnitLevel.kota


def test_resolve_takes_the_same_path_as_fire(machine: WorkflowMachine) -> None:
    for data in ({"needs_review": True}, {"needs_review": False}):
        fired = machine.fire("decide", "close", data=data, kinds=AUTOMATIC)
        resolved = machine.resolve("decide", "close", data, kinds=AUTOMATIC)
        assert resolved is not None
        assert resolved.steps == fired.steps
    assert machine.resolve("triaged", "review", {}, kinds=SCHEDULED) is None


# Schedules


def test_review_is_next_due_on_sunday_at_nine(machine: WorkflowMachine) -> None:
    monday = dt.datetime(2024, 3, 11, 12, tzinfo=WIB)
    sunday = dt.datetime(2024, 3, 17, 9, tzinfo=WIB)
    assert machine.next_due("review", monday) == Firing(sunday, sunday)


def test_next_due_of_a_manual_trigger_is_refused(machine: WorkflowMachine) -> None:
    with pytest.raises(ActionRefused, match="'triage' is not a scheduled trigger"):
        machine.next_due("triage", dt.datetime(2024, 3, 11, tzinfo=WIB))


# The shared machine


def test_machine_for_returns_the_same_machine_for_the_same_definition(
    mini: Definition, machine: WorkflowMachine
) -> None:
    assert machine_for(mini) is machine
    assert machine.definition is mini


def test_machine_has_no_automatic_to_state_triggers(machine: WorkflowMachine) -> None:
    # transitions adds a ``to_<state>`` trigger per state unless auto_transitions is off;
    # such a trigger would move a case anywhere, past every role and condition.
    events = machine._machine.events
    assert set(events) == {"triage", "review", "close"}
    assert not any(name.startswith("to_") for name in events)
    with pytest.raises(ActionRefused, match=r"^unknown action 'to_done'$"):
        machine.fire("received", "to_done", data={}, role="petugas")
