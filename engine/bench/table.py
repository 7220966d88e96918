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
    return f"**{doc['scenario']}** ({doc['machine']['database'].split()[0]}): " + "; ".join(parts)


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


def write_readme(path: Path, lines: list[str]) -> None:
    """Replace the table between the bench markers of ``path`` with ``lines``."""
    text = path.read_text(encoding="utf-8")
    block = "\n".join([START, *lines, END])
    pattern = re.compile(re.escape(START) + ".*?" + re.escape(END), re.S)
    if not pattern.search(text):
        raise ValueError(f"{path}: no {START} ... {END} block to write the table into")
    path.write_text(pattern.sub(lambda _: block, text), encoding="utf-8")
