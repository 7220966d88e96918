from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workflow.calendar import BusinessCalendar, weekday_of
from workflow.definition import (
    CalendarSpec,
    Channel,
    HolidayRule,
    OutsideWindow,
    Schedule,
    Weekday,
    Window,
)
from workflow.schedule import Firing, due_between, next_due, next_window_start, window_open

WIB = ZoneInfo("Asia/Jakarta")
UTC = dt.UTC

MONDAY_MEETING = Schedule(day_of_week=(Weekday.mon,), hour=8, minute=30)  # 2017 KETIGA
SATURDAY_SESSION = Window(days=(Weekday.sat,), start="08:00", end="11:00")  # 2017 KESATU


def wib(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, second, tzinfo=WIB)


def channel(*windows: Window) -> Channel:
    return Channel(
        title="test",
        kind="in_person",
        windows=windows,
        outside_window=OutsideWindow.next_window,
    )


@pytest.fixture(scope="module")
def calendar() -> BusinessCalendar:
    return BusinessCalendar.from_spec(CalendarSpec(), timezone="Asia/Jakarta")


# Scheduled firings


def test_monday_meeting_on_idul_fitri_is_held_anyway_under_run(
    calendar: BusinessCalendar,
) -> None:
    firing = next_due(MONDAY_MEETING, wib(2025, 3, 30, 12), calendar, HolidayRule.run)
    assert firing == Firing(wib(2025, 3, 31, 8, 30), wib(2025, 3, 31, 8, 30))


def test_monday_meeting_on_idul_fitri_is_skipped_past_cuti_bersama_under_skip(
    calendar: BusinessCalendar,
) -> None:
    # 31 March is Idul Fitri and 7 April cuti bersama: the next meeting is on 14 April.
    firing = next_due(MONDAY_MEETING, wib(2025, 3, 30, 12), calendar, HolidayRule.skip)
    assert firing == Firing(wib(2025, 4, 14, 8, 30), wib(2025, 4, 14, 8, 30))


def test_monday_meeting_on_idul_fitri_moves_to_tuesday_8_april_under_next_working_day(
    calendar: BusinessCalendar,
) -> None:
    # 1 April is the second day of Idul Fitri, 2-4 April cuti bersama, 5-6 the weekend,
    # 7 April cuti bersama again: the first working day is Tuesday 8 April.
    rule = HolidayRule.next_working_day
    firing = next_due(MONDAY_MEETING, wib(2025, 3, 30, 12), calendar, rule)
    assert firing == Firing(nominal=wib(2025, 3, 31, 8, 30), due=wib(2025, 4, 8, 8, 30))


def test_a_moved_firing_is_still_due_when_asked_after_its_nominal_time(
    calendar: BusinessCalendar,
) -> None:
    rule = HolidayRule.next_working_day
    firing = next_due(MONDAY_MEETING, wib(2025, 4, 2, 12), calendar, rule)
    assert firing == Firing(nominal=wib(2025, 3, 31, 8, 30), due=wib(2025, 4, 8, 8, 30))


def test_two_mondays_off_in_a_row_give_two_firings_due_on_the_same_tuesday(
    calendar: BusinessCalendar,
) -> None:
    firings = due_between(
        MONDAY_MEETING, wib(2025, 3, 28), wib(2025, 4, 15), calendar, HolidayRule.next_working_day
    )
    assert firings == [
        Firing(nominal=wib(2025, 3, 31, 8, 30), due=wib(2025, 4, 8, 8, 30)),
        Firing(nominal=wib(2025, 4, 7, 8, 30), due=wib(2025, 4, 8, 8, 30)),
        Firing(nominal=wib(2025, 4, 14, 8, 30), due=wib(2025, 4, 14, 8, 30)),
    ]


def test_next_due_is_strictly_after_the_given_instant(calendar: BusinessCalendar) -> None:
    at_meeting = wib(2025, 6, 16, 8, 30)
    firing = next_due(MONDAY_MEETING, at_meeting, calendar, HolidayRule.run)
    assert firing is not None and firing.due == wib(2025, 6, 23, 8, 30)
    just_before = next_due(
        MONDAY_MEETING, at_meeting - dt.timedelta(microseconds=1), calendar, HolidayRule.run
    )
    assert just_before is not None and just_before.due == at_meeting


def test_saturday_schedule_fires_on_saturday_not_sunday(calendar: BusinessCalendar) -> None:
    # APScheduler 3's numeric day_of_week is off by one against crontab: names avoid it.
    saturday = Schedule(day_of_week=(Weekday.sat,), hour=8)
    firing = next_due(saturday, wib(2025, 6, 9), calendar, HolidayRule.run)
    assert firing is not None and firing.due == wib(2025, 6, 14, 8)


def test_utc_input_gives_jakarta_firings(calendar: BusinessCalendar) -> None:
    # Sunday 2025-06-15 23:00 UTC is Monday 06:00 WIB, before that day's meeting.
    firing = next_due(
        MONDAY_MEETING, dt.datetime(2025, 6, 15, 23, tzinfo=UTC), calendar, HolidayRule.run
    )
    assert firing is not None
    assert firing.due == wib(2025, 6, 16, 8, 30)
    assert firing.due.utcoffset() == dt.timedelta(hours=7)


def test_sunday_review_under_skip_runs_on_ordinary_sundays_and_skips_holidays(
    calendar: BusinessCalendar,
) -> None:
    # Weekends are not holidays: only a Sunday that is a public holiday is skipped.
    sunday = Schedule(day_of_week=(Weekday.sun,), hour=9)
    ordinary = next_due(sunday, wib(2025, 6, 9), calendar, HolidayRule.skip)
    assert ordinary == Firing(wib(2025, 6, 15, 9), wib(2025, 6, 15, 9))
    # 2025-06-01 is Hari Lahir Pancasila, a Sunday: skipped, next is 2025-06-08.
    after_holiday = next_due(sunday, wib(2025, 5, 26), calendar, HolidayRule.skip)
    assert after_holiday == Firing(wib(2025, 6, 8, 9), wib(2025, 6, 8, 9))


def test_sunday_review_on_a_holiday_moves_to_monday_under_next_working_day(
    calendar: BusinessCalendar,
) -> None:
    sunday = Schedule(day_of_week=(Weekday.sun,), hour=9)
    moved = next_due(sunday, wib(2025, 5, 26), calendar, HolidayRule.next_working_day)
    assert moved == Firing(wib(2025, 6, 1, 9), wib(2025, 6, 2, 9))


def test_due_between_catches_up_sunday_monday_and_tuesday_after_a_downtime(
    calendar: BusinessCalendar,
) -> None:
    schedule = Schedule(day_of_week=(Weekday.sun, Weekday.mon, Weekday.tue), hour=9)
    downtime = (wib(2025, 6, 13, 17), wib(2025, 6, 17, 10))  # Friday to Tuesday
    firings = due_between(schedule, *downtime, calendar, HolidayRule.run)
    assert [f.due for f in firings] == [
        wib(2025, 6, 15, 9),
        wib(2025, 6, 16, 9),
        wib(2025, 6, 17, 9),
    ]
    assert all(f.nominal == f.due for f in firings)


def test_due_between_excludes_its_start_and_includes_its_end(
    calendar: BusinessCalendar,
) -> None:
    start, end = wib(2025, 6, 16, 8, 30), wib(2025, 6, 23, 8, 30)
    assert due_between(MONDAY_MEETING, start, end, calendar, HolidayRule.run) == [Firing(end, end)]


def test_due_between_refuses_a_span_with_too_many_firings(calendar: BusinessCalendar) -> None:
    with pytest.raises(ValueError, match="more than 3"):
        due_between(
            MONDAY_MEETING, wib(2025, 6, 1), wib(2025, 12, 1), calendar, HolidayRule.run, limit=3
        )


# Channel windows


def test_saturday_window_opens_at_0800_and_closes_at_1100(calendar: BusinessCalendar) -> None:
    session = channel(SATURDAY_SESSION)
    assert not window_open(session, wib(2025, 6, 14, 7, 59), calendar)
    assert window_open(session, wib(2025, 6, 14, 8), calendar)
    assert window_open(session, wib(2025, 6, 14, 10, 59), calendar)
    assert not window_open(session, wib(2025, 6, 14, 11), calendar)
    assert not window_open(session, wib(2025, 6, 15, 9), calendar)


def test_in_person_channel_2024_follows_working_hours(calendar: BusinessCalendar) -> None:
    counter = channel(Window(working_days=True, working_hours=True))
    assert window_open(counter, wib(2024, 6, 7, 16, 15), calendar)  # Friday
    assert not window_open(counter, wib(2024, 6, 7, 16, 45), calendar)
    assert not window_open(counter, wib(2024, 6, 6, 16, 15), calendar)  # Thursday
    assert not window_open(counter, wib(2024, 6, 17, 10), calendar)  # Idul Adha


def test_electronic_channel_is_always_open(calendar: BusinessCalendar) -> None:
    online = channel(Window(always=True))
    assert window_open(online, wib(2025, 3, 31, 3), calendar)
    assert next_window_start(online, wib(2025, 3, 31, 3), calendar) == wib(2025, 3, 31, 3)


def test_a_channel_is_open_when_any_window_is(calendar: BusinessCalendar) -> None:
    both = channel(SATURDAY_SESSION, Window(working_hours=True))
    assert window_open(both, wib(2025, 6, 14, 9), calendar)
    assert window_open(both, wib(2025, 6, 13, 9), calendar)
    assert not window_open(both, wib(2025, 6, 15, 9), calendar)


def test_a_window_on_working_days_is_closed_on_cuti_bersama(calendar: BusinessCalendar) -> None:
    mornings = channel(Window(working_days=True, start="08:00", end="12:00"))
    assert window_open(mornings, wib(2025, 4, 8, 8), calendar)
    assert not window_open(mornings, wib(2025, 4, 7, 8), calendar)


def test_utc_instants_are_placed_in_the_saturday_window(calendar: BusinessCalendar) -> None:
    session = channel(SATURDAY_SESSION)
    assert window_open(session, dt.datetime(2025, 6, 14, 1, tzinfo=UTC), calendar)
    assert not window_open(session, dt.datetime(2025, 6, 14, 4, tzinfo=UTC), calendar)


def test_a_complaint_after_saturday_1100_is_carried_to_the_next_session(
    calendar: BusinessCalendar,
) -> None:
    session = channel(SATURDAY_SESSION)
    assert next_window_start(session, wib(2025, 6, 14, 11, 30), calendar) == wib(2025, 6, 21, 8)
    assert next_window_start(session, wib(2025, 6, 13, 10), calendar) == wib(2025, 6, 14, 8)
    assert next_window_start(session, wib(2025, 6, 14, 9), calendar) == wib(2025, 6, 14, 9)


def test_working_hours_reopen_after_the_lebaran_holidays(calendar: BusinessCalendar) -> None:
    counter = channel(Window(working_hours=True))
    assert next_window_start(counter, wib(2025, 3, 27, 17), calendar) == wib(2025, 4, 8, 7, 30)


def test_a_channel_that_never_opens_has_no_next_window(calendar: BusinessCalendar) -> None:
    # Saturdays are never working days on the default calendar.
    never = channel(Window(days=(Weekday.sat,), working_days=True))
    assert next_window_start(never, wib(2025, 6, 14, 9), calendar) is None


def test_a_window_ending_before_it_starts_is_refused(calendar: BusinessCalendar) -> None:
    backwards = channel(Window(start="11:00", end="08:00"))
    with pytest.raises(ValueError, match="not after"):
        window_open(backwards, wib(2025, 6, 14, 9), calendar)


# Properties

instants = st.datetimes(
    min_value=dt.datetime(2024, 1, 1), max_value=dt.datetime(2026, 6, 30), timezones=st.just(UTC)
)
schedules = st.builds(
    Schedule,
    day_of_week=st.lists(st.sampled_from(Weekday), min_size=1, max_size=7, unique=True).map(tuple),
    hour=st.integers(0, 23),
    minute=st.integers(0, 59),
)
rules = st.sampled_from(HolidayRule)


@given(schedule=schedules, after=instants)
def test_next_due_under_run_is_after_the_instant_on_a_scheduled_weekday(
    calendar: BusinessCalendar, schedule: Schedule, after: dt.datetime
) -> None:
    firing = next_due(schedule, after, calendar, HolidayRule.run)
    assert firing is not None
    assert firing.due == firing.nominal
    assert firing.due > after
    assert firing.due - after <= dt.timedelta(days=7)
    assert weekday_of(firing.due.date()) in schedule.day_of_week
    assert (firing.due.hour, firing.due.minute, firing.due.second) == (
        schedule.hour,
        schedule.minute,
        0,
    )


@given(schedule=schedules, rule=rules, after=instants)
def test_next_due_is_the_first_firing_due_between(
    calendar: BusinessCalendar, schedule: Schedule, rule: HolidayRule, after: dt.datetime
) -> None:
    firing = next_due(schedule, after, calendar, rule)
    if firing is None:
        return
    assert firing.due > after
    assert due_between(schedule, after, firing.due, calendar, rule)[0] == firing
    if rule is not HolidayRule.run:
        assert not calendar.is_holiday(firing.due.date())


@given(schedule=schedules, rule=rules, times=st.lists(instants, min_size=3, max_size=3))
def test_consecutive_catch_ups_neither_lose_nor_repeat_firings(
    calendar: BusinessCalendar, schedule: Schedule, rule: HolidayRule, times: list[dt.datetime]
) -> None:
    a, b, c = sorted(times)
    c = min(c, a + dt.timedelta(days=60))
    b = min(b, c)
    whole = due_between(schedule, a, c, calendar, rule)
    assert whole == due_between(schedule, a, b, calendar, rule) + due_between(
        schedule, b, c, calendar, rule
    )
    assert [f.due for f in whole] == sorted(f.due for f in whole)


@given(instant=instants)
def test_next_window_start_is_open_and_nothing_opens_earlier(
    calendar: BusinessCalendar, instant: dt.datetime
) -> None:
    both = channel(SATURDAY_SESSION, Window(working_hours=True))
    start = next_window_start(both, instant, calendar)
    assert start is not None
    assert window_open(both, start, calendar)
    if start > instant:
        assert not window_open(both, instant, calendar)
        assert not window_open(both, start - dt.timedelta(microseconds=1), calendar)
