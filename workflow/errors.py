"""Errors of the model layer, each carrying where in the source it was found."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with a definition file, at the place a person would fix it."""

    path: str
    line: int
    column: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}: {self.message}"


class DefinitionError(Exception):
    """A definition could not be loaded; ``problems`` lists every issue found in one run.

    Loading is all-or-nothing: a file with any problem yields no definition at all.
    """

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class ExpressionError(ValueError):
    """A condition is not a valid expression; ``column`` is 1-based within the expression."""

    def __init__(self, message: str, column: int = 1) -> None:
        self.column = column
        super().__init__(message)
