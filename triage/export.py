"""XLSX export of a dashboard: the figures, then one row per request (no personal data).

Cells are written by `portal.exports` (control characters stripped, formulas neutralised,
times in Asia/Shanghai)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from portal.exports import xlsx_bytes, xlsx_response

from .selectors import dashboard_stats, shown_text, visible_requests
from .selectors_dashboard import dashboard_trends


def workbook_for(area, user=None) -> bytes:
    return xlsx_bytes(sheets_for(area, user))


def response_for(area, user=None):
    return xlsx_response(sheets_for(area, user), filename=f"requests-{area.code}.xlsx")


def sheets_for(area, user=None):
    # The trend sheet comes last: readers of the first two sheets find them where they were.
    return [
        (_("Figures"), _figures(area)),
        (_("Requests"), _requests(area, user)),
        (_("Trends"), _trends(area)),
    ]


def _trends(area):
    """The dashboard's trend tables: one row per week, then one per month."""
    trends = dashboard_trends(area)
    rows = [
        [
            _("Time period"),
            _("Requests"),
            _("Completion rate (%)"),
            _("On-time rate (%)"),
            _("Average satisfaction (1–5)"),
            _("Mediation success rate (%)"),
        ]
    ]
    for key, title in (("weeks", _("Week from")), ("months", _("Month"))):
        rows.append([])
        rows.append([title])
        for r in trends[key]["rows"]:
            rows.append(
                [
                    r["label"],
                    r["total"],
                    r["completion_rate"],
                    r["on_time_rate"],
                    r["satisfaction"],
                    r["mediation_rate"],
                ]
            )
    return rows


def _figures(area):
    stats = dashboard_stats(area)
    summary = []
    summary.append([_("Area"), area.full_name])
    for label, key in [
        (_("Requests"), "total"),
        (_("Closed"), "closed"),
        (_("Completion rate (%)"), "completion_rate"),
        (_("On-time rate (%)"), "on_time_rate"),
        (_("Average handling time (hours)"), "avg_handling_hours"),
        (_("Average satisfaction (1–5)"), "satisfaction"),
        (_("Mediation success rate (%)"), "mediation_rate"),
        (_("Overdue"), "overdue"),
    ]:
        summary.append([label, stats[key]])
    summary.append([])
    for row in stats["by_class"] + stats["by_channel"]:
        summary.append([str(row["label"]), row["n"]])
    return summary


def _requests(area, user):
    yield (
        [
            _("Number"),
            _("Submitted"),
            _("Channel"),
            _("Class"),
            _("Handler"),
            _("Status"),
            _("Deadline"),
            _("Closed"),
            _("Satisfaction"),
            _("Request"),
        ]
    )
    # Rows the exporter may read in full, and public ones with names and numbers masked:
    # never the text of a private, sensitive or untriaged request they have no part in.
    qs = visible_requests(area, user).order_by("-created_at")
    for r in qs.iterator(chunk_size=2000):
        yield [
            r.number,
            r.created_at,
            r.get_channel_display(),
            r.get_request_class_display(),
            str(r.organisation or ""),
            r.get_status_display(),
            r.deadline,
            r.closed_at,
            r.satisfaction,
            shown_text(r)[:500],
        ]
