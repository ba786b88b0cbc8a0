"""XLSX export of a dashboard: the figures, then one row per request (no personal data).

Cells are written by `portal.exports` (control characters stripped, formulas neutralised,
times in Asia/Shanghai)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from portal.exports import xlsx_bytes, xlsx_response

from .models import Request
from .selectors import dashboard_stats


def workbook_for(area) -> bytes:
    return xlsx_bytes(sheets_for(area))


def response_for(area):
    return xlsx_response(sheets_for(area), filename=f"requests-{area.code}.xlsx")


def sheets_for(area):
    return [(_("Figures"), _figures(area)), (_("Requests"), _requests(area))]


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


def _requests(area):
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
    qs = (
        Request.objects.within(area)
        .select_related("organisation")
        .only(
            "pk",
            "created_at",
            "channel",
            "request_class",
            "organisation__name",
            "status",
            "deadline",
            "closed_at",
            "satisfaction",
            "text",
        )
        .order_by("-created_at")
    )
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
            r.text[:500],
        ]
