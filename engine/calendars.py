"""Business calendars and deadlines of published definitions, built once per version."""

from __future__ import annotations

import datetime as dt

from workflow.calendar import BusinessCalendar
from workflow.definition import Definition

_calendars: dict[int, tuple[Definition, BusinessCalendar]] = {}


def calendar_of(definition: Definition) -> BusinessCalendar:
    """The calendar of ``definition`` (cached: holidays load once per year and version)."""
    cached = _calendars.get(id(definition))
    if cached is not None and cached[0] is definition:
        return cached[1]
    calendar = BusinessCalendar.from_spec(definition.calendar, definition.timezone)
    _calendars[id(definition)] = (definition, calendar)
    return calendar


def deadline_of(definition: Definition, state: str, entered: dt.datetime) -> dt.datetime | None:
    """When a case entering ``state`` at ``entered`` becomes overdue, if ever."""
    spec = definition.states[state].deadline
    if spec is None:
        return None
    calendar = calendar_of(definition)
    if spec.working_days is not None:
        return calendar.add_working_days(entered, spec.working_days)
    return calendar.add_working_hours(entered, spec.working_hours or 0)
