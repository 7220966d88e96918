"""Complaint numbers: fresh ones round-trip, typos are caught, sloppy typing is forgiven."""

from __future__ import annotations

import re

import pytest

from engine.numbers import ALPHABET, new_number, normalise

NUMBER = "DK-10V7-KQ4M-X9P2-Y"
"""A valid number holding the characters that have look-alikes (1, 0, V)."""
CODE = NUMBER.replace("-", "")[2:]
"""Its twelve body characters and the check character, as typed without the prefix."""
SHAPE = re.compile(rf"^DK-[{ALPHABET}]{{4}}-[{ALPHABET}]{{4}}-[{ALPHABET}]{{4}}-[{ALPHABET}]$")


def typed(code: str) -> str:
    """``code`` (13 characters) as a number with its prefix and dashes."""
    return f"DK-{code[0:4]}-{code[4:8]}-{code[8:12]}-{code[12]}"


def test_the_fixed_number_is_valid() -> None:
    assert normalise(NUMBER) == NUMBER


def test_new_numbers_have_the_printed_shape_and_normalise_to_themselves() -> None:
    numbers = [new_number() for _ in range(500)]
    for number in numbers:
        assert SHAPE.match(number), number
        assert normalise(number) == number
    assert len(set(numbers)) == len(numbers)


def test_every_single_character_typo_is_rejected() -> None:
    tried = 0
    for position, original in enumerate(CODE):
        for replacement in ALPHABET:
            if replacement == original:
                continue
            mistyped = CODE[:position] + replacement + CODE[position + 1 :]
            assert normalise(typed(mistyped)) is None, mistyped
            tried += 1
    assert tried == len(CODE) * (len(ALPHABET) - 1)


def test_every_swap_of_neighbouring_characters_is_rejected() -> None:
    swaps = 0
    for position in range(len(CODE) - 1):
        a, b = CODE[position], CODE[position + 1]
        if a == b:
            continue
        swapped = CODE[:position] + b + a + CODE[position + 2 :]
        assert normalise(typed(swapped)) is None, swapped
        swaps += 1
    assert swaps == len(CODE) - 1  # the check character's swap included


def test_swapping_neighbouring_0_and_z_is_the_one_swap_the_luhn_check_misses() -> None:
    # Luhn mod N cannot see a swap of the first and last character of the alphabet; the
    # module says "almost every swap". Every other pair of neighbours is caught.
    body = "7KQ4MX9P2H0Z"
    valid = [c for c in ALPHABET if normalise(typed(body + c))]
    assert len(valid) == 1
    swapped = body[:-2] + "Z0" + valid[0]
    assert normalise(typed(swapped)) == typed(swapped)


@pytest.mark.parametrize(
    "variant",
    [
        NUMBER.lower(),
        NUMBER.replace("-", ""),
        "dk10v7kq4mx9p2y",
        " DK 10V7 KQ4M X9P2 Y ",
        "DK-1OV7-KQ4M-X9P2-Y",  # O for 0
        "DK-I0V7-KQ4M-X9P2-Y",  # I for 1
        "DK-l0V7-KQ4M-X9P2-Y",  # l for 1
        "DK-10U7-KQ4M-X9P2-Y",  # U for V
        "dk-lou7-kq4m-x9p2-y",
    ],
)
def test_lower_case_missing_dashes_and_look_alike_letters_are_accepted(variant: str) -> None:
    assert normalise(variant) == NUMBER


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "---",
        "DK",
        "DK-10V7-KQ4M-X9P2",  # no check character
        "DK-10V7-KQ4M-X9P2-YY",  # one too many
        "DK-10V7-KQ4M-X9P2-Y-0",
        "hello world",
        "DK-10V7-KQ4M-X9P2-Ω",
        "DK-\u0661\u0660V7-KQ4M-X9P2-Y",  # Arabic-Indic digits: alphanumeric, not Crockford
        "XX-10V7-KQ4M-X9P2-Y",
    ],
)
def test_malformed_input_returns_none_instead_of_raising(text: str) -> None:
    assert normalise(text) is None
