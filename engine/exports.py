"""A case's history as files an auditor takes away: CSV for spreadsheets, JSON for tools.

Both carry every event with its hash and the hash of the event before, in the form the
hash was computed over (timestamps as ``events.stamp``), so anyone can recompute the
chain: ``events.digest(number, record) == record["hash"]`` holds for each exported JSON
record. Neither carries personal data: complainants live in their own table, which an
export never reads.

CSV cells that a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return) are prefixed with a quote (OWASP, "CSV Injection").
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from engine import events
from engine.history import CaseHistory, Entry

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet treat a cell as a formula."""

CSV_COLUMNS = (
    "number",
    *events.HASHED,
    "hash",
    "definition",
    "step",
    "source_title",
    "dest_title",
    "diktum",
    "replay",
)
"""The hashed columns first, then what the definition in force calls the step."""


def record(number: str, entry: Entry) -> dict[str, Any]:
    """An event as hashed: ``events.digest(number, record(...))`` gives its ``hash``."""
    row = entry.record
    result: dict[str, Any] = {}
    for column in events.HASHED:
        value = row[column]
        result[column] = events.stamp(value) if column.endswith("_at") else value
    result["hash"] = row["hash"]
    return result


def as_json(history: CaseHistory) -> str:
    """The history with the replay verdict, as JSON safe to serve to a browser (``<``,
    ``>`` and ``&`` are escaped, so no HTML parser ever sees markup in it)."""
    verdict = history.verdict
    document = {
        "number": history.number,
        "definition": history.definition,
        "state": history.state,
        "closed": history.closed,
        "replay": {
            "consistent": verdict.consistent,
            "events": verdict.events,
            "first_bad_seq": verdict.first_bad_seq,
            "reason": verdict.reason,
        },
        "events": [
            record(history.number, entry)
            | {
                "definition": entry.definition,
                "step": entry.title,
                "diktum": entry.diktum,
                "replay": entry.status.value,
            }
            for entry in history.entries
        ],
    }
    text = json.dumps(document, ensure_ascii=False, indent=2)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def as_csv(history: CaseHistory) -> str:
    """One row per event; the payload as canonical JSON text; formula-safe cells."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for entry in history.entries:
        row = record(history.number, entry)
        row["payload"] = json.dumps(
            row["payload"], sort_keys=True, separators=(",", ":"), ensure_ascii=False
        )
        row |= {
            "number": history.number,
            "definition": entry.definition,
            "step": entry.title,
            "source_title": entry.source_title,
            "dest_title": entry.dest_title,
            "diktum": entry.diktum,
            "replay": entry.status.value,
        }
        writer.writerow([safe_cell(row[column]) for column in CSV_COLUMNS])
    return out.getvalue()


def safe_cell(value: Any) -> Any:
    """``value``, with a quote in front when a spreadsheet would read it as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return "" if value is None else value
