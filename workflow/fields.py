"""Typed case fields: turning what an actor typed into values a condition can compare."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from workflow.definition import FieldSpec, FieldType
from workflow.messages import Text, joined, text_of

UNIT_CODE = re.compile(r"^\d{2}(\.\d{2}(\.\d{2}(\.\d{4})?)?)?$|^[A-Z0-9][A-Z0-9.-]{1,31}$")
"""Kemendagri codes (31, 31.74, 31.74.01, 31.74.01.1001) or an office/agency code."""

MAX_TEXT = 4000
"""Longest text value accepted when a field sets no ``max_length`` (Open311's limit)."""

_TRUE = {"true", "1", "yes", "ya", "on"}
_FALSE = {"false", "0", "no", "tidak", "off"}


class FieldValueError(ValueError):
    """A supplied value does not fit its field; ``field`` names it."""

    def __init__(self, field: str, message: Text) -> None:
        self.field = field
        super().__init__(Text("field '%(field)s': %(problem)s", field=field, problem=message))


class FieldErrors(ValueError):
    """Every mistake in the fields supplied to one step, reported together."""

    def __init__(self, errors: list[str]) -> None:
        self.errors = errors
        super().__init__(joined(errors))


def coerce(name: str, spec: FieldSpec, value: Any) -> Any:
    """The typed value of ``value`` for field ``name``; strings from forms and CLIs accepted."""
    if value is None:
        raise FieldValueError(name, Text("a value is required"))
    kind = spec.type
    if kind is FieldType.text:
        text = str(value).strip() if isinstance(value, str | int | float) else None
        if not text:
            raise FieldValueError(name, Text("must be non-empty text"))
        if "\x00" in text:
            raise FieldValueError(name, Text("NUL characters are not allowed"))
        limit = spec.max_length or MAX_TEXT
        if len(text) > limit:
            raise FieldValueError(
                name,
                Text("at most %(limit)s characters, got %(length)s", limit=limit, length=len(text)),
            )
        return text
    if kind is FieldType.bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
            return value.strip().lower() in _TRUE
        raise FieldValueError(name, Text("must be true or false, got %(value)r", value=value))
    if kind is FieldType.int:
        try:
            if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
                raise ValueError
            return int(value)
        except (TypeError, ValueError):
            raise FieldValueError(
                name, Text("must be a whole number, got %(value)r", value=value)
            ) from None
    if kind is FieldType.number:
        try:
            if isinstance(value, bool):
                raise ValueError
            number = float(value)
        except OverflowError:
            raise FieldValueError(name, Text("must be a finite number")) from None
        except (TypeError, ValueError):
            raise FieldValueError(
                name, Text("must be a number, got %(value)r", value=value)
            ) from None
        if number != number or number in (float("inf"), float("-inf")):
            raise FieldValueError(name, Text("must be a finite number"))
        return number
    if kind is FieldType.date:
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return value.isoformat()
        try:
            return dt.date.fromisoformat(str(value)).isoformat()
        except ValueError:
            raise FieldValueError(
                name, Text("must be a date YYYY-MM-DD, got %(value)r", value=value)
            ) from None
    if kind is FieldType.choice:
        choices = spec.choices or ()
        if value not in choices:
            raise FieldValueError(
                name,
                Text(
                    "must be one of %(choices)s; got %(value)r",
                    choices=", ".join(choices),
                    value=value,
                ),
            )
        return value
    code = str(value).strip()
    if not UNIT_CODE.match(code):
        raise FieldValueError(
            name, Text("must be a unit code like 31.74.01.1001, got %(value)r", value=value)
        )
    return code


def coerce_all(
    specs: Mapping[str, FieldSpec],
    supplied: Mapping[str, Any],
    required: tuple[str, ...],
    optional: tuple[str, ...] = (),
) -> dict[str, Any]:
    """Check and type every supplied field; collect all mistakes into one error message."""
    errors: list[str] = []
    values: dict[str, Any] = {}
    allowed = set(required) | set(optional)
    for name in sorted(set(supplied) - allowed):
        errors.append(Text("field '%(field)s' is not taken by this step", field=name))
    for name in required:
        if supplied.get(name) in (None, ""):
            errors.append(Text("field '%(field)s' is required", field=name))
    for name in (*required, *optional):
        raw = supplied.get(name)
        if raw in (None, ""):
            continue
        try:
            values[name] = coerce(name, specs[name], raw)
        except FieldValueError as exc:
            errors.append(text_of(exc))
    if errors:
        raise FieldErrors(errors)
    return values
