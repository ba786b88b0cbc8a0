"""The dashboard's figures and trends, read from the daily counts (`triage.daily_counts`).

`dashboard_figures(area)` gives the same figures as the full pass `selectors.dashboard_stats`
did, from the area's own rows of `RequestDailyCount` (all-time, or the days since a date).
"Overdue now" — open requests that have missed a deadline — is a figure of this moment:
the counts hold those the escalation beat has already moved up (`open_late`), and one count
over an expression index adds those past their first deadline that the beat (every 15 minutes)
has not reached yet.
`dashboard_trends(area)` buckets the same rows by week and by month.  An area below
community level (a grid) has no rows of its own: it falls back to the full pass over its
few requests.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.models import Area

from .daily_counts import ALL_TIME, COMMUNITY_DEPTH, MEASURES, OPEN_HANDLING
from .models import FIRST_DEADLINE, Request, RequestClass, RequestDailyCount

WEEKS = 26
MONTHS = 12


def overdue_q(now=None) -> Q:
    """Open requests that have missed a deadline: escalated and not closed, or past their
    first deadline and not escalated yet."""
    now = now or timezone.now()
    return Q(status__in=OPEN_HANDLING) & (Q(escalation_level__gt=0) | Q(deadline__lt=now))


def not_yet_escalated(area: Area, *, since: date | None = None):
    """The open requests in `area` past their first deadline that the escalation beat has
    not moved up yet: read through the expression index `triage_req_first_deadline`, so
    the rows read are at most the beat's interval's worth, whatever the history."""
    qs = (
        Request.objects.within(area)
        .alias(first_deadline=FIRST_DEADLINE)
        .filter(first_deadline__lt=timezone.now())
    )
    if since is not None:
        qs = qs.filter(created_at__date__gte=since)
    return qs


def _rows(area: Area):
    """The area's own rollup rows (`daily_counts.rollup_paths`): never its subtree's.  Its
    all-time rows have the day `ALL_TIME`: filter by day, always."""
    return RequestDailyCount.objects.filter(area_path=area.path)


def totals_per_area(areas) -> dict[int, int]:
    """How many requests each of `areas` (community level or above) has ever received:
    one query over their all-time rows."""
    by_path = {a.path: a.pk for a in areas}
    rows = (
        RequestDailyCount.objects.filter(area_path__in=by_path, day=ALL_TIME)
        .values_list("area_path")
        .annotate(n=Sum("n"))
        .order_by()
    )
    return {by_path[path]: n or 0 for path, n in rows}


def _sums() -> dict:
    return {m: Sum(m) for m in MEASURES}


def _pct(a, b):
    return round(100 * a / b, 1) if b else None


def _figures(t: dict) -> dict:
    """Rates from a dict of summed measures."""
    t = {m: t.get(m) or 0 for m in MEASURES}
    return {
        "total": t["n"],
        "closed": t["closed"],
        "completion_rate": _pct(t["closed"], t["n"]),
        "on_time_rate": _pct(t["on_time"], t["with_deadline"]),
        "avg_handling_hours": round(t["handling_seconds"] / t["closed"] / 3600, 1)
        if t["closed"] and t["handling_seconds"]
        else None,
        "satisfaction": round(t["satisfaction_sum"] / t["rated"], 2) if t["rated"] else None,
        "satisfaction_rate": _pct(t["satisfied"], t["rated"]),
        "rated": t["rated"],
        "mediation_rate": _pct(t["mediated_ok"], t["mediated"]),
        "mediated": t["mediated"],
        "escalated": t["escalated"],
    }


def _pending_label():
    return gettext_lazy("not yet triaged")


def _bars(rows) -> list[dict]:
    top = max((n for _l, n in rows), default=0) or 1
    return [{"label": label, "n": n, "width": round(100 * n / top, 1)} for label, n in rows]


def uses_counts(area: Area) -> bool:
    return area.depth <= COMMUNITY_DEPTH


def dashboard_figures(area: Area, *, since: date | None = None) -> dict:
    """`selectors.dashboard_stats`'s figures from the daily counts: one query for the
    class × channel sums and one for the requests past their first deadline that the
    escalation beat has not reached, whatever the number of requests."""
    rows = _rows(area)
    rows = rows.filter(day=ALL_TIME) if since is None else rows.filter(day__gte=since)
    totals: dict = defaultdict(int)
    by_class: dict = defaultdict(int)
    by_channel: dict = defaultdict(int)
    for row in rows.values("request_class", "channel").annotate(**_sums()).order_by():
        for m in MEASURES:
            totals[m] += row[m] or 0
        by_class[row["request_class"]] += row["n"] or 0
        by_channel[row["channel"]] += row["n"] or 0
    out = _figures(totals)
    class_rows = [(label, by_class.get(value, 0)) for value, label in RequestClass.choices] + (
        [(_pending_label(), by_class[""])] if by_class.get("") else []
    )
    channel_rows = [(label, by_channel.get(value, 0)) for value, label in Request.Channel.choices]
    out |= {
        "area": area,
        "overdue": totals["open_late"] + not_yet_escalated(area, since=since).count(),
        "by_class": _bars(class_rows),
        "by_channel": _bars(channel_rows),
    }
    return out


def _week_start(d: date) -> date:
    return d - timedelta(days=d.weekday())


def _month_start(d: date) -> date:
    return d.replace(day=1)


def _months_back(d: date, n: int) -> date:
    y, m = divmod(d.year * 12 + d.month - 1 - n, 12)
    return date(y, m + 1, 1)


def dashboard_trends(area: Area, *, today: date | None = None) -> dict:
    """Requests, 办结率, on-time rate, satisfaction and mediation success per week (the
    last 26) and per month (the last 12), by the day each request was submitted: one query
    over the daily counts, grouped by day."""
    today = today or timezone.localdate()
    first_week = _week_start(today) - timedelta(weeks=WEEKS - 1)
    first_month = _months_back(today, MONTHS - 1)
    since = min(first_week, first_month)
    per_day = _rows(area).filter(day__gte=since).values("day").annotate(**_sums()).order_by()
    weeks = {first_week + timedelta(weeks=i): defaultdict(int) for i in range(WEEKS)}
    months = {_months_back(today, MONTHS - 1 - i): defaultdict(int) for i in range(MONTHS)}
    for row in per_day:
        for bucket, key in ((weeks, _week_start(row["day"])), (months, _month_start(row["day"]))):
            if key in bucket:
                for m in MEASURES:
                    bucket[key][m] += row[m] or 0
    return {
        "weeks": _series(weeks, lambda d: d.isoformat()),
        "months": _series(months, lambda d: d.strftime("%Y-%m")),
    }


SERIES = ("total", "completion_rate", "on_time_rate", "satisfaction", "mediation_rate")


def _series(buckets: dict, label) -> dict:
    rows = [(label(start), _figures(sums)) for start, sums in sorted(buckets.items())]
    return {
        "labels": [lab for lab, _f in rows],
        **{key: [f[key] for _lab, f in rows] for key in SERIES},
        "rows": [{"label": lab, **{key: f[key] for key in SERIES}} for lab, f in rows],
    }


def trend_charts(trends: dict) -> list[dict]:
    """The dashboard's charts: for weeks and for months, the requests (bars) and the rates
    (lines, with satisfaction on its own 1–5 axis); each with the table of its numbers."""
    charts = []
    titles = {
        "weeks": (_("Requests by week (last 26 weeks)"), _("Rates by week (last 26 weeks)")),
        "months": (_("Requests by month (last 12 months)"), _("Rates by month (last 12 months)")),
    }
    for key, (count_title, rate_title) in titles.items():
        t = trends[key]
        charts.append(
            {
                "id": f"chart-requests-{key}",
                "title": count_title,
                "data": {
                    "labels": t["labels"],
                    "axes": [{"name": _("requests")}],
                    "series": [{"name": _("requests"), "type": "bar", "data": t["total"]}],
                },
                "columns": [_("Time period"), _("Requests")],
                "rows": [[r["label"], r["total"]] for r in t["rows"]],
            }
        )
        charts.append(
            {
                "id": f"chart-rates-{key}",
                "title": rate_title,
                "data": {
                    "labels": t["labels"],
                    "axes": [{"name": "%", "max": 100}, {"name": _("satisfaction"), "max": 5}],
                    "series": [
                        {"name": _("completion rate"), "data": t["completion_rate"]},
                        {"name": _("on-time rate"), "data": t["on_time_rate"]},
                        {"name": _("mediation success"), "data": t["mediation_rate"]},
                        {"name": _("satisfaction (1–5)"), "data": t["satisfaction"], "axis": 1},
                    ],
                },
                "columns": [
                    _("Time period"),
                    _("Completion rate (%)"),
                    _("On-time rate (%)"),
                    _("Mediation success rate (%)"),
                    _("Average satisfaction (1–5)"),
                ],
                "rows": [
                    [
                        r["label"],
                        r["completion_rate"],
                        r["on_time_rate"],
                        r["mediation_rate"],
                        r["satisfaction"],
                    ]
                    for r in t["rows"]
                ],
            }
        )
    return charts
