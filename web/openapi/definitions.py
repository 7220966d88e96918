"""The published definitions as the API lists and draws them."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from web.openapi.base import Instant, Output


class ChannelOut(Output):
    name: str
    title: str
    kind: Literal["in_person", "electronic"]


class DefinitionSummary(Output):
    id: str
    version: int
    key: str = Field(description="`id@version`.")
    title: str
    basis: str = Field(description="The instruction this definition encodes.")
    published_at: Instant
    content_hash: str
    channels: list[ChannelOut]
    categories: list[str]


class DefinitionPage(Output):
    items: list[DefinitionSummary]
    next_cursor: str | None


class Diagram(Output):
    id: str
    version: int
    mermaid: str = Field(description="Mermaid `stateDiagram-v2` text.")
