"""Business calendars and deadlines of published definitions."""

from __future__ import annotations

import datetime as dt
import functools

from workflow.calendar import BusinessCalendar
from workflow.definition import Definition
from workflow.machine import WorkflowMachine, machine_for


def calendar_of(definition: Definition) -> BusinessCalendar:
    """The calendar of ``definition``: the machine's, built once per version."""
    return machine_for(definition).calendar


def deadline_of(definition: Definition, state: str, entered: dt.datetime) -> dt.datetime | None:
    """When a case entering ``state`` at ``entered`` becomes overdue, if ever.

    Cached: a firing moves thousands of cases into one state at one instant.
    """
    return _deadline(machine_for(definition), state, entered)


@functools.lru_cache(maxsize=4096)
def _deadline(machine: WorkflowMachine, state: str, entered: dt.datetime) -> dt.datetime | None:
    definition = machine.definition
    spec = definition.states[state].deadline
    if spec is None:
        return None
    calendar = machine.calendar
    if spec.working_days is not None:
        return calendar.add_working_days(entered, spec.working_days)
    return calendar.add_working_hours(entered, spec.working_hours or 0)
