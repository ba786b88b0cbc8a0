"""Keep the site search's documents up to date (`cms.search_registry.register` connects a
source's model here when its app registers it).

Each save or delete of a searchable object schedules a refresh of its document for when
the transaction commits: the document is then built from the row as committed (a request
made private in the same transaction is forgotten, never briefly public), and a write
that is rolled back leaves the index as it was.  Bulk writes (`QuerySet.update`,
`bulk_create`) send no signal: `rebuild_site_search` (and the demo loader) write all.
A model no source names sends nothing here.
"""

from __future__ import annotations

from functools import partial

from django.apps import apps
from django.db import transaction
from django.db.models.signals import post_delete, post_save

from . import search_documents as docs


def _refresh_now(label: str, pk) -> None:
    model = apps.get_model(label)
    obj = model._default_manager.filter(pk=pk).first()
    if obj is None:
        docs.forget(docs.kind_of(model), pk)
    else:
        docs.refresh(obj)


def schedule(model, pk) -> None:
    """Refresh (or forget) the document of `model`'s object `pk` once the write commits."""
    transaction.on_commit(partial(_refresh_now, model._meta.label, pk))


def _saved(sender, instance, raw=False, **kwargs):
    if not raw:
        schedule(sender, instance.pk)


def _deleted(sender, instance, **kwargs):
    kind = docs.kind_of(sender)
    pk = instance.pk
    transaction.on_commit(lambda: docs.forget(kind, pk))


def connect_source(source: docs.Source, *, on_save: bool = True) -> None:
    """A delete of the source's model forgets its document; a save (unless `on_save` is
    off: a page is indexed when published, not on every draft) refreshes it."""
    model, label = source.model, source.model_label
    if on_save:
        post_save.connect(_saved, sender=model, dispatch_uid=f"search-save-{label}")
    post_delete.connect(_deleted, sender=model, dispatch_uid=f"search-delete-{label}")
