"""Anchors through ``diktum audit anchor`` and ``diktum audit check``: an anchor holds
while the log grows, catches a chain rewritten and sealed again (which replay cannot),
and a damaged or unpublished anchor file is refused with the line that is wrong."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from engine import anchors, events
from engine.cases import CASES
from engine.errors import InvalidInput
from engine.events import EVENTS
from engine.store import Store
from tests.test_engine_cli import Diktum, diktum
from tests.test_engine_mini import MONDAY

__all__ = ["diktum"]  # the fixture, used by name

LATER = MONDAY + dt.timedelta(hours=1)


def anchor_of(shell: Diktum, folder: Path) -> tuple[Path, str]:
    """Take an anchor as an auditor would (``> anchor.txt``); the file and its root."""
    code, out, err = shell.run("audit", "anchor", "--now", MONDAY.isoformat())
    assert code == 0, err
    path = folder / "anchor.txt"
    path.write_bytes(out.encode("ascii"))
    root = err.strip().rsplit(" ", 1)[-1]
    assert root == hashlib.sha256(path.read_bytes()).hexdigest()  # what sha256sum says
    return path, root


def triage(shell: Diktum, number: str) -> None:
    shell.json(
        "case", "fire", number, "triage", "--user", "petugas_timur",
        "--field", "needs_review=false", "--now", LATER.isoformat(),
    )  # fmt: skip


def test_an_anchor_names_each_cases_newest_event_and_holds_while_the_log_grows(
    diktum: Diktum, tmp_path: Path
) -> None:
    numbers = [diktum.open() for _ in range(3)]
    triage(diktum, numbers[0])
    path, root = anchor_of(diktum, tmp_path)
    lines = path.read_text(encoding="ascii").splitlines()
    assert lines[0] == f"# diktum anchor 1 {MONDAY.isoformat()}"
    assert lines[-1] == "# end 3"
    heads = {line.split()[0]: int(line.split()[1]) for line in lines[1:-1]}
    assert heads == {numbers[0]: 2, numbers[1]: 1, numbers[2]: 1}

    diktum.open()
    triage(diktum, numbers[1])
    report = diktum.json("audit", "check", str(path), "--root", root)
    assert report == {
        "root": root,
        "taken_at": MONDAY.isoformat(),
        "cases": 3,
        "holds": True,
        "broken": 0,
        "findings": [],
    }
    code, out, _ = diktum.run("audit", "check", str(path))
    assert code == 0
    assert "3 cases, every one still in the log" in out
    assert "without --root the anchor vouches only for itself" in out


def test_a_chain_sealed_again_passes_replay_but_not_the_anchor(
    diktum: Diktum, tmp_path: Path
) -> None:
    numbers = [diktum.open() for _ in range(2)]
    triage(diktum, numbers[1])
    path, root = anchor_of(diktum, tmp_path)

    # Someone who can write to the database rewrites a case's intake and seals it again,
    # and makes the row agree: every link of the chain holds.
    store = Store(diktum.url)
    try:
        with store.read() as conn:
            [first] = events.history(conn, _case_id(conn, numbers[0]))
        forged = {**first, "recorded_at": first["recorded_at"] + dt.timedelta(minutes=5)}
        digest = events.digest(numbers[0], forged)
    finally:
        store.close()
    diktum.rewrite_history(
        sa.update(EVENTS)
        .where(EVENTS.c.id == first["id"])
        .values(recorded_at=forged["recorded_at"], hash=digest)
    )
    diktum.execute(sa.update(CASES).where(CASES.c.number == numbers[0]).values(last_hash=digest))
    # ... and removes the second case's triage.
    diktum.rewrite_history(
        sa.delete(EVENTS).where(
            EVENTS.c.case_id
            == sa.select(CASES.c.id).where(CASES.c.number == numbers[1]).scalar_subquery(),
            EVENTS.c.seq == 2,
        )
    )
    code, out, _ = diktum.run("audit", "verify", "--json")
    assert code == 3  # replay sees the removed step, by the row it left behind ...
    assert [bad["number"] for bad in json.loads(out)["bad"]] == [numbers[1]]
    assert diktum.json("replay", numbers[0])["consistent"] is True  # ... but not the reseal

    code, out, _ = diktum.run("audit", "check", str(path), "--root", root, "--json")
    assert code == 3
    report = json.loads(out)
    assert (report["cases"], report["holds"], report["broken"]) == (2, False, 2)
    assert report["findings"] == [
        {"number": numbers[0], "seq": 1, "problem": "event 1 differs from the anchored one"},
        {"number": numbers[1], "seq": 2, "problem": "event 2 is gone from the log"},
    ]


def _case_id(conn: sa.Connection, number: str) -> int:
    return int(conn.execute(sa.select(CASES.c.id).where(CASES.c.number == number)).scalar_one())


def test_a_damaged_or_unpublished_anchor_is_refused_saying_what_is_wrong(
    diktum: Diktum, tmp_path: Path
) -> None:
    for _ in range(2):
        diktum.open()
    path, root = anchor_of(diktum, tmp_path)
    text = path.read_text(encoding="ascii")
    head, first, second, end = text.splitlines(keepends=True)
    damaged = {
        "wrong root": (text, "the anchor's SHA-256 is"),
        "cut short": (head + first + second, "it lists 2 cases, its end says nothing"),
        "a line lost": (head + first + end, "it lists 1 cases, its end says 2"),
        "junk": (head + "hello\n" + second + end, "line 2 of the anchor is not a case's"),
        "after the end": (text + first, "line 5 of the anchor is not a case's"),
        "empty": ("", "not a Diktum anchor: line 1 is not its header"),
        "not an anchor": ("# something else\n", "not a Diktum anchor: line 1 is not its header"),
        "other format": (text.replace("anchor 1 ", "anchor 9 ", 1), "anchor format 9"),
        "not ascii": (head + "DK-É 1 x\n" + end, "line 2 of the anchor"),
    }
    before = diktum.counts()
    for name, (content, message) in damaged.items():
        bad = tmp_path / "bad.txt"
        bad.write_bytes(content.encode("utf-8"))
        published = (
            "0" * 64 if name == "wrong root" else hashlib.sha256(bad.read_bytes()).hexdigest()
        )
        code, out, err = diktum.run("audit", "check", str(bad), "--root", published)
        assert code == 1, (name, code, out, err)
        assert message in err, (name, err)
        assert len(err.strip().splitlines()) == 1, name
    code, _, err = diktum.run("audit", "check", str(tmp_path / "missing.txt"))
    assert code == 2 and "missing.txt" in err
    assert diktum.counts() == before
    assert diktum.json("audit", "check", str(path), "--root", root.upper())["holds"] is True


class Recording(io.BytesIO):
    """An uploaded file that remembers the most it handed over at once."""

    largest = 0

    def readline(self, size: int | None = -1) -> bytes:
        return self._seen(super().readline(size))

    def __next__(self) -> bytes:
        return self._seen(super().__next__())

    def _seen(self, chunk: bytes) -> bytes:
        self.largest = max(self.largest, len(chunk))
        return chunk


def test_an_anchor_that_is_one_huge_line_is_refused_without_reading_it_whole(
    diktum: Diktum,
) -> None:
    diktum.open()
    store = Store(diktum.url)
    try:
        for content, says in (
            (b"# diktum anchor 1 " + b"x" * 5_000_000 + b"\n# end 0\n", "line 1 is not its header"),
            (b"# diktum anchor 1 2024-06-10T09:00:00+07:00\nDK-" + b"A" * 5_000_000, "line 2"),
        ):
            upload = Recording(content)
            with store.read() as conn, pytest.raises(InvalidInput) as refused:
                anchors.check(conn, upload)
            assert says in str(refused.value)
            assert upload.largest <= anchors.MAX_LINE
    finally:
        store.close()
