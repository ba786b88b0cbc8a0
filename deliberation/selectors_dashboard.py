"""A community's deliberation dashboard: topics raised, sessions held and attendance
(check-ins) per month, the last 12 months, for its committee (issue 14).

Three queries whatever the number of topics and sessions, each grouped by month: topics
by the month they were raised, sessions by the month they started (those that have
started), check-ins by the month of their session.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from django.db.models import Count
from django.utils import timezone
from django.utils.translation import pgettext

from portal import monthly
from portal.models import Area

from .models import Registration, Session, Topic


def _counts(qs, field: str) -> dict:
    out = defaultdict(int)
    rows = qs.annotate(month=monthly.month_of(field)).values("month").annotate(n=Count("pk"))
    for row in rows.order_by():
        out[monthly.month_key(row["month"])] += row["n"]
    return out


def monthly_trends(community: Area, *, today: date | None = None, now=None) -> dict:
    months = monthly.month_starts(today)
    since = monthly.first_moment(months[0])
    now = now or timezone.now()
    topics = _counts(Topic.objects.filter(community=community, created_at__gte=since), "created_at")
    sessions = _counts(
        Session.objects.filter(community=community, starts_at__gte=since, starts_at__lte=now),
        "starts_at",
    )
    checkins = _counts(
        Registration.objects.filter(
            session__community=community,
            session__starts_at__gte=since,
            checked_in_at__isnull=False,
        ),
        "session__starts_at",
    )
    return {
        "months": months,
        "topics": [topics[m] for m in months],
        "sessions": [sessions[m] for m in months],
        "checkins": [checkins[m] for m in months],
    }


def trend_charts(t: dict) -> list[dict]:
    months = t["months"]
    return [
        monthly.chart(
            "chart-deliberation-topics",
            pgettext("deliberation", "Topics raised and sessions held by month (last 12 months)"),
            months,
            [
                {"name": pgettext("deliberation", "topics raised"), "data": t["topics"]},
                {"name": pgettext("deliberation", "sessions held"), "data": t["sessions"]},
            ],
            [
                pgettext("deliberation", "Month"),
                pgettext("deliberation", "Topics raised"),
                pgettext("deliberation", "Sessions held"),
            ],
            axes=[{"name": pgettext("deliberation", "number")}],
        ),
        monthly.chart(
            "chart-deliberation-attendance",
            pgettext("deliberation", "Attendance by month (check-ins, last 12 months)"),
            months,
            [{"name": pgettext("deliberation", "check-ins"), "data": t["checkins"]}],
            [pgettext("deliberation", "Month"), pgettext("deliberation", "Check-ins")],
        ),
    ]
