"""An OpenAPI 3.1 description of the Open311 endpoint's JSON side, written by hand: the
spec's shapes are not this project's models."""

from __future__ import annotations

from typing import Any

from engine.cases import MAX_DESCRIPTION
from web.open311.blueprint import PREFIX

_TEXT = {"type": "string"}
_NULLABLE_TEXT = {"type": ["string", "null"]}
_ERRORS = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["code", "description"],
        "properties": {"code": {"type": "integer"}, "description": {"type": "string"}},
    },
}
_REQUEST = {
    "type": "object",
    "required": ["service_request_id", "status", "requested_datetime"],
    "properties": {
        "service_request_id": _TEXT,
        "status": {"enum": ["open", "closed"]},
        "status_notes": _NULLABLE_TEXT,
        "service_name": _TEXT,
        "service_code": _TEXT,
        "description": {"type": "null"},
        "agency_responsible": _TEXT,
        "service_notice": {"type": "null"},
        "requested_datetime": {"type": "string", "format": "date-time"},
        "updated_datetime": {"type": "string", "format": "date-time"},
        "expected_datetime": {"type": ["string", "null"], "format": "date-time"},
        "address": {"type": "null"},
        "address_id": _TEXT,
        "zipcode": {"type": "null"},
        "lat": {"type": "null"},
        "long": {"type": "null"},
        "media_url": {"type": "null"},
    },
    "additionalProperties": False,
}
_SERVICE = {
    "type": "object",
    "required": ["service_code", "service_name", "metadata", "type"],
    "properties": {
        "service_code": _TEXT,
        "service_name": _TEXT,
        "description": _TEXT,
        "metadata": {"type": "boolean"},
        "type": {"enum": ["realtime", "batch", "blackbox"]},
        "keywords": _TEXT,
        "group": _TEXT,
    },
}
_ATTRIBUTE = {
    "type": "object",
    "required": ["variable", "code", "datatype", "required", "order", "description"],
    "properties": {
        "variable": {"type": "boolean"},
        "code": _TEXT,
        "datatype": {
            "enum": ["string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"]
        },
        "required": {"type": "boolean"},
        "datatype_description": _TEXT,
        "order": {"type": "integer"},
        "description": _TEXT,
        "values": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"key": _TEXT, "name": _TEXT},
                "required": ["key", "name"],
            },
        },
    },
}
_DISCOVERY = {
    "type": "object",
    "required": ["endpoints"],
    "properties": {
        "changeset": _NULLABLE_TEXT,
        "contact": _TEXT,
        "key_service": _TEXT,
        "endpoints": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "specification": _TEXT,
                    "url": _TEXT,
                    "changeset": _NULLABLE_TEXT,
                    "type": _TEXT,
                    "formats": {"type": "array", "items": _TEXT},
                },
            },
        },
    },
}
_FORM = {
    "type": "object",
    "required": ["api_key", "service_code"],
    "properties": {
        "api_key": _TEXT,
        "service_code": _TEXT,
        "lat": {"type": "number", "minimum": -90, "maximum": 90},
        "long": {"type": "number", "minimum": -180, "maximum": 180},
        "address_string": {"type": "string", "maxLength": 500},
        "address_id": {"type": "string", "maxLength": 32},
        "description": {"type": "string", "maxLength": MAX_DESCRIPTION},
        "email": {"type": "string", "maxLength": 254},
        "first_name": {"type": "string", "maxLength": 100},
        "last_name": {"type": "string", "maxLength": 100},
        "phone": {"type": "string", "maxLength": 32},
        "device_id": _TEXT,
        "account_id": _TEXT,
        "media_url": _TEXT,
    },
    "additionalProperties": {"type": "string", "description": "attribute[code] values"},
}


def _answer(status: int, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": str(status), "content": {"application/json": {"schema": schema}}}


def _operation(
    ok: int, schema: dict[str, Any], errors: tuple[int, ...], **extra: Any
) -> dict[str, Any]:
    responses = {str(ok): _answer(ok, schema)}
    responses |= {str(code): _answer(code, _ERRORS) for code in (*errors, 503)}
    return extra | {"responses": responses}


def _query(name: str, description: str, schema: dict[str, Any] = _TEXT) -> dict[str, Any]:
    return {"name": name, "in": "query", "description": description, "schema": schema}


def _path(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}


def document(description: str) -> dict[str, Any]:
    """An OpenAPI 3.1 description of the JSON side of this endpoint (``.xml`` mirrors it
    element for element), so schemathesis can check it the way it checks ``/api/v1``;
    ``description`` is the package's docstring."""
    requests = {"type": "array", "items": _REQUEST}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Diktum Open311 GeoReport v2",
            "version": "2",
            "description": description,
        },
        "servers": [{"url": PREFIX}],
        "paths": {
            "/discovery.json": {"get": _operation(200, _DISCOVERY, ())},
            "/services.json": {"get": _operation(200, {"type": "array", "items": _SERVICE}, ())},
            "/services/{service_code}.json": {
                "get": _operation(
                    200,
                    {
                        "type": "object",
                        "required": ["service_code", "attributes"],
                        "properties": {
                            "service_code": _TEXT,
                            "attributes": {"type": "array", "items": _ATTRIBUTE},
                        },
                    },
                    (404,),
                    parameters=[_path("service_code")],
                )
            },
            "/requests.json": {
                "get": _operation(
                    200,
                    requests,
                    (400,),
                    parameters=[
                        _query("service_request_id", "Complaint numbers, comma separated."),
                        _query("service_code", "Service codes, comma separated."),
                        _query("start_date", "ISO 8601; default: 90 days before end_date."),
                        _query("end_date", "ISO 8601; default: now."),
                        _query("status", "open, closed or both, comma separated."),
                    ],
                ),
                "post": _operation(
                    201,
                    {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["service_request_id"],
                            "properties": {
                                "service_request_id": _TEXT,
                                "service_notice": _TEXT,
                                "account_id": {"type": "null"},
                            },
                        },
                    },
                    (400, 403, 404, 413, 429),
                    requestBody={
                        "required": True,
                        "content": {"application/x-www-form-urlencoded": {"schema": _FORM}},
                    },
                ),
            },
            "/requests/{service_request_id}.json": {
                "get": _operation(200, requests, (404,), parameters=[_path("service_request_id")])
            },
        },
    }
