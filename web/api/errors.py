"""The API's errors: one exception type for every answer other than success, and the
constructors of its 422s."""

from __future__ import annotations

import re

from pydantic import ValidationError

from web.openapi.errors import FieldProblem


class ApiError(Exception):
    """An answer other than success, raised anywhere in a view."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        fields: list[FieldProblem] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.fields = fields or []
        self.headers = headers or {}


def invalid(field: str, message: str) -> ApiError:
    return ApiError(
        422, "invalid", f"{field}: {message}", [FieldProblem(field=field, message=message)]
    )


def invalid_from(error: ValidationError) -> ApiError:
    """422 naming every field pydantic refused (``title``, ``fields.lokasi``, ...)."""
    problems = [
        FieldProblem(field=".".join(str(part) for part in e["loc"]) or "body", message=e["msg"])
        for e in error.errors(include_url=False)
    ]
    message = "; ".join(f"{p.field}: {p.message}" for p in problems)
    return ApiError(422, "invalid", message, problems)


def field_problems(messages: list[str]) -> list[FieldProblem]:
    """The definition fields that the engine's messages (``field 'x': ...``) name."""
    return [
        FieldProblem(field=f"fields.{match.group(1)}", message=message)
        for message in messages
        if (match := re.match(r"field '([^']+)'", message))
    ]
