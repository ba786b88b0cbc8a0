"""GeoReport v2 JSON Schemas (written from the spec's field lists, in open311_schemas/)
and the same check for XML bodies: the XML is read back into the JSON shape, typed by the
schema (integers, booleans, numbers, empty elements as null), and validated alike."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from xml.etree import ElementTree as ET

from jsonschema import Draft202012Validator

SCHEMAS = Path(__file__).parent / "open311_schemas"
ROOTS = {
    "discovery.json": ("discovery", None),
    "services.json": ("services", "service"),
    "service_definition.json": ("service_definition", None),
    "requests.json": ("service_requests", "request"),
    "post_response.json": ("service_requests", "request"),
    "token.json": ("service_requests", "request"),
    "errors.json": ("errors", "error"),
}


@cache
def schema(name: str) -> dict:
    return json.loads((SCHEMAS / name).read_text())


def validate(name: str, body) -> None:
    """Raise jsonschema.ValidationError unless `body` matches the schema `name`."""
    Draft202012Validator(schema(name), format_checker=Draft202012Validator.FORMAT_CHECKER).validate(
        body
    )


def _types(prop: dict) -> list[str]:
    if "const" in prop or "enum" in prop:
        return ["string"]
    t = prop.get("type", "string")
    return t if isinstance(t, list) else [t]


def _read(el: ET.Element, prop: dict):
    types = _types(prop)
    if "array" in types:
        return [_read(child, prop.get("items", {})) for child in el]
    if "object" in types:
        props = prop.get("properties", {})
        return {child.tag: _read(child, props.get(child.tag, {})) for child in el}
    text = el.text
    if text is None or text == "":
        # An empty element is "" where the field is a string, null where it is not.
        # (XML cannot tell them apart; a formatted string such as a date or URL is null.)
        plain = "string" in types and not ("format" in prop or "pattern" in prop)
        return "" if plain or "null" not in types else None
    if "integer" in types:
        return int(text)
    if "number" in types:
        return float(text)
    if "boolean" in types:
        return {"true": True, "false": False}.get(text, text)
    return text


def xml_body(name: str, content: bytes):
    """The XML `content` read as the JSON body `name` describes (root checked)."""
    assert content.startswith(b'<?xml version="1.0" encoding="utf-8"?>'), content[:60]
    root_tag, item_tag = ROOTS[name]
    root = ET.fromstring(content)
    assert root.tag == root_tag, (root.tag, root_tag)
    s = schema(name)
    if item_tag is None:
        return _read(root, s)
    assert all(child.tag == item_tag for child in root), [c.tag for c in root]
    return [_read(child, s["items"]) for child in root]


def validate_xml(name: str, content: bytes):
    body = xml_body(name, content)
    validate(name, body)
    return body
