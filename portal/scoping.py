"""Area scoping, written once: "inside any of these areas" as a filter, and a community
looked up or refused.

Areas form a materialised-path tree (treebeard), so "in `area` or below it" is a prefix
match on the path.  Every list that is scoped to a person's areas uses `area_q` (or the
`within()` method of `ScopedQuerySet`) rather than its own loop over the roots.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _

from .inputs import parse_id
from .models import Area

NO_COMMUNITY = _("Choose a community.")


def _paths(areas: Area | str | Iterable[Area | str]) -> list[str]:
    if isinstance(areas, Area | str):
        areas = [areas]
    paths = sorted({a if isinstance(a, str) else a.path for a in areas})
    # A root inside another root adds nothing: keep the outermost ones.
    kept: list[str] = []
    for path in paths:
        if not any(path.startswith(k) for k in kept):
            kept.append(path)
    return kept


def area_q(areas, path: str = "path") -> Q:
    """Rows whose area (reached through the lookup `path`, a path string field) lies in
    any of `areas` (areas or path strings).  No areas: a filter that matches nothing."""
    roots = _paths(areas)
    if not roots:
        return Q(pk__in=[])
    q = Q()
    for root in roots:
        q |= Q(**{f"{path}__startswith": root})
    return q


class ScopedQuerySet(models.QuerySet):
    """A queryset that knows where its rows' area path lives (`area_path_lookup`)."""

    area_path_lookup = "area__path"

    def within(self, areas):
        return self.filter(area_q(areas, self.area_path_lookup))


def community_of(area: Area, *, message=None) -> Area:
    """The community `area` lies in (itself if it is one), or a refusal."""
    community = area.ancestor_of_kind(Area.Kind.COMMUNITY) if area is not None else None
    if community is None:
        raise ValidationError(message or NO_COMMUNITY, code="no_community")
    return community


def community_or_404(code: str) -> Area:
    """A community named in a URL, or the "not found" page.  Read from the cache on
    pages (outside a transaction), kept until any area or organisation changes."""
    from django.core.cache import cache
    from django.db import connection

    from .versions import named_version

    if connection.in_atomic_block:
        return get_object_or_404(Area, code=code, kind=Area.Kind.COMMUNITY)
    key = f"portal:community:{named_version('areas')}:{code}"
    area = cache.get(key)
    if area is None:
        area = get_object_or_404(Area, code=code, kind=Area.Kind.COMMUNITY)
        cache.set(key, area, 300)  # a tree move (raw SQL, no signal) shows within 5 min
    return area


def drill_down(
    roots: list[Area], wanted, kinds, *, fallback: bool = True
) -> tuple[Area | None, list[Area]]:
    """The area a dashboard or a list shows and its area picker's choices.

    `roots` are the areas whose figures the viewer may see (each with what lies under it);
    `wanted` is the picker's value (a primary key, or anything else); `kinds` the kinds of
    area offered.  An unknown area, one of another kind or one outside the roots falls
    back to the first root (a dashboard) or to none (`fallback=False`: a list, which then
    shows every area).  The choices are the roots, the chosen area's ancestors below its
    root, the area itself and its children of those kinds, in tree order: a few dozen
    options in two queries, however many areas the city has (a list of every area was
    1,111 options for one city, and drawing them cost a list of requests 20 ms)."""
    roots = [r for r in roots if r.kind in kinds]
    if not roots:
        raise ValueError("drill_down needs at least one root of the given kinds")
    area, pk = None, parse_id(wanted)
    if pk is not None:
        found = Area.objects.filter(pk=pk, kind__in=kinds).first()
        if found is not None and any(found.path.startswith(r.path) for r in roots):
            area = found
    if area is None and not fallback:
        return None, sorted(roots, key=lambda a: a.path)
    area = area or roots[0]
    root = max((r for r in roots if area.path.startswith(r.path)), key=lambda r: r.depth)
    step = Area.steplen
    between = [area.path[:end] for end in range(len(root.path) + step, len(area.path), step)]
    near = Q(path__startswith=area.path, depth=area.depth + 1)
    if between:
        near |= Q(path__in=between)
    choices: dict[int, Area] = {}
    branch = Area.objects.filter(near, kind__in=kinds)
    for a in sorted([*roots, *branch, area], key=lambda a: a.path):
        choices.setdefault(a.pk, a)
    return area, list(choices.values())
