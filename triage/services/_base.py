"""What every use case of the request loop shares: the timeline, the language of notes the
system writes, the states a request is handled in, and the handler's lock."""

from __future__ import annotations

import functools
from datetime import datetime

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy

from ..daily_counts import OPEN_HANDLING  # noqa: F401  (the use cases import it from here)
from ..models import Event, Request
from ..permissions import require_handler

S = Request.Status
DEFAULT_DEADLINE_HOURS = {"government": 35, "community": 21, "private": 7}

# What `portal.text.clean_text(required=True)` says of an empty request, reason or reply.
DESCRIBE_THE_MATTER = gettext_lazy("Please describe the matter.")


def in_site_language(fn):
    """Timeline notes written by the system are stored in the site's language (简体中文),
    whatever language the process (a Celery worker, a management command) runs in."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with translation.override(settings.LANGUAGE_CODE):
            return fn(*args, **kwargs)

    return wrapper


def site_str(text) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return str(text)


def add_event(
    req: Request,
    kind: str,
    *,
    actor=None,
    organisation=None,
    note: str = "",
    public: bool = True,
    at: datetime | None = None,
) -> Event:
    """One step on the request's timeline (append-only).  A lazily translated note is
    written in the site's language, whichever language the acting person reads."""
    return Event.objects.create(
        request=req,
        kind=kind,
        actor=actor,
        organisation=organisation,
        note=site_str(note),
        public=public,
        created_at=at or timezone.now(),
    )


def lock_handled(request: Request, actor) -> Request:
    """`request` locked for update, once `actor` may handle it (a translated refusal
    otherwise: `triage.permissions.require_handler`)."""
    req = (
        Request.objects.select_for_update(of=("self",))
        .select_related("organisation", "area")
        .get(pk=request.pk)
    )
    require_handler(actor, req)
    return req
