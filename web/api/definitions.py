"""``/definitions``: the published definition versions, each normalised and drawn."""

from __future__ import annotations

import re

from flask import current_app

from engine import registry
from engine.errors import NotFound
from web.api.blueprint import endpoint
from web.api.callers import Caller
from web.api.paging import offset
from web.extensions import app_store
from web.openapi.base import PageQuery
from web.openapi.definitions import DefinitionPage, Diagram
from web.openapi.document import PathParam
from workflow.definition import Definition
from workflow.diagram import mermaid

DEFINITION_ID = PathParam(
    "id",
    "The definition id.",
    {"type": "string", "pattern": "^[a-z0-9][a-z0-9-]*$", "maxLength": 64},
)
VERSION = PathParam("version", "The version number.", {"type": "integer", "minimum": 1})


@endpoint(
    "GET",
    "/definitions",
    summary="Published definition versions",
    tag="definitions",
    response=DefinitionPage,
    query=PageQuery,
)
def list_definitions(caller: Caller, query: PageQuery) -> DefinitionPage:
    """Every published version, oldest first, with its channels and intake categories."""
    start = offset(query.cursor)
    with app_store(current_app).read() as conn:
        versions = registry.all_versions(conn)
    page = versions[start : start + query.limit]
    more = start + query.limit < len(versions)
    return DefinitionPage.model_validate(
        {
            "items": [
                {
                    "id": p.definition.id,
                    "version": p.definition.version,
                    "key": p.definition.key,
                    "title": p.definition.title,
                    "basis": f"{p.definition.basis.instrument} No. {p.definition.basis.number}",
                    "published_at": p.published_at,
                    "content_hash": p.content_hash,
                    "channels": [
                        {"name": name, "title": c.title, "kind": c.kind}
                        for name, c in p.definition.channels.items()
                    ],
                    "categories": list(p.definition.intake.categories),
                }
                for p in page
            ],
            "next_cursor": str(start + query.limit) if more else None,
        }
    )


def _definition(ident: str, version: str) -> Definition:
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,63}", ident) or not re.fullmatch(
        r"[0-9]{1,9}", version
    ):
        raise NotFound(f"no definition '{ident}@{version}'")
    with app_store(current_app).read() as conn:
        return registry.find(conn, f"{ident}@{int(version)}").definition


@endpoint(
    "GET",
    "/definitions/{id}/{version}",
    summary="A definition version, normalised",
    tag="definitions",
    response=Definition,
    path_params=(DEFINITION_ID, VERSION),
    errors=(404,),
)
def get_definition(caller: Caller, id: str, version: str) -> Definition:
    """States, transitions, channels, fields and calendar, with every default filled in."""
    return _definition(id, version)


@endpoint(
    "GET",
    "/definitions/{id}/{version}/diagram",
    summary="The state machine as Mermaid text",
    tag="definitions",
    response=Diagram,
    path_params=(DEFINITION_ID, VERSION),
    errors=(404,),
)
def get_diagram(caller: Caller, id: str, version: str) -> Diagram:
    """A Mermaid ``stateDiagram-v2`` with the diktum on every label."""
    definition = _definition(id, version)
    return Diagram(id=definition.id, version=definition.version, mermaid=mermaid(definition))
