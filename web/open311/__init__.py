"""Open311 GeoReport v2 under ``/open311/v2``: the electronic intake channel.

Services are the intake categories of the newest published version of every definition
that has an electronic channel; a service's code is ``<definition id>:<category slug>``
(``inwalkot-jaksel-e-0006-2024:jalan-dan-trotoar``), stable across definition versions.
A definition without categories is one service coded by its id. Its attributes are the
definition's intake fields.

``POST requests`` files a complaint on the definition's electronic channel and needs an
``api_key`` (``diktum apikey create``). ``address_id`` names the unit the complaint is
about (a Kemendagri code such as ``31.74.01.1001``); without it the complaint goes to
``OPEN311_DEFAULT_UNIT`` (South Jakarta's city office, ``31.74``, which routes it).
``lat``/``long`` and ``address_string`` are kept as the location text, in the
definition's ``lokasi``/``location`` field when it has one, else in the description.
``service_request_id`` is the complaint number.

Every GET is public and shows progress only: no complainant data and no complaint text
(which may name the complainant). Status is ``closed`` in the definition's end states,
``open`` otherwise. Every path answers in ``.json`` or ``.xml``; errors are an array of
``{code, description}`` with 400, 403 or 404. Times are ISO 8601 in WIB (``+07:00``).
"""

from __future__ import annotations

import json
from typing import NoReturn

from flask import Response, request

from web.open311 import requests, services  # noqa: F401 (registers their endpoints)
from web.open311.blueprint import PREFIX, Open311Error, open311
from web.open311.document import document

# The package: ``blueprint`` (the blueprint, its errors and guards), ``formats`` (JSON
# and XML), ``services`` (services and discovery), ``requests`` (filing and reading
# service requests) and ``document`` (the OpenAPI description, whose description is the
# docstring above). Importing ``services`` and ``requests`` registers their endpoints.

__all__ = ["PREFIX", "open311"]


@open311.get("/openapi.json")
def openapi_document() -> Response:
    return Response(
        json.dumps(document(__doc__ or ""), ensure_ascii=False), mimetype="application/json"
    )


@open311.route("/<path:rest>", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
def unknown(rest: str) -> NoReturn:
    raise Open311Error(404, f"no such endpoint: {request.path} (add .json or .xml)")
