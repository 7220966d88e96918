"""Mermaid ``stateDiagram-v2`` text of a definition, with the diktum on every label.

Written from the definition rather than ``transitions``' GraphMachine so that the labels
carry what auditors look for (diktum, schedule, roles, escalation) and the text stays
stable between library versions. Counts per state (open cases) can be overlaid.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping

from workflow.definition import Definition, StateKind, Transition, TransitionKind

_LOOKALIKES = str.maketrans(
    {
        '"': "\u201d",
        "<": "\u2039",
        ">": "\u203a",
        ":": "\u2236",
        ";": ",",
        "#": "♯",
        "{": "(",
        "}": ")",
        "[": "(",
        "]": ")",
        "|": "¦",
        "\\": "/",
        "`": "'",
        "\n": " ",
    }
)
_BREAKING = frozenset({"Cc", "Zl", "Zp"})
"""Unicode categories of control characters and line and paragraph separators."""
_KIND_PREFIX = {
    TransitionKind.manual: "",
    TransitionKind.scheduled: "terjadwal: ",
    TransitionKind.automatic: "",
    TransitionKind.escalation: "lewat batas waktu: ",
}
"""Words, not emoji: servers and browsers without an emoji font draw empty boxes."""


def mermaid(definition: Definition, counts: Mapping[str, int] | None = None) -> str:
    """The state diagram; ``counts`` (open cases per state) are shown in state labels."""
    lines = ["stateDiagram-v2", f"    %% {_clean(definition.key)}: {_clean(definition.title)}"]
    for name, state in definition.states.items():
        label = _clean(state.title)
        if state.diktum:
            label += f" ({_clean(state.diktum)})"
        if counts is not None:
            label += f" · {counts.get(name, 0)}"
        lines.append(f'    state "{label}" as {name}')
        if state.kind is StateKind.gateway:
            lines.append(f"    state {name}_choice <<choice>>")
    lines.append(f"    [*] --> {definition.start_state}")
    for name, state in definition.states.items():
        if state.kind is StateKind.gateway:
            lines.append(f"    {name} --> {name}_choice")
    for t in definition.transitions:
        for source in t.source:
            origin = source
            if definition.states[source].kind is StateKind.gateway:
                origin = f"{source}_choice"
            lines.append(f"    {origin} --> {t.dest}: {_label(t)}")
    for name in definition.end_states:
        lines.append(f"    {name} --> [*]")
    return "\n".join(lines) + "\n"


def _label(t: Transition) -> str:
    parts = [_KIND_PREFIX[t.kind] + (t.title or t.trigger)]
    if t.schedule is not None:
        days = ",".join(d.value for d in t.schedule.day_of_week)
        parts.append(f"{days} {t.schedule.hour:02d}.{t.schedule.minute:02d}")
    if t.condition:
        parts.append(f"if {t.condition}")
    if t.escalate_to is not None:
        parts.append(f"eskalasi ke {t.escalate_to.value}")
    if t.diktum:
        parts.append(t.diktum)
    return _clean(" · ".join(parts))


def _clean(text: str) -> str:
    """Mermaid has no label escaping that works in every renderer: swap in lookalikes.

    This also keeps administrator-written titles from injecting diagram syntax. Every
    control character and line or paragraph separator becomes a space: the browser's HTML
    parser turns a CR in the ``<pre>`` into a line break, and a label that spans lines
    would be read as diagram statements.
    """
    swapped = text.translate(_LOOKALIKES)
    return "".join(
        " " if unicodedata.category(char) in _BREAKING else char for char in swapped
    ).strip()
