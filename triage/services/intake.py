"""一端上报: one end for every channel (web form, grid worker, 12345 hotline, Open311).

`request_submit` checks and stores what was reported (text as typed, photos re-encoded,
the map point inside the grid, sensitive matters flagged), then classifies it
(`classification`), which routes it when the classifier is confident.  `request_intake`
is a grid worker or the hotline entering a request for a resident (see `claims`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal, InvalidOperation
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import sms as portal_sms
from portal.models import Area
from portal.tasks import enqueue, send_sms_task
from portal.text import clean_text
from portal.uploads import clean_images

from .. import jobs
from ..models import MAX_PHOTOS, MAX_TEXT, Event, GridBoundary, Photo, Request, ServiceType
from ..privacy import sensitive_text
from ._base import DESCRIBE_THE_MATTER, add_event, site_str
from .claims import intake_match, intake_sms
from .classification import request_classify


def _point(lat, lon) -> tuple[Decimal | None, Decimal | None]:
    if lat in (None, "") and lon in (None, ""):
        return None, None
    try:
        dlat, dlon = (
            Decimal(str(lat)).quantize(Decimal("0.000001")),
            Decimal(str(lon)).quantize(Decimal("0.000001")),
        )
    except (InvalidOperation, ValueError):
        raise ValidationError({"lat": _("The map point is not valid.")}, code="bad_point")
    # NaN survives quantize() and then makes every comparison raise InvalidOperation.
    if not (dlat.is_finite() and dlon.is_finite()) or not (
        -90 <= dlat <= 90 and -180 <= dlon <= 180
    ):
        raise ValidationError({"lat": _("The map point is not valid.")}, code="bad_point")
    return dlat, dlon


def check_point_in_grid(grid: Area, lat: Decimal, lon: Decimal) -> None:
    boundary = GridBoundary.objects.filter(area=grid).first()
    if boundary is not None and not boundary.contains(float(lat), float(lon)):
        raise ValidationError(
            {"lat": _("The point on the map lies outside %(grid)s.") % {"grid": grid.full_name}},
            code="outside_grid",
        )


def is_sensitive(text: str, service_type: ServiceType | None = None) -> bool:
    """Violence, health, legal, wages, personal data: by its type, or by a word of the
    built-in list or of any sensitive service type's keywords."""
    if service_type is not None and service_type.sensitive:
        return True
    words = [
        kw
        for st in ServiceType.objects.filter(sensitive=True, is_active=True).only("keywords")
        for kw in st.keyword_list()
    ]
    return sensitive_text(text, words)


def sent_before(*, submitter, client_key) -> Request | None:
    """The request a form with this key already made for this submitter (see
    `Request.client_key`): a draft kept offline and sent again, or a second tap."""
    if client_key is None or submitter is None:
        return None
    return (
        Request.objects.filter(client_key=client_key)
        .filter(Q(entered_by=submitter) | Q(entered_by__isnull=True, reporter=submitter))
        .first()
    )


@transaction.atomic
def request_submit(
    *,
    channel: str,
    text: str,
    area: Area,
    reporter=None,
    entered_by=None,
    reporter_name: str = "",
    reporter_phone: str = "",
    contact: str = Request.Contact.SITE,
    address: str = "",
    lat=None,
    lon=None,
    photos: Sequence = (),
    service_type: ServiceType | None = None,
    now: datetime | None = None,
    classify_now: bool = True,
    client_key: UUID | None = None,
) -> Request:
    """One end for every channel: store, classify and (when confident) route.

    `classify_now=False` (bulk imports of old hotline records) leaves the request
    `submitted` and enqueues the `triage.classify` task instead.  A `client_key` the same
    submitter sent before returns the request it made then, unchanged (an idempotency key:
    the offline draft sent twice makes one request).
    """
    if (first := sent_before(submitter=entered_by or reporter, client_key=client_key)) is not None:
        return first
    text = clean_text(
        text, field="text", limit=MAX_TEXT, required=True, empty_message=DESCRIBE_THE_MATTER
    )
    if channel not in Request.Channel.values:
        raise ValidationError({"channel": _("Unknown channel.")})
    if contact not in Request.Contact.values:
        raise ValidationError({"contact": _("Unknown contact preference.")})
    if area is None or area.kind != Area.Kind.GRID:
        raise ValidationError({"area": _("Choose the grid where this happens.")}, code="no_grid")
    photos = list(photos or [])
    if len(photos) > MAX_PHOTOS:
        raise ValidationError(
            {"photos": _("At most %(n)s photos, please.") % {"n": MAX_PHOTOS}},
            code="too_many_photos",
        )
    try:
        # Only our own re-encoding is stored, under a name from its decoded format.
        photos = clean_images(photos)
    except ValidationError as exc:
        raise ValidationError({"photos": exc.messages}, code="bad_photo") from None
    dlat, dlon = _point(lat, lon)
    if dlat is not None:
        check_point_in_grid(area, dlat, dlon)
    address = clean_text(address)[:200]
    now = now or timezone.now()
    sensitive = is_sensitive(text, service_type)
    try:
        with transaction.atomic():
            req = Request.objects.create(
                client_key=client_key if (entered_by or reporter) is not None else None,
                channel=channel,
                text=text,
                area=area,
                area_path=area.path,
                reporter=reporter,
                entered_by=entered_by,
                reporter_name=(reporter_name or "").strip()[:50],
                reporter_phone=(reporter_phone or "").strip()[:20],
                contact=contact,
                address=address,
                lat=dlat,
                lon=dlon,
                service_type=service_type,
                sensitive=sensitive,
                created_at=now,
            )
    except IntegrityError:
        # The same key raced in from a second tab or worker: the first one stands.
        if (first := sent_before(submitter=entered_by or reporter, client_key=client_key)) is None:
            raise
        return first
    for upload in photos:
        Photo.objects.create(request=req, image=upload)
    add_event(
        req,
        Event.Kind.SUBMITTED,
        actor=entered_by or reporter,
        note=site_str(Request.Channel(channel).label),
        at=now,
    )
    if not classify_now:
        jobs.send(jobs.CLASSIFY, req.pk)
        return req
    return request_classify(request=req, now=now)


@transaction.atomic
def request_intake(*, operator, roots: Sequence[Area], number: str = "", **fields) -> Request:
    """A grid worker or the hotline enters a request for a resident.

    The typed number is linked to an account only by `intake_match`; otherwise the
    request keeps the name and number on itself and the resident gets a text message with
    a link to claim it.  The caller learns nothing either way: the same response, no name.
    """
    if (first := sent_before(submitter=operator, client_key=fields.get("client_key"))) is not None:
        return first  # sent again: no second request, no second text message
    number = portal_sms.normalise_number(number)[:20]
    reporter = intake_match(number=number, grid=fields.get("area"), roots=roots)
    req = request_submit(reporter=reporter, entered_by=operator, reporter_phone=number, **fields)
    if portal_sms.is_mobile(number):
        enqueue(send_sms_task, number, intake_sms(req))
    return req
