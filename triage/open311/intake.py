"""POST requests.{fmt}: a client creates a service request.

Checked before anything is saved, each refusal an Open311 error: the api_key (body,
query string or `X-Api-Key` header; 403), the per-key rate limit (429), the
jurisdiction (400), the service code (400), the description (empty-looking or longer
than the limit: 400), `media_url` (http/https, at most OPEN311_MEDIA_URL_MAX: 400),
contact fields, `attribute[code]` answers against the service's definition, and the
place: `address_id` (a grid code), lat/long (the grid whose outline holds the point;
outside every grid: 400) or `address_string` alone (the request goes to the placement
grid, flagged for its committee to check by hand).

A repeated POST with the same `Idempotency-Key` header (or `idempotency_key` field) from
the same key answers the first answer again and saves nothing; the same token with a
different request is a 409.
"""

from __future__ import annotations

import hashlib
import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from portal import sms as portal_sms
from portal.inputs import parse_datetime_param
from portal.models import Area
from portal.text import clean_text

from ..models import (
    MAX_TEXT,
    ApiKey,
    Event,
    GridBoundary,
    Open311Submission,
    Request,
    ServiceAttribute,
    ServiceType,
)
from ..services.intake import request_submit
from . import link, ratelimit
from .formats import Open311Error, respond
from .rows import OTHER_CODE, other_service_row

ATTRIBUTE_KEY = re.compile(r"^attribute\[([^\]]{1,40})\](\[\])?$")


def _site(message: str, **params) -> str:
    """A timeline note in the site's language, whoever's language the call runs in
    (`message` is marked with gettext_noop and translated here, inside the override)."""
    with translation.override(settings.LANGUAGE_CODE):
        return _(message) % params


def bad(description: str) -> Open311Error:
    """A 400; `description` is already translated into the request's language."""
    return Open311Error(400, description)


def too_long(name: str, limit: int) -> Open311Error:
    return bad(_("%(name)s is longer than %(limit)s characters") % {"name": name, "limit": limit})


def api_key_of(request) -> str:
    auth = request.headers.get("Authorization", "")
    bearer = auth[7:].strip() if auth.lower().startswith("bearer ") else ""
    return (
        request.POST.get("api_key")
        or request.GET.get("api_key")
        or request.headers.get("X-Api-Key")
        or bearer
        or ""
    ).strip()


def check_jurisdiction(value: str | None) -> None:
    value = (value or "").strip()
    if value and value != settings.OPEN311_JURISDICTION_ID:
        raise bad(
            _("Unknown jurisdiction_id %(value)s; this endpoint serves %(ours)s")
            % {"value": value, "ours": settings.OPEN311_JURISDICTION_ID}
        )


def _text(data, name: str, limit: int) -> str:
    try:
        return clean_text(data.get(name, ""), limit=limit)
    except ValidationError:
        raise too_long(name, limit) from None


def _description(data, st: ServiceType | None) -> str:
    raw = data.get("description", "")
    try:
        text = clean_text(raw, limit=MAX_TEXT)
    except ValidationError:
        raise too_long("description", MAX_TEXT) from None
    if not text:
        # The spec makes description optional: the service's name then says what it is.
        return st.name if st else str(_other_name())
    try:
        clean_text(text, required=True)
    except ValidationError:
        raise bad(_("description shows no text")) from None
    return text


def _other_name():
    return other_service_row()["service_name"]


def _media_url(data) -> str:
    url = (data.get("media_url") or "").strip()
    if not url:
        return ""
    if len(url) > settings.OPEN311_MEDIA_URL_MAX:
        raise too_long("media_url", settings.OPEN311_MEDIA_URL_MAX)
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        raise bad(_("media_url must be an http or https URL")) from None
    return url


def _contact(data) -> dict:
    email = (data.get("email") or "").strip()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise bad(_("email is not a valid address")) from None
        if len(email) > 254:
            raise too_long("email", 254)
    phone = portal_sms.normalise_number(data.get("phone") or "")
    if len(phone) > 20:
        raise too_long("phone", 20)
    return {
        "email": email,
        "phone": phone,
        "first_name": _text(data, "first_name", 50),
        "last_name": _text(data, "last_name", 50),
        "device_id": _text(data, "device_id", 100),
        "account_id": _text(data, "account_id", 100),
    }


def _attributes(data, st: ServiceType | None) -> dict:
    posted: dict[str, list[str]] = {}
    for key in data:
        m = ATTRIBUTE_KEY.match(key)
        if m:
            posted.setdefault(m.group(1), []).extend(data.getlist(key))
    defined = list(ServiceAttribute.objects.filter(service_type=st)) if st else []
    answers: dict = {}
    for a in defined:
        if not a.variable:
            continue
        values = [v.strip() for v in posted.get(a.code, []) if v.strip()]
        if not values:
            if a.required:
                raise bad(_("attribute[%(code)s] is required") % {"code": a.code})
            continue
        keys = a.value_keys()
        if a.datatype == ServiceAttribute.Datatype.MULTI:
            if any(v not in keys for v in values):
                raise bad(
                    _("attribute[%(code)s] must be among %(values)s")
                    % {"code": a.code, "values": ", ".join(keys)}
                )
            answers[a.code] = values
            continue
        value = values[0]
        if a.datatype == ServiceAttribute.Datatype.SINGLE and value not in keys:
            raise bad(
                _("attribute[%(code)s] must be one of %(values)s")
                % {"code": a.code, "values": ", ".join(keys)}
            )
        if a.datatype == ServiceAttribute.Datatype.NUMBER:
            try:
                float(value)
            except ValueError:
                raise bad(_("attribute[%(code)s] must be a number") % {"code": a.code}) from None
        if a.datatype == ServiceAttribute.Datatype.DATETIME and not parse_datetime_param(value):
            raise bad(_("attribute[%(code)s] must be a W3C datetime") % {"code": a.code})
        try:
            answers[a.code] = clean_text(value, limit=MAX_TEXT)
        except ValidationError:
            raise too_long(f"attribute[{a.code}]", MAX_TEXT) from None
    return answers


def placement_grid() -> Area | None:
    code = getattr(settings, "OPEN311_PLACEMENT_GRID", "")
    grids = Area.objects.filter(kind=Area.Kind.GRID)
    if code:
        return grids.filter(code=code).first()
    return grids.order_by("path").first()


def _point(data) -> tuple[float, float] | None:
    lat, lon = data.get("lat"), data.get("long")
    if not (lat or lon):
        return None
    try:
        flat, flon = float(lat), float(lon)
    except (TypeError, ValueError):
        raise bad(_("lat and long must both be decimal degrees")) from None
    if not (-90 <= flat <= 90 and -180 <= flon <= 180):  # also refuses NaN
        raise bad(_("lat and long must both be decimal degrees"))
    return flat, flon


def locate(data) -> tuple[Area, bool]:
    """The grid of a posted request, and whether it still needs placing by hand."""
    point = _point(data)
    address_id = (data.get("address_id") or "").strip()
    if address_id:
        grid = Area.objects.filter(code=address_id, kind=Area.Kind.GRID).first()
        if grid is None:
            raise bad(_("Unknown address_id %(value)s") % {"value": address_id[:64]})
        return grid, False
    if point is not None:
        for b in GridBoundary.objects.filter(area__kind=Area.Kind.GRID).select_related("area"):
            if b.contains(*point):
                return b.area, False
        raise bad(_("The point lies outside every grid of this jurisdiction"))
    if (data.get("address_string") or "").strip():
        grid = placement_grid()
        if grid is None:
            raise bad(_("No grid can take a request placed by address"))
        return grid, True
    raise bad(_("Give lat and long, address_string or address_id"))


def payload_hash(data) -> str:
    items = sorted(
        (k, v) for k in data for v in data.getlist(k) if k not in ("api_key", "idempotency_key")
    )
    return hashlib.sha256(repr(items).encode()).hexdigest()


def answer(sub: Open311Submission) -> list[dict]:
    return [
        {
            "service_request_id": str(sub.request_id),
            "service_notice": "",
            "account_id": sub.account_id or None,
        }
    ]


def _replay(key: ApiKey, token: str, digest: str, fmt: str):
    prev = Open311Submission.objects.filter(api_key=key, client_token=token).first()
    if prev is None:
        return None
    if prev.payload_hash != digest:
        raise Open311Error(409, _("This Idempotency-Key was used for a different request"))
    return respond(
        fmt, "service_requests", "request", answer(prev), 201, {"Idempotent-Replayed": "true"}
    )


def create(request, fmt: str):
    data = request.POST
    key = ApiKey.lookup(api_key_of(request))
    if key is None:
        raise Open311Error(403, _("A valid api_key is required to create service requests"))
    ratelimit.check("key", str(key.pk))
    check_jurisdiction(data.get("jurisdiction_id") or request.GET.get("jurisdiction_id"))
    token = (request.headers.get("Idempotency-Key") or data.get("idempotency_key") or "").strip()
    if len(token) > 200:
        raise too_long("Idempotency-Key", 200)
    digest = payload_hash(data)
    if token and (replayed := _replay(key, token, digest, fmt)) is not None:
        return replayed

    code = (data.get("service_code") or "").strip()
    if not code:
        raise bad(_("service_code is required"))
    st = ServiceType.objects.filter(code=code, is_active=True).first()
    if st is None and code != OTHER_CODE:
        raise bad(_("service_code %(code)s is not a known service") % {"code": code[:40]})
    text = _description(data, st)
    media_url = _media_url(data)
    contact = _contact(data)
    attributes = _attributes(data, st)
    address = _text(data, "address_string", 200)
    grid, needs_placement = locate(data)
    point = _point(data)
    name = " ".join(x for x in (contact["last_name"], contact["first_name"]) if x)
    try:
        with transaction.atomic():
            r = request_submit(
                channel=Request.Channel.API,
                text=text,
                area=grid,
                reporter_name=name,
                reporter_phone=contact["phone"],
                contact=Request.Contact.PHONE if contact["phone"] else Request.Contact.NONE,
                address=address,
                lat=point[0] if point and not needs_placement else None,
                lon=point[1] if point and not needs_placement else None,
                service_type=st,
            )
            sub = Open311Submission.objects.create(
                request=r,
                api_key=key,
                client_token=token,
                payload_hash=digest,
                address_string=address,
                address_id=(data.get("address_id") or "").strip()[:64],
                needs_placement=needs_placement,
                attributes=attributes,
                media_url=media_url,
                **contact,
            )
            if needs_placement:
                Event.objects.create(
                    request=r,
                    kind=Event.Kind.NOTE,
                    note=_site(
                        gettext_noop("Sent with an address only (%(a)s): check its grid."),
                        a=address,
                    ),
                    public=False,
                    created_at=timezone.now(),
                )
    except ValidationError as exc:
        raise bad(" ".join(exc.messages)) from None
    except IntegrityError:
        # The same token raced in from another worker: answer as it was answered.
        if token and (replayed := _replay(key, token, digest, fmt)) is not None:
            return replayed
        raise
    link.offer(r, sub)
    return respond(fmt, "service_requests", "request", answer(sub), status=201)
