"""What every model of the contract is built from: the base classes of request and
response bodies, and the value types they share."""

from __future__ import annotations

import datetime as dt
import math
from typing import Annotated
from zoneinfo import ZoneInfo

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

WIB = ZoneInfo("Asia/Jakarta")


def in_wib(value: dt.datetime) -> dt.datetime:
    """Aware instants are shown in WIB; a naive one is read as WIB (the users' clock)."""
    if value.tzinfo is None:
        return value.replace(tzinfo=WIB)
    return value.astimezone(WIB)


Instant = Annotated[dt.datetime, AfterValidator(in_wib)]
"""A timestamp written in WIB with its ``+07:00`` offset."""


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("NUL characters are not allowed")
    return value


Plain = Annotated[str, AfterValidator(_no_nul)]
"""A query parameter's text: no NUL, which no database can store or compare."""
Text = Annotated[str, StringConstraints(strip_whitespace=True)]


def _finite(value: str | bool | int | float) -> str | bool | int | float:
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError("must be a finite number")
    return value


FieldValue = Annotated[str | bool | int | float, AfterValidator(_finite)]
"""A value of a definition field as sent; the definition's field type checks it."""


class Input(BaseModel):
    """Request bodies refuse keys they do not know, so a typo is an error, not a no-op."""

    model_config = ConfigDict(extra="forbid")


class Output(BaseModel):
    model_config = ConfigDict(populate_by_name=True)


class PageQuery(Input):
    model_config = ConfigDict(extra="ignore")

    limit: int = Field(50, ge=1, le=100, description="Items per page (1-100).")
    cursor: Plain | None = Field(
        None, max_length=200, description="`next_cursor` of the previous page; omit to start."
    )
