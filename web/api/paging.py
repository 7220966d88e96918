"""Cursors: where the next page of a list starts.

Definitions page by offset, a case's history by event sequence number, the case list by
the last case's ``(received_at, id)``: complaints filed meanwhile do not shift its pages.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json

from web.api.errors import invalid


def offset(cursor: str | None) -> int:
    if cursor is None:
        return 0
    if not (cursor.isascii() and cursor.isdigit()) or len(cursor) > 9:  # not "²"
        raise invalid("cursor", "not a cursor this API issued")
    return int(cursor)


def case_cursor(cursor: str | None) -> tuple[dt.datetime, int] | None:
    if cursor is None:
        return None
    try:
        text = base64.urlsafe_b64decode(cursor.encode("ascii") + b"==").decode("utf-8")
        stamp, case_id = json.loads(text)
        instant = dt.datetime.fromisoformat(stamp)
        if instant.tzinfo is None or type(case_id) is not int or not 0 < case_id < 2**62:
            raise ValueError
    except (ValueError, TypeError, UnicodeError, binascii.Error):
        raise invalid("cursor", "not a cursor this API issued") from None
    return instant, case_id


def encode_case_cursor(received_at: dt.datetime, case_id: int) -> str:
    text = json.dumps([received_at.isoformat(), case_id])
    return base64.urlsafe_b64encode(text.encode("utf-8")).decode("ascii").rstrip("=")
