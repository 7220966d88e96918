"""The definition schema: what a YAML workflow definition may say, as pydantic models.

The models check shapes and types only (every model forbids unknown keys); the rules that
span several parts of a definition — references, reachability, ambiguity — live in
``workflow.validation`` so that all problems of a file are reported together.
"""

from __future__ import annotations

import datetime as dt
import functools
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from workflow.messages import Text

Name = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]
"""Identifiers of roles, fields, channels, states and triggers: lower snake case."""

Clock = Annotated[str, StringConstraints(pattern=r"^([01]\d|2[0-3]):[0-5]\d$|^24:00$")]
"""A wall-clock time ``HH:MM`` in the definition's timezone (``24:00`` ends a day)."""


class Weekday(StrEnum):
    """Days by name: APScheduler's numeric ``day_of_week`` is off by one against crontab."""

    mon = "mon"
    tue = "tue"
    wed = "wed"
    thu = "thu"
    fri = "fri"
    sat = "sat"
    sun = "sun"

    @property
    def number(self) -> int:
        """Python's ``date.weekday()`` number: Monday is 0."""
        return list(Weekday).index(self)


class UnitLevel(StrEnum):
    """Where in the organisation a role acts or a case is handled.

    The first four follow the Kemendagri tree (``kota`` covers the kabupaten of Kepulauan
    Seribu); the rest are the offices, agencies and enterprises cases are routed to.
    """

    provinsi = "provinsi"
    kota = "kota"
    kecamatan = "kecamatan"
    kelurahan = "kelurahan"
    bagian = "bagian"
    agency = "agency"
    bumd = "bumd"


TREE_LEVELS: tuple[UnitLevel, ...] = (
    UnitLevel.kelurahan,
    UnitLevel.kecamatan,
    UnitLevel.kota,
    UnitLevel.provinsi,
)
"""The escalation ladder, from the bottom: a case escalates to an ancestor on this list."""


class StateKind(StrEnum):
    """BPMN-like kinds: they decide which transitions a state may have."""

    start = "start"
    task = "task"
    wait = "wait"
    gateway = "gateway"
    end = "end"


class TransitionKind(StrEnum):
    manual = "manual"
    scheduled = "scheduled"
    automatic = "automatic"
    escalation = "escalation"


class HolidayRule(StrEnum):
    """What a scheduled firing does when its day is a holiday (a public holiday, cuti
    bersama or an extra holiday of the calendar).

    Weekends are not holidays: a Sunday review under ``skip`` still runs every Sunday that
    is not Idul Fitri. ``next_working_day`` moves the firing to the next working day at
    the same time of day.
    """

    run = "run"
    skip = "skip"
    next_working_day = "next_working_day"


class FieldType(StrEnum):
    text = "text"
    bool = "bool"
    int = "int"
    number = "number"
    date = "date"
    choice = "choice"
    unit = "unit"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class LegalBasis(Strict):
    instrument: str
    number: str
    date: dt.date
    issuer: str
    url: str | None = None


class Hours(Strict):
    """Opening hours as ``[from, to]`` per weekday; a missing day is closed."""

    mon: tuple[Clock, Clock] | None = None
    tue: tuple[Clock, Clock] | None = None
    wed: tuple[Clock, Clock] | None = None
    thu: tuple[Clock, Clock] | None = None
    fri: tuple[Clock, Clock] | None = None
    sat: tuple[Clock, Clock] | None = None
    sun: tuple[Clock, Clock] | None = None

    def for_day(self, day: Weekday) -> tuple[Clock, Clock] | None:
        value: tuple[Clock, Clock] | None = getattr(self, day.value)
        return value


DEFAULT_HOURS = Hours(
    mon=("07:30", "16:00"),
    tue=("07:30", "16:00"),
    wed=("07:30", "16:00"),
    thu=("07:30", "16:00"),
    fri=("07:30", "16:30"),
)
"""Working hours of the DKI Jakarta administration, WIB."""


class SpecialHours(Strict):
    """A period with other working hours, e.g. Ramadan."""

    name: str
    start: dt.date
    end: dt.date
    hours: Hours


class CalendarSpec(Strict):
    """Working days and hours; holidays come from the ``holidays`` package plus these."""

    working_hours: Hours = DEFAULT_HOURS
    holiday_categories: tuple[Literal["public", "government"], ...] = ("public", "government")
    extra_holidays: tuple[dt.date, ...] = ()
    extra_working_days: tuple[dt.date, ...] = ()
    special_hours: tuple[SpecialHours, ...] = ()


class Role(Strict):
    title: str
    level: UnitLevel
    office: str | None = None
    """For roles at a named office or agency: which one (e.g. a Bagian of the Setko)."""


class FieldSpec(Strict):
    type: FieldType
    title: str
    choices: tuple[str, ...] | None = None
    level: UnitLevel | None = None
    """For ``unit`` fields: the level the chosen unit must be at."""
    max_length: int | None = Field(default=None, gt=0)
    public: bool = False
    """Whether the value may appear on the public tracking page (never personal data)."""


class Window(Strict):
    """When a channel receives: ``always``, or named days between two times."""

    always: bool = False
    days: tuple[Weekday, ...] = ()
    working_days: bool = False
    """Only on the calendar's working days (so not on holidays)."""
    working_hours: bool = False
    """Within the calendar's working hours of the day (implies working days)."""
    closed_on_holidays: bool = False
    """Closed on public holidays and cuti bersama (e.g. a Saturday session not held on
    a holiday); ``working_days`` already implies it."""
    start: Clock | None = None
    end: Clock | None = None


class OutsideWindow(StrEnum):
    refuse = "refuse"
    next_window = "next_window"


class Channel(Strict):
    title: str
    kind: Literal["in_person", "electronic"]
    windows: tuple[Window, ...] = Field(min_length=1)
    outside_window: OutsideWindow = OutsideWindow.refuse
    message: str = ""
    """Told to the complainant when the channel is used outside its windows."""
    roles: tuple[Name, ...] = ()
    """Who may record an in-person complaint; electronic channels are filed by citizens."""
    roster: dict[Weekday, str] | None = None
    """Which office staffs the channel on which day (2024 KESATU a)."""
    diktum: str | None = None


class Intake(Strict):
    fields: tuple[Name, ...] = ()
    optional: tuple[Name, ...] = ()
    categories: tuple[str, ...] = ()
    """Kinds of complaint offered to citizens (the Open311 services)."""


class OverdueAction(StrEnum):
    flag = "flag"
    escalate = "escalate"


class Deadline(Strict):
    working_days: int | None = Field(default=None, gt=0)
    working_hours: int | None = Field(default=None, gt=0)
    on_overdue: OverdueAction = OverdueAction.flag

    @field_validator("working_hours")
    @classmethod
    def _one_measure(cls, value: int | None, info: Any) -> int | None:
        if value is not None and info.data.get("working_days") is not None:
            raise ValueError(Text("give working_days or working_hours, not both"))
        return value


class State(Strict):
    kind: StateKind
    title: str
    diktum: str | None = None
    lane: Name | None = None
    """The role responsible for the case while it is here."""
    deadline: Deadline | None = None
    public: str | None = None
    """What the public tracking page says in this state (defaults to the title)."""


class Schedule(Strict):
    """A weekday cron trigger in the definition's timezone."""

    day_of_week: tuple[Weekday, ...] = Field(min_length=1)
    hour: int = Field(ge=0, le=23)
    minute: int = Field(default=0, ge=0, le=59)

    @field_validator("day_of_week", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return (value,) if isinstance(value, str) else value


class Transition(Strict):
    trigger: Name
    kind: TransitionKind
    source: tuple[Name, ...] = Field(alias="from", min_length=1)
    dest: Name = Field(alias="to")
    title: str | None = None
    diktum: str | None = None
    roles: tuple[Name, ...] = ()
    fields: tuple[Name, ...] = ()
    """Fields the actor must supply."""
    optional: tuple[Name, ...] = ()
    """Fields the actor may supply."""
    condition: str | None = None
    schedule: Schedule | None = None
    on_holiday: HolidayRule | None = None
    escalate_to: UnitLevel | None = None
    """Hand the case to the ancestor unit at this level (kecamatan -> kota -> provinsi)."""
    reroute: bool = False
    """The actor names the unit the case goes to (disposisi), in a required unit field."""
    return_to_origin: bool = False
    """Hand the case back to the unit that received it (e.g. for verification there)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @field_validator("source", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return (value,) if isinstance(value, str) else value


class Definition(Strict):
    """A whole workflow definition: one instruction, one version."""

    id: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=64)]
    version: int = Field(ge=1)
    title: str
    basis: LegalBasis
    diktum: dict[str, str] = Field(min_length=1)
    """The clauses this definition encodes, by name (KESATU, KEDUA, ...)."""
    timezone: str = "Asia/Jakarta"
    calendar: CalendarSpec = CalendarSpec()
    roles: dict[Name, Role] = Field(min_length=1)
    fields: dict[Name, FieldSpec] = {}
    channels: dict[Name, Channel] = Field(min_length=1)
    intake: Intake = Intake()
    states: dict[Name, State] = Field(min_length=2)
    transitions: tuple[Transition, ...] = Field(min_length=1)

    @property
    def key(self) -> str:
        return f"{self.id}@{self.version}"

    @property
    def start_state(self) -> str:
        return next(name for name, s in self.states.items() if s.kind is StateKind.start)

    @functools.cached_property
    def end_states(self) -> tuple[str, ...]:
        return tuple(name for name, s in self.states.items() if s.kind is StateKind.end)

    def transitions_of(self, kind: TransitionKind) -> tuple[Transition, ...]:
        return tuple(t for t in self.transitions if t.kind is kind)
