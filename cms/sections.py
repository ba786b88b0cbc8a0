"""Sections other apps add to a community's page (deliberation, moral bank, requests).

An app calls `register_section()` in its AppConfig.ready(); `context(request, area)`
returns a dict for the section's template, or None to hide it.  A section whose content
is the same for every visitor passes `cache_seconds`: its rendered HTML is then kept
that long per community and language (and dropped at once when a page is published).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.core.cache import cache
from django.template.loader import render_to_string
from django.utils import translation

from portal.pagecache import named_versions


@dataclass(frozen=True)
class Section:
    key: str
    template: str
    context: Callable
    order: int = 100
    cache_seconds: int = 0
    versions: tuple[str, ...] = ()


SECTIONS: dict[str, Section] = {}


def register_section(
    key: str,
    template: str,
    context: Callable,
    order: int = 100,
    cache_seconds: int = 0,
    versions: tuple[str, ...] = (),
) -> None:
    """`versions`: named versions (portal.pagecache) of what the section shows, beside the
    content version; bumping one drops the section's cached HTML at once."""
    SECTIONS[key] = Section(key, template, context, order, cache_seconds, tuple(versions))


def _render(section: Section, request, area) -> str:
    ctx = section.context(request, area)
    if ctx is None:
        return ""
    return render_to_string(section.template, {"section": ctx}, request=request)


def sections_for(request, area) -> list[str]:
    """The rendered HTML of every visible section, in order."""
    out = []
    for section in sorted(SECTIONS.values(), key=lambda s: s.order):
        if section.cache_seconds:
            lang = translation.get_language()
            stamp = ".".join(str(v) for v in named_versions("content", *section.versions))
            key = f"section:{section.key}:{area.pk}:{lang}:{stamp}"
            html = cache.get(key)
            if html is None:
                html = _render(section, request, area)
                cache.set(key, html, section.cache_seconds)
        else:
            html = _render(section, request, area)
        if html:
            out.append(html)
    return out
