"""The ``open311`` blueprint: its errors, in the spec's error format, and the guards
every request passes."""

from __future__ import annotations

from flask import Blueprint, Response, request
from werkzeug.exceptions import HTTPException

from engine.errors import EngineError, NotFound
from web.extensions import csrf
from web.faults import ERRORS, RETRY_AFTER, fault
from web.open311.formats import error_response

PREFIX = "/open311/v2"
FORMATS = "<any(json,xml):fmt>"
"""The suffix of every path: each answers in ``.json`` or ``.xml`` (the view's ``fmt``)."""
MAX_BODY = 64 * 1024

open311 = Blueprint("open311", __name__, url_prefix=PREFIX)
csrf.exempt(open311)


class Open311Error(Exception):
    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status, self.description = status, description


@open311.errorhandler(Open311Error)
def _open311_error(error: Open311Error) -> Response:
    return error_response(error.status, error.description)


@open311.errorhandler(EngineError)
def _engine_error(error: EngineError) -> Response:
    return error_response(404 if isinstance(error, NotFound) else 400, str(error))


def _http_error(error: HTTPException) -> Response:
    return error_response(error.code or 500, error.description or error.name)


# The app's HTML pages for some codes would win over a class handler: register by code.
open311.register_error_handler(HTTPException, _http_error)
for _status in (400, 403, 404, 405, 413, 415, 429, 500):
    open311.register_error_handler(_status, _http_error)


def _database_fault(error: Exception) -> Response:
    response = error_response(503, fault(error).message)
    response.headers["Retry-After"] = RETRY_AFTER
    return response


for _error in ERRORS:
    open311.register_error_handler(_error, _database_fault)


@open311.before_request
def _guard() -> None:
    request.max_content_length = MAX_BODY
    if "\x00" in request.path or any("\x00" in v for v in request.args.values()):
        raise Open311Error(400, "NUL characters are not allowed")
