"""Published definition versions: publishing YAML, and reading definitions back.

A published version is immutable: publishing identical content again is a no-op, and
different content under an existing id@version is refused (bump the version). Loaded
definitions are cached by content hash, so a process parses each version once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from engine.errors import InvalidInput, NotFound
from engine.models import DefinitionVersion
from workflow.definition import Definition
from workflow.errors import DefinitionError
from workflow.loader import load_text
from workflow.messages import Text

VERSIONS = DefinitionVersion.__table__  # type: ignore[attr-defined]

_parsed: dict[str, Definition] = {}
_by_id: dict[tuple[sa.URL, int], Published] = {}


@dataclass(frozen=True)
class Published:
    """A definition version as stored, with its parsed definition."""

    id: int
    definition: Definition
    content_hash: str
    published_at: dt.datetime


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def publish(
    conn: Connection, text: str, path: str, now: dt.datetime, by: str | None = None
) -> tuple[Published, bool]:
    """Publish ``text``; returns the version and whether it was new.

    Raises ``DefinitionError`` for an invalid file and ``InvalidInput`` when the
    id@version exists with other content.
    """
    definition = load_text(text, path)
    digest = content_hash(text)
    row = conn.execute(
        sa.select(VERSIONS).where(
            VERSIONS.c.definition_id == definition.id, VERSIONS.c.version == definition.version
        )
    ).first()
    if row is not None:
        if row.content_hash != digest:
            raise InvalidInput(
                Text(
                    "%(path)s: %(key)s is already published with other content; "
                    "publish the change as version %(next)s",
                    path=path,
                    key=definition.key,
                    next=latest_version(conn, definition.id) + 1,
                )
            )
        return _published(row), False
    new_id = conn.execute(
        sa.insert(VERSIONS)
        .values(
            definition_id=definition.id,
            version=definition.version,
            title=definition.title,
            content=text,
            content_hash=digest,
            published_at=now,
            published_by=by,
        )
        .returning(VERSIONS.c.id)
    ).scalar_one()
    _parsed[digest] = definition
    return Published(new_id, definition, digest, now), True


def publish_files(
    conn: Connection, paths: list[Path], now: dt.datetime, by: str | None = None
) -> list[tuple[Published, bool]]:
    """Publish several files: all valid, or none published (the caller's transaction)."""
    problems = []
    results = []
    for path in paths:
        try:
            text = path.read_text(encoding="utf-8")
            results.append(publish(conn, text, str(path), now, by))
        except DefinitionError as exc:
            problems.extend(exc.problems)
        except (OSError, UnicodeDecodeError) as exc:
            raise InvalidInput(
                Text("%(path)s: cannot read file: %(reason)s", path=str(path), reason=str(exc))
            ) from None
    if problems:
        raise DefinitionError(problems)
    return results


def latest_version(conn: Connection, definition_id: str) -> int:
    value = conn.execute(
        sa.select(sa.func.max(VERSIONS.c.version)).where(VERSIONS.c.definition_id == definition_id)
    ).scalar()
    return int(value or 0)


def get(conn: Connection, version_id: int) -> Published:
    """A published version by id. Versions never change once published, so each is read
    from the database once per process (a tick or a replay asks for the same one often)."""
    cached = _by_id.get((_database_of(conn), version_id))
    if cached is not None:
        return cached
    row = conn.execute(sa.select(VERSIONS).where(VERSIONS.c.id == version_id)).first()
    if row is None:
        raise NotFound(Text("unknown definition version #%(id)s", id=version_id))
    published = _published(row)
    _by_id[(_database_of(conn), version_id)] = published
    return published


def _database_of(conn: Connection) -> sa.URL:
    """Which database a connection is to: ids are only unique within one. (The URL itself,
    hashable; rendering it as text on every lookup cost replay 5%.)"""
    return conn.engine.url


_NEWEST = (
    sa.select(VERSIONS.c.id)
    .where(VERSIONS.c.definition_id == sa.bindparam("ident"))
    .order_by(VERSIONS.c.version.desc())
    .limit(1)
)
_EXACT = sa.select(VERSIONS.c.id).where(
    VERSIONS.c.definition_id == sa.bindparam("ident"),
    VERSIONS.c.version == sa.bindparam("version"),
)
"""Built once: every intake looks its definition up (building the query cost more than
running it)."""


def find(conn: Connection, ref: str) -> Published:
    """``id`` (newest version) or ``id@version``."""
    ident, _, version = ref.partition("@")
    # Only the id: the version itself (its YAML, parsed) comes from ``get``'s cache, so
    # intake does not read and hash the definition's text for every complaint.
    if version and not version.isdigit():
        raise InvalidInput(
            Text("'%(ref)s': a version is a whole number, as in %(id)s@1", ref=ref, id=ident)
        )
    if version:
        row = conn.execute(_EXACT, {"ident": ident, "version": int(version)}).first()
    else:
        row = conn.execute(_NEWEST, {"ident": ident}).first()
    if row is None:
        known = ", ".join(p.definition.key for p in all_versions(conn)) or "none"
        raise NotFound(
            Text("unknown definition '%(ref)s' (published: %(known)s)", ref=ref, known=known)
        )
    return get(conn, row.id)


def all_versions(conn: Connection) -> list[Published]:
    rows = conn.execute(sa.select(VERSIONS).order_by(VERSIONS.c.definition_id, VERSIONS.c.version))
    return [_published(row) for row in rows]


def _published(row: sa.Row[tuple[object, ...]]) -> Published:
    definition = _parsed.get(row.content_hash)
    if definition is None:
        definition = load_text(row.content, f"{row.definition_id}@{row.version}")
        _parsed[row.content_hash] = definition
    return Published(row.id, definition, row.content_hash, row.published_at)
