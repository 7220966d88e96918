"""Errors of the runtime, as types; the CLI and the web map each to an exit code or status."""

from __future__ import annotations


class EngineError(Exception):
    """Base: something a caller asked for was not done, and nothing was written."""


class NotFound(EngineError):
    """An unknown case number, definition, user or unit."""


class InvalidInput(EngineError):
    """Input that does not fit: a bad field, an unknown channel, a malformed number."""


class Refused(EngineError):
    """A step the rules do not allow: wrong role or unit, wrong state, outside the window."""


class Conflict(EngineError):
    """Someone else changed the case first: reload and try again."""
