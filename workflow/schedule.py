"""When scheduled transitions are due and when intake channels are open.

Scheduled transitions (2017 KEDUA: Sunday field review; KETIGA: Monday meeting; KEEMPAT b:
Tuesday city meeting) fire on an APScheduler 3.x ``CronTrigger`` in the definition's
timezone, then a ``HolidayRule`` decides what a firing on a non-working day does. Channel
windows (2017 KESATU: Saturday 08:00-11:00; 2024 KESATU c: working days and hours) are
checked against the business calendar.

Pure functions: the engine passes "now" in, keeps its own record of firings, and uses
``due_between`` to catch up after downtime (APScheduler drops missed firings).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from apscheduler.triggers.cron import CronTrigger

from workflow.calendar import SEARCH_DAYS, BusinessCalendar, clock_offset, weekday_of
from workflow.definition import Channel, HolidayRule, Schedule, Window
from workflow.messages import Text

WINDOW_SEARCH_DAYS = 60
"""How far ahead ``next_window_start`` looks for a channel's next session."""

DUE_BETWEEN_LIMIT = 10_000
"""Most firings ``due_between`` returns; more means a mistaken span, not a real downtime."""

_DAY = dt.timedelta(days=1)
_TICK = dt.timedelta(microseconds=1)


@dataclass(frozen=True)
class Firing:
    """One firing of a schedule: when the cron fired, and when it is due after the holiday rule.

    ``nominal`` identifies the firing (the engine records it to fire exactly once);
    ``due`` is when to run it. They differ only under ``HolidayRule.next_working_day``.
    """

    nominal: dt.datetime
    due: dt.datetime


def next_due(
    schedule: Schedule, after: dt.datetime, calendar: BusinessCalendar, rule: HolidayRule
) -> Firing | None:
    """The first firing due strictly after ``after``, or None if none within a year.

    Under ``next_working_day`` a firing whose nominal time is at or before ``after`` can
    still be due after it (a Monday holiday's meeting, moved to Tuesday, asked for on Monday
    afternoon), and is returned.
    """
    horizon = after + SEARCH_DAYS * _DAY
    best: Firing | None = None
    for firing in _firings(schedule, after, horizon, calendar, rule):
        if best is not None and firing.nominal > best.due:
            break  # due is never before nominal: nothing later can be due sooner
        if firing.due > after and (best is None or firing.due < best.due):
            best = firing
    return best


def due_between(
    schedule: Schedule,
    start: dt.datetime,
    end: dt.datetime,
    calendar: BusinessCalendar,
    rule: HolidayRule,
    limit: int = DUE_BETWEEN_LIMIT,
) -> list[Firing]:
    """Every firing due in ``(start, end]``, in order of due time: what a downtime missed.

    Raises ``ValueError`` if there are more than ``limit``: a span that long is a mistake.
    """
    if calendar.local(end) < calendar.local(start):
        raise ValueError(f"end {end.isoformat()} is before start {start.isoformat()}")
    found: list[Firing] = []
    for firing in _firings(schedule, start, end, calendar, rule):
        if start < firing.due <= end:
            if len(found) == limit:
                raise ValueError(f"more than {limit} firings between {start} and {end}")
            found.append(firing)
    # A firing moved off a holiday can fall after a later one that was not moved.
    return sorted(found, key=lambda f: (f.due, f.nominal))


def window_open(channel: Channel, instant: dt.datetime, calendar: BusinessCalendar) -> bool:
    """Whether ``channel`` receives at ``instant``: when any of its windows is open."""
    local = calendar.local(instant)
    return any(
        span is not None and span[0] <= local < span[1]
        for span in (_window_span(w, local.date(), calendar) for w in channel.windows)
    )


def next_window_start(
    channel: Channel, instant: dt.datetime, calendar: BusinessCalendar
) -> dt.datetime | None:
    """The earliest moment at or after ``instant`` when ``channel`` is open.

    That is ``instant`` itself when the channel is open now; None when it does not open
    within ``WINDOW_SEARCH_DAYS``. For the ``next_window`` outside-window rule: a complaint
    brought after Saturday 11:00 is carried to the next Saturday's session.
    """
    local = calendar.local(instant)
    for offset in range(WINDOW_SEARCH_DAYS + 1):
        day = local.date() + offset * _DAY
        starts = [
            max(span[0], local)
            for span in (_window_span(w, day, calendar) for w in channel.windows)
            if span is not None and span[1] > local
        ]
        if starts:
            return min(starts)
    return None


def _trigger(schedule: Schedule, calendar: BusinessCalendar) -> CronTrigger:
    # Day names, never numbers: APScheduler 3's day_of_week 0 is Monday, not Sunday.
    return CronTrigger(
        day_of_week=",".join(day.value for day in schedule.day_of_week),
        hour=schedule.hour,
        minute=schedule.minute,
        second=0,
        timezone=calendar.tz,
    )


def _firings(
    schedule: Schedule,
    after: dt.datetime,
    until: dt.datetime,
    calendar: BusinessCalendar,
    rule: HolidayRule,
) -> Iterator[Firing]:
    """Firings in order, from the first whose due time can be after ``after``.

    Stops at the first nominal time after ``until``: as a firing is never due before its
    nominal time, no later one can be due by ``until``.
    """
    local = calendar.local(after)
    if rule is HolidayRule.next_working_day:
        # A firing is moved at most across the run of non-working days just before
        # ``after``'s day, so one nominally at or after that run's first day may be due
        # after ``after``; anything earlier was due on a working day before it.
        day = local.date()
        for _ in range(SEARCH_DAYS):
            if calendar.is_working_day(day - _DAY):
                break
            day -= _DAY
        local = calendar.at(day, dt.timedelta()) - _TICK
    trigger = _trigger(schedule, calendar)
    # With no previous fire time the trigger answers "at or after now", rounded up to the
    # second; a microsecond later makes it strictly after.
    nominal: dt.datetime | None = trigger.get_next_fire_time(None, local + _TICK)
    clock = dt.timedelta(hours=schedule.hour, minutes=schedule.minute)
    while nominal is not None and nominal <= until:
        day = nominal.date()
        if rule is HolidayRule.run or not calendar.is_holiday(day):
            yield Firing(nominal, nominal)
        elif rule is HolidayRule.next_working_day:
            yield Firing(nominal, calendar.at(calendar.next_working_day(day), clock))
        nominal = trigger.get_next_fire_time(nominal, nominal + _TICK)


def _window_span(
    window: Window, day: dt.date, calendar: BusinessCalendar
) -> tuple[dt.datetime, dt.datetime] | None:
    """The part of ``day`` in which ``window`` is open, ``[from, to)``, or None.

    Each setting narrows the day; a window that sets nothing is open all day. A window
    whose ``end`` is not after its ``start`` is refused with ``ValueError``.
    """
    if window.start and window.end and clock_offset(window.start) >= clock_offset(window.end):
        raise ValueError(
            Text(
                "window closes at %(end)s, not after %(start)s",
                end=str(window.end),
                start=str(window.start),
            )
        )
    if window.always:
        return calendar.at(day, dt.timedelta()), calendar.at(day + _DAY, dt.timedelta())
    if window.days and weekday_of(day) not in window.days:
        return None
    if window.working_days and not calendar.is_working_day(day):
        return None
    if window.closed_on_holidays and calendar.is_holiday(day):
        return None
    low = calendar.at(day, clock_offset(window.start or "00:00"))
    high = calendar.at(day, clock_offset(window.end or "24:00"))
    if window.working_hours:
        hours = calendar.working_span(day)
        if hours is None:
            return None
        low, high = max(low, hours[0]), min(high, hours[1])
    return (low, high) if low < high else None
