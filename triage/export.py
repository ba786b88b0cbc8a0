"""XLSX export of a dashboard: the figures, then one row per request (no personal data)."""

from __future__ import annotations

import io

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from .selectors import dashboard_stats, shown_text, visible_requests


def workbook_for(area, user=None) -> bytes:
    stats = dashboard_stats(area)
    wb = Workbook(write_only=True)
    summary = wb.create_sheet(_("Figures"))
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
    rows = wb.create_sheet(_("Requests"))
    rows.append(
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

    def local(dt):
        return timezone.localtime(dt).replace(tzinfo=None) if dt else None

    for r in qs.iterator(chunk_size=2000):
        rows.append(
            [
                r.number,
                local(r.created_at),
                r.get_channel_display(),
                r.get_request_class_display(),
                str(r.organisation or ""),
                r.get_status_display(),
                local(r.deadline),
                local(r.closed_at),
                r.satisfaction,
                shown_text(r)[:500],
            ]
        )
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
