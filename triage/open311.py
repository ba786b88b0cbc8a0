"""Open311 GeoReport v2 (https://wiki.open311.org/GeoReport_v2) in JSON and XML.

Reads are public and anonymised: lists hold only `Request.objects.public()` with the
text masked by `triage.privacy` (no names, phones or street addresses); a request that
is not public (untriaged, 私事, sensitive) read by its id shows its status only, so a
client can follow it, with its description, place, service and media withheld.

POST needs an `api_key` issued with `manage.py triage_apikey`.  The grid
of a posted request comes from `jurisdiction_id` (a grid code) or from lat/long inside a
grid outline.
"""

from __future__ import annotations

from xml.etree import ElementTree as ET

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from portal.exports import xml_text
from portal.inputs import parse_datetime_param, parse_ids
from portal.models import Area

from . import services as svc
from .models import ApiKey, GridBoundary, Request, ServiceType
from .privacy import public_text
from .selectors import with_places

FORMATS = {"json", "xml"}
CONTENT_XML = "application/xml; charset=utf-8"


def _iso(dt) -> str | None:
    return timezone.localtime(dt).isoformat(timespec="seconds") if dt else None


def _xml(root: str, item: str, rows: list[dict]) -> bytes:
    top = ET.Element(root)
    for row in rows:
        el = ET.SubElement(top, item)
        for key, value in row.items():
            child = ET.SubElement(el, key)
            if isinstance(value, list):
                for v in value:
                    sub = ET.SubElement(child, "value")
                    sub.text = xml_text(v)
            elif value is not None:
                # Every text node loses what XML 1.0 cannot hold (a \x07 in a request).
                child.text = str(value).lower() if isinstance(value, bool) else xml_text(value)
    return b'<?xml version="1.0" encoding="utf-8"?>' + ET.tostring(top, encoding="utf-8")


def _respond(fmt: str, root: str, item: str, rows: list[dict], status: int = 200):
    if fmt == "xml":
        return HttpResponse(_xml(root, item, rows), content_type=CONTENT_XML, status=status)
    return JsonResponse(rows, safe=False, status=status, json_dumps_params={"ensure_ascii": False})


def error(fmt: str, code: int, description: str):
    return _respond(
        fmt if fmt in FORMATS else "json",
        "errors",
        "error",
        [{"code": code, "description": description}],
        status=code,
    )


def _service_row(st: ServiceType) -> dict:
    return {
        "service_code": st.code,
        "service_name": st.name,
        "description": st.description or st.name,
        "metadata": False,
        "type": "realtime",
        "keywords": ",".join(st.keyword_list()),
        "group": st.get_default_class_display(),
    }


def services(request, fmt):
    if fmt not in FORMATS:
        return error("json", 404, "Format must be json or xml")
    rows = [_service_row(st) for st in ServiceType.objects.filter(is_active=True)]
    return _respond(fmt, "services", "service", rows)


def service(request, code, fmt):
    if fmt not in FORMATS:
        return error("json", 404, "Format must be json or xml")
    st = ServiceType.objects.filter(code=code, is_active=True).first()
    if st is None:
        return error(fmt, 404, f"Unknown service_code {code}")
    if fmt == "xml":
        body = ET.Element("service_definition")
        ET.SubElement(body, "service_code").text = xml_text(st.code)
        ET.SubElement(body, "attributes")
        return HttpResponse(
            b'<?xml version="1.0" encoding="utf-8"?>' + ET.tostring(body, encoding="utf-8"),
            content_type=CONTENT_XML,
        )
    return JsonResponse(
        {"service_code": st.code, "attributes": []}, json_dumps_params={"ensure_ascii": False}
    )


def _status_notes(r: Request) -> str:
    if r.status == Request.Status.CLOSED:
        return public_text(r, r.reply)[:500]
    return str(r.get_status_display())


def request_row(r: Request) -> dict:
    """Anonymised: the grid instead of the address, no reporter, no photos.

    `r` comes through selectors.with_places, which sets `r.place` for a whole page at once.
    """
    return {
        "service_request_id": str(r.pk),
        "status": r.public_status,
        "status_notes": _status_notes(r),
        "service_name": r.service_type.name if r.service_type else "",
        "service_code": r.service_type.code if r.service_type else "",
        "description": public_text(r),
        "agency_responsible": r.organisation.name if r.organisation else "",
        "service_notice": "",
        "requested_datetime": _iso(r.created_at),
        "updated_datetime": _iso(r.updated_at),
        "expected_datetime": _iso(r.deadline),
        "address": r.place,
        "address_id": r.area.code,
        "zipcode": "",
        "lat": None,
        "long": None,
        "media_url": "",
    }


def withheld_row(r: Request) -> dict:
    """A request that is not public, read by its id: its state and times, nothing else."""
    return {
        "service_request_id": str(r.pk),
        "status": r.public_status,
        "status_notes": "",
        "service_name": "",
        "service_code": "",
        "description": "",
        "agency_responsible": "",
        "service_notice": "",
        "requested_datetime": _iso(r.created_at),
        "updated_datetime": _iso(r.updated_at),
        "expected_datetime": _iso(r.deadline),
        "address": "",
        "address_id": "",
        "zipcode": "",
        "lat": None,
        "long": None,
        "media_url": "",
    }


def _public():
    return (
        Request.objects.public()
        .select_related("service_type", "organisation", "area", "reporter")
        .order_by("-created_at")
    )


@csrf_exempt
def requests(request, fmt):
    if fmt not in FORMATS:
        return error("json", 404, "Format must be json or xml")
    if request.method == "POST":
        return _post(request, fmt)
    if request.method != "GET":
        return error(fmt, 405, "Use GET or POST")
    qs = _public()
    g = request.GET
    if g.get("service_request_id"):
        qs = qs.filter(pk__in=parse_ids(g["service_request_id"].split(",")[:1000]))
    if g.get("service_code"):
        qs = qs.filter(service_type__code__in=g["service_code"].split(","))
    if g.get("status") in ("open", "closed"):
        closed = Q(status=Request.Status.CLOSED)
        qs = qs.filter(closed) if g["status"] == "closed" else qs.exclude(closed)
    for key, lookup in (("start_date", "created_at__gte"), ("end_date", "created_at__lte")):
        if g.get(key):
            dt = parse_datetime_param(g[key])
            if dt is None:
                return error(fmt, 400, f"{key} must be a valid W3C datetime")
            qs = qs.filter(**{lookup: dt})
    if not any(g.get(k) for k in ("start_date", "end_date", "service_request_id")):
        qs = qs.filter(created_at__gte=timezone.now() - timezone.timedelta(days=90))
    rows = [request_row(r) for r in with_places(qs[:1000])]
    return _respond(fmt, "service_requests", "request", rows)


def request_one(request, pk, fmt):
    if fmt not in FORMATS:
        return error("json", 404, "Format must be json or xml")
    r = (
        Request.objects.with_public_flag()
        .select_related("service_type", "organisation", "area", "reporter")
        .filter(pk=pk)
        .first()
    )
    if r is None:
        return error(fmt, 404, f"No service request {pk}")
    row = request_row(with_places([r])[0]) if r.public_view else withheld_row(r)
    return _respond(fmt, "service_requests", "request", [row])


def _grid_for(data) -> Area | None:
    code = (data.get("jurisdiction_id") or data.get("address_id") or "").strip()
    if code:
        return Area.objects.filter(code=code, kind=Area.Kind.GRID).first()
    try:
        lat, lon = float(data.get("lat")), float(data.get("long"))
    except (TypeError, ValueError):
        return None
    for b in GridBoundary.objects.select_related("area"):
        if b.contains(lat, lon):
            return b.area
    return None


def _post(request, fmt):
    data = request.POST
    key = ApiKey.lookup(data.get("api_key") or request.headers.get("X-Api-Key"))
    if key is None:
        return error(fmt, 403, "A valid api_key is required to create service requests")
    code = (data.get("service_code") or "").strip()
    st = ServiceType.objects.filter(code=code, is_active=True).first() if code else None
    if st is None:
        return error(fmt, 400, f"service_code {code or '(missing)'} is not a known service")
    grid = _grid_for(data)
    if grid is None:
        return error(fmt, 400, "Give jurisdiction_id (a grid code) or lat/long inside a grid")
    name = " ".join(x for x in (data.get("last_name", ""), data.get("first_name", "")) if x)
    try:
        r = svc.request_submit(
            channel=Request.Channel.API,
            text=data.get("description", ""),
            area=grid,
            reporter_name=name,
            reporter_phone=data.get("phone", ""),
            contact=Request.Contact.PHONE if data.get("phone") else Request.Contact.NONE,
            address=data.get("address_string", ""),
            lat=data.get("lat") or None,
            lon=data.get("long") or None,
            service_type=st,
        )
    except ValidationError as exc:
        return error(fmt, 400, " ".join(exc.messages))
    rows = [{"service_request_id": str(r.pk), "service_notice": "", "account_id": ""}]
    return _respond(fmt, "service_requests", "request", rows, status=201)


def bad_input_response(request, message, fmt="json", **kwargs):
    """How portal.middleware.HostileInputMiddleware refuses input to this API."""
    return error(fmt, 400, "The request contains characters that are not allowed")


for _view in (services, service, requests, request_one):
    _view.bad_input_response = bad_input_response
