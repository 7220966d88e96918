"""Messages for people, in English, that carry their template so an edge can translate them.

The model and the engine speak English (the CLI, the JSON API and the logs read it as it
is). The web UI speaks Indonesian first, so every message a person may read is a
``Text``: a ``str`` whose English wording is ``template % params``, and which remembers
``template`` and ``params``. The web layer looks the template up in its catalog for the
reader's language and fills in the parameters, themselves translated where they are
``Text`` too. ``make translations`` extracts every ``Text("...")`` of ``workflow/`` and
``engine/`` into that catalog, and a test fails while one has no translation.

Templates use ``%(name)s`` placeholders, as gettext's python-format expects.
"""

from __future__ import annotations

from collections.abc import Mapping


class Text(str):
    """An English message with its template and parameters kept for translation."""

    template: str
    params: Mapping[str, object]

    def __new__(cls, template: str, /, **params: object) -> Text:
        text = super().__new__(cls, template % params)
        text.template = template
        text.params = params
        return text

    def __reduce__(self) -> tuple[object, ...]:
        return (_rebuild, (self.template, dict(self.params)))


def _rebuild(template: str, params: dict[str, object]) -> Text:
    return Text(template, **params)


def did_you_mean(name: str, known: list[str]) -> Text | str:
    """A hint naming the closest of ``known`` to a misspelt ``name``, or nothing."""
    import difflib

    match = difflib.get_close_matches(name, known, n=1)
    return Text(" (did you mean '%(match)s'?)", match=match[0]) if match else ""


def joined(parts: list[str], separator: str = "; ") -> Text:
    """Several messages as one, each still translatable.

    The template holds only placeholders and separators, so no catalog has it and it is
    said as it is, while each part is translated in its place.
    """
    names = [f"p{i}" for i in range(len(parts))]
    template = separator.replace("%", "%%").join(f"%({name})s" for name in names)
    return Text(template, **dict(zip(names, parts, strict=True)))


def text_of(error: BaseException) -> str:
    """The message an exception was raised with, as a ``Text`` where it was one."""
    first = error.args[0] if error.args else None
    return first if isinstance(first, str) else str(error)
