"""Where an app declares what of its own the site search finds (issue 14).

cms keeps the index (`cms.search_models.SearchDocument`), writes it
(`cms.search_documents`) and reads it (`cms.search_site`), but sits below the apps whose
objects it holds, so it never names them: each app registers its kinds from its
AppConfig.ready(), in a module of its own (`cms.search_pages`, `deliberation.search`,
`triage.search`, `credits.search`)::

    register(Kind.TOPIC, "deliberation.Topic", build_topic, lambda: Topic.objects.all())

A builder returns the document's fields (`title`, `body`, `url`, `area_id` — see
`community_id` —, `updated_at`, optionally `audience`) or None when nobody but the
object's owners may find it.  A save of the model refreshes its document once the write
commits, a delete forgets it; `hooks` connect more signals for what else changes a
document (a topic's title is on its outcome's document): `(signal, sender label or None,
receiver)`, the receiver using `schedule` or `refresh`.  Every `SearchDocument.Kind` has
exactly one source.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.apps import apps
from django.db.models import QuerySet
from django.dispatch import Signal

from .search_documents import Kind, Source, add_source, community_id, refresh, sources
from .search_models import SearchDocument
from .search_signals import connect_source, schedule

__all__ = ["Audience", "Kind", "community_id", "refresh", "register", "schedule", "sources"]

Audience = SearchDocument.Audience  # a builder's optional "audience" (PUBLIC by default)

Hook = tuple[Signal, str | None, Callable]


def register(
    kind: str,
    model_label: str,
    build: Callable[[object], dict | None],
    rebuild_queryset: Callable[[], QuerySet],
    *,
    subclasses: bool = False,
    on_save: bool = True,
    hooks: Iterable[Hook] = (),
) -> Source:
    """Declare the source of `kind`'s documents and connect its signals (once apps are
    loaded: from an AppConfig.ready()).  `subclasses`: objects of the model's subclasses
    are of this kind too; `on_save=False`: a save alone does not refresh the document
    (a page's hooks refresh it when it is published)."""
    source = Source(kind, model_label, build, rebuild_queryset, subclasses)
    add_source(source)
    connect_source(source, on_save=on_save)
    for i, (signal, sender, receiver) in enumerate(hooks):
        signal.connect(
            receiver,
            sender=apps.get_model(sender) if sender else None,
            weak=False,  # a receiver made for its hook (a closure) lives as long as the site
            dispatch_uid=f"search-{kind}-hook-{i}",
        )
    return source
