"""What the site search finds of triage: public requests, masked, and the service
directory (registered in `TriageConfig.ready`; see `cms.search_registry`).

A request's document exists only while THE public rule (`triage.models.public_q`) holds,
and holds only its masked text (`triage.privacy.public_text`): never a name, phone,
exact address or photo.  It is built again when anything the rule or the masking reads
changes: the request, its service type (turned sensitive), its reporter (renamed).
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_save
from django.urls import reverse
from django.utils import timezone

from cms.search_registry import Kind, community_id, refresh, register

from .models import Request, ServiceDirectoryEntry
from .privacy import public_text


def build_request(req) -> dict | None:
    # THE rule (triage.models.public_q), asked of the database so it cannot drift; a
    # rebuild reads it with the row (`with_public_flag`).
    public = getattr(req, "public_view", None)
    if public is None:
        public = Request.objects.public().filter(pk=req.pk).exists()
    if not public:
        return None
    text = public_text(req)
    reply = public_text(req, req.reply) if req.reply else ""
    return {
        "title": f"{req.number} {text[:40]}",
        "body": " ".join(filter(None, [text, reply])),
        "url": reverse("triage:detail", args=[req.pk]),
        "area_id": community_id(req.area),
        "updated_at": req.updated_at or req.created_at,
    }


def build_service(entry) -> dict | None:
    if not entry.is_active:
        return None
    return {
        "title": entry.name,
        "body": " ".join(filter(None, [entry.services, entry.hours])),
        "url": reverse("triage:directory"),
        "area_id": community_id(entry.area),
        "updated_at": timezone.now(),
    }


def _public_requests():
    return (
        Request.objects.public()
        .with_public_flag()
        .select_related("area", "reporter", "service_type")
    )


# A user's save that touches none of these (a login's last_login) changes no masking.
_PERSONAL_FIELDS = {"first_name", "last_name", "display_name", "username", "phone"}


def _requests_of(field: str, *, read: set[str] | None = None):
    """A service type turned sensitive, or a reporter's name changed: their requests'
    documents are built again (made private, or masked anew).  `read`: the fields of the
    sender the rule or the masking reads; a save of other fields only changes nothing
    (None: any save may, as a service type's `sensitive` flag decides the public rule)."""

    def handler(sender, instance, raw=False, update_fields=None, **kwargs):
        if raw or (
            read is not None and update_fields is not None and not read & set(update_fields)
        ):
            return

        def refresh_them():
            for req in Request.objects.filter(**{field: instance.pk}).select_related(
                "area", "reporter", "service_type"
            ):
                refresh(req)

        transaction.on_commit(refresh_them)

    return handler


_refresh_requests_of_type = _requests_of("service_type")
_refresh_requests_of_reporter = _requests_of("reporter", read=_PERSONAL_FIELDS)


def register_sources() -> None:
    register(
        Kind.REQUEST,
        "triage.Request",
        build_request,
        _public_requests,
        hooks=[
            (post_save, "triage.ServiceType", _refresh_requests_of_type),
            (post_save, settings.AUTH_USER_MODEL, _refresh_requests_of_reporter),
        ],
    )
    register(
        Kind.SERVICE,
        "triage.ServiceDirectoryEntry",
        build_service,
        lambda: ServiceDirectoryEntry.objects.filter(is_active=True).select_related("area"),
    )
