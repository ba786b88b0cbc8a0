"""限时反馈 and 结案答复: handling a routed request to its close, and what follows.

The handler starts, resolves and answers it (the closing reply); the level above presses
the handler (联合督办); the reporter rates the reply or reopens the request within
`REOPEN_DAYS`; an overdue request escalates one level up every time its deadline passes
(`escalate_overdue`, the beat's task), climbing the supervising offices over its place
(street office → district government → city: `permissions.escalation_chain`)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.models import Organisation
from portal.text import clean_text

from ..models import MAX_TEXT, REOPEN_DAYS, Event, Request, RequestClass
from ..permissions import escalation_chain, require_reporter, require_supervisor
from ..selectors import committee_for
from ..workhours import add_working_hours
from ._base import (
    DEFAULT_DEADLINE_HOURS,
    DESCRIBE_THE_MATTER,
    OPEN_HANDLING,
    S,
    add_event,
    in_site_language,
    lock_handled,
)
from ._notify import tell_handlers, tell_reporter


@transaction.atomic
def request_start(*, request: Request, actor) -> Request:
    req = lock_handled(request, actor)
    if req.status == S.IN_PROGRESS:
        return req
    if req.status != S.ASSIGNED:
        raise ValidationError(_("Only an assigned request can be started."), code="state")
    req.status = S.IN_PROGRESS
    req.save(update_fields=["status", "updated_at"])
    add_event(req, Event.Kind.STARTED, actor=actor, organisation=req.organisation)
    return req


@transaction.atomic
def request_supervise(*, request: Request, actor, note: str) -> Request:
    """联合督办: the level above presses the handler."""
    req = (
        Request.objects.select_for_update(of=("self",))
        .select_related("organisation")
        .get(pk=request.pk)
    )
    require_supervisor(actor, req)
    note = clean_text(
        note, field="note", limit=500, required=True, empty_message=DESCRIBE_THE_MATTER
    )
    if not req.is_open:
        raise ValidationError(_("This request is closed."))
    n = req.events.filter(kind=Event.Kind.SUPERVISED).count()
    add_event(req, Event.Kind.SUPERVISED, actor=actor, note=note)
    tell_handlers(
        req,
        req.organisation,
        f"supervise:{n}",
        _("Supervision: request %(n)s") % {"n": req.number},
        note,
    )
    return req


@transaction.atomic
def request_resolve(*, request: Request, actor, note: str = "") -> Request:
    req = lock_handled(request, actor)
    if req.status not in (S.ASSIGNED, S.IN_PROGRESS):
        raise ValidationError(_("Only a request being handled can be marked resolved."))
    req.status = S.RESOLVED
    req.save(update_fields=["status", "updated_at"])
    add_event(
        req,
        Event.Kind.RESOLVED,
        actor=actor,
        organisation=req.organisation,
        note=clean_text(note)[:500],
    )
    return req


@transaction.atomic
def request_reply(
    *, request: Request, actor, reply: str, mediation: str = "", now: datetime | None = None
) -> Request:
    """结案答复: the closing reply the resident reads and rates.  `actor=None` is the
    system closing it (a round-table decision: `topics.on_topic_decided`)."""
    req = (
        lock_handled(request, actor)
        if actor is not None
        else Request.objects.select_for_update(of=("self",)).get(pk=request.pk)
    )
    reply = clean_text(
        reply, field="reply", limit=MAX_TEXT, required=True, empty_message=DESCRIBE_THE_MATTER
    )
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
    add_event(
        req, Event.Kind.REPLIED, actor=actor, organisation=req.organisation, note=reply, at=now
    )
    tell_reporter(req, f"closed:{req.reopened}", _("Your request has a reply"), reply)
    return req


@transaction.atomic
def request_rate(*, request: Request, user, score: int, comment: str = "") -> Request:
    req = Request.objects.select_for_update(of=("self",)).get(pk=request.pk)
    require_reporter(user, req, _("Only the resident who reported it may rate it."))
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
    comment = clean_text(comment)[:300]
    add_event(req, Event.Kind.RATED, actor=user, note=f"{'★' * score}{'☆' * (5 - score)} {comment}")
    return req


@transaction.atomic
def request_reopen(*, request: Request, user, reason: str, now: datetime | None = None) -> Request:
    req = Request.objects.select_for_update(of=("self",)).get(pk=request.pk)
    require_reporter(user, req, _("Only the resident who reported it may reopen it."))
    reason = clean_text(
        reason, field="reason", limit=500, required=True, empty_message=DESCRIBE_THE_MATTER
    )
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
    add_event(req, Event.Kind.REOPENED, actor=user, note=reason, at=now)
    tell_handlers(
        req,
        req.organisation,
        f"reopened:{req.reopened}",
        _("Request %(n)s was reopened") % {"n": req.number},
        reason,
    )
    return req


@transaction.atomic
@in_site_language
def escalate_overdue(*, now: datetime | None = None) -> int:
    """Hand every overdue open request's supervision one level up and tell both sides.

    Idempotent: an escalated request gets a fresh deadline, so a second run at the same
    moment finds nothing; notifications are keyed by (request, level).
    """
    now = now or timezone.now()
    count = 0
    # One walk up the area tree per (handler, place).
    chains: dict[tuple[int | None, int], list[Organisation]] = {}
    overdue = (
        Request.objects.select_for_update(of=("self",))
        .filter(status__in=OPEN_HANDLING, deadline__lt=now)
        .select_related("organisation__area", "area", "supervisor", "service_type")
    )
    for req in overdue:
        key = (req.organisation_id, req.area_id)
        if key not in chains:
            chains[key] = escalation_chain(req)
        chain = chains[key]
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
        add_event(
            req,
            Event.Kind.ESCALATED,
            organisation=target,
            at=now,
            note=_("Overdue: escalated to level %(level)s (%(org)s)")
            % {"level": level, "org": target or _("no level above")},
        )
        tell_handlers(
            req,
            target,
            f"escalated:{level}",
            _("Overdue request %(n)s needs your supervision") % {"n": req.number},
            req.text[:200],
        )
        tell_handlers(
            req,
            req.organisation,
            f"overdue:{level}",
            _("Request %(n)s is overdue") % {"n": req.number},
            req.text[:200],
        )
        count += 1
    return count
