"""Complaint numbers: unguessable, easy to read aloud, and typo-checked.

Twelve random characters of Crockford's base32 (60 bits: guessing one among a million
cases takes ~10^12 tries) and one check character by the Luhn mod N algorithm, which
catches every single mistyped character and almost every swap of neighbours. Crockford's
alphabet has no I, L, O or U; when read back, those are taken as 1, 1, 0 and V.
"""

from __future__ import annotations

import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_VALUE = {c: i for i, c in enumerate(ALPHABET)}
_ALIASES = str.maketrans({"I": "1", "L": "1", "O": "0", "U": "V"})
PREFIX = "DK"
"""Every number starts with this, so a number is recognisable in a message or a receipt."""
BODY = 12


def new_number() -> str:
    """A fresh random number, e.g. ``DK-7KQ4-MX9P-2H8D-5``.

    One read of the system's randomness gives all twelve characters, five bits each (the
    alphabet has 32 letters, so each is uniform): a character per ``secrets.choice`` took
    a system call each, 40 µs a number, which bulk intake felt.
    """
    bits = int.from_bytes(secrets.token_bytes(8), "big")
    body = "".join(ALPHABET[(bits >> (5 * i)) & 31] for i in range(BODY))
    return _format(body + _check(body))


def normalise(text: str) -> str | None:
    """The canonical form of a typed number, or None when it is malformed or mistyped.

    Accepts lower case, missing dashes and spaces, and the look-alike letters.
    """
    cleaned = "".join(ch for ch in text.upper() if ch.isalnum()).translate(_ALIASES)
    if cleaned.startswith(PREFIX):
        cleaned = cleaned[len(PREFIX) :]
    if len(cleaned) != BODY + 1 or any(ch not in _VALUE for ch in cleaned):
        return None
    body, check = cleaned[:-1], cleaned[-1]
    if _check(body) != check:
        return None
    return _format(cleaned)


def _check(body: str) -> str:
    n = len(ALPHABET)
    total = 0
    factor = 2
    for ch in reversed(body):
        addend = factor * _VALUE[ch]
        total += addend // n + addend % n
        factor = 1 if factor == 2 else 2
    return ALPHABET[(n - total % n) % n]


def _format(code: str) -> str:
    groups = [code[i : i + 4] for i in range(0, BODY, 4)]
    return "-".join([PREFIX, *groups, code[BODY:]])
