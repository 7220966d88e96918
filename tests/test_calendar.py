from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workflow.calendar import EXTRA_HOLIDAY_NAME, BusinessCalendar, clock_offset
from workflow.definition import CalendarSpec, Hours, SpecialHours

WIB = ZoneInfo("Asia/Jakarta")
UTC = dt.UTC

# Ramadan 1446 H, with the shorter hours DKI Jakarta works then (dates chosen for the test).
RAMADAN = SpecialHours(
    name="Ramadan 1446 H",
    start=dt.date(2025, 3, 3),
    end=dt.date(2025, 3, 26),
    hours=Hours(
        mon=("08:00", "14:00"),
        tue=("08:00", "14:00"),
        wed=("08:00", "14:00"),
        thu=("08:00", "14:00"),
        fri=("08:00", "14:30"),
    ),
)


def wib(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, second, tzinfo=WIB)


@pytest.fixture(scope="module")
def calendar() -> BusinessCalendar:
    return BusinessCalendar.from_spec(CalendarSpec(), timezone="Asia/Jakarta")


def test_idul_fitri_2025_is_a_named_holiday(calendar: BusinessCalendar) -> None:
    assert calendar.holiday_name(dt.date(2025, 3, 31)) == "Hari Raya Idul Fitri"
    assert not calendar.is_working_day(dt.date(2025, 3, 31))


def test_cuti_bersama_days_are_not_working_days(calendar: BusinessCalendar) -> None:
    for day in (2, 3, 4, 7):
        date = dt.date(2025, 4, day)
        assert not calendar.is_working_day(date)
        assert calendar.holiday_name(date) == "Cuti Bersama Hari Raya Idul Fitri"
    assert calendar.is_working_day(dt.date(2025, 4, 8))


def test_cuti_bersama_are_working_days_without_the_government_category() -> None:
    calendar = BusinessCalendar.from_spec(CalendarSpec(holiday_categories=("public",)))
    assert calendar.is_working_day(dt.date(2025, 4, 2))
    assert not calendar.is_working_day(dt.date(2025, 4, 1))


def test_weekends_are_not_working_days_and_have_no_holiday_name(
    calendar: BusinessCalendar,
) -> None:
    assert not calendar.is_working_day(dt.date(2025, 6, 14))
    assert not calendar.is_working_day(dt.date(2025, 6, 15))
    assert calendar.holiday_name(dt.date(2025, 6, 14)) is None
    assert calendar.hours_on(dt.date(2025, 6, 14)) is None


def test_default_hours_close_later_on_friday(calendar: BusinessCalendar) -> None:
    assert calendar.hours_on(dt.date(2024, 6, 6)) == (dt.time(7, 30), dt.time(16))
    assert calendar.hours_on(dt.date(2024, 6, 7)) == (dt.time(7, 30), dt.time(16, 30))


def test_friday_1615_is_in_working_hours_but_1645_and_thursday_1615_are_not(
    calendar: BusinessCalendar,
) -> None:
    assert calendar.in_working_hours(wib(2024, 6, 7, 16, 15))
    assert not calendar.in_working_hours(wib(2024, 6, 7, 16, 45))
    assert not calendar.in_working_hours(wib(2024, 6, 6, 16, 15))


def test_working_hours_include_opening_and_exclude_closing(calendar: BusinessCalendar) -> None:
    assert not calendar.in_working_hours(wib(2024, 6, 6, 7, 29, 59))
    assert calendar.in_working_hours(wib(2024, 6, 6, 7, 30))
    assert calendar.in_working_hours(wib(2024, 6, 6, 15, 59, 59))
    assert not calendar.in_working_hours(wib(2024, 6, 6, 16))


def test_utc_instants_are_judged_in_jakarta_time(calendar: BusinessCalendar) -> None:
    # 09:15 UTC is 16:15 WIB on a Friday; 00:29 UTC is 07:29 WIB.
    assert calendar.in_working_hours(dt.datetime(2024, 6, 7, 9, 15, tzinfo=UTC))
    assert not calendar.in_working_hours(dt.datetime(2024, 6, 7, 0, 29, tzinfo=UTC))
    assert calendar.in_working_hours(dt.datetime(2024, 6, 7, 0, 30, tzinfo=UTC))
    # 20:00 UTC on Sunday is already Monday 03:00 WIB: before opening, not a weekend.
    assert calendar.add_working_hours(dt.datetime(2024, 6, 9, 20, tzinfo=UTC), 1) == wib(
        2024, 6, 10, 8, 30
    )


def test_naive_datetimes_are_refused(calendar: BusinessCalendar) -> None:
    with pytest.raises(ValueError, match="naive"):
        calendar.in_working_hours(dt.datetime(2024, 6, 7, 9))


def test_holidays_have_no_working_hours(calendar: BusinessCalendar) -> None:
    assert calendar.hours_on(dt.date(2025, 3, 31)) is None
    assert not calendar.in_working_hours(wib(2025, 3, 31, 10))


def test_next_working_day_after_idul_fitri_2025_skips_cuti_bersama(
    calendar: BusinessCalendar,
) -> None:
    assert calendar.next_working_day(dt.date(2025, 3, 27)) == dt.date(2025, 4, 8)


def test_next_working_day_is_strictly_after(calendar: BusinessCalendar) -> None:
    assert calendar.next_working_day(dt.date(2025, 6, 10)) == dt.date(2025, 6, 11)
    assert calendar.working_day_on_or_after(dt.date(2025, 6, 10)) == dt.date(2025, 6, 10)
    assert calendar.working_day_on_or_after(dt.date(2025, 6, 14)) == dt.date(2025, 6, 16)


def test_next_working_day_crosses_christmas_and_the_new_year(calendar: BusinessCalendar) -> None:
    assert calendar.next_working_day(dt.date(2025, 12, 24)) == dt.date(2025, 12, 29)
    assert calendar.next_working_day(dt.date(2025, 12, 31)) == dt.date(2026, 1, 2)


def test_add_working_days_skips_a_weekend_and_vesak(calendar: BusinessCalendar) -> None:
    # Fri 9 May counts, Mon 12 (Waisak) and Tue 13 (cuti bersama) do not, Wed 14, Thu 15.
    deadline = calendar.add_working_days(wib(2025, 5, 8, 10), 3)
    assert deadline == wib(2025, 5, 15, 16)


def test_add_working_days_does_not_count_the_day_of_receipt(calendar: BusinessCalendar) -> None:
    assert calendar.add_working_days(wib(2025, 6, 13, 7), 1) == wib(2025, 6, 16, 16)
    assert calendar.add_working_days(wib(2025, 6, 14, 9), 1) == wib(2025, 6, 16, 16)
    assert calendar.add_working_days(wib(2025, 6, 12, 9), 1) == wib(2025, 6, 13, 16, 30)


def test_add_working_days_refuses_zero(calendar: BusinessCalendar) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        calendar.add_working_days(wib(2025, 6, 12, 9), 0)


def test_add_working_hours_carries_over_the_end_of_a_day(calendar: BusinessCalendar) -> None:
    # One hour on Tuesday 3 June until 16:00, the second from 07:30 on Wednesday.
    assert calendar.add_working_hours(wib(2025, 6, 3, 15), 2) == wib(2025, 6, 4, 8, 30)


def test_add_working_hours_skips_the_weekend_and_idul_adha_cuti_bersama(
    calendar: BusinessCalendar,
) -> None:
    # Idul Adha Fri 6 June 2025, cuti bersama Mon 9 June: from Thursday 15:00, one hour
    # remains that day and the second starts on Tuesday at 07:30.
    assert calendar.add_working_hours(wib(2025, 6, 5, 15), 2) == wib(2025, 6, 10, 8, 30)


def test_add_working_hours_starts_counting_at_opening(calendar: BusinessCalendar) -> None:
    assert calendar.add_working_hours(wib(2025, 6, 3, 5), 1) == wib(2025, 6, 3, 8, 30)
    assert calendar.add_working_hours(wib(2025, 6, 3, 20), 1) == wib(2025, 6, 4, 8, 30)


def test_add_working_hours_that_use_up_a_day_end_at_its_closing(
    calendar: BusinessCalendar,
) -> None:
    assert calendar.add_working_hours(wib(2025, 6, 3, 7, 30), 8.5) == wib(2025, 6, 3, 16)


def test_ramadan_special_hours_replace_the_usual_ones() -> None:
    calendar = BusinessCalendar.from_spec(CalendarSpec(special_hours=(RAMADAN,)))
    assert calendar.hours_on(dt.date(2025, 2, 28)) == (dt.time(7, 30), dt.time(16, 30))
    assert calendar.hours_on(dt.date(2025, 3, 3)) == (dt.time(8), dt.time(14))
    assert calendar.hours_on(dt.date(2025, 3, 26)) == (dt.time(8), dt.time(14))
    assert calendar.hours_on(dt.date(2025, 3, 27)) == (dt.time(7, 30), dt.time(16))
    assert not calendar.in_working_hours(wib(2025, 3, 10, 14, 30))
    assert calendar.in_working_hours(wib(2025, 2, 24, 14, 30))
    assert calendar.add_working_hours(wib(2025, 3, 10, 13), 2) == wib(2025, 3, 11, 9)


def test_overlapping_special_hours_are_refused() -> None:
    other = RAMADAN.model_copy(update={"name": "other", "start": dt.date(2025, 3, 26)})
    with pytest.raises(ValueError, match="overlap"):
        BusinessCalendar.from_spec(CalendarSpec(special_hours=(RAMADAN, other)))


def test_extra_holidays_close_a_working_day() -> None:
    spec = CalendarSpec(extra_holidays=(dt.date(2025, 6, 10),))
    calendar = BusinessCalendar.from_spec(spec)
    assert not calendar.is_working_day(dt.date(2025, 6, 10))
    assert calendar.holiday_name(dt.date(2025, 6, 10)) == EXTRA_HOLIDAY_NAME
    assert calendar.next_working_day(dt.date(2025, 6, 9)) == dt.date(2025, 6, 11)


def test_extra_working_days_open_a_saturday_and_a_cuti_bersama_day() -> None:
    spec = CalendarSpec(extra_working_days=(dt.date(2025, 4, 5), dt.date(2025, 4, 2)))
    calendar = BusinessCalendar.from_spec(spec)
    # A Saturday has no hours of its own: it keeps Monday's.
    assert calendar.is_working_day(dt.date(2025, 4, 5))
    assert calendar.hours_on(dt.date(2025, 4, 5)) == (dt.time(7, 30), dt.time(16))
    assert calendar.is_working_day(dt.date(2025, 4, 2))
    assert calendar.holiday_name(dt.date(2025, 4, 2)) == "Cuti Bersama Hari Raya Idul Fitri"
    assert calendar.next_working_day(dt.date(2025, 3, 27)) == dt.date(2025, 4, 2)


def test_a_date_both_extra_holiday_and_extra_working_day_is_refused() -> None:
    day = dt.date(2025, 6, 10)
    with pytest.raises(ValueError, match="2025-06-10"):
        BusinessCalendar.from_spec(CalendarSpec(extra_holidays=(day,), extra_working_days=(day,)))


def test_hours_closing_at_2400_run_to_midnight() -> None:
    spec = CalendarSpec(working_hours=Hours(sat=("20:00", "24:00")))
    calendar = BusinessCalendar.from_spec(spec)
    assert clock_offset("24:00") == dt.timedelta(days=1)
    assert calendar.hours_on(dt.date(2025, 6, 14)) == (dt.time(20), dt.time.max)
    assert calendar.in_working_hours(wib(2025, 6, 14, 23, 59, 59))
    assert not calendar.in_working_hours(wib(2025, 6, 15, 0))
    assert calendar.add_working_hours(wib(2025, 6, 14, 22), 2) == wib(2025, 6, 15, 0)


instants = st.datetimes(
    min_value=dt.datetime(2024, 1, 1), max_value=dt.datetime(2026, 11, 30), timezones=st.just(UTC)
)


@given(instant=instants, first=st.integers(1, 40), second=st.integers(1, 40))
def test_working_hours_add_up_and_land_inside_working_hours(
    calendar: BusinessCalendar, instant: dt.datetime, first: int, second: int
) -> None:
    once = calendar.add_working_hours(instant, first + second)
    assert once == calendar.add_working_hours(calendar.add_working_hours(instant, first), second)
    span = calendar.working_span(once.date())
    assert span is not None and span[0] < once <= span[1]


@given(instant=instants, n=st.integers(1, 15))
def test_working_day_deadlines_close_a_working_day_after_the_instant(
    calendar: BusinessCalendar, instant: dt.datetime, n: int
) -> None:
    deadline = calendar.add_working_days(instant, n)
    assert deadline.date() > calendar.local(instant).date()
    assert calendar.is_working_day(deadline.date())
    assert calendar.working_span(deadline.date()) == (
        calendar.at(deadline.date(), clock_offset("07:30")),
        deadline,
    )
