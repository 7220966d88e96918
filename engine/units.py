"""The organisation tree: loading it, and the scope rules that follow from it.

An officer acts on the cases of their own unit and of every unit below it (a camat for
every kelurahan of the kecamatan); escalation hands a case to an ancestor. The tree is
small (hundreds of units) and changes rarely, so it is read whole into memory.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from engine.errors import InvalidInput, NotFound
from engine.models import Unit
from workflow.definition import UnitLevel
from workflow.messages import Text

DATA = Path(__file__).resolve().parent / "data"
TREE_FILES = (DATA / "wilayah-dki-jakarta.csv", DATA / "offices.csv")
UNITS = Unit.__table__  # type: ignore[attr-defined]

_LEVEL_ALIASES = {"kabupaten": UnitLevel.kota}
"""Kepulauan Seribu is a kabupaten administrasi: for roles and escalation it is a kota."""


def level_of(raw: str) -> UnitLevel:
    return _LEVEL_ALIASES.get(raw) or UnitLevel(raw)


@dataclass(frozen=True)
class UnitTree:
    names: dict[str, str]
    levels: dict[str, UnitLevel]
    parents: dict[str, str | None]
    children: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def read(cls, conn: Connection) -> UnitTree:
        rows = conn.execute(sa.select(UNITS.c.code, UNITS.c.name, UNITS.c.level, UNITS.c.parent))
        names: dict[str, str] = {}
        levels: dict[str, UnitLevel] = {}
        parents: dict[str, str | None] = {}
        children: dict[str, list[str]] = {}
        for code, name, level, parent in rows:
            names[code], levels[code], parents[code] = name, level_of(level), parent
            if parent:
                children.setdefault(parent, []).append(code)
        return cls(names, levels, parents, children)

    def require(self, code: str) -> str:
        if code not in self.names:
            raise NotFound(Text("unknown unit '%(code)s'", code=code))
        return code

    def ancestors(self, code: str) -> list[str]:
        """``code`` and every unit above it, nearest first."""
        chain: list[str] = []
        current: str | None = code
        while current is not None and current not in chain:
            chain.append(current)
            current = self.parents.get(current)
        return chain

    def covers(self, actor_unit: str, case_unit: str) -> bool:
        """Whether an officer of ``actor_unit`` may act on a case of ``case_unit``."""
        return actor_unit in self.ancestors(case_unit)

    def descendants(self, code: str) -> list[str]:
        """``code`` and every unit below it: the units an officer there may act for."""
        found, stack = [], [code]
        while stack:
            current = stack.pop()
            found.append(current)
            stack.extend(self.children.get(current, ()))
        return found

    def ancestor_at(self, code: str, level: UnitLevel) -> str | None:
        """The unit at ``level`` above (or at) ``code``: where an escalation goes."""
        for unit in self.ancestors(code):
            if self.levels[unit] is level:
                return unit
        return None

    def check_level(self, code: str, level: UnitLevel | None, what: str) -> None:
        self.require(code)
        if level is not None and self.levels[code] is not level:
            raise InvalidInput(
                Text(
                    "%(what)s: unit %(code)s (%(name)s) is a %(level)s, not a %(wanted)s",
                    what=what,
                    code=code,
                    name=self.names[code],
                    level=self.levels[code].value,
                    wanted=level.value,
                )
            )


def read_csv(paths: Iterable[Path] = TREE_FILES) -> list[dict[str, str | None]]:
    rows: list[dict[str, str | None]] = []
    for path in paths:
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                rows.append(
                    {
                        "code": row["code"],
                        "name": row["name"],
                        "level": row["level"],
                        "parent": row["parent"] or None,
                    }
                )
    return rows


def load_units(conn: Connection, rows: list[dict[str, str | None]]) -> int:
    """Insert the units not yet present (parents first); returns how many were added."""
    known = set(conn.execute(sa.select(UNITS.c.code)).scalars())
    fresh = [row for row in rows if row["code"] not in known]
    fresh.sort(key=lambda row: len(str(row["code"]).split(".")))
    for row in fresh:
        level_of(str(row["level"]))  # rejects an unknown level before anything is written
    if fresh:
        conn.execute(sa.insert(UNITS), fresh)
    return len(fresh)
