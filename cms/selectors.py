from __future__ import annotations

from wagtail.models import Page


def search_pages(query: str):
    """Live public pages matching `query`, Chinese words found inside Chinese text."""
    query = (query or "").strip()
    if not query:
        return Page.objects.none()
    return Page.objects.live().public().specific().search(query)
