"""The engine's messages in the reader's language.

``workflow`` and ``engine`` raise and report in English ``Text`` (see
``workflow/messages.py``); the UI is Indonesian first. ``say`` looks a ``Text``'s template
up in the ``engine`` catalog (``web/translations/<locale>/LC_MESSAGES/engine.po``) for the
request's locale and fills in its parameters, translating those that are ``Text`` too.
English readers get the template as written, since English is what the engine speaks.
"""

from __future__ import annotations

from pathlib import Path

from flask_babel import Domain

from workflow.messages import Text, text_of

ENGINE = Domain(
    translation_directories=[str(Path(__file__).parent / "translations")], domain="engine"
)


def say(message: object) -> str:
    """``message`` for the reader: a ``Text`` translated, anything else as it is."""
    if not isinstance(message, Text):
        return str(message)
    params = {
        name: say(value) if isinstance(value, Text) else value
        for name, value in message.params.items()
    }
    translated: str = ENGINE.gettext(message.template)
    return translated % params


def say_error(error: BaseException) -> str:
    """The message an engine error was raised with, for the reader."""
    return say(text_of(error))
