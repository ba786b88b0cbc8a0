"""Telling people about a request: its reporter, and the staff of an organisation who may
read it (`triage.permissions.can_read`)."""

from __future__ import annotations

from django.urls import reverse

from portal.models import Organisation
from portal.notifications import notify

from ..models import Request
from ..permissions import can_read
from ..selectors import handlers_of


def detail_url(req: Request) -> str:
    return reverse("triage:detail", args=[req.pk])


def tell_reporter(req: Request, key: str, title: str, body: str = "") -> None:
    if req.reporter is not None:
        notify(
            users=[req.reporter],
            category="triage.update",
            event_key=f"triage:{req.pk}:{key}",
            title=title,
            body=body,
            url=detail_url(req),
        )


def tell_handlers(
    req: Request, org: Organisation | None, key: str, title: str, body: str = ""
) -> None:
    # Only those who may read the request hear about it (a grid worker of the committee
    # in another grid, say, does not).
    users = [u for u in handlers_of(org) if can_read(u, req)]
    if users:
        notify(
            users=users,
            category="triage.assigned",
            event_key=f"triage:{req.pk}:{key}",
            title=title,
            body=body,
            url=detail_url(req),
        )
