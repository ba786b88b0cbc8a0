"""Open311 GeoReport v2 (https://wiki.open311.org/GeoReport_v2) in JSON and XML.

Every answer under the prefix, errors included, is GeoReport: a wrong format, an unknown
route, a non-numeric id, a wrong method, a rate limit or an unexpected failure is an
Open311 error body (`formats.error`) in the format the path asks for (JSON when none).

Reads are public and anonymised (see `rows`).  POST needs an api_key issued with
`manage.py triage_apikey` (see `intake`).
"""

from __future__ import annotations

import functools
import logging
from datetime import timedelta

from django.conf import settings
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from portal.inputs import client_address, parse_datetime_param, parse_ids
from portal.middleware import requested_language

from ..models import Open311Submission, Request, ServiceType
from ..selectors import with_places
from . import intake, ratelimit, rows
from .formats import FORMATS, Open311Error, error, fmt_of, respond

logger = logging.getLogger("django.request")
MAX_DAYS = 90
MAX_ROWS = 1000
STATUSES = ("open", "closed")


def bad_input_response(request, message, fmt="json", **kwargs):
    """How portal.middleware.HostileInputMiddleware refuses input to this API.  That
    middleware runs before the locale middleware, so the language is chosen here."""
    with translation.override(requested_language(request)):
        return error(
            fmt if fmt in FORMATS else fmt_of(request.path),
            400,
            _("The request contains characters that are not allowed"),
        )


def _use(methods) -> str:
    if len(methods) == 1:
        return _("Use %(method)s") % {"method": methods[0]}
    return _("Use %(methods)s or %(last)s") % {
        "methods": ", ".join(methods[:-1]),
        "last": methods[-1],
    }


def api(*methods: str):
    """Format check, per-address rate limit, method, jurisdiction_id on reads, and every
    refusal or failure as an Open311 error body."""

    def decorate(view):
        @csrf_exempt
        @functools.wraps(view)
        def wrapped(request, *args, fmt: str = "json", **kwargs):
            if fmt not in FORMATS:
                return error(fmt_of(request.path), 404, _("Format must be json or xml"))
            try:
                ratelimit.check("address", client_address(request))
                if request.method not in methods:
                    raise Open311Error(405, _use(methods))
                if request.method == "GET":
                    intake.check_jurisdiction(request.GET.get("jurisdiction_id"))
                return view(request, *args, fmt=fmt, **kwargs)
            except Open311Error as exc:
                return error(fmt, exc.code, exc.description, exc.headers)
            except Exception:
                logger.error(
                    "Open311 failure: %s",
                    request.path,
                    exc_info=True,
                    extra={"status_code": 500, "request": request},
                )
                return error(fmt, 500, _("The server could not answer this request"))

        wrapped.bad_input_response = bad_input_response
        return wrapped

    return decorate


def _base_url(request) -> str:
    path = reverse("triage:o311_services", kwargs={"fmt": "json"})
    return request.build_absolute_uri(path.rsplit("/", 1)[0])


@api("GET")
def discovery(request, fmt):
    body = {
        "changeset": settings.OPEN311_CHANGESET,
        "contact": settings.OPEN311_CONTACT or settings.WAGTAILADMIN_BASE_URL,
        "key_service": settings.OPEN311_KEY_SERVICE or settings.WAGTAILADMIN_BASE_URL,
        "endpoints": [
            {
                "specification": rows.SPECIFICATION,
                "url": _base_url(request),
                "changeset": settings.OPEN311_CHANGESET,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
    return respond(fmt, "discovery", None, body)


@api("GET")
def services(request, fmt):
    types = ServiceType.objects.filter(is_active=True).annotate(n_attrs=Count("attributes"))
    body = [rows.service_row(st, st.n_attrs > 0) for st in types]
    if not any(row["service_code"] == rows.OTHER_CODE for row in body):
        body.append(rows.other_service_row())
    return respond(fmt, "services", "service", body)


@api("GET")
def service(request, code, fmt):
    st = ServiceType.objects.filter(code=code, is_active=True).first()
    if st is None:
        if code == rows.OTHER_CODE:
            return respond(fmt, "service_definition", None, rows.definition(code, []))
        raise Open311Error(404, _("Unknown service_code %(code)s") % {"code": code})
    attributes = st.attributes.all()
    return respond(fmt, "service_definition", None, rows.definition(st.code, attributes))


def _requests():
    return (
        Request.objects.with_public_flag()
        .select_related("service_type", "organisation", "area__triage_boundary", "open311")
        .order_by("-created_at", "-pk")
    )


def _list(request, fmt):
    g = request.GET
    ids_given = (g.get("service_request_id") or "").strip()
    if ids_given:
        # Overrides every other filter; any request by id, private ones withheld.
        ids = parse_ids(ids_given.split(",")[:MAX_ROWS])
        if not ids:
            raise Open311Error(400, _("service_request_id must be a comma-separated list of ids"))
        found = with_places(_requests().filter(pk__in=ids))
        return respond(fmt, "service_requests", "request", [rows.row(r) for r in found])
    qs = _requests().filter(public_view=True)
    if g.get("service_code"):
        codes = [c.strip() for c in g["service_code"].split(",") if c.strip()]
        match = Q(service_type__code__in=codes)
        if rows.OTHER_CODE in codes:
            match |= Q(service_type__isnull=True)
        qs = qs.filter(match)
    if g.get("status"):
        wanted = {s.strip() for s in g["status"].split(",") if s.strip()}
        unknown = wanted - set(STATUSES)
        if unknown:
            raise Open311Error(400, _("status must be open or closed (comma-separated)"))
        if wanted == {"closed"}:
            qs = qs.filter(status=Request.Status.CLOSED)
        elif wanted == {"open"}:
            qs = qs.exclude(status=Request.Status.CLOSED)
    dates = {}
    for key in ("start_date", "end_date"):
        if g.get(key):
            dates[key] = parse_datetime_param(g[key])
            if dates[key] is None:
                raise Open311Error(
                    400, _("%(name)s must be a W3C datetime with a time zone") % {"name": key}
                )
    # The spec's default: a span of 90 days, from start_date, up to end_date or up to now.
    start, end = dates.get("start_date"), dates.get("end_date")
    if start is None:
        end = end or timezone.now()
        start = end - timedelta(days=MAX_DAYS)
    elif end is None:
        end = start + timedelta(days=MAX_DAYS)
    if start > end:
        raise Open311Error(400, _("start_date must be before end_date"))
    if end - start > timedelta(days=MAX_DAYS):
        raise Open311Error(
            400,
            _("The span of start_date and end_date is at most %(days)s days") % {"days": MAX_DAYS},
        )
    qs = qs.filter(created_at__gte=start, created_at__lte=end)
    found = with_places(qs[:MAX_ROWS])
    return respond(fmt, "service_requests", "request", [rows.request_row(r) for r in found])


@api("GET", "POST")
def requests(request, fmt):
    if request.method == "POST":
        return intake.create(request, fmt)
    return _list(request, fmt)


@api("GET")
def request_one(request, pk, fmt):
    r = _requests().filter(pk=pk).first()
    if r is None:
        raise Open311Error(404, _("No service request %(id)s") % {"id": pk})
    return respond(fmt, "service_requests", "request", [rows.row(with_places([r])[0])])


@api("GET")
def token(request, token, fmt):
    """Requests are created at once, so a token is only ever the client's own
    Idempotency-Key: it answers with the request it created."""
    sub = Open311Submission.objects.exclude(client_token="").filter(client_token=token).first()
    if sub is None:
        raise Open311Error(404, _("No service request for token %(token)s") % {"token": token[:80]})
    body = [{"service_request_id": str(sub.request_id), "token": token}]
    return respond(fmt, "service_requests", "request", body)


@csrf_exempt
def not_found(request, rest: str = ""):
    fmt = fmt_of(request.path)
    return error(fmt, 404, _("No such Open311 resource; see discovery.json"))


not_found.bad_input_response = bad_input_response
