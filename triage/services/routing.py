"""分流转办: where a request goes once its class is known, staff confirming or correcting
that class, and handing a request on to another organisation.

A 大事 goes to the department of its line serving the request's own area (else the street
office above it), a 小事 to its kind of handler serving the compound (else the community's
committee); see `handler_for`.  A 私事 is referred to the resident and stays open until they
close it (`referrals.refer_private`).  A transfer goes only to an active organisation
serving the request's area."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _

from portal.models import Organisation
from portal.text import clean_text

from .. import jobs
from ..models import CLASS_TO_CSV, Event, Label, Request, RequestClass, ServiceType
from ..permissions import require_triager
from ..selectors import department_for, handler_for_kind
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
from .referrals import refer_private


def handler_for(req: Request, request_class: str, st: ServiceType | None):
    """Who receives `req` as `request_class`, always an organisation serving its area:

    - a 大事: the department of its line (the service type's, else the matter type's, else
      the department the classifier named, which stands for its line) serving the
      request's area, the deepest such; else the street office or district government
      above the area, which dispatches it (`selectors.department_for`);
    - a 小事: by its matter type's kind of handler: a 物业 matter to the property company
      serving the compound if there is one, else the community's committee."""
    matter = req.matter if req.matter_id and req.matter.request_class == request_class else None
    if request_class == RequestClass.GOVERNMENT:
        line = (st.line if st else "") or (matter.handler_line if matter else "")
        return department_for(req.area, line or req.suggested_department)
    return handler_for_kind(req.area, matter.handler_kind if matter else "")


@in_site_language
def route(
    req: Request,
    request_class: str,
    *,
    actor,
    organisation: Organisation | None = None,
    now: datetime | None = None,
) -> Request:
    """Assign `req` (already locked) as `request_class`, with its deadline, and tell the
    handlers and the reporter; a 私事 is referred (`referrals.refer_private`)."""
    now = now or timezone.now()
    req.request_class = request_class
    st = (
        req.service_type
        if req.service_type and req.service_type.default_class == request_class
        else None
    )
    if request_class == RequestClass.PRIVATE:
        return refer_private(req, actor=actor, organisation=organisation, now=now)
    if organisation is None:
        organisation = handler_for(req, request_class, st)
    hours = st.deadline_hours if st else DEFAULT_DEADLINE_HOURS[request_class]
    req.organisation = organisation
    req.deadline = add_working_hours(now, hours)
    req.status = S.ASSIGNED
    req.assigned_at = now
    req.save()
    add_event(
        req,
        Event.Kind.ASSIGNED,
        actor=actor,
        organisation=organisation,
        at=now,
        note=_("Deadline %(when)s")
        % {"when": timezone.localtime(req.deadline).strftime("%Y-%m-%d %H:%M")},
    )
    tell_handlers(
        req,
        organisation,
        f"assigned:{organisation.pk if organisation else 0}",
        _("New request %(n)s") % {"n": req.number},
        req.text[:200],
    )
    tell_reporter(
        req,
        f"assigned:{req.reopened}",
        _("Your request was handed to %(org)s") % {"org": organisation or "-"},
    )
    return req


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
    require_triager(actor, req)
    if request_class not in RequestClass.values:
        raise ValidationError({"request_class": _("Choose 大事, 小事 or 私事.")})
    if req.status not in (S.SUBMITTED, S.TRIAGED):
        raise ValidationError(_("This request has already been triaged."), code="done")
    if organisation is not None and not (organisation.is_active and organisation.serves(req.area)):
        raise ValidationError(
            {"organisation": _("Choose an active organisation that serves this request's area.")}
        )
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
        jobs.send(jobs.RETRAIN, "class")  # a batch of corrections: retrain now, not tonight
    add_event(
        req,
        Event.Kind.TRIAGED,
        actor=actor,
        note=format_lazy(
            "{}{}",
            RequestClass(request_class).label,
            "" if request_class == req.suggested_class else " ✎",
        ),
    )
    return route(req, request_class, actor=actor, organisation=organisation)


@transaction.atomic
def request_transfer(
    *, request: Request, actor, organisation: Organisation, reason: str
) -> Request:
    """分流转办: hand the request to another organisation, saying why."""
    req = lock_handled(request, actor)
    reason = clean_text(
        reason, field="reason", limit=500, required=True, empty_message=DESCRIBE_THE_MATTER
    )
    if req.status not in OPEN_HANDLING:
        raise ValidationError(_("Only an open, assigned request can be transferred."))
    if organisation.pk == req.organisation_id:
        raise ValidationError({"organisation": _("It is already with this organisation.")})
    if not organisation.is_active or not organisation.serves(req.area):
        raise ValidationError(
            {"organisation": _("Choose an active organisation that serves this request's area.")}
        )
    old = req.organisation
    req.organisation = organisation
    req.status = S.ASSIGNED
    if organisation.kind == Organisation.Kind.DEPARTMENT:
        req.request_class = RequestClass.GOVERNMENT
    elif organisation.kind != Organisation.Kind.PROVIDER:
        req.request_class = req.request_class or RequestClass.COMMUNITY
    req.save()
    n = req.events.filter(kind=Event.Kind.TRANSFERRED).count()
    add_event(
        req,
        Event.Kind.TRANSFERRED,
        actor=actor,
        organisation=organisation,
        note=f"{old} → {organisation}: {reason}",
    )
    tell_handlers(
        req,
        organisation,
        f"transfer:{n}",
        _("Request %(n)s transferred to you") % {"n": req.number},
        reason,
    )
    return req
