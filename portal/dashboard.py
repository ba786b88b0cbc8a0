"""Pages assembled from panels that each app registers: the resident's dashboard (/me/)
and the role-aware home page.

An app calls `register_panel()` in its AppConfig.ready(); a page renders every panel of
its place whose `context(request)` returns a dict (None hides the panel).  Places:

- "dashboard": cards on /me/;
- "home": cards on the home page for a signed-in person (their community, their coins,
  their requests, a department's inbox …);
- "home_action": the main actions at the top of the home page (我要反映, 提议题 …), each
  template one `<li>`;
- "home_queue": one line per committee queue with its count, each template one `<li>`
  inside the home page's "work waiting for you" card.

The home page panels are personal: they are rendered only for signed-in people, whose
responses the anonymous page cache never stores (portal/pagecache.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .permissions import home_membership


@dataclass(frozen=True)
class Panel:
    key: str
    template: str
    context: Callable
    order: int = 100


PANELS: dict[str, Panel] = {}
PLACES: dict[str, dict[str, Panel]] = {
    "dashboard": PANELS,
    "home": {},
    "home_action": {},
    "home_queue": {},
}


def register_panel(
    key: str, template: str, context: Callable, order: int = 100, place: str = "dashboard"
) -> None:
    PLACES[place][key] = Panel(key, template, context, order)


def panels_for(request, place: str = "dashboard") -> list[tuple[Panel, dict]]:
    out = []
    for panel in sorted(PLACES[place].values(), key=lambda p: p.order):
        ctx = panel.context(request)
        if ctx is not None:
            out.append((panel, ctx))
    return out


def home_of(request):
    """The signed-in person's live residency (pending or active), looked up once per
    request however many panels ask."""
    if not hasattr(request, "_home_membership"):
        request._home_membership = home_membership(request.user)
    return request._home_membership


def active_community(request):
    """The community of the person's confirmed residency, or None (pending, none)."""
    if not hasattr(request, "_home_community"):
        home = home_of(request)
        active = home is not None and home.status == "active"
        request._home_community = community_of(home.area) if active else None
    return request._home_community


def community_of(area):
    """`area.community`, kept in the cache until any area changes (the "areas" version):
    the same for everyone living in that grid."""
    from .pagecache import shared_data

    return shared_data(
        "community-of", lambda: {"community": area.community}, parts=(area.pk,), versions=("areas",)
    )["community"]
