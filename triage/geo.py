"""Plane geometry for grid outlines: no model, no query (models.py and forms use it).

An outline is stored as a list of [latitude, longitude] points in WGS-84 (the first point
not repeated at the end), as `GridBoundary.polygon` always held it.  GeoJSON writes
[longitude, latitude] and closes its rings: `outline_from_geojson` and `outline_to_geojson`
convert between the two, and refuse anything else with a translated message.

A grid is a few hundred metres across, so the plane is good enough: a point is inside by
the even-odd rule (ray casting) in degrees.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MAX_POINTS = 2000  # a hand-drawn or surveyed grid has tens; more is a mistake or an attack
MAX_GEOJSON_BYTES = 512 * 1024


def point_in_polygon(lat: float, lon: float, ring: Sequence[Sequence[float]]) -> bool:
    """Even-odd rule over [lat, lon] points; a point exactly on an edge may go either way,
    which is close enough for a grid of 300 households."""
    inside = False
    n = len(ring)
    j = n - 1
    for i in range(n):
        yi, xi = float(ring[i][0]), float(ring[i][1])
        yj, xj = float(ring[j][0]), float(ring[j][1])
        if (yi > lat) != (yj > lat):
            x_cross = (xj - xi) * (lat - yi) / (yj - yi) + xi
            if lon < x_cross:
                inside = not inside
        j = i
    return inside


def _refuse(message: str) -> ValidationError:
    return ValidationError(message, code="bad_geojson")


def _number(value) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _refuse(_("Every point of the outline must be two numbers."))
    value = float(value)
    if not math.isfinite(value):
        raise _refuse(_("Every point of the outline must be two numbers."))
    return value


def _ring_from_lonlat(coords) -> list[list[float]]:
    if not isinstance(coords, list) or not coords:
        raise _refuse(_("The outline has no points."))
    ring = []
    for point in coords:
        if not isinstance(point, list) or len(point) < 2:
            raise _refuse(_("Every point of the outline must be two numbers."))
        lon, lat = _number(point[0]), _number(point[1])
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise _refuse(
                _("A point of the outline lies off the globe (longitude first, then latitude).")
            )
        ring.append([round(lat, 7), round(lon, 7)])
    return clean_outline(ring)


def clean_outline(ring: list[list[float]]) -> list[list[float]]:
    """Drop the closing point and repeated points; refuse fewer than three corners, too
    many points, or an outline with no area."""
    out: list[list[float]] = []
    for p in ring:
        if not out or out[-1] != p:
            out.append(p)
    if len(out) > 1 and out[0] == out[-1]:
        out.pop()
    if len(out) > MAX_POINTS:
        raise _refuse(_("The outline has more than %(n)s points.") % {"n": MAX_POINTS})
    if len(out) < 3:
        raise _refuse(_("An outline needs at least three corners."))
    if abs(_area(out)) < 1e-12:
        raise _refuse(_("The outline encloses no area."))
    return out


def _area(ring) -> float:
    return sum(
        ring[i][1] * ring[(i + 1) % len(ring)][0] - ring[(i + 1) % len(ring)][1] * ring[i][0]
        for i in range(len(ring))
    )


def _polygon_of(obj) -> list:
    """The outer ring (GeoJSON order) of the one polygon `obj` holds."""
    if not isinstance(obj, dict):
        raise _refuse(_("This is not a GeoJSON object."))
    kind = obj.get("type")
    if kind == "FeatureCollection":
        features = obj.get("features")
        if not isinstance(features, list) or len(features) != 1:
            raise _refuse(
                _("Give exactly one outline (one feature), not %(n)s.")
                % {"n": len(features) if isinstance(features, list) else 0}
            )
        return _polygon_of(features[0])
    if kind == "Feature":
        return _polygon_of(obj.get("geometry"))
    if kind == "Polygon":
        rings = obj.get("coordinates")
        if not isinstance(rings, list) or not rings:
            raise _refuse(_("The outline has no points."))
        return rings[0]
    if kind == "MultiPolygon":
        polygons = obj.get("coordinates")
        if not isinstance(polygons, list) or len(polygons) != 1 or not polygons[0]:
            raise _refuse(_("A grid's outline must be one polygon."))
        return polygons[0][0]
    raise _refuse(_("A grid's outline must be a GeoJSON Polygon."))


def outline_from_geojson(text: str | bytes | dict) -> list[list[float]]:
    """[[lat, lon], ...] from GeoJSON text (a Polygon, a Feature or a FeatureCollection
    of one), or a translated ValidationError; holes are ignored."""
    if isinstance(text, dict):
        obj = text
    else:
        if isinstance(text, bytes):
            if len(text) > MAX_GEOJSON_BYTES:
                raise _refuse(_("The GeoJSON file is too large."))
            try:
                text = text.decode("utf-8-sig")
            except UnicodeDecodeError:
                raise _refuse(_("The GeoJSON file is not UTF-8 text.")) from None
        if len(text) > MAX_GEOJSON_BYTES:
            raise _refuse(_("The GeoJSON file is too large."))
        try:
            obj = json.loads(text)
        except (ValueError, RecursionError):
            raise _refuse(_("This is not valid GeoJSON (JSON could not be read).")) from None
    return _ring_from_lonlat(_polygon_of(obj))


def outline_to_geojson(ring) -> dict:
    """A GeoJSON Polygon (longitude first, ring closed) from stored [lat, lon] points."""
    coords = [[float(p[1]), float(p[0])] for p in ring or []]
    if coords:
        coords.append(coords[0])
    return {"type": "Polygon", "coordinates": [coords]}


def bounds(rings) -> list[list[float]] | None:
    """[[south, west], [north, east]] around every point of `rings`, or None."""
    pts = [p for ring in rings for p in ring]
    if not pts:
        return None
    lats, lons = [float(p[0]) for p in pts], [float(p[1]) for p in pts]
    return [[min(lats), min(lons)], [max(lats), max(lons)]]
