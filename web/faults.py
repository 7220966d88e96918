"""The database's faults at the web edge: down, read-only or full is a 503 that says
which, never a 500.

Each request writes in one transaction, so when the database refuses, nothing was
written: the client may send the same request again once the fault clears, and the
running server serves it without a restart (PostgreSQL connections are pre-pinged, so
those a restart cut are replaced).
"""

from __future__ import annotations

from flask import render_template
from sqlalchemy import exc

from engine.db import DatabaseFault, fault_of

ERRORS: tuple[type[Exception], ...] = (exc.DBAPIError, exc.TimeoutError)
"""What a view may raise when the database fails; ``fault`` sorts out the rest."""

RETRY_AFTER = "5"
"""Seconds a client is asked to wait before trying again."""


def fault(error: Exception) -> DatabaseFault:
    """The fault behind ``error``; any other database error is raised again (a 500)."""
    found = fault_of(error)
    if found is None:
        raise error
    return found


def fault_page(error: Exception) -> tuple[str, int, dict[str, str]]:
    """The HTML answer: error.html says in the reader's language what went wrong."""
    found = fault(error)
    page = render_template("error.html", code=503, error=None, fault=found.value)
    return page, 503, {"Retry-After": RETRY_AFTER}
