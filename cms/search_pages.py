"""The site search's pages (registered in `CmsConfig.ready`; see `cms.search_registry`).

A page is found while it is live and no view restriction covers it or an ancestor.  Its
document is refreshed when it is published, unpublished or moved (with its descendants:
their URLs and restrictions follow), and when a view restriction is added or removed; a
draft's save changes nothing a visitor sees, so it writes nothing.
"""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save
from django.utils.html import strip_tags
from wagtail.models import Page, PageViewRestriction
from wagtail.signals import page_published, page_unpublished, post_page_move

from .models import CommunityPage
from .search_registry import Kind, community_id, register, schedule


def _plain(text: str) -> str:
    return " ".join(strip_tags(text or "").split())


def build_page(page) -> dict | None:
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
        owner = CommunityPage.objects.ancestor_of(page).select_related("area").first()
        area = owner.area if owner else None
    return {
        "title": page.title,
        "body": body or page.search_description,
        "url": url,
        "area_id": community_id(area),
        "updated_at": page.last_published_at or page.latest_revision_created_at,
    }


def _live_pages():
    return Page.objects.live().filter(depth__gt=1)


def _page_changed(sender, instance, **kwargs):
    pks = list(Page.objects.descendant_of(instance, inclusive=True).values_list("pk", flat=True))
    for pk in pks:
        schedule(Page, pk)


def _restriction_changed(sender, instance, **kwargs):
    _page_changed(sender, instance.page)


def register_pages() -> None:
    restriction = "wagtailcore.PageViewRestriction"
    register(
        Kind.PAGE,
        "wagtailcore.Page",
        build_page,
        _live_pages,
        subclasses=True,  # every page type
        on_save=False,  # published, not saved
        hooks=[
            (page_published, None, _page_changed),
            (page_unpublished, None, _page_changed),
            (post_page_move, None, _page_changed),
            (post_save, restriction, _restriction_changed),
            (post_delete, restriction, _restriction_changed),
        ],
    )
