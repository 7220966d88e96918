"""The JSON API under ``/api/v1``, described by ``/api/v1/openapi.json``.

Who may do what:

* ``Authorization: Bearer <key>`` with a key bound to a user acts as that user: role and
  unit scope under the same engine rules as the web UI. A signed-in session does the
  same for the UI's own scripts.
* A key bound to no user belongs to a client (a citizen app, a kiosk): it may file
  complaints on electronic channels (in-person channels need an officer, and the engine
  refuses them) and read definitions and a case's public status, nothing else.
* Officers read the cases handled by, or received at, the units they cover; admins and
  auditors read every case and report. Actions are the engine's decision (role, unit,
  state, fields), guarded by the version the caller last read (409 when stale).

Every answer is JSON; errors are ``{"error": {"code", "message", "fields"}}``. The API is
exempt from CSRF tokens: bodies must be ``application/json``, which a cross-site form
cannot send, and the session cookie is ``SameSite=Lax``.
"""

from __future__ import annotations

import functools
from typing import Any, NoReturn

from flask import current_app, request
from werkzeug.exceptions import HTTPException

from web.api import cases, definitions, reports  # noqa: F401 (registers their endpoints)
from web.api.blueprint import OPERATIONS, PREFIX, api, endpoint
from web.api.errors import ApiError
from web.openapi.document import document

# The docstring above is also the OpenAPI document's description. The package:
# ``blueprint`` (the blueprint, its error handlers, JSON in and out, ``endpoint``),
# ``errors``, ``callers`` (who is calling), ``paging`` (cursors), and one module per
# resource: ``definitions``, ``cases``, ``reports``. Importing a resource module registers
# its endpoints; this module adds the document and the answer for everything else.

__all__ = ["OPERATIONS", "PREFIX", "api"]

TAGS = ("meta", "definitions", "cases", "reports")
"""The document's sections, in this order whatever order the modules registering their
operations were imported in; every operation's tag is one of them."""


# --- the document -----------------------------------------------------------------------


@endpoint(
    "GET",
    "/openapi.json",
    summary="This API's OpenAPI 3.1 document",
    tag="meta",
    response=None,
    public=True,
)
def openapi_document() -> dict[str, Any]:
    """Generated from the same models and routes the API serves."""
    return _document()


@functools.cache
def _document() -> dict[str, Any]:
    return document(
        sorted(OPERATIONS, key=lambda op: TAGS.index(op.tag)),
        server=PREFIX,
        title="Diktum API",
        version="1",
        description=__doc__ or "",
    )


# --- everything else under /api/v1 ------------------------------------------------------

_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


@api.route("/<path:rest>", methods=list(_METHODS))
def unknown(rest: str) -> NoReturn:
    """Paths and methods the API does not have: JSON 404 and 405, like every error here."""
    adapter = current_app.url_map.bind_to_environ(request.environ)
    allowed = []
    for method in _METHODS:
        try:
            matched, _ = adapter.match(request.path, method=method)
        except HTTPException:
            continue
        if matched != "api.unknown":
            allowed.append(method)
    if allowed:
        raise ApiError(
            405,
            "method_not_allowed",
            f"{request.method} is not allowed here",
            headers={"Allow": ", ".join(allowed)},
        )
    raise ApiError(404, "not_found", f"no such endpoint: {request.path}")
