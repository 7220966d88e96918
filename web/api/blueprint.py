"""The ``api`` blueprint and what every endpoint shares: errors mapped to statuses once,
JSON in and out, and ``endpoint``, which routes a view and describes it in one step."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable
from typing import Any, NoReturn, TypeVar

from flask import Blueprint, Response, current_app, request
from pydantic import BaseModel, ValidationError
from werkzeug.exceptions import HTTPException

from engine.errors import Conflict, EngineError, InvalidInput, NotFound, Refused
from engine.store import Store
from engine.units import UnitTree
from web.api.callers import authenticate, credential_key
from web.api.errors import ApiError, field_problems, invalid_from
from web.extensions import app_store, csrf, limiter
from web.faults import ERRORS, RETRY_AFTER, fault
from web.openapi.document import Operation, PathParam
from web.openapi.errors import ErrorBody, ErrorDetail

V = TypeVar("V", bound=Callable[..., Any])

PREFIX = "/api/v1"
MAX_BODY = 64 * 1024
"""Largest request body the API reads; a complaint with every field fits in a tenth."""

api = Blueprint("api", __name__, url_prefix=PREFIX)
csrf.exempt(api)

OPERATIONS: list[Operation] = []
"""Every endpoint, as registered: the OpenAPI document is built from this list."""


# --- errors -----------------------------------------------------------------------------


_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "invalid",
    429: "rate_limited",
    503: "unavailable",
}


def error_response(error: ApiError) -> Response:
    body = ErrorBody(error=ErrorDetail(code=error.code, message=error.message, fields=error.fields))
    response = json_response(body, error.status)
    response.headers.update(error.headers)
    if error.status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="diktum"'
    return response


@api.errorhandler(ApiError)
def _api_error(error: ApiError) -> Response:
    return error_response(error)


@api.errorhandler(EngineError)
def _engine_error(error: EngineError) -> Response:
    status, code = 422, "invalid"
    if isinstance(error, Refused):
        status, code = 403, "refused"
    elif isinstance(error, NotFound):
        status, code = 404, "not_found"
    elif isinstance(error, Conflict):
        status, code = 409, "conflict"
    fields = field_problems(str(error).split("; ")) if isinstance(error, InvalidInput) else []
    return error_response(ApiError(status, code, str(error), fields))


def _http_error(error: HTTPException) -> Response:
    status = error.code or 500
    code = _HTTP_CODES.get(status, "error")
    message = error.description or error.name
    if status == 429:
        message = f"too many requests: {error.description}"
    return error_response(ApiError(status, code, message))


# The app registers HTML pages for some codes; a blueprint's handler for the same code
# comes first, so every HTTP error under /api/v1 is registered by code as well.
api.register_error_handler(HTTPException, _http_error)
for _status in (400, 403, 404, 405, 413, 415, 429, 500):
    api.register_error_handler(_status, _http_error)


def _database_fault(error: Exception) -> Response:
    """The database is down, read-only or full: nothing was half-written, try again."""
    found = fault(error)
    return error_response(
        ApiError(503, found.value, found.message, headers={"Retry-After": RETRY_AFTER})
    )


for _error in ERRORS:
    api.register_error_handler(_error, _database_fault)


@api.before_request
def _limit_body() -> None:
    request.max_content_length = MAX_BODY


# --- responses and request bodies -------------------------------------------------------


def json_response(model: BaseModel | dict[str, Any], status: int = 200) -> Response:
    payload = (
        model.model_dump(mode="json", by_alias=True) if isinstance(model, BaseModel) else model
    )
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    return Response(text, status=status, mimetype="application/json")


def _reject_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not a JSON number")


def read_json() -> Any:
    """The request's JSON body: 415 when it is not JSON, 413 when too large, 400 when it
    does not parse or holds text no database can store."""
    if request.mimetype != "application/json":
        raise ApiError(415, "unsupported_media_type", "send the body as application/json")
    raw = request.get_data(cache=True)
    try:
        payload = json.loads(raw, parse_constant=_reject_constant)
    except (ValueError, RecursionError) as exc:
        raise ApiError(400, "bad_request", f"malformed JSON: {exc}") from None
    stack = [payload]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, str) and ("\x00" in item or not _encodable(item)):
            raise ApiError(400, "bad_request", "text with NUL characters or lone surrogates")
        elif isinstance(item, float) and item != item:
            raise ApiError(400, "bad_request", "NaN is not a JSON number")
    return payload


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


# --- registering endpoints --------------------------------------------------------------


def endpoint(
    method: str,
    path: str,
    *,
    summary: str,
    tag: str,
    response: type[BaseModel] | None,
    status: int = 200,
    path_params: tuple[PathParam, ...] = (),
    query: type[BaseModel] | None = None,
    body: type[BaseModel] | None = None,
    errors: tuple[int, ...] = (),
    public: bool = False,
    limit: str | None = None,
    description: str = "",
) -> Callable[[V], V]:
    """Register a view and describe it: the route and the OpenAPI operation come from the
    same arguments. The view gets ``caller``, ``query`` and ``body`` when they apply and
    returns a model of ``response`` (or the model and extra headers)."""

    def decorator(view: V) -> V:
        extra: tuple[int, ...] = (422,) if query or body else ()
        extra += (400, 413, 415) if body else ()
        extra += (429,) if limit else ()
        operation = Operation(
            method=method,
            path=path,
            operation_id=view.__name__,
            summary=summary,
            tag=tag,
            response=response,
            status=status,
            path_params=path_params,
            query=query,
            body=body,
            errors=tuple(sorted(set(errors) | set(extra))),
            public=public,
            description=description or (view.__doc__ or "").strip(),
        )
        OPERATIONS.append(operation)

        @functools.wraps(view)
        def handler(**kwargs: Any) -> Response:
            if not public:
                kwargs["caller"] = authenticate()
            try:
                if query is not None:
                    kwargs["query"] = query.model_validate(request.args.to_dict())
                if body is not None:
                    kwargs["body"] = body.model_validate(read_json())
            except ValidationError as exc:
                raise invalid_from(exc) from None
            result = view(**kwargs)
            headers: dict[str, str] = {}
            if isinstance(result, tuple):
                result, headers = result
            reply = json_response(result, status)
            reply.headers.update(headers)
            return reply

        routed: Callable[..., Response] = handler
        if limit:
            routed = limiter.limit(limit, key_func=credential_key)(handler)
        rule = re.sub(r"\{(\w+)\}", r"<\1>", path)
        api.add_url_rule(rule, view.__name__, routed, methods=[method])
        return view

    return decorator


def store_and_tree() -> tuple[Store, UnitTree]:
    db = app_store(current_app)
    return db, db.tree()
