"""YAML parsing that remembers where every node came from.

Pydantic validates plain Python data, but people fix files by line and column, so the
parser returns the plain data together with an index from each node's path (the same
tuple pydantic reports as an error's ``loc``) to its 1-based line and column.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.composer import MaxDepthExceededError
from ruamel.yaml.error import MarkedYAMLError, YAMLError, YAMLFutureWarning, YAMLWarning

from workflow.errors import DefinitionError, Problem
from workflow.messages import Text

Loc = tuple[str | int, ...]

_MARK = re.compile(r"line (\d+), column (\d+)")
"""How ruamel.yaml prints a 1-based position inside a warning's text."""

MAX_DEPTH = 64
"""Deepest nesting of mappings and lists accepted (a definition needs about six): deeper
input is refused with its location instead of exhausting Python's recursion limit."""

_LINE_BREAK = re.compile(r"\r\n|[\r\n\x85\u2028\u2029]")
"""What ruamel.yaml counts as a new line when it reports positions."""


@dataclass
class Source:
    """Parsed YAML: plain data plus the position of every key and value."""

    path: str
    data: Any
    keys: dict[Loc, tuple[int, int]] = field(default_factory=dict)
    values: dict[Loc, tuple[int, int]] = field(default_factory=dict)
    text: str = field(default="", repr=False)

    def position(self, loc: Loc, *, key: bool = False) -> tuple[int, int]:
        """The best position for ``loc``: the node itself, else its nearest ancestor."""
        index = (self.keys, self.values) if key else (self.values, self.keys)
        probe = tuple(loc)
        while True:
            for table in index:
                if probe in table:
                    return table[probe]
            if not probe:
                return (1, 1)
            probe = probe[:-1]

    def content_start(self, loc: Loc) -> tuple[int, int]:
        """Where the characters of the scalar at ``loc`` begin: past the opening quote of
        a quoted one, so a column within the string maps onto the file."""
        line, column = self.position(loc)
        lines = _LINE_BREAK.split(self.text)
        if 0 < line <= len(lines) and lines[line - 1][column - 1 : column] in ("'", '"'):
            return line, column + 1
        return line, column

    def problem(self, loc: Loc, message: Text, *, key: bool = False) -> Problem:
        line, column = self.position(loc, key=key)
        return Problem(self.path, line, column, message)


def parse(text: str, path: str) -> Source:
    """Parse ``text`` as YAML 1.2 (so ``on``/``yes`` stay strings) and index positions.

    Raises ``DefinitionError`` for syntax errors, duplicate keys, reused anchors and
    recursive aliases, with their location.
    """
    yaml = YAML(typ="rt", pure=True)
    yaml.allow_duplicate_keys = False
    yaml.max_depth = MAX_DEPTH
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", YAMLWarning)
            warnings.simplefilter("always", YAMLFutureWarning)
            raw = yaml.load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        message = " ".join(str(part) for part in (exc.context, exc.problem) if part)
        if isinstance(exc, MaxDepthExceededError):
            message = Text("nested deeper than %(n)s levels", n=MAX_DEPTH)
        raise DefinitionError(
            [Problem(path, line, column, Text("YAML: %(problem)s", problem=message))]
        ) from None
    except YAMLError as exc:
        raise DefinitionError(
            [Problem(path, 1, 1, Text("YAML: %(problem)s", problem=str(exc)))]
        ) from None
    problems = []
    for caught_warning in caught:
        if issubclass(caught_warning.category, YAMLWarning | YAMLFutureWarning):
            problems.append(_warning_problem(path, caught_warning.message))
        else:  # not about the text: let it through as it came
            warnings.warn_explicit(
                caught_warning.message,
                caught_warning.category,
                caught_warning.filename,
                caught_warning.lineno,
            )
    if problems:
        raise DefinitionError(problems)
    source = Source(path=path, data=None, text=text)
    source.data = _plain(raw, (), source)
    return source


def _warning_problem(path: str, warning: Warning | str) -> Problem:
    """ruamel.yaml warns, rather than fails, on e.g. a reused anchor name; in a definition
    that is a copy-and-paste mistake (later aliases silently take the second value), and a
    pure loader must not print, so it becomes a problem at the place ruamel names last."""
    text = str(warning)
    marks = _MARK.findall(text)
    line, column = (int(marks[-1][0]), int(marks[-1][1])) if marks else (1, 1)
    first = next((part.strip() for part in text.splitlines() if part.strip()), "warning")
    return Problem(path, line, column, Text("YAML: %(problem)s", problem=first))


def _plain(node: Any, loc: Loc, source: Source, outer: frozenset[int] = frozenset()) -> Any:
    if isinstance(node, CommentedMap | CommentedSeq):
        if id(node) in outer:
            # An alias inside its own anchor (``&a [*a]``) would recurse forever.
            line, column = source.position(loc)
            raise DefinitionError(
                [Problem(source.path, line, column, Text("YAML: recursive alias"))]
            )
        outer = outer | {id(node)}
    if isinstance(node, CommentedMap):
        result: dict[Hashable, Any] = {}
        for key, value in node.items():
            child = (*loc, key if isinstance(key, str | int) else str(key))
            key_pos = node.lc.key(key)
            value_pos = node.lc.value(key)
            source.keys[child] = (key_pos[0] + 1, key_pos[1] + 1)
            source.values[child] = (value_pos[0] + 1, value_pos[1] + 1)
            result[key] = _plain(value, child, source, outer)
        return result
    if isinstance(node, CommentedSeq):
        items = []
        for i, value in enumerate(node):
            line, column = node.lc.item(i)
            source.values[(*loc, i)] = (line + 1, column + 1)
            items.append(_plain(value, (*loc, i), source, outer))
        return items
    if node is None or isinstance(node, bool | int | float):
        return node
    if isinstance(node, str):
        return str(node)
    return node
