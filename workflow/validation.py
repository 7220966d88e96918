"""Cross-checks of a shape-valid definition: the rules that span its parts.

Each check appends ``Problem``s located in the YAML source and never stops early, so an
administrator sees every mistake of a file in one run.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Mapping
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from workflow.calendar import BusinessCalendar
from workflow.definition import (
    TREE_LEVELS,
    Definition,
    FieldType,
    OverdueAction,
    StateKind,
    Transition,
    TransitionKind,
)
from workflow.errors import ExpressionError, Problem
from workflow.expressions import BUILTIN_VARIABLES, Condition, compile_condition
from workflow.messages import Text, did_you_mean, text_of
from workflow.source import Loc, Source

_UNKNOWN: dict[str, Callable[[str, str], Text]] = {
    "diktum": lambda name, hint: Text("unknown diktum '%(name)s'%(hint)s", name=name, hint=hint),
    "role": lambda name, hint: Text("unknown role '%(name)s'%(hint)s", name=name, hint=hint),
    "field": lambda name, hint: Text("unknown field '%(name)s'%(hint)s", name=name, hint=hint),
    "state": lambda name, hint: Text("unknown state '%(name)s'%(hint)s", name=name, hint=hint),
}
"""One sentence per kind of name, so each reads naturally once translated."""
MAX_OVERLAP_COMBINATIONS = 4096
"""Bound on the assignments tried when deciding whether two conditions can both hold."""


def check(definition: Definition, source: Source) -> list[Problem]:
    """Every cross-reference and structural problem of ``definition``."""
    checker = _Checker(definition, source)
    checker.run()
    return checker.problems


class _Checker:
    def __init__(self, definition: Definition, source: Source) -> None:
        self.d = definition
        self.source = source
        self.problems: list[Problem] = []
        self.conditions: dict[int, Condition] = {}

    def report(self, loc: Loc, message: Text, *, key: bool = False) -> None:
        self.problems.append(self.source.problem(loc, message, key=key))

    def run(self) -> None:
        self.check_timezone()
        self.check_calendar()
        self.check_diktum_refs()
        self.check_roles_and_fields()
        self.check_channels()
        self.check_states()
        self.check_transitions()
        self.check_conditions()
        self.check_graph()
        self.check_ambiguity()
        self.check_shared_triggers()

    # -- references -------------------------------------------------------------------

    def check_timezone(self) -> None:
        try:
            ZoneInfo(self.d.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            self.report(("timezone",), Text("unknown timezone '%(zone)s'", zone=self.d.timezone))

    def check_calendar(self) -> None:
        try:
            BusinessCalendar.from_spec(self.d.calendar, "UTC")
        except ValueError as exc:
            self.report(("calendar",), Text("calendar: %(problem)s", problem=text_of(exc)))

    def check_diktum_refs(self) -> None:
        def ref(loc: Loc, name: str | None) -> None:
            if name is not None and name not in self.d.diktum:
                self.report(loc, self._unknown("diktum", name, self.d.diktum))

        for name, state in self.d.states.items():
            ref(("states", name, "diktum"), state.diktum)
        for i, transition in enumerate(self.d.transitions):
            ref(("transitions", i, "diktum"), transition.diktum)
        for name, channel in self.d.channels.items():
            ref(("channels", name, "diktum"), channel.diktum)

    def check_roles_and_fields(self) -> None:
        for name, field in self.d.fields.items():
            if field.type is FieldType.choice and not field.choices:
                self.report(
                    ("fields", name), Text("choice field '%(name)s' needs 'choices'", name=name)
                )
            if field.type is not FieldType.choice and field.choices:
                self.report(("fields", name, "choices"), Text("only choice fields take 'choices'"))
            if field.type is not FieldType.unit and field.level is not None:
                self.report(("fields", name, "level"), Text("only unit fields take 'level'"))
        for name, state in self.d.states.items():
            if state.lane is not None:
                self._role(("states", name, "lane"), state.lane)
        for name, channel in self.d.channels.items():
            for j, role in enumerate(channel.roles):
                self._role(("channels", name, "roles", j), role)
        for part in ("fields", "optional"):
            for j, field_name in enumerate(getattr(self.d.intake, part)):
                self._field(("intake", part, j), field_name)
        for i, transition in enumerate(self.d.transitions):
            for j, role in enumerate(transition.roles):
                self._role(("transitions", i, "roles", j), role)
            for part in ("fields", "optional"):
                for j, field_name in enumerate(getattr(transition, part)):
                    self._field(("transitions", i, part, j), field_name)

    def _role(self, loc: Loc, name: str) -> None:
        if name not in self.d.roles:
            self.report(loc, self._unknown("role", name, self.d.roles))

    def _field(self, loc: Loc, name: str) -> None:
        if name not in self.d.fields:
            self.report(loc, self._unknown("field", name, self.d.fields))

    @staticmethod
    def _unknown(kind: str, name: str, known: Mapping[str, Any]) -> Text:
        hint = did_you_mean(name, list(known))
        return _UNKNOWN[kind](name, hint)

    # -- channels ---------------------------------------------------------------------

    def check_channels(self) -> None:
        kinds = {c.kind for c in self.d.channels.values()}
        if not kinds:
            return
        for name, channel in self.d.channels.items():
            loc: Loc = ("channels", name)
            if channel.kind == "in_person" and not channel.roles:
                self.report(
                    loc,
                    Text("in-person channel '%(name)s' needs 'roles' (who records it)", name=name),
                )
            for j, window in enumerate(channel.windows):
                wloc: Loc = (*loc, "windows", j)
                if window.always and (
                    window.days or window.working_days or window.working_hours or window.start
                ):
                    self.report(wloc, Text("an 'always' window takes no days, hours or times"))
                if (window.start is None) != (window.end is None):
                    self.report(wloc, Text("give both 'start' and 'end', or neither"))
                if window.start and window.end and window.start >= window.end:
                    self.report(
                        (*wloc, "end"),
                        Text("window ends (%(end)s) before it starts", end=str(window.end)),
                    )
                if not (
                    window.always or window.days or window.working_days or window.working_hours
                ):
                    self.report(wloc, Text("a window needs 'always', 'days' or working days/hours"))
            if (
                channel.outside_window.value == "refuse"
                and not channel.message
                and not any(w.always for w in channel.windows)
            ):
                self.report(
                    loc,
                    Text(
                        "channel '%(name)s' refuses outside its windows: give 'message'", name=name
                    ),
                )

    # -- states and transitions ------------------------------------------------------

    def check_states(self) -> None:
        starts = [n for n, s in self.d.states.items() if s.kind is StateKind.start]
        if len(starts) != 1:
            where = ("states", starts[1]) if len(starts) > 1 else ("states",)
            self.report(
                where,
                Text("a definition needs exactly one start state, found %(n)s", n=len(starts)),
            )
        if not self.d.end_states:
            self.report(("states",), Text("a definition needs at least one end state"))
        escalations = {
            s for t in self.d.transitions_of(TransitionKind.escalation) for s in t.source
        }
        for name, state in self.d.states.items():
            deadline = state.deadline
            if deadline is None:
                continue
            loc: Loc = ("states", name, "deadline")
            if deadline.working_days is None and deadline.working_hours is None:
                self.report(loc, Text("a deadline needs 'working_days' or 'working_hours'"))
            if state.kind is StateKind.end:
                self.report(loc, Text("an end state cannot have a deadline"))
            escalates = deadline.on_overdue is OverdueAction.escalate
            if escalates and name not in escalations:
                self.report(
                    (*loc, "on_overdue"),
                    Text(
                        "state '%(name)s' escalates when overdue but no escalation transition "
                        "leaves it",
                        name=name,
                    ),
                )

    def check_transitions(self) -> None:
        kinds: dict[str, tuple[TransitionKind, int]] = {}
        for i, t in enumerate(self.d.transitions):
            loc: Loc = ("transitions", i)
            for j, name in enumerate(t.source):
                if name not in self.d.states:
                    self.report((*loc, "from", j), self._unknown("state", name, self.d.states))
            if t.dest not in self.d.states:
                self.report((*loc, "to"), self._unknown("state", t.dest, self.d.states))
            first = kinds.setdefault(t.trigger, (t.kind, i))
            if first[0] is not t.kind:
                self.report(
                    (*loc, "kind"),
                    Text(
                        "trigger '%(trigger)s' is %(first)s in transition %(n)s but %(kind)s here",
                        trigger=t.trigger,
                        first=first[0].value,
                        n=first[1] + 1,
                        kind=t.kind.value,
                    ),
                )
            self._check_kind(loc, t)

    def _check_kind(self, loc: Loc, t: Transition) -> None:
        scheduled = t.kind is TransitionKind.scheduled
        if scheduled and t.schedule is None:
            self.report(loc, Text("a scheduled transition needs 'schedule'"))
        if scheduled and t.on_holiday is None:
            self.report(
                loc,
                Text("a scheduled transition needs 'on_holiday' (run, skip or next_working_day)"),
            )
        if not scheduled and t.schedule is not None:
            self.report(
                (*loc, "schedule"),
                Text("a %(kind)s transition takes no 'schedule'", kind=t.kind.value),
            )
        if not scheduled and t.on_holiday is not None:
            self.report(
                (*loc, "on_holiday"),
                Text("a %(kind)s transition takes no 'on_holiday'", kind=t.kind.value),
            )
        if t.kind is TransitionKind.manual and not t.roles:
            self.report(
                loc, Text("manual transition '%(trigger)s' needs 'roles'", trigger=t.trigger)
            )
        if t.kind is not TransitionKind.manual and (t.roles or t.fields or t.optional):
            self.report(
                loc,
                Text(
                    "only manual transitions take roles or fields ('%(trigger)s' is %(kind)s)",
                    trigger=t.trigger,
                    kind=t.kind.value,
                ),
            )
        if t.escalate_to is not None and t.escalate_to not in TREE_LEVELS[1:]:
            self.report(
                (*loc, "escalate_to"), Text("escalate_to must be kecamatan, kota or provinsi")
            )
        if sum((t.reroute, t.return_to_origin, t.escalate_to is not None)) > 1:
            self.report(loc, Text("choose one of reroute, return_to_origin and escalate_to"))
        if t.kind is TransitionKind.escalation and t.escalate_to is None:
            self.report(loc, Text("an escalation transition needs 'escalate_to'"))
        if t.reroute and not any(
            f in self.d.fields and self.d.fields[f].type is FieldType.unit for f in t.fields
        ):
            self.report((*loc, "reroute"), Text("a reroute transition must require a unit field"))
        for j, name in enumerate(t.source):
            state = self.d.states.get(name)
            if state is None:
                continue
            gateway = state.kind is StateKind.gateway
            automatic = t.kind is TransitionKind.automatic
            if gateway != automatic:
                self.report(
                    (*loc, "from", j),
                    Text("automatic transitions leave gateway states, and only they do")
                    if automatic
                    else Text(
                        "gateway '%(name)s' is left only by automatic transitions", name=name
                    ),
                )
            if t.kind is TransitionKind.escalation and (
                state.deadline is None or state.deadline.on_overdue is not OverdueAction.escalate
            ):
                self.report(
                    (*loc, "from", j),
                    Text(
                        "escalation leaves '%(name)s' on its deadline, but '%(name)s' has no "
                        "deadline with on_overdue: escalate",
                        name=name,
                    ),
                )

    def check_conditions(self) -> None:
        known = set(self.d.fields) | BUILTIN_VARIABLES
        for i, t in enumerate(self.d.transitions):
            if t.condition is None:
                continue
            loc: Loc = ("transitions", i, "condition")
            try:
                condition = compile_condition(t.condition)
            except ExpressionError as exc:
                line, column = self.source.content_start(loc)
                self.problems.append(
                    Problem(
                        self.source.path,
                        line,
                        column + exc.column - 1,
                        Text("invalid condition: %(problem)s", problem=text_of(exc)),
                    )
                )
                continue
            for variable in sorted(condition.free - known):
                self.report(
                    loc,
                    Text(
                        "condition uses %(unknown)s",
                        unknown=self._unknown("field", variable, self.d.fields),
                    ),
                )
            self.conditions[i] = condition
        for state_name, branches in self._gateway_branches():
            defaults = [i for i in branches if self.d.transitions[i].condition is None]
            if len(defaults) != 1 or defaults[0] != branches[-1]:
                self.report(
                    ("states", state_name),
                    Text(
                        "gateway '%(name)s' needs exactly one branch without a condition, "
                        "listed last (the default)",
                        name=state_name,
                    ),
                )

    def _gateway_branches(self) -> Iterator[tuple[str, list[int]]]:
        for name, state in self.d.states.items():
            if state.kind is StateKind.gateway:
                branches = [
                    i
                    for i, t in enumerate(self.d.transitions)
                    if name in t.source and t.kind is TransitionKind.automatic
                ]
                yield name, branches

    # -- graph ------------------------------------------------------------------------

    def check_graph(self) -> None:
        outgoing: dict[str, list[int]] = {name: [] for name in self.d.states}
        for i, t in enumerate(self.d.transitions):
            for name in t.source:
                if name in outgoing:
                    outgoing[name].append(i)
        for name, state in self.d.states.items():
            if state.kind is StateKind.end and outgoing[name]:
                first = outgoing[name][0]
                self.report(
                    ("transitions", first, "from"),
                    Text("end state '%(name)s' cannot have outgoing transitions", name=name),
                )
            if state.kind is not StateKind.end and not outgoing[name]:
                self.report(
                    ("states", name),
                    Text("state '%(name)s' is not an end state but has no way out", name=name),
                )
        starts = [n for n, s in self.d.states.items() if s.kind is StateKind.start]
        reached = set(starts)
        frontier = list(starts)
        while frontier:
            name = frontier.pop()
            for i in outgoing.get(name, []):
                dest = self.d.transitions[i].dest
                if dest in self.d.states and dest not in reached:
                    reached.add(dest)
                    frontier.append(dest)
        for name in self.d.states:
            if starts and name not in reached:
                self.report(
                    ("states", name),
                    Text("state '%(name)s' cannot be reached from the start", name=name),
                    key=True,
                )

    def check_ambiguity(self) -> None:
        candidates = [
            (i, t)
            for i, t in enumerate(self.d.transitions)
            if t.kind in (TransitionKind.manual, TransitionKind.scheduled)
        ]
        for (i, a), (j, b) in itertools.combinations(candidates, 2):
            if a.trigger != b.trigger or not set(a.source) & set(b.source):
                continue
            roles = set(a.roles) & set(b.roles)
            if a.kind is TransitionKind.manual and not roles:
                continue
            if self._may_overlap(i, j, roles):
                shared = sorted(set(a.source) & set(b.source))
                self.report(
                    ("transitions", j, "trigger"),
                    Text(
                        "ambiguous: trigger '%(trigger)s' from '%(state)s' is also transition "
                        "%(n)s, and their conditions can both hold",
                        trigger=b.trigger,
                        state=shared[0],
                        n=i + 1,
                    ),
                )

    def check_shared_triggers(self) -> None:
        """One firing runs one schedule, and a deadline takes one escalation trigger."""
        first: dict[str, int] = {}
        for i, t in enumerate(self.d.transitions):
            if t.kind is not TransitionKind.scheduled:
                continue
            j = first.setdefault(t.trigger, i)
            other = self.d.transitions[j]
            if (other.schedule, other.on_holiday) != (t.schedule, t.on_holiday):
                self.report(
                    ("transitions", i, "schedule"),
                    Text(
                        "scheduled trigger '%(trigger)s' must have the same schedule and "
                        "on_holiday as transition %(n)s",
                        trigger=t.trigger,
                        n=j + 1,
                    ),
                )
        escalation: dict[str, tuple[str, int]] = {}
        for i, t in enumerate(self.d.transitions):
            if t.kind is not TransitionKind.escalation:
                continue
            for name in t.source:
                trigger, j = escalation.setdefault(name, (t.trigger, i))
                if trigger != t.trigger:
                    self.report(
                        ("transitions", i, "trigger"),
                        Text(
                            "state '%(name)s' already escalates by '%(trigger)s' (transition "
                            "%(n)s): one escalation trigger per state",
                            name=name,
                            trigger=trigger,
                            n=j + 1,
                        ),
                    )

    def _may_overlap(self, i: int, j: int, roles: set[str]) -> bool:
        a, b = self.conditions.get(i), self.conditions.get(j)
        if self.d.transitions[i].condition is not None and a is None:
            return False  # invalid condition: already reported
        if self.d.transitions[j].condition is not None and b is None:
            return False
        if a is None or b is None or a.source == b.source:
            return True
        domains = self._domains(a.free | b.free, roles)
        if domains is None:
            return False  # cannot decide over open domains: no claim of ambiguity
        names = list(domains)
        for values in itertools.islice(
            itertools.product(*domains.values()), MAX_OVERLAP_COMBINATIONS
        ):
            context = dict(zip(names, values, strict=True))
            if a.evaluate(context) and b.evaluate(context):
                return True
        return False

    def _domains(self, variables: frozenset[str], roles: set[str]) -> dict[str, list[Any]] | None:
        domains: dict[str, list[Any]] = {}
        for name in variables:
            field = self.d.fields.get(name)
            if name == "role":
                domains[name] = sorted(roles)
            elif name == "channel":
                domains[name] = [*self.d.channels, None]
            elif field is not None and field.type is FieldType.bool:
                domains[name] = [True, False, None]
            elif field is not None and field.type is FieldType.choice and field.choices:
                domains[name] = [*field.choices, None]
            else:
                return None
        return domains
