"""The resident's dashboard is assembled from panels that each app registers.

An app calls `register_panel()` in its AppConfig.ready(); the dashboard view renders
every panel whose `context(request)` returns a dict (None hides the panel).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Panel:
    key: str
    template: str
    context: Callable
    order: int = 100


PANELS: dict[str, Panel] = {}


def register_panel(key: str, template: str, context: Callable, order: int = 100) -> None:
    PANELS[key] = Panel(key, template, context, order)


def panels_for(request) -> list[tuple[Panel, dict]]:
    out = []
    for panel in sorted(PANELS.values(), key=lambda p: p.order):
        ctx = panel.context(request)
        if ctx is not None:
            out.append((panel, ctx))
    return out
