"""Reads for the maps (issue 14): outlines of an area's grids, requests counted per grid,
and exact points for those who may read the requests in full.

What a map may show whom:

- anyone (the community page): the outlines, and per grid the number of *public*
  requests (`public_q`) — never a point, never a private or sensitive matter;
- staff on the dashboard: per grid the number of all the area's requests (the figures
  the dashboard shows anyway; above community level, per child area from the daily
  counts), and the exact point of each request they may read in full
  (`triage.permissions.readable_q`: its handlers, supervisors, triagers, site admins);
- the resident on the report form: the outlines of their community, their grid marked.

Each returns a dict for `json_script`, drawn by portal/static/portal/map.js.
"""

from __future__ import annotations

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Count
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from portal.models import Area

from .geo import bounds
from .models import GridBoundary, Request
from .permissions import readable_q
from .selectors_dashboard import totals_per_area

MAX_POINTS = 500  # the newest; a dashboard map with more is a cloud, not information


def _outlines(area: Area) -> dict[int, tuple[Area, list]]:
    """Every outline (communities' and grids') in `area`'s subtree: one query."""
    rows = GridBoundary.objects.filter(area__path__startswith=area.path).select_related("area")
    return {b.area_id: (b.area, b.polygon) for b in rows}


def _grids(area: Area) -> list[Area]:
    if area.kind == Area.Kind.GRID:
        return [area]
    return list(Area.objects.filter(path__startswith=area.path, kind=Area.Kind.GRID))


def _count_label(n: int) -> str:
    return ngettext("%(n)s request", "%(n)s requests", n) % {"n": n}


def _counted(entry: dict, counts: dict[int, int]) -> dict:
    """`entry` (a grid or a child area) with its number of requests, and a label that
    says it."""
    n = counts.get(entry["id"], 0)
    entry["count"] = n
    entry["label"] = f"{entry['name']} · {_count_label(n)}"
    return entry


def _map(area: Area, counts: dict[int, int] | None, *, focus: Area | None = None) -> dict:
    """A grid stands in its community (the report form shows the neighbouring grids)."""
    scope = (area.community or area) if area.kind == Area.Kind.GRID else area
    outlines = _outlines(scope)
    grids = {g.pk: g for g in _grids(scope)}
    areas = []
    for pk, (a, ring) in outlines.items():
        if a.kind != Area.Kind.GRID:
            areas.append({"id": pk, "kind": a.kind, "name": a.name, "outline": ring})
    for pk, g in sorted(grids.items(), key=lambda kv: kv[1].path):
        entry = {"id": pk, "kind": "grid", "name": g.name, "outline": None}
        if pk in outlines:
            entry["outline"] = outlines[pk][1]
        if counts is not None:
            _counted(entry, counts)
        else:
            entry["label"] = g.name
        if focus is not None and pk == focus.pk:
            entry["focus"] = True
        areas.append(entry)
    rings = [a["outline"] for a in areas if a["outline"]]
    focused = [a["outline"] for a in areas if a.get("focus") and a["outline"]]
    return {
        "areas": areas,
        "points": [],
        "bounds": bounds(focused or rings),
    }


def public_map(area: Area) -> dict:
    """Outlines and the number of public requests per grid of `area`."""
    counts = dict(
        Request.objects.public()
        .within(area)
        .order_by()
        .values_list("area_id")
        .annotate(n=Count("pk"))
        .values_list("area_id", "n")
    )
    return _map(area, counts)


def _children_map(area: Area) -> dict:
    """Above community level: the area's children (districts, streets or communities) with
    their outlines and all-time counts from the daily counts — as many entries as the area
    has children, whatever the number of grids and requests under it."""
    children = list(area.get_children())
    counts = totals_per_area(children)
    outlines = {
        b.area_id: b.polygon for b in GridBoundary.objects.filter(area__in=children).order_by()
    }
    areas = [
        _counted(
            {
                "id": child.pk,
                "kind": child.kind,
                "name": child.name,
                "outline": outlines.get(child.pk),
            },
            counts,
        )
        for child in children
    ]
    rings = [a["outline"] for a in areas if a["outline"]]
    return {"areas": areas, "points": [], "bounds": bounds(rings)}


# A map shows what is recent: the newest placed requests.  At a million requests in two
# years, two in five placed, this is about the last nine days of a whole city (and years
# of a street).  The reader's filter is checked on at most this many rows: 25 ms at
# 20,000 for a city reader who may read few of them (bench/scale.py).
POINTS_LOOKED_AT = 5_000


def newest_readable_points(within, user) -> list[tuple]:
    """(pk, lat, lon, status) of the newest MAX_POINTS placed requests of `within` that
    `user` may read in full, among the area's newest POINTS_LOOKED_AT placed ones.

    One query that reads no more rows than it must.  The newest placed requests come in
    order from the partial index `triage_req_placed_newest`, in a subquery the reader's
    filter (`readable_q`, an OR over their roles) is applied *outside* of, so the database
    stops as soon as it has MAX_POINTS readable ones: a city supervisor reads about
    MAX_POINTS rows, a reader of one street more, never past POINTS_LOOKED_AT.  With the
    filter on the whole area, PostgreSQL sorted every request of it (273 ms of the city
    dashboard's 301 ms at a million requests, bench/scale.py); with `pk IN (the newest)`
    it fetched all of the newest twice and sorted them again (93 ms).  Django cannot say
    "select from a subquery", so the two compiled parts are put together here."""
    readable = Request.objects.filter(readable_q(user))
    try:
        where, where_params = readable.query.get_compiler(connection=connection).compile(
            readable.query.where
        )
    except EmptyResultSet:
        return []
    newest = within.filter(lat__isnull=False, lon__isnull=False).order_by("-created_at", "-pk")
    inner, inner_params = newest[:POINTS_LOOKED_AT].query.sql_with_params()
    # The subquery takes the table's name, so the compiled filter's columns name it.
    table = connection.ops.quote_name(Request._meta.db_table)
    sql = (
        f"SELECT {table}.id, {table}.lat, {table}.lon, {table}.status"
        f" FROM ({inner}) AS {table} WHERE {where or '1 = 1'}"
        f" ORDER BY {table}.created_at DESC, {table}.id DESC LIMIT {MAX_POINTS}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*inner_params, *where_params])
        return cursor.fetchall()


def staff_map(area: Area, user) -> dict:
    """Outlines, all requests per grid (above community level: per child area), and the
    exact points `user` may read in full."""
    within = Request.objects.within(area)
    if area.kind in (Area.Kind.COMMUNITY, Area.Kind.GRID):
        counts = dict(
            within.order_by()
            .values_list("area_id")
            .annotate(n=Count("pk"))
            .values_list("area_id", "n")
        )
        data = _map(area, counts)
    else:
        data = _children_map(area)
    rows = newest_readable_points(within, user)
    statuses = dict(Request.Status.choices)
    data["points"] = [
        {
            "lat": float(lat),
            "lon": float(lon),
            "label": _("Request %(n)s") % {"n": Request(pk=pk).number}
            + f" · {statuses.get(status, status)}",
            "url": reverse("triage:detail", args=[pk]),
        }
        for pk, lat, lon, status in rows
    ]
    return data


def picker_map(grid: Area) -> dict:
    """The report form's map: the grids of the resident's community, theirs marked."""
    return _map(grid, None, focus=grid)


def grid_rows(data: dict) -> list[dict]:
    """The areas of a map with their counts (grids, or the children of a wider area): the
    table beside it (for screen readers and for anyone without the map)."""
    return [a for a in data["areas"] if "count" in a]


def directory_map(entries, area: Area | None = None) -> dict:
    """The service directory's map: a point for each of `entries` (the listed page) that
    has one, labelled with its name and category (map.js writes labels as text, never as
    HTML), over the outlines of the chosen `area`, or of every community when none is
    chosen (a community's outline, not its grids': the city at a glance)."""
    if area is not None:
        data = _map(area, None)
    else:
        rows = GridBoundary.objects.filter(area__kind=Area.Kind.COMMUNITY).select_related("area")
        areas = [
            {"id": b.area_id, "kind": b.area.kind, "name": b.area.name, "outline": b.polygon}
            for b in rows
        ]
        data = {"areas": areas, "points": [], "bounds": bounds([a["outline"] for a in areas])}
    data["points"] = [
        {
            "lat": float(e.lat),
            "lon": float(e.lon),
            "label": f"{e.name} · {e.get_kind_display()}",
        }
        for e in entries
        if e.lat is not None and e.lon is not None
    ]
    if data["points"]:
        # The listed entries decide the view; the outlines around them are the backdrop.
        data["bounds"] = None
    return data
