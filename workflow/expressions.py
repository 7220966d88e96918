"""Conditions in CEL (Common Expression Language), compiled once and evaluated safely.

CEL is side-effect free and terminates, so an administrator's YAML can never run code.
Every declared case field is a top-level variable (``needs_field_review == true``); fields
a case has not set are ``null``, so a condition never fails on a missing key. The same
compiled program is used by validation, the machine and the engine: one evaluator.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import cel

from workflow.errors import ExpressionError
from workflow.messages import Text

BUILTIN_VARIABLES: frozenset[str] = frozenset({"channel", "category", "role", "unit_level"})
"""Variables every condition may use besides the definition's fields."""

STANDARD_FUNCTIONS: frozenset[str] = frozenset(
    {
        "size", "has", "matches", "contains", "startsWith", "endsWith",
        "int", "uint", "double", "string", "bool", "bytes", "dyn", "type",
        "timestamp", "duration", "getFullYear", "getMonth", "getDate", "getDayOfMonth",
        "getDayOfWeek", "getDayOfYear", "getHours", "getMinutes", "getSeconds",
        "exists", "exists_one", "all", "map", "filter",
    }
)  # fmt: skip
"""CEL's standard functions and macros. Any other name is a typo: CEL would compile it
and fail at run time, so the guard would silently never hold."""

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
"""Operators are reported as names like ``_&&_`` or ``@in``; functions as identifiers."""
_POSITION = re.compile(r"<input>:(\d+):(\d+): (.*?)(?:\n|$)")
_BINDING = re.compile(
    r"\.\s*(?:all|exists|exists_one|map|filter)\s*\(\s*([A-Za-z_][A-Za-z0-9_]*)\s*,"
)
"""A macro's loop variable, as in ``["a", "b"].exists(c, c == category)``."""


@dataclass(frozen=True)
class Condition:
    """A compiled CEL boolean expression and the variables it reads."""

    source: str
    variables: frozenset[str]
    """Every name the expression reads, including its macros' loop variables."""
    bound: frozenset[str]
    """The loop variables of its macros: names it defines, not fields it needs."""
    _program: Any = field(repr=False, compare=False, hash=False)

    @property
    def free(self) -> frozenset[str]:
        """The names that must come from the case or the builtins."""
        return self.variables - self.bound

    def evaluate(self, context: Mapping[str, Any]) -> bool:
        """True only when the expression yields exactly ``true``.

        A runtime error (comparing a null, a type mismatch) counts as false: a guard that
        cannot be decided must not let a transition through.
        """
        try:
            return self._program.execute(dict(context)) is True
        except Exception:
            return False


def compile_condition(source: str) -> Condition:
    """Compile ``source`` or raise ``ExpressionError`` with the column of the mistake."""
    if not isinstance(source, str) or not source.strip():
        raise ExpressionError(Text("a condition must be a non-empty CEL expression"))
    try:
        program = cel.compile(source)
    except (ValueError, RuntimeError) as exc:
        text = str(exc)
        # cel-parser reports some macro errors twice, once at the meaningless ``0:0``.
        match = next((m for m in _POSITION.finditer(text) if int(m.group(2)) >= 1), None)
        if match:
            raise ExpressionError(match.group(3).strip(), int(match.group(2))) from None
        raise ExpressionError(text.splitlines()[0] if text else "invalid expression") from None
    unknown = sorted(
        name
        for name in program.functions()
        if name not in STANDARD_FUNCTIONS and _IDENTIFIER.fullmatch(name)
    )
    if unknown:
        column = source.find(unknown[0]) + 1 or 1
        raise ExpressionError(Text("unknown function '%(name)s'", name=unknown[0]), column)
    bound = frozenset(_BINDING.findall(source))
    return Condition(source, frozenset(program.variables()), bound, program)


def context_for(fields: Iterable[str], data: Mapping[str, Any], **builtins: Any) -> dict[str, Any]:
    """The variables a condition sees: every declared field (null when unset) and builtins."""
    context: dict[str, Any] = dict.fromkeys(fields)
    context.update({k: v for k, v in data.items() if k in context})
    context.update(dict.fromkeys(BUILTIN_VARIABLES))
    context.update(builtins)
    return context
