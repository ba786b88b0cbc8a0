"""Writing the site search's documents (`cms.search_models.SearchDocument`).

Each kind of document has one source: the model it is built from, a builder that turns an
object into what its audience may read (or into None when nobody but its owners may find
it: a request not public, an unpublished or restricted page, an inactive reward; then its
document is deleted), and the queryset a rebuild reads.  The app that owns the model
declares its source (`cms.search_registry.register`, from its AppConfig.ready()): pages
in `cms.search_pages`, topics, outcomes and sessions in `deliberation.search`, requests
and the service directory in `triage.search`, rewards in `credits.search`.  So cms never
imports the apps above it, and a model no source names is never indexed.

`cms.search_signals` calls `refresh()` on every save and `forget()` on every delete of a
registered model; `rebuild()` writes them all (after `load_demo`, and `manage.py
rebuild_site_search`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from .cjk import CJK_RUN, index_text
from .search_models import SearchDocument

Kind = SearchDocument.Kind
_WORD = re.compile(r"[^\W_]+")


def tokens_for(text: str) -> str:
    """The tokens stored for `text`: other words lower-cased, CJK runs as characters and
    bigrams (cms.cjk), padded with spaces so a token is matched whole."""
    words = _WORD.findall(CJK_RUN.sub(" ", text or "").lower())
    return f" {' '.join(words)} {index_text(text)} "


# --- areas -------------------------------------------------------------------------------

_community_cache: dict[str, int | None] | None = None


def community_id(area) -> int | None:
    """The community an area lies in (itself when wider than a community): a document's
    `area`, for the area facet."""
    if area is None:
        return None
    if area.kind != "grid":
        return area.pk
    from portal.models import Area

    path = area.path[: (area.depth - 1) * area.steplen]
    if _community_cache is not None:
        return _community_cache.get(path, area.pk)
    found = Area.objects.filter(path=path).values_list("pk", flat=True).first()
    return found or area.pk


# --- the registry: one source per kind ----------------------------------------------------


@dataclass(frozen=True)
class Source:
    """Where the documents of one kind come from."""

    kind: str
    model_label: str  # "app_label.ModelName"
    build: Callable[[Any], dict | None]
    rebuild_queryset: Callable[[], QuerySet]  # what a rebuild reads (called each time)
    subclasses: bool = False  # a subclass's objects are of this kind too (every page type)

    @property
    def model(self):
        return apps.get_model(self.model_label)


_SOURCES: dict[str, Source] = {}
_KIND_OF: dict[type, str | None] = {}  # model -> kind, filled as models are asked about


def add_source(source: Source) -> None:
    """Record `source` (see `cms.search_registry.register`, which also connects its signals)."""
    if source.kind not in Kind.values:
        raise ImproperlyConfigured(f"site search: {source.kind!r} is not a SearchDocument.Kind")
    if source.kind in _SOURCES:
        raise ImproperlyConfigured(f"site search: {source.kind!r} already has a source")
    _SOURCES[source.kind] = source
    _KIND_OF.clear()


def sources() -> list[Source]:
    """Every registered source, in the order of `SearchDocument.Kind`."""
    return [_SOURCES[kind] for kind in Kind.values if kind in _SOURCES]


def kind_of(model) -> str | None:
    """The kind of document `model`'s objects are, or None when they are not searched."""
    try:
        return _KIND_OF[model]
    except KeyError:
        pass
    label = model._meta.label_lower
    found = None
    for source in _SOURCES.values():
        if source.model_label.lower() == label or (
            source.subclasses and issubclass(model, source.model)
        ):
            found = source.kind
            break
    _KIND_OF[model] = found
    return found


def _row(kind: str, obj, fields: dict) -> SearchDocument:
    fields = {**fields}
    fields.setdefault("audience", SearchDocument.Audience.PUBLIC)
    fields["title"] = (fields["title"] or "")[:300]
    fields["body"] = fields["body"] or ""
    fields["updated_at"] = fields["updated_at"] or timezone.now()
    fields["tokens"] = tokens_for(f"{fields['title']} {fields['body']}")
    return SearchDocument(kind=kind, object_id=obj.pk, **fields)


# --- writes ------------------------------------------------------------------------------


def refresh(obj) -> None:
    """Write (or delete) the document of `obj` after it changed."""
    kind = kind_of(type(obj))
    if kind is None or obj.pk is None:
        return
    fields = _SOURCES[kind].build(obj)
    if fields is None:
        forget(kind, obj.pk)
        return
    row = _row(kind, obj, fields)
    SearchDocument.objects.update_or_create(
        kind=kind,
        object_id=obj.pk,
        defaults={
            f: getattr(row, f)
            for f in ("title", "body", "url", "area_id", "audience", "tokens", "updated_at")
        },
    )


def refresh_all(objs: Iterable) -> None:
    for obj in objs:
        refresh(obj)


def forget(kind: str, pk) -> None:
    SearchDocument.objects.filter(kind=kind, object_id=pk).delete()


@transaction.atomic
def rebuild(stdout=None) -> int:
    """Write every document again from the sources; returns how many there are."""
    global _community_cache
    from portal.models import Area

    _community_cache = dict(Area.objects.filter(kind=Area.Kind.COMMUNITY).values_list("path", "pk"))
    try:
        SearchDocument.objects.all().delete()
        total = 0
        for source in sources():
            kind, rows = source.kind, []
            for obj in source.rebuild_queryset().iterator(chunk_size=500):
                fields = source.build(obj)
                if fields is not None:
                    rows.append(_row(kind, obj, fields))
            SearchDocument.objects.bulk_create(rows, batch_size=1000)
            total += len(rows)
            if stdout is not None:
                stdout.write(f"search: {len(rows)} {kind}")
        return total
    finally:
        _community_cache = None


def load_demo(ctx) -> None:
    """The last demo loader: index everything the others wrote (some with bulk writes)."""
    ctx.log(f"demo: {rebuild()} search documents")
