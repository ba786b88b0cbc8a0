"""GeoReport v2 bodies in JSON and XML, and its error bodies.

Both encoders escape what they write ("室温<10度" is `室温&lt;10度` in XML and stays as typed
in JSON), so text is stored as typed and never stripped on the way in.

XML follows the spec's examples: a declaration with encoding, a root element
(`services`, `service_requests`, `discovery`, `service_definition`, `errors`), one child per
row, and lists as a container of singular elements (`<endpoints><endpoint>`,
`<formats><format>`, `<attributes><attribute>`, `<values><value>`).
"""

from __future__ import annotations

import json
from xml.etree import ElementTree as ET

from django.http import HttpResponse

from portal.exports import xml_text

FORMATS = ("json", "xml")
CONTENT_TYPES = {
    "json": "application/json; charset=utf-8",
    "xml": "text/xml; charset=utf-8",
}
# Container element → its items' element.
SINGULAR = {
    "endpoints": "endpoint",
    "formats": "format",
    "attributes": "attribute",
    "values": "value",
    "errors": "error",
}


class Open311Error(Exception):
    """Raised anywhere under the API; answered as an Open311 error body."""

    def __init__(self, code: int, description: str, headers: dict | None = None):
        super().__init__(description)
        self.code = code
        self.description = str(description)
        self.headers = headers or {}


def fmt_of(path: str) -> str:
    """The format a path asks for by its extension; JSON when none or unknown."""
    tail = path.rstrip("/").rsplit("/", 1)[-1]
    ext = tail.rsplit(".", 1)[-1].lower() if "." in tail else ""
    return ext if ext in FORMATS else "json"


def _fill(el: ET.Element, value) -> None:
    if isinstance(value, dict):
        for key, sub in value.items():
            _fill(ET.SubElement(el, key), sub)
    elif isinstance(value, (list, tuple)):
        item = SINGULAR.get(el.tag, "value")
        for sub in value:
            _fill(ET.SubElement(el, item), sub)
    elif isinstance(value, bool):
        el.text = "true" if value else "false"
    elif value is not None:
        # Every text node loses what XML 1.0 cannot hold (a \x07 in a request).
        el.text = xml_text(value)


def to_xml(root: str, item: str | None, body) -> bytes:
    top = ET.Element(root)
    if item is None:
        _fill(top, body)
    else:
        for row in body:
            _fill(ET.SubElement(top, item), row)
    return b'<?xml version="1.0" encoding="utf-8"?>' + ET.tostring(top, encoding="utf-8")


def respond(
    fmt: str, root: str, item: str | None, body, status: int = 200, headers=None
) -> HttpResponse:
    """`body` is a list of rows (each an `item` under `root`) or, with `item=None`, one
    object that is `root` itself (discovery, a service definition)."""
    fmt = fmt if fmt in FORMATS else "json"
    if fmt == "xml":
        content = to_xml(root, item, body)
    else:
        content = json.dumps(body, ensure_ascii=False).encode()
    response = HttpResponse(content, content_type=CONTENT_TYPES[fmt], status=status)
    for key, value in (headers or {}).items():
        response[key] = value
    return response


def error(fmt: str, code: int, description: str, headers=None) -> HttpResponse:
    """`[{"code": 404, "description": "…"}]`, or `<errors><error>…</error></errors>`."""
    rows = [{"code": code, "description": str(description)}]
    return respond(fmt, "errors", "error", rows, status=code, headers=headers)
