"""The operations the API registers, and the OpenAPI 3.1 document built from them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from web.openapi.errors import ErrorBody


@dataclass(frozen=True)
class PathParam:
    name: str
    description: str
    schema: dict[str, Any]


@dataclass(frozen=True)
class Operation:
    """One endpoint as the API serves it and the document describes it."""

    method: str
    path: str
    """The OpenAPI form, relative to the API's root: ``/cases/{number}``."""
    operation_id: str
    summary: str
    tag: str
    response: type[BaseModel] | None
    """None: a free-form JSON object (the OpenAPI document itself)."""
    status: int = 200
    path_params: tuple[PathParam, ...] = ()
    query: type[BaseModel] | None = None
    body: type[BaseModel] | None = None
    errors: tuple[int, ...] = ()
    public: bool = False
    description: str = ""


ALWAYS = (503,)
"""Statuses any operation may answer: the database is unavailable, read-only or full
(``error.code`` is ``unavailable``, ``read_only`` or ``disk_full``)."""
WITH_CREDENTIALS = (401,)


def document(
    operations: Sequence[Operation], *, server: str, title: str, version: str, description: str
) -> dict[str, Any]:
    """The OpenAPI 3.1 document of ``operations``."""
    inputs = {m for op in operations for m in (op.query, op.body) if m is not None}
    outputs = {op.response for op in operations if op.response is not None} | {ErrorBody}
    pairs: list[tuple[type[BaseModel], JsonSchemaMode]] = sorted(
        [(m, "validation") for m in inputs] + [(m, "serialization") for m in outputs],
        key=lambda pair: (pair[0].__name__, pair[1]),
    )
    refs, top = models_json_schema(pairs, ref_template="#/components/schemas/{model}")
    schemas: dict[str, Any] = top.get("$defs", {})

    def resolved(ref: dict[str, Any]) -> dict[str, Any]:
        name = ref["$ref"].rsplit("/", 1)[-1]
        found: dict[str, Any] = schemas[name]
        return found

    error_ref = refs[(ErrorBody, "serialization")]
    queries = {op.query for op in operations if op.query is not None}
    paths: dict[str, dict[str, Any]] = {}
    for op in operations:
        parameters: list[dict[str, Any]] = [
            {"name": p.name, "in": "path", "required": True, "description": p.description}
            | {"schema": p.schema}
            for p in op.path_params
        ]
        if op.query is not None:
            query = resolved(refs[(op.query, "validation")])
            required = set(query.get("required", ()))
            for name, schema in query.get("properties", {}).items():
                schema = _query_schema(schema)
                parameters.append(
                    {
                        "name": name,
                        "in": "query",
                        "required": name in required,
                        "description": schema.pop("description", ""),
                        "schema": schema,
                    }
                )
        responses: dict[str, Any] = {
            str(op.status): {
                "description": HTTPStatus(op.status).phrase,
                "content": {
                    "application/json": {
                        "schema": refs[(op.response, "serialization")]
                        if op.response is not None
                        else {"type": "object"}
                    }
                },
            }
        }
        statuses = set(op.errors) | set(ALWAYS) | (set() if op.public else set(WITH_CREDENTIALS))
        for status in sorted(statuses):
            responses[str(status)] = {
                "description": HTTPStatus(status).phrase,
                "content": {"application/json": {"schema": error_ref}},
            }
        entry: dict[str, Any] = {
            "operationId": op.operation_id,
            "summary": op.summary,
            "tags": [op.tag],
            "responses": responses,
        }
        if op.description:
            entry["description"] = op.description
        if parameters:
            entry["parameters"] = parameters
        if op.body is not None:
            entry["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": refs[(op.body, "validation")]}},
            }
        if op.public:
            entry["security"] = []
        paths.setdefault(op.path, {})[op.method.lower()] = entry
    for model in queries:  # described as parameters, never referenced
        schemas.pop(refs[(model, "validation")]["$ref"].rsplit("/", 1)[-1], None)
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version, "description": description},
        "servers": [{"url": server}],
        "tags": [{"name": tag} for tag in _unique(op.tag for op in operations)],
        "security": [{"bearer": []}, {"session": []}],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "An API key from `diktum apikey create NAME [--user USER]`.",
                },
                "session": {
                    "type": "apiKey",
                    "in": "cookie",
                    "name": "session",
                    "description": "A signed-in officer's session (the web UI's cookie).",
                },
            },
        },
    }


def _query_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """A query parameter is absent or a value, never null: drop pydantic's null option."""
    schema = {k: v for k, v in schema.items() if k != "title"}
    options = schema.get("anyOf")
    if options and {"type": "null"} in options:
        rest = [o for o in options if o != {"type": "null"}]
        schema = {k: v for k, v in schema.items() if k not in ("anyOf", "default")}
        schema |= rest[0] if len(rest) == 1 else {"anyOf": rest}
    return schema


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))
