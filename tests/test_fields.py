"""Field coercion: what an officer types becomes a value a condition can compare."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from workflow.definition import FieldSpec, FieldType
from workflow.fields import MAX_TEXT, FieldErrors, FieldValueError, coerce, coerce_all

CHOICES = ("kebersihan", "jalan")


def spec(kind: FieldType, **extra: Any) -> FieldSpec:
    if kind is FieldType.choice:
        extra.setdefault("choices", CHOICES)
    return FieldSpec(type=kind, title=kind.value, **extra)


GOOD: list[tuple[FieldType, Any, Any]] = [
    (FieldType.text, "  Jalan berlubang ", "Jalan berlubang"),
    (FieldType.text, 12, "12"),
    (FieldType.text, "x" * MAX_TEXT, "x" * MAX_TEXT),
    (FieldType.bool, True, True),
    (FieldType.bool, False, False),
    (FieldType.bool, "Ya", True),
    (FieldType.bool, " tidak ", False),
    (FieldType.bool, "true", True),
    (FieldType.bool, "0", False),
    (FieldType.int, 3, 3),
    (FieldType.int, " 42 ", 42),
    (FieldType.int, 2.0, 2),
    (FieldType.number, "2.5", 2.5),
    (FieldType.number, 7, 7.0),
    (FieldType.date, "2024-03-11", "2024-03-11"),
    (FieldType.date, dt.date(2024, 3, 11), "2024-03-11"),
    (FieldType.choice, "jalan", "jalan"),
    (FieldType.unit, "31.74.01.1001", "31.74.01.1001"),
    (FieldType.unit, " 31.74 ", "31.74"),
    (FieldType.unit, "SUDIN-SDA-JS", "SUDIN-SDA-JS"),
]
"""Values each field type accepts, and what they become."""

BAD: list[tuple[FieldType, Any, str]] = [
    (FieldType.text, None, "a value is required"),
    (FieldType.text, "   ", "must be non-empty text"),
    (FieldType.text, ["a"], "must be non-empty text"),
    (FieldType.text, "x" * (MAX_TEXT + 1), f"at most {MAX_TEXT} characters, got 4001"),
    (FieldType.bool, "maybe", "must be true or false, got 'maybe'"),
    (FieldType.bool, 1, "must be true or false, got 1"),
    (FieldType.int, 2.5, "must be a whole number, got 2.5"),
    (FieldType.int, True, "must be a whole number, got True"),
    (FieldType.int, "dua", "must be a whole number, got 'dua'"),
    (FieldType.int, float("inf"), "must be a whole number, got inf"),
    (FieldType.number, "abc", "must be a number, got 'abc'"),
    (FieldType.number, False, "must be a number, got False"),
    (FieldType.number, "nan", "must be a finite number"),
    (FieldType.number, "-inf", "must be a finite number"),
    (FieldType.number, 10**400, "must be a finite number"),
    (FieldType.date, "2024-02-30", "must be a date YYYY-MM-DD, got '2024-02-30'"),
    (
        FieldType.date,
        dt.datetime(2024, 3, 11, 9),
        "must be a date YYYY-MM-DD, got datetime.datetime(2024, 3, 11, 9, 0)",
    ),
    (FieldType.choice, "banjir", "must be one of kebersihan, jalan; got 'banjir'"),
    (
        FieldType.unit,
        "kantor lurah",
        "must be a unit code like 31.74.01.1001, got 'kantor lurah'",
    ),
]
"""Values each field type refuses, and why."""


def short(value: Any) -> str:
    """A test id that stays readable for long values."""
    text = str(value)
    return text if len(text) <= 24 else f"{text[:20]}..."


@pytest.mark.parametrize(("kind", "value", "expected"), GOOD, ids=short)
def test_good_value_is_typed(kind: FieldType, value: Any, expected: Any) -> None:
    result = coerce("f", spec(kind), value)
    assert result == expected
    assert type(result) is type(expected)


@pytest.mark.parametrize(("kind", "value", "message"), BAD, ids=short)
def test_bad_value_is_refused_with_the_field_name(
    kind: FieldType, value: Any, message: str
) -> None:
    with pytest.raises(FieldValueError) as info:
        coerce("f", spec(kind), value)
    assert info.value.field == "f"
    assert str(info.value) == f"field 'f': {message}"


def test_text_respects_the_fields_own_max_length() -> None:
    assert coerce("f", spec(FieldType.text, max_length=3), "abc") == "abc"
    with pytest.raises(FieldValueError, match="at most 3 characters, got 4"):
        coerce("f", spec(FieldType.text, max_length=3), "abcd")


def test_text_with_a_nul_character_is_refused() -> None:
    with pytest.raises(FieldValueError, match="field 'f': NUL characters are not allowed"):
        coerce("f", spec(FieldType.text), "catatan\x00rahasia")


def test_every_field_type_has_good_and_bad_examples() -> None:
    assert {kind for kind, _, _ in GOOD} == {kind for kind, _, _ in BAD} == set(FieldType)


SPECS = {
    "needs_review": spec(FieldType.bool),
    "count": spec(FieldType.int),
    "note": spec(FieldType.text),
    "unit": spec(FieldType.unit),
}


def test_coerce_all_types_required_and_optional_fields() -> None:
    values = coerce_all(
        SPECS,
        {"needs_review": "ya", "count": "3", "note": " ok "},
        required=("needs_review", "count"),
        optional=("note", "unit"),
    )
    assert values == {"needs_review": True, "count": 3, "note": "ok"}


def test_coerce_all_treats_an_empty_optional_field_as_not_given() -> None:
    values = coerce_all(SPECS, {"count": 1, "note": ""}, required=("count",), optional=("note",))
    assert values == {"count": 1}


def test_coerce_all_reports_every_mistake_together() -> None:
    with pytest.raises(FieldErrors) as info:
        coerce_all(
            SPECS,
            {"count": "dua", "note": "", "unit": "x", "colour": "red", "age": 3},
            required=("needs_review", "count", "note"),
            optional=("unit",),
        )
    assert info.value.errors == [
        "field 'age' is not taken by this step",
        "field 'colour' is not taken by this step",
        "field 'needs_review' is required",
        "field 'note' is required",
        "field 'count': must be a whole number, got 'dua'",
        "field 'unit': must be a unit code like 31.74.01.1001, got 'x'",
    ]
    assert str(info.value) == "; ".join(info.value.errors)
