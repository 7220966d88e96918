"""The spec's two formats: every answer as JSON or as XML, element for element, and
times as ISO 8601 in WIB."""

from __future__ import annotations

import datetime as dt
import json
import re
import xml.etree.ElementTree as ET
from typing import Any
from zoneinfo import ZoneInfo

from flask import Response, request

WIB = ZoneInfo("Asia/Jakarta")

_ITEMS = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
}
"""The spec's element name of each list's items."""
_XML_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_fill(element: ET.Element, value: Any) -> None:
    if isinstance(value, list):
        for item in value:
            _xml_fill(ET.SubElement(element, _ITEMS[element.tag]), item)
    elif isinstance(value, dict):
        for key, item in value.items():
            _xml_fill(ET.SubElement(element, key), item)
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        element.text = _XML_UNSAFE.sub("\ufffd", str(value))


def to_xml(root: str, value: Any) -> bytes:
    """``value`` as the spec's XML: lists as repeated elements named per ``_ITEMS``."""
    element = ET.Element(root)
    _xml_fill(element, value)
    text: bytes = ET.tostring(element, encoding="utf-8", xml_declaration=True)
    return text


def render(fmt: str, root: str, value: Any, status: int = 200) -> Response:
    if fmt == "xml":
        return Response(to_xml(root, value), status=status, mimetype="text/xml")
    text = json.dumps(value, ensure_ascii=False)
    return Response(text, status=status, mimetype="application/json")


def stamp(value: dt.datetime | None) -> str | None:
    return value.astimezone(WIB).isoformat(timespec="seconds") if value else None


def current_format() -> str:
    fmt = (request.view_args or {}).get("fmt")
    if fmt in ("json", "xml"):
        return str(fmt)
    return "xml" if request.path.endswith(".xml") else "json"


def error_response(status: int, description: str) -> Response:
    return render(
        current_format(), "errors", [{"code": status, "description": description}], status
    )
