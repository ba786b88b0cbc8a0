"""Every write of the request loop: 一端上报、分流转办、联合督办、限时反馈、结案答复.

One function per use case, keyword-only arguments, atomic.  Each state change appends an
`Event`, so the timeline is complete.  Bad input raises `ValidationError` with a
translated message before anything is written.
"""

from __future__ import annotations

import functools
import html
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

import nh3
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from portal import sms as portal_sms
from portal.models import Area, Membership, Organisation, Role
from portal.notifications import notify
from portal.permissions import (
    SELF_DEALING_MESSAGE,
    can,
    is_self_dealing,
    is_site_admin,
)
from portal.uploads import clean_images

from . import classifier
from . import permissions as triage_permissions
from .models import (
    CLASS_TO_CSV,
    CSV_LABELS,
    MAX_PHOTOS,
    MAX_TEXT,
    REOPEN_DAYS,
    ClassifierModel,
    Event,
    GridBoundary,
    Label,
    Photo,
    Request,
    RequestClass,
    ServiceDirectoryEntry,
    ServiceType,
)
from .privacy import public_text, sensitive_text
from .workhours import add_working_hours

log = logging.getLogger(__name__)

S = Request.Status
OPEN_HANDLING = [S.ASSIGNED, S.IN_PROGRESS, S.RESOLVED]
DEFAULT_DEADLINE_HOURS = {"government": 35, "community": 21, "private": 7}
KEYWORD_BOOST = 0.25


def in_site_language(fn):
    """Timeline notes written by the system are stored in the site's language (简体中文),
    whatever language the process (a Celery worker, a management command) runs in."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with translation.override(settings.LANGUAGE_CODE):
            return fn(*args, **kwargs)

    return wrapper


def _site_str(text) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return str(text)


def confidence_threshold() -> float:
    return float(getattr(settings, "TRIAGE_CONFIDENCE_THRESHOLD", 0.6))


# --- input cleaning -----------------------------------------------------------------


def clean_text(text: str | None, *, field: str = "text", limit: int = MAX_TEXT) -> str:
    """Plain text without markup; empty or overlong text is refused."""
    cleaned = html.unescape(nh3.clean(text or "", tags=set())).strip()
    if not cleaned:
        raise ValidationError({field: _("Please describe the matter.")}, code="empty")
    if len(cleaned) > limit:
        raise ValidationError(
            {
                field: _("Please keep it under %(limit)s characters (you wrote %(n)s).")
                % {"limit": limit, "n": len(cleaned)}
            },
            code="too_long",
        )
    return cleaned


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


# --- classification -----------------------------------------------------------------


def _keyword_match(text: str, service_types: Sequence[ServiceType]) -> ServiceType | None:
    best, best_len = None, 0
    for st in service_types:
        for kw in st.keyword_list():
            if kw in text and len(kw) > best_len:
                best, best_len = st, len(kw)
    return best


def classify(text: str, *, service_type: ServiceType | None = None) -> dict:
    """Suggested class, service type, department and confidence for `text`.

    The active class model gives probabilities; a service type picked by the resident or
    matched by keyword adds `KEYWORD_BOOST` to its default class, then we renormalise.
    """
    text = classifier.normalise(text)
    types = list(ServiceType.objects.filter(is_active=True).select_related("organisation"))
    matched = service_type or _keyword_match(text, types)
    record, pipe = classifier.active("class")
    if pipe is None:  # a flushed database (or a fresh one without migrations' data)
        model_ensure_default("class")
        record, pipe = classifier.active("class")
    if pipe is not None:
        probs = {CSV_LABELS.get(k, k): v for k, v in classifier.predict_with(pipe, text).items()}
        version = f"class-v{record.version}"
    else:
        probs = {c: 1 / 3 for c in RequestClass.values}
        version = "rules"
    if matched is not None:
        probs[matched.default_class] = probs.get(matched.default_class, 0) + KEYWORD_BOOST
        total = sum(probs.values())
        probs = {k: v / total for k, v in probs.items()}
    label = max(probs, key=probs.get)
    department = ""
    if label == RequestClass.GOVERNMENT:
        if matched is not None and matched.organisation_id and matched.default_class == label:
            department = matched.organisation.name
        else:
            drec, dpipe = classifier.active("department")
            if dpipe is None:
                model_ensure_default("department")
                drec, dpipe = classifier.active("department")
            if dpipe is not None:
                dprobs = classifier.predict_with(dpipe, text)
                department = max(dprobs, key=dprobs.get)
                version += f"+dept-v{drec.version}"
    if matched is not None and matched.default_class != label:
        matched = None
    return {
        "request_class": label,
        "confidence": round(float(probs[label]), 4),
        "probabilities": probs,
        "service_type": matched,
        "department": department,
        "version": version,
    }


# --- routing helpers ----------------------------------------------------------------


def committee_for(area: Area) -> Organisation | None:
    community = area.community
    if community is None:
        return None
    return (
        Organisation.objects.filter(
            kind=Organisation.Kind.COMMITTEE, area=community, is_active=True
        )
        .order_by("pk")
        .first()
    )


def department_for(area: Area, name: str = "") -> Organisation | None:
    """The department called `name` serving `area`, else the nearest department above it."""
    qs = Organisation.objects.filter(
        kind=Organisation.Kind.DEPARTMENT, is_active=True, area__path__in=area.ancestor_paths()
    ).select_related("area")
    if name:
        named = [o for o in qs if o.name == name]
        if named:
            return max(named, key=lambda o: o.area.depth)
        other = Organisation.objects.filter(
            kind=Organisation.Kind.DEPARTMENT, name=name, is_active=True
        ).first()
        if other is not None:
            return other
    # No department named: the street office (the deepest department) dispatches it.
    candidates = [o for o in qs if o.area.kind != Area.Kind.CITY]
    return max(candidates, key=lambda o: (o.area.depth, -o.pk)) if candidates else None


def handlers_of(org: Organisation | None) -> list:
    """Staff of `org`, one entry per membership: notify() tells each person once."""
    if org is None:
        return []
    return [
        m.user
        for m in Membership.objects.active()
        .filter(organisation=org, role__in=[Role.DEPARTMENT, Role.COMMITTEE, Role.GRID_WORKER])
        .select_related("user")
        .order_by("pk")
    ]


def supervising_orgs(org: Organisation | None) -> list[Organisation]:
    chain, seen = [], set()
    current = org.parent if org else None
    while current is not None and current.pk not in seen:
        chain.append(current)
        seen.add(current.pk)
        current = current.parent
    return chain


def can_handle(user, req: Request) -> bool:
    if req.organisation is None:
        return False
    return can(
        user,
        "triage.handle",
        req.area,
        organisation=req.organisation,
        beneficiary=req.reporter_id,
    )


def can_supervise(user, req: Request) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    if is_site_admin(user):
        return True
    if not can(user, "triage.supervise"):  # no supervising role anywhere: no queries
        return False
    orgs = supervising_orgs(req.organisation)
    if req.supervisor_id and req.supervisor_id not in {o.pk for o in orgs}:
        orgs.append(req.supervisor)
    return any(can(user, "triage.supervise", req.area, organisation=o) for o in orgs)


def can_triage(user, req: Request) -> bool:
    return triage_permissions.can_triage(user, req)


@dataclass(frozen=True)
class Standing:
    """What one user may do with one request, worked out once (a page asks several times)."""

    handles: bool
    supervises: bool
    triages: bool
    sees_reporter: bool

    untriaged: bool = False

    @property
    def staff(self) -> bool:
        return self.handles or self.supervises or self.triages

    @property
    def reads(self) -> bool:
        """Implies `triage.permissions.can_read` (tests check it): a shortcut for pages."""
        return self.handles or self.supervises or (self.untriaged and self.triages)


def standing(user, req: Request) -> Standing:
    if not getattr(user, "is_authenticated", False):
        return Standing(False, False, False, False)
    handles = can_handle(user, req)
    supervises = can_supervise(user, req)
    triages = can_triage(user, req)
    # Name and contact: the reporter, handlers and supervisors, and, while the request
    # waits for triage, its triagers and whoever entered it (not after hand-off).
    untriaged = req.status in triage_permissions.UNTRIAGED
    sees_reporter = (
        user.pk == req.reporter_id
        or handles
        or supervises
        or (untriaged and (triages or user.pk == req.entered_by_id))
    )
    return Standing(handles, supervises, triages, sees_reporter, untriaged)


def _event(
    req: Request,
    kind: str,
    *,
    actor=None,
    organisation=None,
    note: str = "",
    public: bool = True,
    at: datetime | None = None,
) -> Event:
    return Event.objects.create(
        request=req,
        kind=kind,
        actor=actor,
        organisation=organisation,
        note=note,
        public=public,
        created_at=at or timezone.now(),
    )


def _url(req: Request) -> str:
    from django.urls import reverse

    return reverse("triage:detail", args=[req.pk])


def _tell_reporter(req: Request, key: str, title: str, body: str = "") -> None:
    if req.reporter is not None:
        notify(
            users=[req.reporter],
            category="triage.update",
            event_key=f"triage:{req.pk}:{key}",
            title=title,
            body=body,
            url=_url(req),
        )


def _tell_handlers(
    req: Request, org: Organisation | None, key: str, title: str, body: str = ""
) -> None:
    # Only those who may read the request hear about it (a grid worker of the committee
    # in another grid, say, does not).
    users = [u for u in handlers_of(org) if triage_permissions.can_read(u, req)]
    if users:
        notify(
            users=users,
            category="triage.assigned",
            event_key=f"triage:{req.pk}:{key}",
            title=title,
            body=body,
            url=_url(req),
        )


def directory_matches(text: str, area: Area, limit: int = 5) -> list[ServiceDirectoryEntry]:
    """Directory entries serving `area` whose service keywords occur in `text`."""
    entries = list(
        ServiceDirectoryEntry.objects.filter(is_active=True, area__path__in=area.ancestor_paths())
    )
    scored = []
    for e in entries:
        score = sum(len(k) for k in e.services.replace(",", " ").split() if k and k in text)
        if score:
            scored.append((score, e.kind == e.Kind.VOLUNTEER, e.pk, e))
    scored.sort(key=lambda t: (-t[0], t[1], t[2]))
    found = [t[3] for t in scored[:limit]]
    if not found:  # still point somewhere useful: the general providers near them
        found = [e for e in entries if e.kind == e.Kind.PROVIDER][:3]
    return found


@in_site_language
def private_reply(req: Request) -> str:
    entries = directory_matches(req.text, req.area)
    lines = [
        _(
            "This is a private matter (私事): it is yours to arrange, and these services "
            "near you can help:"
        )
    ]
    for e in entries:
        extra = " · ".join(x for x in (e.get_kind_display(), e.phone, e.hours) if x)
        lines.append(f"• {e.name}（{extra}）")
    if not entries:
        lines.append(_("Call the community committee and we will find someone for you."))
    return "\n".join(lines)


# --- intake -------------------------------------------------------------------------


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
) -> Request:
    """One end for every channel: store, classify and (when confident) route.

    `classify_now=False` (bulk imports of old hotline records) leaves the request
    `submitted` and enqueues the `triage.classify` task instead.
    """
    text = clean_text(text)
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
    address = html.unescape(nh3.clean(address or "", tags=set())).strip()[:200]
    now = now or timezone.now()
    sensitive = is_sensitive(text, service_type)
    req = Request.objects.create(
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
    for upload in photos:
        Photo.objects.create(request=req, image=upload)
    _event(
        req,
        Event.Kind.SUBMITTED,
        actor=entered_by or reporter,
        note=_site_str(Request.Channel(channel).label),
        at=now,
    )
    if not classify_now:
        from portal.tasks import enqueue

        from .tasks import classify as classify_task

        enqueue(classify_task, req.pk)
        return req
    return request_classify(request=req, now=now)


@transaction.atomic
@in_site_language
def request_classify(*, request: Request, now: datetime | None = None) -> Request:
    """Suggest a class; route at once when confident, else wait in the triage queue."""
    req = Request.objects.select_for_update(of=("self",)).get(pk=request.pk)
    if req.status != S.SUBMITTED:
        return req  # already classified: a retried task changes nothing
    result = classify(req.text, service_type=req.service_type)
    req.suggested_class = result["request_class"]
    req.confidence = result["confidence"]
    req.model_version = result["version"]
    req.suggested_department = result["department"]
    if req.service_type is None and result["service_type"] is not None:
        req.service_type = result["service_type"]
    req.status = S.TRIAGED
    req.save()
    _event(
        req,
        Event.Kind.CLASSIFIED,
        public=False,
        at=now,
        note=f"{req.get_suggested_class_display()} · {req.confidence:.0%} · {req.model_version}",
    )
    if req.confidence >= confidence_threshold():
        _route(req, req.suggested_class, actor=None, now=now)
    else:
        committee = committee_for(req.area)
        _tell_handlers(req, committee, "queue", _("A request awaits triage"), req.text[:200])
    return req


@in_site_language
def _route(
    req: Request,
    request_class: str,
    *,
    actor,
    organisation: Organisation | None = None,
    now: datetime | None = None,
) -> Request:
    now = now or timezone.now()
    req.request_class = request_class
    st = (
        req.service_type
        if req.service_type and req.service_type.default_class == request_class
        else None
    )
    if request_class == RequestClass.PRIVATE:
        req.organisation = organisation or committee_for(req.area)
        req.reply = private_reply(req)
        req.status = S.CLOSED
        req.assigned_at = req.closed_at = now
        req.deadline = None
        req.save()
        _event(
            req,
            Event.Kind.REPLIED,
            actor=actor,
            organisation=req.organisation,
            note=req.reply,
            at=now,
        )
        _tell_reporter(req, "closed", _("Your request has a reply"), req.reply)
        return req
    if organisation is None:
        if request_class == RequestClass.GOVERNMENT:
            if st is not None and st.organisation_id:
                organisation = st.organisation
            else:
                organisation = department_for(req.area, req.suggested_department)
        elif st is not None and st.organisation_id and st.organisation.kind != "department":
            organisation = st.organisation
        else:
            organisation = committee_for(req.area)
    hours = st.deadline_hours if st else DEFAULT_DEADLINE_HOURS[request_class]
    req.organisation = organisation
    req.deadline = add_working_hours(now, hours)
    req.status = S.ASSIGNED
    req.assigned_at = now
    req.save()
    _event(
        req,
        Event.Kind.ASSIGNED,
        actor=actor,
        organisation=organisation,
        at=now,
        note=_("Deadline %(when)s")
        % {"when": timezone.localtime(req.deadline).strftime("%Y-%m-%d %H:%M")},
    )
    _tell_handlers(
        req,
        organisation,
        f"assigned:{organisation.pk if organisation else 0}",
        _("New request %(n)s") % {"n": req.number},
        req.text[:200],
    )
    _tell_reporter(
        req,
        f"assigned:{req.reopened}",
        _("Your request was handed to %(org)s") % {"org": organisation or "-"},
    )
    return req


# --- triage and handling --------------------------------------------------------------


@transaction.atomic
def request_confirm(
    *,
    request: Request,
    actor,
    request_class: str,
    service_type: ServiceType | None = None,
    organisation: Organisation | None = None,
) -> Request:
    """Staff confirm or correct the class; the decision is kept as a training label."""
    req = Request.objects.select_for_update(of=("self",)).get(pk=request.pk)
    if is_self_dealing(actor, "triage.triage", req.reporter_id):
        raise PermissionDenied(SELF_DEALING_MESSAGE)
    if not can_triage(actor, req):
        raise PermissionDenied(
            _("Only the committee of its community and the levels above it triage this request.")
        )
    if request_class not in RequestClass.values:
        raise ValidationError({"request_class": _("Choose 大事, 小事 or 私事.")})
    if req.status not in (S.SUBMITTED, S.TRIAGED):
        raise ValidationError(_("This request has already been triaged."), code="done")
    if service_type is not None:
        req.service_type = service_type
    Label.objects.update_or_create(
        request=req,
        target="class",
        defaults={"text": req.text, "label": CLASS_TO_CSV[request_class], "created_by": actor},
    )
    if request_class == RequestClass.GOVERNMENT and organisation is not None:
        Label.objects.update_or_create(
            request=req,
            target="department",
            defaults={"text": req.text, "label": organisation.name, "created_by": actor},
        )
    every = int(getattr(settings, "TRIAGE_RETRAIN_EVERY", 25))
    if every and Label.objects.filter(target="class").count() % every == 0:
        from portal.tasks import enqueue

        from .tasks import retrain

        enqueue(retrain, "class")  # a batch of corrections: retrain now, not tonight
    _event(
        req,
        Event.Kind.TRIAGED,
        actor=actor,
        note=RequestClass(request_class).label
        + ("" if request_class == req.suggested_class else " ✎"),
    )
    return _route(req, request_class, actor=actor, organisation=organisation)


def _handled(request: Request, actor) -> Request:
    req = (
        Request.objects.select_for_update(of=("self",))
        .select_related("organisation", "area")
        .get(pk=request.pk)
    )
    if is_self_dealing(actor, "triage.handle", req.reporter_id):
        raise PermissionDenied(SELF_DEALING_MESSAGE)
    if not (can_handle(actor, req) or is_site_admin(actor)):
        raise PermissionDenied(_("Only the organisation handling this request may do this."))
    return req


@transaction.atomic
def request_start(*, request: Request, actor) -> Request:
    req = _handled(request, actor)
    if req.status == S.IN_PROGRESS:
        return req
    if req.status != S.ASSIGNED:
        raise ValidationError(_("Only an assigned request can be started."), code="state")
    req.status = S.IN_PROGRESS
    req.save(update_fields=["status", "updated_at"])
    _event(req, Event.Kind.STARTED, actor=actor, organisation=req.organisation)
    return req


@transaction.atomic
def request_transfer(
    *, request: Request, actor, organisation: Organisation, reason: str
) -> Request:
    """分流转办: hand the request to another organisation, saying why."""
    req = _handled(request, actor)
    reason = clean_text(reason, field="reason", limit=500)
    if req.status not in OPEN_HANDLING:
        raise ValidationError(_("Only an open, assigned request can be transferred."))
    if organisation.pk == req.organisation_id:
        raise ValidationError({"organisation": _("It is already with this organisation.")})
    old = req.organisation
    req.organisation = organisation
    req.status = S.ASSIGNED
    if organisation.kind == Organisation.Kind.DEPARTMENT:
        req.request_class = RequestClass.GOVERNMENT
    elif organisation.kind != Organisation.Kind.PROVIDER:
        req.request_class = req.request_class or RequestClass.COMMUNITY
    req.save()
    n = req.events.filter(kind=Event.Kind.TRANSFERRED).count()
    _event(
        req,
        Event.Kind.TRANSFERRED,
        actor=actor,
        organisation=organisation,
        note=f"{old} → {organisation}: {reason}",
    )
    _tell_handlers(
        req,
        organisation,
        f"transfer:{n}",
        _("Request %(n)s transferred to you") % {"n": req.number},
        reason,
    )
    return req


@transaction.atomic
def request_supervise(*, request: Request, actor, note: str) -> Request:
    """联合督办: the level above presses the handler."""
    req = (
        Request.objects.select_for_update(of=("self",))
        .select_related("organisation")
        .get(pk=request.pk)
    )
    if not can_supervise(actor, req):
        raise PermissionDenied(_("Only the level above the handler may supervise this request."))
    note = clean_text(note, field="note", limit=500)
    if not req.is_open:
        raise ValidationError(_("This request is closed."))
    n = req.events.filter(kind=Event.Kind.SUPERVISED).count()
    _event(req, Event.Kind.SUPERVISED, actor=actor, note=note)
    _tell_handlers(
        req,
        req.organisation,
        f"supervise:{n}",
        _("Supervision: request %(n)s") % {"n": req.number},
        note,
    )
    return req


@transaction.atomic
def request_resolve(*, request: Request, actor, note: str = "") -> Request:
    req = _handled(request, actor)
    if req.status not in (S.ASSIGNED, S.IN_PROGRESS):
        raise ValidationError(_("Only a request being handled can be marked resolved."))
    req.status = S.RESOLVED
    req.save(update_fields=["status", "updated_at"])
    _event(
        req,
        Event.Kind.RESOLVED,
        actor=actor,
        organisation=req.organisation,
        note=html.unescape(nh3.clean(note, tags=set()))[:500],
    )
    return req


@transaction.atomic
def request_reply(
    *, request: Request, actor, reply: str, mediation: str = "", now: datetime | None = None
) -> Request:
    """结案答复: the closing reply the resident reads and rates."""
    req = (
        _handled(request, actor)
        if actor is not None
        else Request.objects.select_for_update(of=("self",)).get(pk=request.pk)
    )
    reply = clean_text(reply, field="reply")
    if req.status not in OPEN_HANDLING:
        raise ValidationError(_("Only an open, assigned request can be closed with a reply."))
    is_mediation = bool(req.service_type and req.service_type.is_mediation)
    if mediation and mediation not in (Request.Mediation.SUCCESS, Request.Mediation.FAILED):
        raise ValidationError({"mediation": _("Unknown mediation outcome.")})
    if is_mediation and not mediation:
        raise ValidationError({"mediation": _("Record whether the mediation succeeded.")})
    now = now or timezone.now()
    req.reply = reply
    req.mediation = mediation if is_mediation else ""
    req.status = S.CLOSED
    req.closed_at = now
    req.save()
    # The note is the reply as written; the mediation outcome is the request's field, shown
    # in the reader's language (a label baked into a stored note stays in the writer's).
    _event(req, Event.Kind.REPLIED, actor=actor, organisation=req.organisation, note=reply, at=now)
    _tell_reporter(req, f"closed:{req.reopened}", _("Your request has a reply"), reply)
    return req


@transaction.atomic
def request_rate(*, request: Request, user, score: int, comment: str = "") -> Request:
    req = Request.objects.select_for_update(of=("self",)).get(pk=request.pk)
    if user is None or req.reporter_id != user.pk:
        raise PermissionDenied(_("Only the resident who reported it may rate it."))
    try:
        score = int(score)
    except (TypeError, ValueError):
        score = 0
    if not 1 <= score <= 5:
        raise ValidationError({"score": _("Choose 1 to 5 stars.")}, code="score")
    if req.status != S.CLOSED:
        raise ValidationError(
            _("You can rate a request once it has been closed."), code="not_closed"
        )
    if req.satisfaction == score:
        return req
    req.satisfaction = score
    req.save(update_fields=["satisfaction", "updated_at"])
    comment = html.unescape(nh3.clean(comment or "", tags=set())).strip()[:300]
    _event(req, Event.Kind.RATED, actor=user, note=f"{'★' * score}{'☆' * (5 - score)} {comment}")
    return req


@transaction.atomic
def request_reopen(*, request: Request, user, reason: str, now: datetime | None = None) -> Request:
    req = Request.objects.select_for_update(of=("self",)).get(pk=request.pk)
    if user is None or req.reporter_id != user.pk:
        raise PermissionDenied(_("Only the resident who reported it may reopen it."))
    reason = clean_text(reason, field="reason", limit=500)
    now = now or timezone.now()
    if req.status != S.CLOSED:
        raise ValidationError(_("Only a closed request can be reopened."), code="not_closed")
    if req.closed_at is None or now - req.closed_at > timedelta(days=REOPEN_DAYS):
        raise ValidationError(
            _("A request can be reopened within %(n)s days of its reply.") % {"n": REOPEN_DAYS},
            code="too_late",
        )
    req.reopened += 1
    req.status = S.ASSIGNED
    req.satisfaction = None
    req.closed_at = None
    if req.organisation is None:
        req.organisation = committee_for(req.area)
    req.request_class = req.request_class or RequestClass.COMMUNITY
    hours = DEFAULT_DEADLINE_HOURS.get(req.request_class, 21)
    req.deadline = add_working_hours(now, hours)
    req.save()
    _event(req, Event.Kind.REOPENED, actor=user, note=reason, at=now)
    _tell_handlers(
        req,
        req.organisation,
        f"reopened:{req.reopened}",
        _("Request %(n)s was reopened") % {"n": req.number},
        reason,
    )
    return req


# --- escalation ---------------------------------------------------------------------


@transaction.atomic
@in_site_language
def escalate_overdue(*, now: datetime | None = None) -> int:
    """Hand every overdue open request's supervision one level up and tell both sides.

    Idempotent: an escalated request gets a fresh deadline, so a second run at the same
    moment finds nothing; notifications are keyed by (request, level).
    """
    now = now or timezone.now()
    count = 0
    chains: dict[int | None, list[Organisation]] = {}  # one walk up the tree per handler
    overdue = (
        Request.objects.select_for_update(of=("self",))
        .filter(status__in=OPEN_HANDLING, deadline__lt=now)
        .select_related("organisation", "supervisor", "service_type")
    )
    for req in overdue:
        if req.organisation_id not in chains:
            chains[req.organisation_id] = supervising_orgs(req.organisation)
        chain = chains[req.organisation_id]
        level = req.escalation_level + 1
        target = chain[level - 1] if len(chain) >= level else (chain[-1] if chain else None)
        req.escalation_level = level
        req.supervisor = target
        hours = (
            req.service_type.deadline_hours
            if req.service_type
            else DEFAULT_DEADLINE_HOURS.get(req.request_class, 21)
        )
        req.deadline = add_working_hours(now, hours)
        req.save(update_fields=["escalation_level", "supervisor", "deadline", "updated_at"])
        _event(
            req,
            Event.Kind.ESCALATED,
            organisation=target,
            at=now,
            note=_("Overdue: escalated to level %(level)s (%(org)s)")
            % {"level": level, "org": target or _("no level above")},
        )
        _tell_handlers(
            req,
            target,
            f"escalated:{level}",
            _("Overdue request %(n)s needs your supervision") % {"n": req.number},
            req.text[:200],
        )
        _tell_handlers(
            req,
            req.organisation,
            f"overdue:{level}",
            _("Request %(n)s is overdue") % {"n": req.number},
            req.text[:200],
        )
        count += 1
    return count


# --- deliberation -------------------------------------------------------------------


def topic_draft(req: Request) -> dict:
    """What the committee starts from when it makes a topic of a request: the public text
    (no name or number of the reporter) and a short title proposed from its first sentence."""
    from deliberation.services import default_title

    text = public_text(req)
    return {"title": default_title(text), "body": text}


def check_make_topic(req: Request, actor) -> None:
    """Refuse (translated) unless `actor` may turn `req` into a topic now."""
    if is_self_dealing(actor, "triage.handle", req.reporter_id):
        raise PermissionDenied(SELF_DEALING_MESSAGE)
    if not (can_handle(actor, req) or is_site_admin(actor)):
        raise PermissionDenied(_("Only the organisation handling this request may do this."))
    if req.request_class != RequestClass.COMMUNITY:
        raise ValidationError(_("Only community matters (小事) go to a round table."))
    if req.topic_id:
        raise ValidationError(_("This request is already a round-table topic."), code="done")
    if req.status not in OPEN_HANDLING:
        raise ValidationError(_("Only an open, assigned request can become a topic."))
    if not Request.objects.public().filter(pk=req.pk).exists():
        raise ValidationError(
            _("A sensitive request stays private: it cannot become a public topic."),
            code="sensitive",
        )


@transaction.atomic
def request_make_topic(
    *, request: Request, actor, title: str | None = None, body: str | None = None
):
    """Turn a 小事 into a round-table topic; its published outcome will close it.

    The committee gives the topic its title and description (by default the first sentence
    of the request, at most 30 characters, and the request's public text).
    """
    from deliberation import services as deliberation_services

    req = _handled(request, actor)
    if req.topic_id and req.request_class == RequestClass.COMMUNITY:
        return req  # a second click (or a retry) makes no second topic
    check_make_topic(req, actor)
    draft = topic_draft(req)
    title = draft["title"] if title is None else title
    body = draft["body"] if body is None else body
    topic = deliberation_services.topic_create(
        community=req.area.community,
        title=title,
        body=body,
        raised_by=actor,
        format_code="roundtable",
        source_label=_("Request %(n)s") % {"n": req.number},
    )
    req.topic = topic
    req.status = S.IN_PROGRESS
    req.save(update_fields=["topic", "status", "updated_at"])
    _event(req, Event.Kind.TOPIC, actor=actor, note=topic.title)
    return req


@in_site_language
def on_topic_decided(sender, topic=None, decision: str = "", outcome=None, **kwargs) -> None:
    """deliberation.signals.topic_decided → close every request turned into that topic,
    with the decision as the closing reply (the resident is told and can rate it)."""
    if topic is None:
        return
    for req in Request.objects.filter(topic=topic, status__in=OPEN_HANDLING):
        reply = _("Decided at the round table on “%(t)s”: %(d)s") % {
            "t": topic.title,
            "d": decision or "-",
        }
        try:
            with transaction.atomic():
                request_reply(
                    request=req,
                    actor=None,
                    reply=reply[:MAX_TEXT],
                    mediation=Request.Mediation.SUCCESS if _is_mediation(req) else "",
                )
        except ValidationError:  # pragma: no cover - a request that cannot close stays open
            log.warning("request %s stays open after topic %s was decided", req.pk, topic.pk)


def _is_mediation(req: Request) -> bool:
    return bool(req.service_type_id and req.service_type.is_mediation)


# --- model training -----------------------------------------------------------------


@transaction.atomic
def model_train(
    *,
    texts: list[str],
    labels: list[str],
    target: str,
    source: str = "",
    holdout: tuple[list[str], list[str]] | None = None,
    activate: bool = True,
) -> ClassifierModel:
    if target not in ClassifierModel.Target.values:
        raise ValidationError(_("Unknown target."))
    if len(set(labels)) < 2:
        raise ValidationError(_("Training needs at least two different labels."))
    pipe = classifier.fit(texts, labels)
    metrics = {"train": classifier.evaluate(pipe, texts, labels)}
    if holdout and holdout[0]:
        metrics["holdout"] = classifier.evaluate(pipe, *holdout)
    last = ClassifierModel.objects.filter(target=target).order_by("-version").first()
    record = ClassifierModel.objects.create(
        target=target,
        version=(last.version + 1) if last else 1,
        blob=classifier.dumps(pipe),
        data_hash=classifier.data_hash(texts, labels),
        n_samples=len(texts),
        labels=sorted(set(labels)),
        metrics=metrics,
        source=source[:200],
    )
    if activate:
        model_activate(model=record)
    return record


@transaction.atomic
def model_activate(*, model: ClassifierModel) -> ClassifierModel:
    ClassifierModel.objects.filter(target=model.target, is_active=True).exclude(pk=model.pk).update(
        is_active=False
    )
    ClassifierModel.objects.filter(pk=model.pk).update(is_active=True)
    model.is_active = True
    return model


def seed_training_data(target: str):
    path = classifier.SEED_CLASS if target == "class" else classifier.SEED_DEPARTMENT
    texts, labels = classifier.read_csv(path)
    return classifier.split_holdout(texts, labels)


def model_ensure_default(target: str = "class") -> ClassifierModel:
    """The shipped model: trained on the seed set minus its held-out fifth."""
    existing = ClassifierModel.objects.filter(target=target, is_active=True).first()
    if existing is not None:
        return existing
    (tx, ty), holdout = seed_training_data(target)
    return model_train(texts=tx, labels=ty, target=target, holdout=holdout, source=f"seed:{target}")


def model_retrain(target: str = "class") -> ClassifierModel | None:
    """Seed training part + every staff label; skipped when the data did not change."""
    (tx, ty), holdout = seed_training_data(target)
    labels = list(Label.objects.filter(target=target).values_list("text", "label"))
    texts = tx + [t for t, _lab in labels]
    ys = ty + [lab for _t, lab in labels]
    digest = classifier.data_hash(texts, ys)
    current = ClassifierModel.objects.filter(target=target, is_active=True).first()
    if current is not None and current.data_hash == digest:
        return None
    return model_train(
        texts=texts, labels=ys, target=target, holdout=holdout, source=f"seed+{len(labels)} labels"
    )


# --- intake on behalf of a resident, and claiming ----------------------------------

CLAIM_SALT = "triage.claim"


def claim_max_age() -> int:
    return int(getattr(settings, "TRIAGE_CLAIM_DAYS", 30)) * 86400


def _staff_account(user) -> bool:
    return bool(
        user.is_staff
        or user.is_superuser
        or Membership.objects.active()
        .filter(user=user)
        .exclude(role__in=[Role.RESIDENT, Role.VOLUNTEER])
        .exists()
    )


def intake_match(*, number: str, grid: Area, roots: Sequence[Area]):
    """The account a typed number belongs to, or None.

    Only a CONFIRMED resident (active residency) whose home grid lies both in the
    request's community and in the operator's own area (`roots`: a grid worker's grids;
    for the city hotline the whole city, so in effect the community the request is placed
    in) — and never an administrator's or a staff member's account.  The number matches
    the account's mobile number or its mobile-number username; two candidates match none.
    """
    from django.db.models import Q

    from portal.models import User

    if not number or grid is None:
        return None
    community = grid.community or grid
    inside = Q(pk__in=[])
    for root in roots:
        inside |= Q(area__path__startswith=root.path)
    homes = (
        Membership.objects.active()
        .filter(inside, role=Role.RESIDENT, area__path__startswith=community.path)
        .values("user_id")
    )
    users = list(
        User.objects.filter(
            Q(phone=number) | Q(username=number),
            pk__in=homes,
            is_active=True,
            is_staff=False,
            is_superuser=False,
        )[:2]
    )
    if len(users) != 1 or _staff_account(users[0]):
        return None
    return users[0]


def claim_token(req: Request) -> str:
    from django.core import signing

    return signing.dumps(
        {"r": req.pk, "p": portal_sms.normalise_number(req.reporter_phone)}, salt=CLAIM_SALT
    )


def _absolute(path: str) -> str:
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + path


@in_site_language
def _intake_sms(req: Request) -> str:
    from django.urls import reverse

    if req.reporter_id:
        return _("Your request %(n)s has been recorded. Follow it at %(url)s") % {
            "n": req.number,
            "url": _absolute(_url(req)),
        }
    url = _absolute(reverse("triage:claim", args=[claim_token(req)]))
    return _(
        "Your request %(n)s has been recorded. To follow it on the community portal, "
        "sign in with this mobile number and open %(url)s"
    ) % {"n": req.number, "url": url}


@transaction.atomic
def request_intake(*, operator, roots: Sequence[Area], number: str = "", **fields) -> Request:
    """A grid worker or the hotline enters a request for a resident.

    The typed number is linked to an account only by `intake_match`; otherwise the
    request keeps the name and number on itself and the resident gets a text message with
    a link to claim it.  The caller learns nothing either way: the same response, no name.
    """
    number = portal_sms.normalise_number(number)[:20]
    reporter = intake_match(number=number, grid=fields.get("area"), roots=roots)
    req = request_submit(reporter=reporter, entered_by=operator, reporter_phone=number, **fields)
    if portal_sms.is_mobile(number):
        from portal.tasks import enqueue, send_sms_task

        enqueue(send_sms_task, number, _intake_sms(req))
    return req


def _owns_number(user, number: str) -> bool:
    return bool(
        number and (portal_sms.normalise_number(user.phone) == number or user.username == number)
    )


@transaction.atomic
def claim_payload(token: str) -> dict:
    """What a claim link carries ({"r": request id, "p": number}), or a translated refusal
    when it was forged, mangled or has expired.  The link's page asks this before it offers
    the claim, and `request_claim` again when it makes it."""
    from django.core import signing

    invalid = ValidationError(_("This link is not valid."), code="invalid")
    try:
        data = signing.loads(token, salt=CLAIM_SALT, max_age=claim_max_age())
    except signing.SignatureExpired:
        raise ValidationError(
            _("This link has expired. Ask the community committee to send a new one."),
            code="expired",
        ) from None
    except (signing.BadSignature, ValueError, TypeError):
        raise invalid from None
    if not isinstance(data, dict) or not isinstance(data.get("r"), int):
        raise invalid
    return data


def request_claim(*, token: str, user) -> Request:
    """Attach a request entered for a resident to their account, from the link sent to
    their number.  Once: a claimed request stays with whoever claimed it (opening the
    link again as them changes nothing); only an account holding that number may claim."""
    invalid = ValidationError(_("This link is not valid."), code="invalid")
    data = claim_payload(token)
    req = Request.objects.select_for_update(of=("self",)).filter(pk=data["r"]).first()
    number = data.get("p") or ""
    if req is None or portal_sms.normalise_number(req.reporter_phone) != number:
        raise invalid
    if not getattr(user, "is_authenticated", False) or not _owns_number(user, number):
        raise PermissionDenied(
            _("This link is for the account of the mobile number it was sent to.")
        )
    if req.reporter_id == user.pk:
        return req
    if req.reporter_id is not None:
        raise ValidationError(_("This request has already been claimed."), code="claimed")
    req.reporter = user
    req.save(update_fields=["reporter", "updated_at"])
    _event(
        req,
        Event.Kind.NOTE,
        actor=user,
        note=_site_str(_("Claimed by the resident")),
        public=False,
    )
    return req
