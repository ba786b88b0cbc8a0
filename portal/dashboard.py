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

A home panel that declares `versions` is kept rendered, per person and language, until
one of them is bumped (`rendered_panels`): shared names ("deliberation", "areas") and the
reader's own, written with `{user}` ("user-coins:{user}", see portal.versions.user_version),
which every write that changes what the panel shows bumps.  A context may hold
`fragment_expires` (an aware datetime: a deadline passes, registration opens) to keep the
panel no longer than that.  A panel that declares nothing (a committee's queue, whose
counts other people's writes change) is drawn on every visit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.core.cache import cache
from django.utils import timezone, translation
from django.utils.safestring import mark_safe

from .pagecache import fill_csrf, render_personal, shared_data
from .permissions import home_membership
from .versions import named_versions

PANEL_SECONDS = 3600


@dataclass(frozen=True)
class Panel:
    key: str
    template: str
    context: Callable
    order: int = 100
    # The named versions the rendered panel is kept under: a tuple of names ("{user}" is
    # the reader's id) or a callable(request) returning them; None: never kept.
    versions: tuple[str, ...] | Callable[..., Iterable[str]] | None = None


PANELS: dict[str, Panel] = {}
PLACES: dict[str, dict[str, Panel]] = {
    "dashboard": PANELS,
    "home": {},
    "home_action": {},
    "home_queue": {},
}


def register_panel(
    key: str,
    template: str,
    context: Callable,
    order: int = 100,
    place: str = "dashboard",
    *,
    versions: tuple[str, ...] | Callable[..., Iterable[str]] | None = None,
) -> None:
    PLACES[place][key] = Panel(key, template, context, order, versions)


def panels_for(request, place: str = "dashboard") -> list[tuple[Panel, dict]]:
    out = []
    for panel in sorted(PLACES[place].values(), key=lambda p: p.order):
        ctx = panel.context(request)
        if ctx is not None:
            out.append((panel, ctx))
    return out


def _version_names(panel: Panel, request) -> tuple[str, ...] | None:
    if panel.versions is None or not request.user.is_authenticated or request.user.pk is None:
        return None
    names = panel.versions(request) if callable(panel.versions) else panel.versions
    return tuple(name.format(user=request.user.pk) for name in names)


def _seconds(ctx: dict | None) -> int:
    """How long a rendered panel stays right without any write: PANEL_SECONDS, or until
    its context's `fragment_expires`."""
    expires = ctx.get("fragment_expires") if ctx else None
    if expires is None:
        return PANEL_SECONDS
    return min(PANEL_SECONDS, int((expires - timezone.now()).total_seconds()))


def _shown(html: str, request):
    """A kept panel (drawn by our own templates) with the reader's CSRF token."""
    return mark_safe(fill_csrf(html, request))  # noqa: S308 - our own markup


def rendered_panels(request, *places: str) -> dict[str, list[tuple[Panel, dict | None, str]]]:
    """The panels of `places` for the signed-in reader, each as (panel, context, html):
    `html` is "" for a panel drawn inline from its context (it declares no versions),
    else the panel already rendered, from the cache when none of its versions moved
    (then `context` is None: nothing was queried).

    The key names the reader's id and language and the panel's versions, read in one
    cache round trip before any row is read (a write that commits meanwhile bumps them
    again, so what was drawn from the old rows is never read).  Hidden panels are kept
    too, as "".  The panels are drawn with CSRF placeholders, filled in here."""
    user = request.user
    lang = translation.get_language()
    chosen = [(place, sorted(PLACES[place].values(), key=lambda p: p.order)) for place in places]
    names = {
        (place, panel.key): _version_names(panel, request)
        for place, panels in chosen
        for panel in panels
    }
    every = sorted({n for found in names.values() if found for n in found})
    stamp = dict(zip(every, named_versions(*every), strict=True)) if every else {}
    keys = {
        where: "panel:{}:{}:{}:{}:{}".format(
            *where, user.pk, lang, ".".join(str(stamp[n]) for n in found)
        )
        for where, found in names.items()
        if found is not None
    }
    kept = cache.get_many(list(keys.values())) if keys else {}
    out: dict[str, list] = {}
    store: dict[int, dict[str, str]] = {}
    for place, panels in chosen:
        shown = out.setdefault(place, [])
        for panel in panels:
            key = keys.get((place, panel.key))
            if key is not None and key in kept:
                if kept[key]:
                    shown.append((panel, None, _shown(kept[key], request)))
                continue
            ctx = panel.context(request)
            if key is None:
                if ctx is not None:
                    shown.append((panel, ctx, ""))
                continue
            html = (
                "" if ctx is None else str(render_personal(panel.template, {"panel": ctx}, request))
            )
            seconds = _seconds(ctx)
            if seconds > 0:
                store.setdefault(seconds, {})[key] = html
            if html:
                shown.append((panel, ctx, _shown(html, request)))
    for seconds, items in store.items():
        cache.set_many(items, seconds)
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
    return shared_data(
        "community-of", lambda: {"community": area.community}, parts=(area.pk,), versions=("areas",)
    )["community"]
