"""Writing the site search's documents (`cms.search_models.SearchDocument`).

One builder per kind turns a source object into what its audience may read, or into None
when nobody but its owners may find it (a request not public, an unpublished or
restricted page, an inactive reward): then its document is deleted.  `cms.search_signals`
calls `refresh()` on every save and `forget()` on every delete; `rebuild()` writes them all
(after `load_demo`, and `manage.py rebuild_site_search`).

Apps above `cms` (deliberation, credits, triage) are imported inside functions: `cms` sits
below them and must import without them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags

from .cjk import CJK_RUN, index_text
from .search_models import SearchDocument

Kind = SearchDocument.Kind
_WORD = re.compile(r"[^\W_]+")


def tokens_for(text: str) -> str:
    """The tokens stored for `text`: other words lower-cased, CJK runs as characters and
    bigrams (cms.cjk), padded with spaces so a token is matched whole."""
    words = _WORD.findall(CJK_RUN.sub(" ", text or "").lower())
    return f" {' '.join(words)} {index_text(text)} "


def _plain(text: str) -> str:
    return " ".join(strip_tags(text or "").split())


# --- areas -------------------------------------------------------------------------------

_community_cache: dict[str, int | None] | None = None


def _community_id(area) -> int | None:
    """The community an area lies in (itself when wider than a community)."""
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


# --- one builder per kind ----------------------------------------------------------------


def _page(page) -> dict | None:
    from wagtail.models import PageViewRestriction

    page = page.specific
    if not page.live or page.depth < 2:
        return None
    restricted = PageViewRestriction.objects.filter(
        page__path__in=[page.path[: i * page.steplen] for i in range(1, page.depth + 1)]
    ).exists()
    url = page.get_url()
    if restricted or not url:
        return None
    text = page.search_text() if hasattr(page, "search_text") else page.title
    body = _plain(text)
    if body.startswith(page.title):
        body = body[len(page.title) :].strip()
    area = getattr(page, "area", None)
    if area is None:
        from .models import CommunityPage

        owner = CommunityPage.objects.ancestor_of(page).select_related("area").first()
        area = owner.area if owner else None
    return {
        "title": page.title,
        "body": body or page.search_description,
        "url": url,
        "area_id": _community_id(area),
        "updated_at": page.last_published_at or page.latest_revision_created_at,
    }


def _topic(topic) -> dict | None:
    return {
        "title": topic.title,
        "body": topic.body,
        "url": topic.get_absolute_url(),
        "area_id": topic.community_id,
        "updated_at": topic.updated_at,
    }


def _outcome(outcome) -> dict | None:
    topic = outcome.topic
    return {
        "title": topic.title,
        "body": outcome.decision,
        "url": topic.get_absolute_url() + "#outcome-h",
        "area_id": topic.community_id,
        "updated_at": outcome.decided_at,
    }


def _session(session) -> dict | None:
    return {
        "title": session.title,
        "body": " ".join(filter(None, [session.description, session.place])),
        "url": session.get_absolute_url(),
        "area_id": _community_id(session.community),
        "updated_at": session.starts_at,
    }


def _request(req) -> dict | None:
    from triage.models import Request
    from triage.privacy import public_text

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
        "area_id": _community_id(req.area),
        "updated_at": req.updated_at or req.created_at,
    }


def _service(entry) -> dict | None:
    if not entry.is_active:
        return None
    return {
        "title": entry.name,
        "body": " ".join(filter(None, [entry.services, entry.hours])),
        "url": reverse("triage:directory"),
        "area_id": _community_id(entry.area),
        "updated_at": timezone.now(),
    }


def _reward(reward) -> dict | None:
    if not reward.is_active:
        return None
    return {
        "title": reward.name,
        "body": reward.description,
        "url": f"{reverse('credits:rewards')}?community={reward.community.code}",
        "area_id": reward.community_id,
        "audience": SearchDocument.Audience.MEMBERS,  # the catalogue is for signed-in users
        "updated_at": timezone.now(),
    }


def _sources():
    """(kind, model, builder, queryset for a rebuild) for every kind."""
    from wagtail.models import Page

    from credits.models import Reward
    from deliberation.models import Outcome, Session, Topic
    from triage.models import Request, ServiceDirectoryEntry

    return [
        (Kind.PAGE, Page, _page, Page.objects.live().filter(depth__gt=1)),
        (Kind.TOPIC, Topic, _topic, Topic.objects.all()),
        (Kind.OUTCOME, Outcome, _outcome, Outcome.objects.select_related("topic")),
        (Kind.SESSION, Session, _session, Session.objects.select_related("community")),
        (
            Kind.REQUEST,
            Request,
            _request,
            Request.objects.public()
            .with_public_flag()
            .select_related("area", "reporter", "service_type"),
        ),
        (
            Kind.SERVICE,
            ServiceDirectoryEntry,
            _service,
            ServiceDirectoryEntry.objects.filter(is_active=True).select_related("area"),
        ),
        (
            Kind.REWARD,
            Reward,
            _reward,
            Reward.objects.filter(is_active=True).select_related("community"),
        ),
    ]


def kind_of(model) -> str | None:
    from wagtail.models import Page

    if issubclass(model, Page):
        return Kind.PAGE
    names = {
        "deliberation.topic": Kind.TOPIC,
        "deliberation.outcome": Kind.OUTCOME,
        "deliberation.session": Kind.SESSION,
        "triage.request": Kind.REQUEST,
        "triage.servicedirectoryentry": Kind.SERVICE,
        "credits.reward": Kind.REWARD,
    }
    return names.get(model._meta.label_lower)


BUILDERS = {
    Kind.PAGE: _page,
    Kind.TOPIC: _topic,
    Kind.OUTCOME: _outcome,
    Kind.SESSION: _session,
    Kind.REQUEST: _request,
    Kind.SERVICE: _service,
    Kind.REWARD: _reward,
}


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
    fields = BUILDERS[kind](obj)
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
        for kind, _model, build, queryset in _sources():
            rows = []
            for obj in queryset.iterator(chunk_size=500):
                fields = build(obj)
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
