"""The state machine of a definition, built once with ``transitions`` and shared by all cases.

A case is never attached to the machine (see LIBRARIES.md: attaching thousands of models
is quadratic and keeps them alive). Firing uses a throwaway token carrying only a state:
``machine.events[trigger].trigger(token, ...)``. Guards are closures over the compiled
CEL conditions, so the library chooses which transition fires, in definition order, and
an ``after`` callback tells us which one it was.
"""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from transitions import Machine, MachineError

from workflow.calendar import BusinessCalendar
from workflow.definition import Definition, StateKind, Transition, TransitionKind, UnitLevel
from workflow.expressions import Condition, compile_condition, context_for
from workflow.fields import FieldErrors, coerce_all
from workflow.messages import Text, text_of
from workflow.schedule import Firing, next_due

MAX_GATEWAY_HOPS = 32
"""Automatic branches followed after one step before we call the definition cyclic."""

_CACHE_SIZE = 64


class ActionRefused(Exception):
    """A step may not be taken; the message says why in words an officer understands."""


@dataclass(frozen=True)
class Step:
    """One transition taken: the unit of the event log."""

    transition: Transition
    source: str
    dest: str

    @property
    def trigger(self) -> str:
        return self.transition.trigger


@dataclass(frozen=True)
class Outcome:
    """The result of firing a trigger: the steps (the trigger plus gateway branches)."""

    steps: tuple[Step, ...]
    state: str
    data: dict[str, Any]
    changes: dict[str, Any] = field(default_factory=dict)
    """The fields the actor supplied, typed; ``data`` already includes them."""

    @property
    def escalate_to(self) -> UnitLevel | None:
        """The last escalation among the steps: the level the case's unit moves to."""
        levels = [s.transition.escalate_to for s in self.steps if s.transition.escalate_to]
        return levels[-1] if levels else None


class _Token:
    """What ``transitions`` fires on: a state and nothing else."""

    __slots__ = ("state",)

    def __init__(self, state: str) -> None:
        self.state = state


class WorkflowMachine:
    """Answers what may happen to a case of one definition version, and applies it."""

    def __init__(self, definition: Definition) -> None:
        self.definition = definition
        self.conditions: dict[int, Condition] = {
            i: compile_condition(t.condition)
            for i, t in enumerate(definition.transitions)
            if t.condition is not None
        }
        self.calendar = BusinessCalendar.from_spec(definition.calendar, definition.timezone)
        self._condition_of: dict[int, Condition] = {
            id(definition.transitions[i]): c for i, c in self.conditions.items()
        }
        self._leaving: dict[tuple[str, str | None], tuple[Transition, ...]] = {}
        self._machine = Machine(
            model=None,
            states=list(definition.states),
            initial=definition.start_state,
            auto_transitions=False,
            ignore_invalid_triggers=False,
        )
        for i, t in enumerate(definition.transitions):
            self._machine.add_transition(
                t.trigger,
                list(t.source),
                t.dest,
                conditions=[self._guard(i, t)],
                after=[self._recorder(t)],
            )

    # -- questions --------------------------------------------------------------------

    def transitions_from(self, state: str, trigger: str | None = None) -> tuple[Transition, ...]:
        """Transitions leaving ``state`` (optionally for one trigger), in definition order.

        Remembered per (state, trigger): replay asks once per event.
        """
        key = (state, trigger)
        found = self._leaving.get(key)
        if found is None:
            found = self._leaving[key] = tuple(
                t
                for t in self.definition.transitions
                if state in t.source and (trigger is None or t.trigger == trigger)
            )
        return found

    def condition_holds(
        self, transition: Transition, data: Mapping[str, Any], **builtins: Any
    ) -> bool:
        """Whether ``transition``'s condition holds for this data (true when it has none)."""
        if transition.condition is None:
            return True
        return self._holds(transition, context_for(self.definition.fields, data, **builtins))

    def _holds(self, transition: Transition, context: dict[str, Any]) -> bool:
        condition = self._condition_of.get(id(transition))
        return condition is None or condition.evaluate(context)

    def resolve(
        self,
        state: str,
        trigger: str,
        data: Mapping[str, Any],
        *,
        kinds: tuple[TransitionKind, ...],
        facts: Mapping[str, Any] | None = None,
    ) -> Outcome | None:
        """What ``fire`` would do for the engine itself (no role), or None if nothing applies.

        The set-based tick applies one trigger to thousands of cases; this takes the same
        decision (first transition in definition order whose condition holds, then the
        gateway branches) without the library's per-call cost. A test holds the two equal.
        """
        context = context_for(self.definition.fields, data, **(facts or {}))
        for t in self.transitions_from(state, trigger):
            if t.kind in kinds and self._holds(t, context):
                steps = [Step(t, state, t.dest), *self._follow_gateways(t.dest, context)]
                return Outcome(tuple(steps), steps[-1].dest, dict(data))
        return None

    def actions(
        self,
        state: str,
        role: str,
        data: Mapping[str, Any],
        facts: Mapping[str, Any] | None = None,
    ) -> list[Transition]:
        """Manual transitions ``role`` may take now; one per trigger.

        A condition that reads fields the actor has yet to supply is not known until the
        form is filled in, so such transitions are offered and checked on submission.
        """
        offered: dict[str, Transition] = {}
        for t in self.transitions_from(state):
            if t.kind is not TransitionKind.manual or role not in t.roles:
                continue
            if t.trigger in offered:
                continue
            if self._reads_supplied(t) or self.condition_holds(
                t, data, **{**(facts or {}), "role": role}
            ):
                offered[t.trigger] = t
        return list(offered.values())

    def _reads_supplied(self, t: Transition) -> bool:
        condition = self._condition_of.get(id(t))
        return condition is not None and bool(condition.variables & {*t.fields, *t.optional})

    def next_due(self, trigger: str, after: dt.datetime) -> Firing | None:
        """When scheduled ``trigger`` is next due strictly after ``after``, under the
        definition's timezone, calendar and the trigger's holiday rule."""
        transition = next(
            (
                t
                for t in self.definition.transitions_of(TransitionKind.scheduled)
                if t.trigger == trigger
            ),
            None,
        )
        if transition is None or transition.schedule is None or transition.on_holiday is None:
            raise ActionRefused(Text("'%(trigger)s' is not a scheduled trigger", trigger=trigger))
        return next_due(transition.schedule, after, self.calendar, transition.on_holiday)

    # -- firing -----------------------------------------------------------------------

    def fire(
        self,
        state: str,
        trigger: str,
        *,
        data: Mapping[str, Any],
        role: str | None = None,
        facts: Mapping[str, Any] | None = None,
        supplied: Mapping[str, Any] | None = None,
        kinds: tuple[TransitionKind, ...] = (TransitionKind.manual,),
    ) -> Outcome:
        """Fire ``trigger`` from ``state`` and follow gateway branches.

        ``role`` is the actor's role for manual steps and ``None`` for the scheduler;
        ``facts`` are the case's builtin variables (``channel``, ``category``,
        ``unit_level``) that conditions may read besides its fields.
        Raises ``ActionRefused`` with the reason when the step may not be taken.
        """
        if state not in self.definition.states:
            raise ActionRefused(Text("unknown state '%(state)s'", state=state))
        candidates = [t for t in self.transitions_from(state, trigger) if t.kind in kinds]
        if not candidates:
            if not any(t.trigger == trigger for t in self.definition.transitions):
                raise ActionRefused(Text("unknown action '%(trigger)s'", trigger=trigger))
            raise ActionRefused(
                Text(
                    "action '%(trigger)s' is not possible in state '%(state)s'",
                    trigger=trigger,
                    state=state,
                )
            )
        if role is not None:
            candidates = [t for t in candidates if role in t.roles]
            if not candidates:
                raise ActionRefused(
                    Text(
                        "role '%(role)s' may not take action '%(trigger)s'",
                        role=role,
                        trigger=trigger,
                    )
                )
        changes = self._typed_fields(candidates[0], supplied or {})
        merged = {**data, **changes}
        context = context_for(self.definition.fields, merged, **{**(facts or {}), "role": role})
        steps = self._trigger(state, trigger, context, role)
        if not steps:
            raise ActionRefused(
                Text("the condition of action '%(trigger)s' does not hold", trigger=trigger)
            )
        steps += self._follow_gateways(steps[-1].dest, context)
        return Outcome(tuple(steps), steps[-1].dest, merged, changes)

    def _typed_fields(self, transition: Transition, supplied: Mapping[str, Any]) -> dict[str, Any]:
        try:
            return coerce_all(
                self.definition.fields, supplied, transition.fields, transition.optional
            )
        except FieldErrors as exc:
            raise ActionRefused(text_of(exc)) from None

    def _trigger(
        self, state: str, trigger: str, context: dict[str, Any], role: str | None
    ) -> list[Step]:
        token = _Token(state)
        fired: list[Transition] = []
        try:
            self._machine.events[trigger].trigger(token, context=context, role=role, fired=fired)
        except MachineError as exc:
            raise ActionRefused(str(exc.value)) from None
        return [Step(fired[0], state, token.state)] if fired else []

    def _follow_gateways(self, state: str, context: dict[str, Any]) -> list[Step]:
        steps: list[Step] = []
        while self.definition.states[state].kind is StateKind.gateway:
            if len(steps) >= MAX_GATEWAY_HOPS:
                raise ActionRefused(Text("gateways loop from state '%(state)s'", state=state))
            branches = [
                t for t in self.transitions_from(state) if t.kind is TransitionKind.automatic
            ]
            for trigger in dict.fromkeys(t.trigger for t in branches):
                taken = self._trigger(state, trigger, context, None)
                if taken:
                    steps += taken
                    state = taken[0].dest
                    break
            else:
                raise ActionRefused(Text("no branch of gateway '%(state)s' applies", state=state))
        return steps

    def _guard(self, index: int, transition: Transition) -> Any:
        condition = self.conditions.get(index)
        manual = transition.kind is TransitionKind.manual
        roles = frozenset(transition.roles)

        def guard(*, context: dict[str, Any], role: str | None, **_: Any) -> bool:
            if manual and role not in roles:
                return False
            return condition is None or condition.evaluate(context)

        return guard

    @staticmethod
    def _recorder(transition: Transition) -> Any:
        def record(*, fired: list[Transition], **_: Any) -> None:
            fired.append(transition)

        return record


_machines: OrderedDict[int, tuple[Definition, WorkflowMachine]] = OrderedDict()


def machine_for(definition: Definition) -> WorkflowMachine:
    """The machine of ``definition``, built once per loaded definition object.

    Definitions are immutable, so the object identity is a safe key; the definition is
    kept alongside so the id cannot be reused while cached.
    """
    key = id(definition)
    cached = _machines.get(key)
    if cached is not None and cached[0] is definition:
        _machines.move_to_end(key)
        return cached[1]
    machine = WorkflowMachine(definition)
    _machines[key] = (definition, machine)
    if len(_machines) > _CACHE_SIZE:
        _machines.popitem(last=False)
    return machine
