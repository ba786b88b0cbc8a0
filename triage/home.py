"""Requests on the home page: 我要反映, the person's own requests with their status, the
inbox with due times of a grid worker or department, and a committee's queues.  A fixed
number of queries per organisation, whatever the number of requests."""

from __future__ import annotations

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.dashboard import home_of
from portal.models import Organisation
from portal.permissions import active_memberships, can
from portal.versions import user_version

from . import selectors
from .models import Request
from .permissions import readable_q

S = Request.Status
INBOX_ROWS = 5


def report_action(request) -> dict | None:
    if home_of(request) is None:
        return None
    return {
        "key": "report",
        "label": _("Report a matter"),
        "url": reverse("triage:new"),
        "primary": True,
    }


def my_requests(request) -> dict | None:
    user = request.user
    if not user.is_authenticated:
        return None
    rows = list(selectors.requests_for_reporter(user).order_by("-created_at")[:5])
    if not rows and home_of(request) is None:
        return None
    now = timezone.now()
    # An open request turns "overdue" when its deadline passes, without any write.
    due = [r.deadline for r in rows if r.is_open and r.deadline and r.deadline > now]
    return {"requests": rows, "fragment_expires": min(due, default=None)}


def report_versions(request) -> tuple[str, ...]:
    """我要反映 shows to someone who declared where they live."""
    return (user_version("memberships", request.user.pk),)


def mine_versions(request) -> tuple[str, ...]:
    """The reader's last requests (every save of a request bumps its reporter's
    "requests"), their statuses and due times in words (on the working calendar)."""
    pk = request.user.pk
    return ("workdays", user_version("requests", pk), user_version("memberships", pk))


def _orgs(request, roles) -> list[Organisation]:
    """The person's organisations in `roles`, from the memberships already loaded for this
    request (`active_memberships` selects each organisation with it): no query."""
    orgs = {
        m.organisation.pk: m.organisation
        for m in active_memberships(request.user)
        if m.organisation_id and m.role in roles
    }
    return sorted(orgs.values(), key=lambda org: org.name)


def inbox_panel(request) -> dict | None:
    """The inboxes of a grid worker's or department's organisations, soonest due first."""
    orgs = _orgs(request, ("grid_worker", "department"))
    if not orgs:
        return None
    now = timezone.now()
    boxes = []
    for org in orgs:
        qs = selectors.inbox(org, request.user)
        counts = qs.aggregate(open=Count("pk"), overdue=Count("pk", filter=Q(deadline__lt=now)))
        boxes.append({"org": org, "rows": list(qs[:INBOX_ROWS]), **counts})
    return {"boxes": boxes, "now": now}


def due_queue(request) -> dict | None:
    """A committee's open requests, and how many of them are past their deadline."""
    orgs = _orgs(request, ("committee",))
    if not orgs:
        return None
    counts = (
        Request.objects.filter(organisation__in=orgs)
        .filter(readable_q(request.user))
        .exclude(status=S.CLOSED)
        .aggregate(open=Count("pk"), overdue=Count("pk", filter=Q(deadline__lt=timezone.now())))
    )
    return {
        "key": "requests",
        "label": _("Requests to handle"),
        "url": reverse("triage:inbox", args=[orgs[0].pk]),
        "count": counts["open"],
        "overdue": counts["overdue"],
    }


def triage_queue(request) -> dict | None:
    if not can(request.user, "triage.triage") or not _orgs(request, ("committee",)):
        return None
    return {
        "key": "triage",
        "label": _("Requests to classify"),
        "url": reverse("triage:queue"),
        "count": selectors.triage_queue(request.user).count(),
    }
