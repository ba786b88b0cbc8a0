"""The moral bank's dashboard: hours verified, coins earned and coins redeemed per month
(the last 12) in an area, for its committee (issue 14).

Two queries whatever the number of logs and entries: the verified hours grouped by the
month they were verified, and the ledger's entries grouped by month, transaction kind and
account kind.  Coins earned are what residents' and organisations' accounts received from
earnings, less corrections of earnings; coins redeemed are what flowed back into the
communities' issuance accounts for rewards, less corrections of redemptions.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from django.db.models import Sum
from django.utils.translation import gettext as _

from portal import monthly
from portal.models import Area
from portal.permissions import areas_for

from .models import Account, Entry, ServiceLog, Transaction, cents

ACTION = "credits.manage"
KINDS = (Area.Kind.DISTRICT, Area.Kind.STREET, Area.Kind.COMMUNITY)


def dashboard_roots(user) -> list[Area]:
    """The districts, streets and communities under the user's committee memberships
    (`credits.manage`), each with what lies under it (`portal.scoping.drill_down`)."""
    out, seen = [], set()
    for root in areas_for(user, ACTION):
        base = root.community if root.kind == Area.Kind.GRID else root
        if base is None:
            continue
        # A city (a site admin's root) is wider than a bank's dashboard: its districts.
        for area in [base] if base.kind in KINDS else base.get_children().filter(kind__in=KINDS):
            if area.pk not in seen:
                seen.add(area.pk)
                out.append(area)
    return out


def monthly_trends(area: Area, *, today: date | None = None) -> dict:
    months = monthly.month_starts(today)
    since = monthly.first_moment(months[0])
    hours = defaultdict(int)
    earned = defaultdict(int)
    redeemed = defaultdict(int)
    logs = (
        ServiceLog.objects.filter(
            community__path__startswith=area.path,
            status=ServiceLog.Status.APPROVED,
            decided_at__gte=since,
        )
        .annotate(month=monthly.month_of("decided_at"))
        .values("month")
        .annotate(s=Sum("hours"))
        .order_by()
    )
    for row in logs:
        hours[monthly.month_key(row["month"])] += row["s"] or 0
    kinds = Transaction.Kind
    entries = (
        Entry.objects.filter(account__community__path__startswith=area.path, created_at__gte=since)
        .annotate(month=monthly.month_of("created_at"))
        .values("month", "transaction__kind", "transaction__reverses__kind", "account__kind")
        .annotate(s=Sum("amount"))
        .order_by()
    )
    for row in entries:
        kind = row["transaction__kind"]
        if kind == kinds.REVERSAL:
            kind = row["transaction__reverses__kind"]
        issuer = row["account__kind"] == Account.Kind.ISSUANCE
        key = monthly.month_key(row["month"])
        if kind == kinds.EARN and not issuer:
            earned[key] += row["s"] or 0
        elif kind == kinds.REDEEM and issuer:
            redeemed[key] += row["s"] or 0
    return {
        "months": months,
        "hours": [cents(hours[m]) for m in months],
        "earned": [cents(earned[m]) for m in months],
        "redeemed": [cents(redeemed[m]) for m in months],
    }


def trend_charts(t: dict) -> list[dict]:
    months = t["months"]
    return [
        monthly.chart(
            "chart-credits-hours",
            _("Hours verified by month (last 12 months)"),
            months,
            [{"name": _("hours verified"), "data": t["hours"]}],
            [_("Month"), _("Hours verified")],
        ),
        monthly.chart(
            "chart-credits-coins",
            _("Coins earned and redeemed by month (last 12 months)"),
            months,
            [
                {"name": _("Coins earned"), "data": t["earned"]},
                {"name": _("Coins redeemed"), "data": t["redeemed"]},
            ],
            [_("Month"), _("Coins earned"), _("Coins redeemed")],
            axes=[{"name": _("coins")}],
        ),
    ]
