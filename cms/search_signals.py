"""Keep the site search's documents up to date (connected in `CmsConfig.ready`).

Each save or delete of a searchable object schedules a refresh of its document for when
the transaction commits: the document is then built from the row as committed (a request
made private in the same transaction is forgotten, never briefly public), and a write
that is rolled back leaves the index as it was.  Bulk writes (`QuerySet.update`,
`bulk_create`) send no signal: `rebuild_site_search` (and the demo loader) write all.
"""

from __future__ import annotations

from functools import partial

from django.apps import apps
from django.db import transaction
from django.db.models.signals import post_delete, post_save

from . import search_documents as docs

SOURCES = (
    "deliberation.Topic",
    "deliberation.Outcome",
    "deliberation.Session",
    "triage.Request",
    "triage.ServiceDirectoryEntry",
    "credits.Reward",
)


def _refresh_now(label: str, pk) -> None:
    model = apps.get_model(label)
    obj = model._default_manager.filter(pk=pk).first()
    if obj is None:
        docs.forget(docs.kind_of(model), pk)
    else:
        docs.refresh(obj)


def schedule(model, pk) -> None:
    transaction.on_commit(partial(_refresh_now, model._meta.label, pk))


def _saved(sender, instance, raw=False, **kwargs):
    if not raw:
        schedule(sender, instance.pk)


def _deleted(sender, instance, **kwargs):
    kind = docs.kind_of(sender)
    pk = instance.pk
    transaction.on_commit(lambda: docs.forget(kind, pk))


def _topic_saved(sender, instance, raw=False, **kwargs):
    """An outcome's document carries its topic's title."""
    if raw:
        return
    from deliberation.models import Outcome

    for pk in Outcome.objects.filter(topic=instance).values_list("pk", flat=True):
        schedule(Outcome, pk)


# A user's save that touches none of these (a login's last_login) changes no masking.
_PERSONAL_FIELDS = {"first_name", "last_name", "display_name", "username", "phone"}


def _requests_of(field: str):
    """A service type turned sensitive, or a reporter's name changed: their requests'
    documents are built again (made private, or masked anew)."""

    def handler(sender, instance, raw=False, update_fields=None, **kwargs):
        if raw or (update_fields is not None and not _PERSONAL_FIELDS & set(update_fields)):
            return
        from triage.models import Request

        def refresh():
            for req in Request.objects.filter(**{field: instance.pk}).select_related(
                "area", "reporter", "service_type"
            ):
                docs.refresh(req)

        transaction.on_commit(refresh)

    return handler


def _page_changed(sender, instance, **kwargs):
    from wagtail.models import Page

    pks = list(Page.objects.descendant_of(instance, inclusive=True).values_list("pk", flat=True))
    for pk in pks:
        schedule(Page, pk)


def _restriction_changed(sender, instance, **kwargs):
    _page_changed(sender, instance.page)


def _page_deleted(sender, instance, **kwargs):
    pk = instance.pk
    transaction.on_commit(lambda: docs.forget(docs.Kind.PAGE, pk))


_refresh_requests_of_type = _requests_of("service_type")
_refresh_requests_of_reporter = _requests_of("reporter")


def connect() -> None:
    from wagtail.models import Page, PageViewRestriction
    from wagtail.signals import page_published, page_unpublished, post_page_move

    for label in SOURCES:
        model = apps.get_model(label)
        post_save.connect(_saved, sender=model, dispatch_uid=f"search-save-{label}")
        post_delete.connect(_deleted, sender=model, dispatch_uid=f"search-delete-{label}")
    post_save.connect(
        _topic_saved, sender=apps.get_model("deliberation.Topic"), dispatch_uid="search-topic"
    )
    post_save.connect(
        _refresh_requests_of_type,
        sender=apps.get_model("triage.ServiceType"),
        dispatch_uid="search-service-type",
    )
    post_save.connect(
        _refresh_requests_of_reporter,
        sender=apps.get_model("portal.User"),
        dispatch_uid="search-reporter",
    )
    page_published.connect(_page_changed, dispatch_uid="search-page-published")
    page_unpublished.connect(_page_changed, dispatch_uid="search-page-unpublished")
    post_page_move.connect(_page_changed, dispatch_uid="search-page-moved")
    post_delete.connect(_page_deleted, sender=Page, dispatch_uid="search-page-deleted")
    post_save.connect(
        _restriction_changed, sender=PageViewRestriction, dispatch_uid="search-restriction"
    )
    post_delete.connect(
        _restriction_changed, sender=PageViewRestriction, dispatch_uid="search-restriction-del"
    )
