"""Results for people: a scenario's summary, and the README's performance table."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

START = "<!-- bench:start -->"
END = "<!-- bench:end -->"
CONTENDERS = ("diktum", "api", "open311", "floor", "spiffworkflow", "naive")
"""The contender objects a document may carry, in the order they are shown."""


def contenders(doc: Mapping[str, Any]) -> list[tuple[str, Mapping[str, Any]]]:
    found = [(name, doc[name]) for name in CONTENDERS if isinstance(doc.get(name), dict)]
    found += [
        (name, value)
        for name, value in doc.items()
        if name not in CONTENDERS and isinstance(value, dict) and "per_second" in value
    ]
    return found


def summary(doc: Mapping[str, Any]) -> str:
    """A few lines: each contender's rate, time and memory, the ratio and the target."""
    lines = [f"{doc['scenario']}  n={doc['n']:,}  on {doc['machine']['database']}"]
    for name, run in contenders(doc):
        line = (
            f"  {name:<14} {run['count']:>10,} in {run['seconds']:>8.3f} s = "
            f"{run['per_second']:>10,.0f}/s  peak RSS {run['peak_rss_mb']:>6.1f} MB"
        )
        if "p95_ms" in run:
            line += f"  p50/p95/p99 {run['p50_ms']}/{run['p95_ms']}/{run['p99_ms']} ms"
        lines.append(line)
    if doc.get("ratio") is not None:
        lines.append(f"  ratio {doc['ratio']}")
    if doc.get("phases"):
        lines.append(f"  ratio by phase: {_phases(doc['phases'])}")
    if doc.get("ceiling") is not None:
        lines.append(f"  ceiling (floor/spiffworkflow): {doc['ceiling']}")
    verdict = {True: "met", False: "MISSED", None: "-"}[doc.get("met")]
    lines.append(f"  target: {doc['target']}: {verdict}")
    return "\n".join(lines)


def figure(doc: Mapping[str, Any]) -> str:
    """The scenario's headline in one table cell."""
    parts = []
    for name, run in contenders(doc):
        text = f"{name} {run['per_second']:,.0f}/s"
        if "p95_ms" in run:
            text += f" (p95 {run['p95_ms']} ms)"
        text += f", {run['peak_rss_mb']:.0f} MB"
        parts.append(text)
    text = f"**{doc['scenario']}** ({doc['machine']['database'].split()[0]}): " + "; ".join(parts)
    if doc.get("phases"):
        text += f"; ratio by phase: {_phases(doc['phases'])}"
    if doc.get("ceiling") is not None:
        text += f"; ceiling (floor/spiffworkflow) {doc['ceiling']}x"
    return text


def _phases(ratios: Mapping[str, float]) -> str:
    return ", ".join(f"{name} {ratio}x" for name, ratio in ratios.items())


def table(docs: Iterable[Mapping[str, Any]]) -> list[str]:
    """The README's table: machine, date, N, figure, ratio (with the target's verdict)."""
    lines = ["| machine | date | N | figure | ratio |", "|---|---|---|---|---|"]
    for doc in docs:
        m = doc["machine"]
        machine = f"{m['cpu']}, {m['cores']} cores, {m['ram_gb']:.0f} GB"
        verdict = {True: "met", False: "missed", None: ""}[doc.get("met")]
        ratio = "-" if doc.get("ratio") is None else f"{doc['ratio']}"
        lines.append(
            f"| {machine} | {doc['date'][:10]} | {doc['n']:,} | {figure(doc)} | "
            f"{ratio} {verdict}: {doc['target']} |"
        )
    return lines


_ROW_KEY = re.compile(r"^\|[^|]*\|[^|]*\|[^|]*\| \*\*([\w-]+)\*\* \((\w+)\)")
"""A result row's (scenario, database), read from its figure cell."""


def write_readme(path: Path, docs: Iterable[Mapping[str, Any]]) -> None:
    """Put ``docs`` in the table between the bench markers of ``path``.

    A row is replaced by a new result for the same scenario on the same database and
    kept otherwise, so a run on SQLite and one on PostgreSQL (or of one scenario) each
    update their own rows; anything else between the markers is dropped.
    """
    text = path.read_text(encoding="utf-8")
    pattern = re.compile(re.escape(START) + "\n?(.*?)" + re.escape(END), re.S)
    found = pattern.search(text)
    if found is None:
        raise ValueError(f"{path}: no {START} ... {END} block to write the table into")
    rows: dict[tuple[str, str], str] = {}
    for line in found.group(1).splitlines():
        key = _ROW_KEY.match(line)
        if key:
            rows[(key[1], key[2])] = line
    header, fresh = table([])[:2], table(docs)[2:]
    for line in fresh:
        key = _ROW_KEY.match(line)
        assert key is not None, line  # table() writes every row with its key
        rows[(key[1], key[2])] = line
    block = "\n".join([START, *header, *rows.values(), END])
    path.write_text(text[: found.start()] + block + text[found.end() :], encoding="utf-8")
