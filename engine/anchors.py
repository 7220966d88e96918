"""Anchors: the log's heads at one instant, kept outside the database.

The hash chain proves that each event follows the one before it. It cannot prove that a
whole case's chain was not rewritten and sealed again by someone who can write to the
database (the hashes are computed, not signed). An anchor closes that gap: every case's
number with the sequence number and hash of its newest event, one line each, taken in one
statement. The auditor keeps the file and publishes its SHA-256 (the *root*) somewhere the
database's owners cannot edit: the minutes of the Monday meeting, a letter, another
system. Later, ``check`` confirms the file is the one published and that every anchored
event is still in the log with the same hash; whatever was appended since is replay's
concern, not the anchor's.

The file is plain text, so ``sha256sum`` gives the same root::

    # diktum anchor 1 <taken at, ISO 8601>
    DK-7KQ4-MX9P-2H8D-5 3 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
    ...
    # end <cases>
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from engine.cases import CASES
from engine.errors import InvalidInput
from engine.events import EVENTS
from workflow.messages import Text

FORMAT = 1
BATCH = 5_000
"""Anchored cases looked up per query when checking."""
LISTED = 100
"""Broken anchors listed with their reasons; the rest are only counted."""
MAX_LINE = 256
"""Bytes read at most for one line (an anchor's are under 130): a file that is one huge
line is refused at its first piece instead of being read into memory whole."""

_EMPTY = hashlib.sha256(b"").hexdigest()
_HEADER = re.compile(r"# diktum anchor (\d+) (\S+)\n")
_TRAILER = re.compile(r"# end (\d+)\n")
_LINE = re.compile(r"(DK-[0-9A-Z-]{1,40}) ([1-9][0-9]{0,9}) ([0-9a-f]{64})\n")


def write(conn: Connection, now: dt.datetime, out: IO[bytes]) -> tuple[str, int]:
    """Write the anchor to ``out`` from one statement (one snapshot of the log on both
    databases): the header, every case in the order they were opened, and a trailer with
    the count, so a file cut short is told from a whole one. Returns the root and the
    number of cases."""
    digest = hashlib.sha256()

    def put(line: str) -> None:
        data = line.encode("ascii")
        digest.update(data)
        out.write(data)

    put(f"# diktum anchor {FORMAT} {now.isoformat()}\n")
    rows = conn.execution_options(yield_per=BATCH).execute(
        sa.select(CASES.c.number, EVENTS.c.seq, EVENTS.c.hash)
        .join(EVENTS, sa.and_(EVENTS.c.case_id == CASES.c.id, EVENTS.c.seq == CASES.c.seq))
        .order_by(CASES.c.id)
    )
    count = 0
    for number, seq, event_hash in rows:
        put(f"{number} {seq} {event_hash}\n")
        count += 1
    put(f"# end {count}\n")
    return digest.hexdigest(), count


@dataclass
class Check:
    """What checking an anchor found."""

    root: str
    taken_at: str
    cases: int = 0
    broken: int = 0
    findings: list[dict[str, Any]] = field(default_factory=list)

    @property
    def holds(self) -> bool:
        return self.broken == 0

    def found(self, number: str, seq: int, problem: str) -> None:
        self.broken += 1
        if len(self.findings) < LISTED:
            self.findings.append({"number": number, "seq": seq, "problem": problem})

    def as_dict(self) -> dict[str, Any]:
        return {
            "root": self.root,
            "taken_at": self.taken_at,
            "cases": self.cases,
            "holds": self.holds,
            "broken": self.broken,
            "findings": self.findings,
        }


def check(conn: Connection, anchor: IO[bytes], published_root: str | None = None) -> Check:
    """Check the anchor file ``anchor`` against the log, reading it a line at a time (an
    anchor of a million cases is ~90 MB). ``published_root`` is the root the auditor
    published, without which the file vouches only for itself."""
    digest = hashlib.sha256()
    lines = _parse(anchor, digest)
    taken_at = next(lines)
    result = Check("", taken_at)
    expected: int | None = None
    batch: list[tuple[str, int, str]] = []
    for entry in lines:
        if isinstance(entry, int):
            expected = entry  # the trailer; a line after it is refused by _parse
            continue
        batch.append(entry)
        if len(batch) == BATCH:
            _check_batch(conn, batch, result)
            batch = []
    _check_batch(conn, batch, result)
    result.root = digest.hexdigest()
    if published_root is not None and published_root.strip().lower() != result.root:
        raise InvalidInput(
            Text(
                "the anchor's SHA-256 is %(root)s, not the published %(published)s: "
                "it is not the anchor that was published",
                root=result.root,
                published=published_root.strip(),
            )
        )
    if expected != result.cases:
        raise InvalidInput(
            Text(
                "the anchor is cut short or padded: it lists %(listed)s cases, its end says "
                "%(expected)s",
                listed=result.cases,
                expected="nothing" if expected is None else expected,
            )
        )
    return result


def _parse(anchor: IO[bytes], digest: Any) -> Iterator[Any]:
    """The header's instant, each line's (number, seq, hash), then the trailer's count,
    feeding ``digest`` every byte; a line that is not an anchor's is an error naming it,
    and so is anything after the trailer."""
    ended = False
    lines = iter(lambda: anchor.readline(MAX_LINE), b"")
    for number, raw in enumerate(lines, start=1):
        digest.update(raw)
        try:
            line = raw.decode("ascii")
        except UnicodeDecodeError:
            line = ""
        if number == 1:
            header = _HEADER.fullmatch(line)
            if header is None:
                raise InvalidInput(Text("not a Diktum anchor: line 1 is not its header"))
            if int(header.group(1)) != FORMAT:
                raise InvalidInput(Text("anchor format %(format)s is not known", format=header[1]))
            yield header.group(2)
            continue
        trailer = _TRAILER.fullmatch(line)
        if trailer is not None and not ended:
            ended = True
            yield int(trailer.group(1))
            continue
        found = _LINE.fullmatch(line)
        if found is None or ended:
            raise InvalidInput(
                Text(
                    "line %(line)s of the anchor is not a case's number, seq and hash", line=number
                )
            )
        yield found.group(1), int(found.group(2)), found.group(3)
    if digest.hexdigest() == _EMPTY:  # not even a header
        raise InvalidInput(Text("not a Diktum anchor: line 1 is not its header"))


def _check_batch(conn: Connection, batch: Iterable[tuple[str, int, str]], result: Check) -> None:
    wanted = {number: (seq, digest) for number, seq, digest in batch}
    if not wanted:
        return
    found = {
        (row.number, row.seq): row.hash
        for row in conn.execute(
            sa.select(CASES.c.number, EVENTS.c.seq, EVENTS.c.hash)
            .join(EVENTS, EVENTS.c.case_id == CASES.c.id)
            .where(CASES.c.number.in_(wanted))
        )
    }
    numbers = {number for number, _seq in found}
    for number, (seq, digest) in wanted.items():
        result.cases += 1
        if number not in numbers:
            result.found(number, seq, Text("the case is gone from the log"))
        elif (number, seq) not in found:
            result.found(number, seq, Text("event %(seq)s is gone from the log", seq=seq))
        elif found[number, seq] != digest:
            result.found(number, seq, Text("event %(seq)s differs from the anchored one", seq=seq))
