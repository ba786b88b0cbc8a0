"""Monthly trends for the staff dashboards (moral bank, deliberation): the last 12
calendar months in the site's time zone, and the chart + table dicts that
portal/includes/chart.html draws (the triage dashboard's format, see charts.js).

A selector groups its rows by month with `month_of(...)` (TruncMonth in the current time
zone) in one query; `month_buckets` gives the empty months; `month_key` maps what the
database returns (a date, or an aware datetime) to the month's first day.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django.db.models.functions import TruncMonth
from django.utils import timezone

MONTHS = 12


def months_back(d: date, n: int) -> date:
    y, m = divmod(d.year * 12 + d.month - 1 - n, 12)
    return date(y, m + 1, 1)


def month_starts(today: date | None = None, n: int = MONTHS) -> list[date]:
    """The first days of the last `n` months, oldest first (this month last)."""
    today = today or timezone.localdate()
    return [months_back(today, n - 1 - i) for i in range(n)]


def first_moment(day: date) -> datetime:
    """Midnight at the start of `day` in the site's time zone (for DateTimeField filters)."""
    return timezone.make_aware(datetime(day.year, day.month, day.day))


def month_of(field: str):
    return TruncMonth(field)


def month_key(value) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.date().replace(day=1)
    return value.replace(day=1)


def label(start: date) -> str:
    return start.strftime("%Y-%m")


def plain(value):
    """A number the chart's JSON carries as a number (Decimal would become a string)."""
    return float(value) if isinstance(value, Decimal) else value


def chart(
    chart_id: str, title, months: list[date], series: list[dict], columns: list, axes=None
) -> dict:
    """One chart and its table: `series` = [{"name", "data", "type"?, "axis"?}], one value
    per month; `columns` = the table's headings (the first for the month)."""
    labels = [label(m) for m in months]
    return {
        "id": chart_id,
        "title": title,
        "data": {
            "labels": labels,
            "axes": axes or [{"name": series[0]["name"]}],
            "series": [
                {
                    "name": s["name"],
                    "type": s.get("type", "bar"),
                    "data": [plain(v) for v in s["data"]],
                    **({"axis": s["axis"]} if s.get("axis") else {}),
                }
                for s in series
            ],
        },
        "columns": columns,
        "rows": [[lab, *(s["data"][i] for s in series)] for i, lab in enumerate(labels)],
    }
