"""Sections other apps add to a community's page (deliberation, moral bank, requests).

An app calls `register_section()` in its AppConfig.ready(); `context(request, area)`
returns a dict for the section's template, or None to hide it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Section:
    key: str
    template: str
    context: Callable
    order: int = 100


SECTIONS: dict[str, Section] = {}


def register_section(key: str, template: str, context: Callable, order: int = 100) -> None:
    SECTIONS[key] = Section(key, template, context, order)


def sections_for(request, area) -> list[tuple[Section, dict]]:
    out = []
    for section in sorted(SECTIONS.values(), key=lambda s: s.order):
        ctx = section.context(request, area)
        if ctx is not None:
            out.append((section, ctx))
    return out
