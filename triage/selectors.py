"""Reads shared by pages, the dashboard, the Open311 API and the use cases.

- lists of requests: `requests_for_reporter`, `inbox`, `triage_queue`, `public_requests`,
  `visible_requests` (+ `shown_text`), `topic_sources`; rows decorated for a page by
  `with_places` and `with_public_text`;
- who handles what where: `committee_for`, `department_for` (by line, in the request's
  area), `handler_for_kind`, `supervisors_above`, `handlers_of`, `handler_orgs`, and the
  service directory's `directory_matches`;
- figures: `dashboard_stats` (from the daily counts, `selectors_dashboard`),
  `dashboard_roots`; the dashboard panel and the community page's section
  (`panel_context`, `section_context`).

Who may read a request is `triage.permissions`; the lists here filter with its rules.
"""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Avg, BooleanField, Count, ExpressionWrapper, F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.models import Area, Membership, Organisation, Role
from portal.pagecache import shared_data
from portal.permissions import active_memberships, areas_for, is_site_admin

from .models import Request, RequestClass, ServiceDirectoryEntry, public_q
from .permissions import UNTRIAGED, filing_home, readable_q, triage_q
from .privacy import public_text
from .selectors_dashboard import (
    _bars,
    _pending_label,
    dashboard_figures,
    overdue_q,
    uses_counts,
)
from .selectors_maps import grid_rows, public_map

S = Request.Status


def requests_for_reporter(user):
    """What a user raised, and what they entered for someone until it is handed off."""
    return Request.objects.filter(
        Q(reporter=user) | Q(entered_by=user, status__in=UNTRIAGED)
    ).select_related("organisation", "area")


def inbox(org: Organisation, user=None):
    qs = Request.objects.filter(organisation=org)
    if user is not None:
        qs = qs.filter(readable_q(user))  # a grid worker sees their own grids' share only
    return (
        qs.exclude(status=S.CLOSED)
        .select_related("area", "service_type")
        .order_by("deadline", "pk")
    )


def handler_orgs(user) -> list[Organisation]:
    """Organisations whose inbox `user` may open."""
    if not getattr(user, "is_authenticated", False):
        return []
    if is_site_admin(user):
        return list(
            Organisation.objects.filter(
                kind__in=[Organisation.Kind.DEPARTMENT, Organisation.Kind.COMMITTEE]
            ).order_by("kind", "name")
        )
    orgs = {
        m.organisation_id
        for m in active_memberships(user)
        if m.organisation_id and m.role in ("department", "committee", "grid_worker")
    }
    return list(Organisation.objects.filter(pk__in=orgs).order_by("name"))


def triage_queue(user):
    return (
        Request.objects.filter(triage_q(user), status__in=UNTRIAGED)
        .select_related("area", "service_type")
        .order_by("created_at")
    )


def public_requests(area: Area | None = None):
    """The public list: `Request.objects.public()`; show each row's `public_text`."""
    qs = Request.objects.public().select_related("area", "organisation", "reporter")
    if area is not None:
        qs = qs.within(area)
    return qs


def visible_requests(area: Area, user):
    """`area`'s requests a staff list may show `user`: those they may read in full, and
    the public ones.  Call `shown_text(r)` for the text each row may show."""
    full = readable_q(user)
    return (
        Request.objects.within(area)
        .filter(public_q() | full)
        .annotate(full_view=ExpressionWrapper(full, output_field=BooleanField()))
        .select_related("organisation", "reporter")
    )


def shown_text(r) -> str:
    return r.text if getattr(r, "full_view", False) else public_text(r)


def with_public_text(rows):
    """Set `r.shown_text` on each row: its text with the reporter's name and numbers masked."""
    rows = list(rows)
    for r in rows:
        r.shown_text = public_text(r)
    return rows


def report_measures() -> dict:
    """The figures every report on 三事分流 quotes, as aggregate expressions: one pass over
    the rows whether they are aggregated whole (the staff dashboard) or per area and month
    (the public API).  办结率 = closed / received; on time = closed by the deadline and
    never escalated / closed with a deadline; satisfaction from residents' 1–5 ratings;
    mediation success = mediated successfully / mediations recorded."""
    closed = Q(status=S.CLOSED)
    per_value = {
        f"class_{value or 'pending'}": Count("pk", filter=Q(request_class=value))
        for value in [*RequestClass.values, ""]
    } | {
        f"channel_{value}": Count("pk", filter=Q(channel=value)) for value in Request.Channel.values
    }
    return {
        **per_value,
        "total": Count("pk"),
        "closed": Count("pk", filter=closed),
        "with_deadline": Count("pk", filter=closed & Q(deadline__isnull=False)),
        # Escalated requests are late even if they then met the fresh deadline they got.
        "on_time": Count("pk", filter=closed & Q(closed_at__lte=F("deadline"), escalation_level=0)),
        "rated": Count("pk", filter=Q(satisfaction__isnull=False)),
        "avg_satisfaction": Avg("satisfaction"),
        "satisfied": Count("pk", filter=Q(satisfaction__gte=4)),
        "mediated": Count(
            "pk", filter=Q(mediation__in=[Request.Mediation.SUCCESS, Request.Mediation.FAILED])
        ),
        "mediated_ok": Count("pk", filter=Q(mediation=Request.Mediation.SUCCESS)),
    }


def dashboard_stats(area: Area, *, since=None) -> dict:
    """The figures every report on 三事分流 quotes, for `area`'s subtree: from the daily
    counts kept on write (`selectors_dashboard.dashboard_figures`, constant in the number of
    requests), or for an area below community level by one pass over its requests."""
    if uses_counts(area):
        return dashboard_figures(area, since=timezone.localdate(since) if since else None)
    return dashboard_stats_scan(area, since=since)


def dashboard_stats_scan(area: Area, *, since=None) -> dict:
    """The figures by one pass over `area`'s requests (one query): what the dashboard read
    before the daily counts; bench/dashboard.py compares the two."""
    qs = Request.objects.within(area)
    if since is not None:
        qs = qs.filter(created_at__gte=since)
    closed = Q(status=S.CLOSED)
    # Per class and per channel counts ride in the same aggregate: one pass over the rows
    # (three GROUP BY queries were three passes; bench/triage.py measures it).
    totals = qs.aggregate(
        **report_measures(),
        avg_handling=Avg(F("closed_at") - F("created_at"), filter=closed),
        overdue=Count("pk", filter=overdue_q()),
        escalated=Count("pk", filter=Q(escalation_level__gt=0)),
    )
    by_class = {
        value: totals[f"class_{value or 'pending'}"] for value in [*RequestClass.values, ""]
    }
    by_channel = {value: totals[f"channel_{value}"] for value in Request.Channel.values}

    def pct(a, b):
        return round(100 * a / b, 1) if b else None

    handling = totals["avg_handling"]
    if handling is not None and not isinstance(handling, timedelta):  # SQLite: microseconds
        handling = timedelta(microseconds=float(handling))
    class_rows = [(label, by_class.get(value, 0)) for value, label in RequestClass.choices] + (
        [(_pending_label(), by_class[""])] if by_class.get("") else []
    )
    channel_rows = [(label, by_channel.get(value, 0)) for value, label in Request.Channel.choices]
    return {
        "area": area,
        "total": totals["total"],
        "closed": totals["closed"],
        "completion_rate": pct(totals["closed"], totals["total"]),
        "on_time_rate": pct(totals["on_time"], totals["with_deadline"]),
        "avg_handling_hours": round(handling.total_seconds() / 3600, 1) if handling else None,
        "satisfaction": round(totals["avg_satisfaction"], 2)
        if totals["avg_satisfaction"]
        else None,
        "satisfaction_rate": pct(totals["satisfied"], totals["rated"]),
        "rated": totals["rated"],
        "mediation_rate": pct(totals["mediated_ok"], totals["mediated"]),
        "mediated": totals["mediated"],
        "overdue": totals["overdue"],
        "escalated": totals["escalated"],
        "by_class": _bars(class_rows),
        "by_channel": _bars(channel_rows),
    }


DASHBOARD_KINDS = (Area.Kind.CITY, Area.Kind.DISTRICT, Area.Kind.STREET, Area.Kind.COMMUNITY)


def dashboard_roots(user) -> list[Area]:
    """The cities, districts, streets and communities whose figures the user may see, each
    with what lies under it (`portal.scoping.drill_down` picks among them).

    A grid worker's membership is on grids: they see their community's figures.
    """
    out, seen = [], set()
    for root in areas_for(user, "triage.view_dashboard"):
        if root.kind == Area.Kind.GRID:
            root = root.community or root
        if root.kind in DASHBOARD_KINDS and root.pk not in seen:
            seen.add(root.pk)
            out.append(root)
    return out


# --- dashboard panel and community section ----------------------------------------------


def panel_context(request) -> dict | None:
    user = request.user
    if not user.is_authenticated:
        return None
    mine = list(requests_for_reporter(user).order_by("-created_at")[:5])
    can_report = filing_home(user) is not None
    orgs = handler_orgs(user)
    if not mine and not can_report and not orgs:
        return None
    return {"requests": mine, "can_report": can_report, "orgs": orgs}


def section_context(request, area) -> dict | None:
    if area is None:
        return None
    stats = dashboard_stats(area, since=timezone.now() - timedelta(days=365))
    recent = with_public_text(public_requests(area).filter(status=S.CLOSED)[:5])
    area_map = public_map(area)  # outlines and public requests per grid: never a point
    return {
        "area": area,
        "stats": stats,
        "recent": recent,
        "map": area_map,
        "grid_rows": grid_rows(area_map),
    }


def with_places(rows):
    """Set `r.place` (the grid's full name) on each request with one query for all."""
    rows = list(rows)
    Area.attach_full_names(r.area for r in rows)
    for r in rows:
        r.place = r.area.full_name
    return rows


def topic_sources(topic, user) -> list[dict]:
    """The requests a round-table topic came from, as far as `user` may see them (the public
    view's rule, or the whole record's): deliberation shows them on the topic page.  Most
    topics came from no request: whether one did is kept with the topic's other shared
    data (the deliberation version, which a request turned into a topic bumps), so their
    pages ask nothing more."""
    has_sources = shared_data(
        "triage-topic-sources",
        lambda: {"any": Request.objects.filter(topic=topic).exists()},
        parts=(topic.pk,),
        versions=("deliberation",),
    )["any"]
    if not has_sources:
        return []
    rows = Request.objects.filter(topic=topic).filter(public_q() | readable_q(user))
    return [
        {
            "label": _("Request %(n)s") % {"n": r.number},
            "url": reverse("triage:detail", args=[r.pk]),
            "status": r.get_status_display(),
        }
        for r in rows.order_by("created_at", "pk")
    ]


# --- who handles what where ---------------------------------------------------------------


def committee_for(area: Area) -> Organisation | None:
    """The (first active) committee of the community `area` lies in."""
    community = area.community
    if community is None:
        return None
    return (
        Organisation.objects.filter(
            kind=Organisation.Kind.COMMITTEE, area=community, is_active=True
        )
        .order_by("pk")
        .first()
    )


def _deepest(orgs, area: Area) -> Organisation | None:
    """The organisation whose served area containing `area` is deepest (street before
    district before city); the oldest among equals."""
    orgs = [o for o in orgs if o.serving_depth(area)]
    return max(orgs, key=lambda o: (o.serving_depth(area), -o.pk)) if orgs else None


def _serving(area: Area, **kw) -> list[Organisation]:
    return list(
        Organisation.serving(area)
        .filter(**kw)
        .select_related("area")
        .prefetch_related("served_areas")
        .order_by("pk")
    )


def line_of(name: str) -> str:
    """The line a department's name or a line stands for: the classifier's department
    model names departments (市南区城市管理局), a service type or matter type names lines
    (城管)."""
    name = (name or "").strip()
    if not name:
        return ""
    org = (
        Organisation.objects.filter(kind=Organisation.Kind.DEPARTMENT, name=name)
        .exclude(line="")
        .order_by("pk")
        .first()
    )
    return org.line if org is not None else name


def department_for(area: Area, line: str = "") -> Organisation | None:
    """Who takes a 大事 of `line` (a line of work, or a department's name, which stands
    for its line) raised in `area`: the active department of that line whose served area
    contains `area`, the deepest such; never one serving elsewhere.  With no line, or no
    such department, the office above the area that dispatches what no department takes
    (the street office, else the district government): the deepest active department
    without a line, not the city-wide 12345 hotline."""
    line = line_of(line)
    departments = _serving(area, kind=Organisation.Kind.DEPARTMENT)
    if line:
        found = _deepest([o for o in departments if o.line == line], area)
        if found is not None:
            return found
    general = [
        o
        for o in departments
        if not o.line and not (o.phone.strip() == "12345" or "12345" in o.name)
    ]
    return _deepest(general, area)


def handler_for_kind(area: Area, kind: str) -> Organisation | None:
    """Who takes a 小事 handled by organisations of `kind`: the property company (or
    owners' committee) serving the compound if there is one, else the committee."""
    if kind and kind not in (Organisation.Kind.COMMITTEE, Organisation.Kind.DEPARTMENT):
        community = area.community
        found = _deepest(_serving(area, kind=kind), area)
        if community is not None and found and found.serving_depth(area) >= community.depth:
            return found  # serves this compound, not a whole district
    return committee_for(area)


def handlers_of(org: Organisation | None) -> list:
    """Staff of `org`, one entry per membership: notify() tells each person once."""
    if org is None:
        return []
    return [
        m.user
        for m in Membership.objects.active()
        .filter(organisation=org, role__in=[Role.DEPARTMENT, Role.COMMITTEE, Role.GRID_WORKER])
        .select_related("user")
        .order_by("pk")
    ]


def directory_matches(text: str, area: Area, limit: int = 5) -> list[ServiceDirectoryEntry]:
    """Directory entries serving `area` whose service keywords occur in `text`."""
    entries = list(
        ServiceDirectoryEntry.objects.filter(is_active=True, area__path__in=area.ancestor_paths())
    )
    scored = []
    for e in entries:
        score = sum(len(k) for k in e.services.replace(",", " ").split() if k and k in text)
        if score:
            scored.append((score, e.kind == e.Kind.VOLUNTEER, e.pk, e))
    scored.sort(key=lambda t: (-t[0], t[1], t[2]))
    found = [t[3] for t in scored[:limit]]
    if not found:  # still point somewhere useful: the general providers near them
        found = [e for e in entries if e.kind == e.Kind.PROVIDER][:3]
    return found
