"""GeoReport v2 rows: services, service definitions and service requests.

Field lists are the spec's (wiki.open311.org/GeoReport_v2); tests validate them against
JSON Schemas written from it (tests/triage/open311_schemas/).

A request row is public (anonymised: the grid instead of the address, the grid's centre
instead of the point, no reporter) when `public_q()` lists it; any other request read by
its id — untriaged, 私事, sensitive — keeps its id, status, times and service, with its
description, notes, place and media withheld.  A sensitive request does not even say
its service (it is given as `other`).
"""

from __future__ import annotations

from django.core.exceptions import ObjectDoesNotExist
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import GridBoundary, Request, ServiceType
from ..privacy import public_text

# A request without a service type (the resident did not pick one and the classifier
# found none) is listed under this code, so `service_code` is never empty.
OTHER_CODE = "other"
SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"


def iso(dt) -> str | None:
    return timezone.localtime(dt).isoformat(timespec="seconds") if dt else None


def other_service_row() -> dict:
    return {
        "service_code": OTHER_CODE,
        "service_name": _("Other matters"),
        "description": _("Anything not in the list: the community committee sorts it out."),
        "metadata": False,
        "type": "realtime",
        "keywords": "",
        "group": _("Other"),
    }


def service_row(st: ServiceType, has_attributes: bool = False) -> dict:
    return {
        "service_code": st.code,
        "service_name": st.name,
        "description": st.description or st.name,
        "metadata": bool(has_attributes),
        "type": "realtime",
        "keywords": ",".join(st.keyword_list()),
        "group": str(st.get_default_class_display()),
    }


def definition(code: str, attributes) -> dict:
    return {
        "service_code": code,
        "attributes": [
            {
                "variable": a.variable,
                "code": a.code,
                "datatype": a.datatype,
                "required": a.required,
                "datatype_description": a.datatype_description,
                "order": a.order,
                "description": a.description,
                "values": [
                    {"key": str(v.get("key", "")), "name": str(v.get("name", ""))}
                    for v in (a.values or [])
                    if isinstance(v, dict)
                ],
            }
            for a in attributes
        ],
    }


def centroid(polygon) -> tuple[float, float] | None:
    """The centre of a grid's outline (area-weighted; the mean of its corners when flat)."""
    try:
        pts = [(float(a), float(b)) for a, b in polygon or []]
    except (TypeError, ValueError):
        return None
    if not pts:
        return None
    area = cy = cx = 0.0
    for (y0, x0), (y1, x1) in zip(pts, pts[1:] + pts[:1], strict=True):
        cross = x0 * y1 - x1 * y0
        area += cross
        cx += (x0 + x1) * cross
        cy += (y0 + y1) * cross
    if abs(area) < 1e-12:
        lat, lon = sum(p[0] for p in pts) / len(pts), sum(p[1] for p in pts) / len(pts)
    else:
        lat, lon = cy / (3 * area), cx / (3 * area)
    return round(lat, 6), round(lon, 6)


def submission(r: Request):
    try:
        return r.open311
    except ObjectDoesNotExist:
        return None


def _grid_centre(r: Request) -> tuple[float, float] | tuple[None, None]:
    try:
        boundary = r.area.triage_boundary
    except (ObjectDoesNotExist, GridBoundary.DoesNotExist):
        return None, None
    return centroid(boundary.polygon) or (None, None)


def _status_notes(r: Request) -> str:
    if r.status == Request.Status.CLOSED:
        return public_text(r, r.reply)[:500]
    return str(r.get_status_display())


def _service(r: Request, withheld: bool) -> tuple[str, str]:
    st = r.service_type
    if st is None or (withheld and (st.sensitive or r.sensitive)):
        return OTHER_CODE, str(other_service_row()["service_name"])
    return st.code, st.name


def request_row(r: Request) -> dict:
    """A public request, anonymised.  `r` comes through `selectors.with_places` (`r.place`)
    and `public_requests()` (area boundary and Open311 submission joined)."""
    sub = submission(r)
    unplaced = bool(sub and sub.needs_placement)
    lat, lon = (None, None) if unplaced else _grid_centre(r)
    code, name = _service(r, withheld=False)
    return {
        "service_request_id": str(r.pk),
        "status": r.public_status,
        "status_notes": _status_notes(r),
        "service_name": name,
        "service_code": code,
        "description": public_text(r),
        "agency_responsible": r.organisation.name if r.organisation else "",
        "service_notice": "",
        "requested_datetime": iso(r.created_at),
        "updated_datetime": iso(r.updated_at),
        "expected_datetime": iso(r.deadline),
        "address": "" if unplaced else r.place,
        "address_id": "" if unplaced else r.area.code,
        "zipcode": None,
        "lat": lat,
        "long": lon,
        "media_url": (sub.media_url or None) if sub else None,
    }


def withheld_row(r: Request) -> dict:
    """A request that is not public, read by its id: state, times and service only."""
    code, name = _service(r, withheld=True)
    return {
        "service_request_id": str(r.pk),
        "status": r.public_status,
        "status_notes": "",
        "service_name": name,
        "service_code": code,
        "description": "",
        "agency_responsible": "",
        "service_notice": _("Details of this request are not public."),
        "requested_datetime": iso(r.created_at),
        "updated_datetime": iso(r.updated_at),
        "expected_datetime": iso(r.deadline),
        "address": "",
        "address_id": "",
        "zipcode": None,
        "lat": None,
        "long": None,
        "media_url": None,
    }


def row(r: Request) -> dict:
    return request_row(r) if getattr(r, "public_view", False) else withheld_row(r)
