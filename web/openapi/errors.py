"""The one shape of every error the API answers, whatever its status."""

from __future__ import annotations

from pydantic import Field

from web.openapi.base import Output


class FieldProblem(Output):
    field: str = Field(description="Where the problem is, e.g. `title` or `fields.lokasi`.")
    message: str


class ErrorDetail(Output):
    code: str = Field(description="A stable, machine-readable code, e.g. `not_found`.")
    message: str = Field(description="What went wrong, in words a person can act on.")
    fields: list[FieldProblem] = Field(default_factory=list)


class ErrorBody(Output):
    """Every error of the API has this shape, whatever its status."""

    error: ErrorDetail
