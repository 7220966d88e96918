"""The business calendar: which days are working days, and when working hours run.

Working days are the days with working hours (Monday to Friday by default) that are not
public holidays or collective leave days (cuti bersama); a definition's calendar adds
holidays of its own and names extra working days. Deadlines count working days and working
hours on this calendar (2024 KESATU c: "setiap hari kerja pada jam kerja").

Nothing here reads the clock: every instant comes in as a timezone-aware argument and is
converted to the calendar's timezone (WIB, ``Asia/Jakarta``, for DKI Jakarta).
"""

from __future__ import annotations

import datetime as dt
import itertools
from zoneinfo import ZoneInfo

import holidays

from workflow.definition import CalendarSpec, Hours, SpecialHours, Weekday
from workflow.messages import Text

COUNTRY = "ID"
"""The ``holidays`` country whose national holidays and cuti bersama the calendar follows."""

HOLIDAY_LANGUAGE = "id"
"""Language of holiday names; given explicitly because ``holidays`` otherwise follows the
process locale, which would make names differ between machines."""

EXTRA_HOLIDAY_NAME = "Hari libur tambahan"
"""The name of a definition's own ``extra_holidays``, which carry no name of their own."""

SEARCH_DAYS = 366
"""How many consecutive days without a working day a search crosses before giving up.

A year without a single working day means a broken calendar, not a long holiday."""

_DAY = dt.timedelta(days=1)
_WEEKDAYS = tuple(Weekday)


def clock_offset(clock: str) -> dt.timedelta:
    """The time since midnight of a ``HH:MM`` clock; ``24:00`` is the end of the day.

    Offsets rather than ``datetime.time`` values, because a day's end (``24:00``) is not a
    ``time``.
    """
    hours, minutes = clock.split(":")
    return dt.timedelta(hours=int(hours), minutes=int(minutes))


def weekday_of(day: dt.date) -> Weekday:
    """The ``Weekday`` of a date."""
    return _WEEKDAYS[day.weekday()]


def _as_time(offset: dt.timedelta) -> dt.time:
    if offset >= _DAY:
        return dt.time.max
    return (dt.datetime.min + offset).time()


class BusinessCalendar:
    """Working days and hours from a definition's ``CalendarSpec``, in one timezone.

    Holidays come from the ``holidays`` package (Indonesia, the spec's categories:
    ``public`` gives national holidays, ``government`` cuti bersama), loaded one year at a
    time on first use, plus the spec's ``extra_holidays``. An ``extra_working_days`` date is
    a working day whatever the package or the weekday says. During a ``special_hours``
    period (dates inclusive) its hours replace the usual ones; a weekday missing from them
    is not a working day in that period.
    """

    def __init__(
        self, spec: CalendarSpec, timezone: str = "Asia/Jakarta", language: str = HOLIDAY_LANGUAGE
    ) -> None:
        clash = sorted(set(spec.extra_holidays) & set(spec.extra_working_days))
        if clash:
            dates = ", ".join(d.isoformat() for d in clash)
            raise ValueError(
                Text("dates both extra holidays and extra working days: %(dates)s", dates=dates)
            )
        if _first_clocks(spec.working_hours) is None:
            raise ValueError(Text("working_hours has no day with hours"))
        _check_hours("working_hours", spec.working_hours)
        periods = sorted(spec.special_hours, key=lambda p: p.start)
        for period in periods:
            if period.end < period.start:
                raise ValueError(
                    Text("special hours %(name)r end before they start", name=period.name)
                )
            _check_hours(Text("special hours %(name)r", name=period.name), period.hours)
        for earlier, later in itertools.pairwise(periods):
            if later.start <= earlier.end:
                raise ValueError(
                    Text(
                        "special hours %(first)r and %(second)r overlap",
                        first=earlier.name,
                        second=later.name,
                    )
                )
        self.spec = spec
        self.timezone = timezone
        self.tz = ZoneInfo(timezone)
        self.language = language
        self._periods: tuple[SpecialHours, ...] = tuple(periods)
        self._extra_holidays = frozenset(spec.extra_holidays)
        self._extra_working_days = frozenset(spec.extra_working_days)
        self._years: dict[int, dict[dt.date, str]] = {}

    @classmethod
    def from_spec(
        cls, spec: CalendarSpec, timezone: str = "Asia/Jakarta", language: str = HOLIDAY_LANGUAGE
    ) -> BusinessCalendar:
        """The calendar of a definition: ``from_spec(d.calendar, timezone=d.timezone)``."""
        return cls(spec, timezone=timezone, language=language)

    def __repr__(self) -> str:
        return f"BusinessCalendar({self.timezone!r}, {self.spec!r})"

    # Days

    def holiday_name(self, day: dt.date) -> str | None:
        """The holiday on ``day`` (several are joined by ``"; "``), or None.

        Reported even when an extra working day makes the date a working day, so that a
        screen can say why the date is unusual.
        """
        name = self._holidays(day.year).get(day)
        if name is None and day in self._extra_holidays:
            return EXTRA_HOLIDAY_NAME
        return name

    def is_holiday(self, day: dt.date) -> bool:
        """Whether ``day`` is a public holiday, cuti bersama or extra holiday that is not
        overridden by an extra working day. Weekends are not holidays."""
        if day in self._extra_working_days:
            return False
        return day in self._extra_holidays or day in self._holidays(day.year)

    def is_working_day(self, day: dt.date) -> bool:
        """Whether offices work on ``day``: it has working hours and is no holiday."""
        if day in self._extra_working_days:
            return True
        if day in self._extra_holidays or day in self._holidays(day.year):
            return False
        return self._hours(day).for_day(weekday_of(day)) is not None

    def next_working_day(self, day: dt.date) -> dt.date:
        """The first working day strictly after ``day``."""
        return self.working_day_on_or_after(day + _DAY)

    def working_day_on_or_after(self, day: dt.date) -> dt.date:
        """``day`` itself if it is a working day, else the next one.

        Raises ``ValueError`` if none comes within ``SEARCH_DAYS``.
        """
        for offset in range(SEARCH_DAYS):
            candidate = day + offset * _DAY
            if self.is_working_day(candidate):
                return candidate
        raise ValueError(f"no working day within {SEARCH_DAYS} days from {day.isoformat()}")

    # Hours

    def hours_on(self, day: dt.date) -> tuple[dt.time, dt.time] | None:
        """Opening and closing time on ``day``, or None if it is not a working day.

        A closing time of ``24:00`` is given as ``time.max``; ``working_span`` is exact.
        """
        offsets = self._offsets(day)
        if offsets is None:
            return None
        return _as_time(offsets[0]), _as_time(offsets[1])

    def working_span(self, day: dt.date) -> tuple[dt.datetime, dt.datetime] | None:
        """``day``'s working hours as aware instants ``[open, close)``, or None."""
        offsets = self._offsets(day)
        if offsets is None:
            return None
        return self.at(day, offsets[0]), self.at(day, offsets[1])

    def in_working_hours(self, instant: dt.datetime) -> bool:
        """Whether ``instant`` falls in working hours: opening inclusive, closing exclusive."""
        local = self.local(instant)
        span = self.working_span(local.date())
        return span is not None and span[0] <= local < span[1]

    # Arithmetic

    def add_working_days(self, instant: dt.datetime, n: int) -> dt.datetime:
        """The deadline ``n`` working days after ``instant``: the close of the n-th working day.

        The day of ``instant`` never counts, whatever the hour ("n hari kerja sejak
        diterima"): a complaint received on Friday with 1 working day is due on Monday at
        closing time, as is one received on Saturday or during a holiday. The result is in
        the calendar's timezone.
        """
        if n < 1:
            raise ValueError(f"working days must be at least 1, not {n}")
        day = self.local(instant).date()
        for _ in range(n):
            day = self.next_working_day(day)
        span = self.working_span(day)
        assert span is not None  # a working day has hours
        return span[1]

    def add_working_hours(self, instant: dt.datetime, n: float) -> dt.datetime:
        """The instant after ``n`` hours of working time from ``instant``.

        Only time inside working hours counts, across days, weekends and holidays; time
        before opening or after closing does not. A deadline that uses up a day's hours
        exactly falls at that day's closing time, not at the next opening. The result is in
        the calendar's timezone.
        """
        if n <= 0:
            raise ValueError(f"working hours must be positive, not {n}")
        remaining = dt.timedelta(hours=n)
        cursor = self.local(instant)
        day = cursor.date()
        idle = 0
        while idle < SEARCH_DAYS:
            span = self.working_span(day)
            if span is None or span[1] <= cursor:
                idle += 1
            else:
                idle = 0
                start = max(span[0], cursor)
                if start + remaining <= span[1]:
                    return start + remaining
                remaining -= span[1] - start
            day += _DAY
        raise ValueError(f"no working hours within {SEARCH_DAYS} days after {instant.isoformat()}")

    # Time zone

    def local(self, instant: dt.datetime) -> dt.datetime:
        """``instant`` in the calendar's timezone; a naive datetime is refused."""
        if instant.tzinfo is None or instant.utcoffset() is None:
            raise ValueError(f"naive datetime {instant.isoformat()}: give a timezone")
        return instant.astimezone(self.tz)

    def at(self, day: dt.date, offset: dt.timedelta) -> dt.datetime:
        """The aware instant ``offset`` after local midnight of ``day`` (wall-clock time)."""
        return dt.datetime.combine(day, dt.time(), tzinfo=self.tz) + offset

    # Internals

    def _holidays(self, year: int) -> dict[dt.date, str]:
        names = self._years.get(year)
        if names is None:
            categories = self.spec.holiday_categories
            names = (
                dict(
                    holidays.country_holidays(
                        COUNTRY, years=year, categories=categories, language=self.language
                    )
                )
                if categories
                else {}
            )
            self._years[year] = names
        return names

    def _hours(self, day: dt.date) -> Hours:
        for period in self._periods:
            if period.start <= day <= period.end:
                return period.hours
        return self.spec.working_hours

    def _offsets(self, day: dt.date) -> tuple[dt.timedelta, dt.timedelta] | None:
        if not self.is_working_day(day):
            return None
        hours = self._hours(day)
        # An extra working day on a day without hours (a Saturday, say) keeps the hours of
        # the first weekday that has some: Monday's, usually.
        clocks = (
            hours.for_day(weekday_of(day))
            or _first_clocks(hours)
            or _first_clocks(self.spec.working_hours)
        )
        assert clocks is not None  # the constructor refuses working hours without a day
        return clock_offset(clocks[0]), clock_offset(clocks[1])


def _first_clocks(hours: Hours) -> tuple[str, str] | None:
    return next((c for d in Weekday if (c := hours.for_day(d)) is not None), None)


def _check_hours(where: str, hours: Hours) -> None:
    for day in Weekday:
        clocks = hours.for_day(day)
        if clocks is not None and clock_offset(clocks[0]) >= clock_offset(clocks[1]):
            raise ValueError(
                Text(
                    "%(where)s: %(day)s closes at %(end)s, not after %(start)s",
                    where=where,
                    day=day.value,
                    end=clocks[1],
                    start=clocks[0],
                )
            )
