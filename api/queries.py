"""The aggregate reads behind the API, each one query in the database (no Python loops
over rows): monthly request statistics per area and moral-bank totals per community.

The request figures are the staff dashboard's own measures
(`triage.selectors.report_measures`), grouped per area and month.
"""

from __future__ import annotations

import calendar
from decimal import Decimal

from django.db.models import (
    Count,
    DecimalField,
    F,
    IntegerField,
    OuterRef,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, Length, Substr, TruncMonth

from credits.models import Account, Entry, ServiceLog, Transaction
from portal.models import Area
from triage.models import Request, RequestClass
from triage.selectors import report_measures

DEPTH = {
    Area.Kind.CITY: 1,
    Area.Kind.DISTRICT: 2,
    Area.Kind.STREET: 3,
    Area.Kind.COMMUNITY: 4,
    Area.Kind.GRID: 5,
}
CLASSES = [*RequestClass.values, ""]
CHANNELS = list(Request.Channel.values)


def request_statistics(*, level: str, within: Area | None, month_from=None, month_to=None):
    """Rows of (area_path, month, counts…) for every area of kind `level` and month with
    requests, oldest month first.  A values() queryset: paginated as it stands."""
    prefix = DEPTH[level] * Area.steplen
    qs = Request.objects.annotate(plen=Length("area_path")).filter(plen__gte=prefix)
    if within is not None:
        qs = qs.filter(area_path__startswith=within.path)
    if month_from is not None:
        qs = qs.filter(created_at__date__gte=month_from)
    if month_to is not None:
        # month_to is the first day of the last month: keep it up to its last day (no
        # "first of the next month", which 9999-12 does not have).
        last = month_to.replace(day=calendar.monthrange(month_to.year, month_to.month)[1])
        qs = qs.filter(created_at__date__lte=last)
    return (
        qs.annotate(area_key=Substr("area_path", 1, prefix), month=TruncMonth("created_at"))
        .values("area_key", "month")
        .annotate(**report_measures())
        .order_by("month", "area_key")
    )


def pct(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def statistics_row(row: dict, area: Area | None) -> dict:
    """One aggregate row as the API publishes it."""
    avg = row["avg_satisfaction"]
    return {
        "area": area.code if area else None,
        "area_name": area.name if area else None,
        "month": row["month"].strftime("%Y-%m"),
        "received": row["total"],
        "by_class": {(v or "pending"): row[f"class_{v or 'pending'}"] for v in CLASSES},
        "by_channel": {v: row[f"channel_{v}"] for v in CHANNELS},
        "closed": row["closed"],
        "closure_rate": pct(row["closed"], row["total"]),
        "closed_with_deadline": row["with_deadline"],
        "closed_on_time": row["on_time"],
        "on_time_rate": pct(row["on_time"], row["with_deadline"]),
        "rated": row["rated"],
        "satisfaction_average": round(float(avg), 2) if avg is not None else None,
        "satisfaction_rate": pct(row["satisfied"], row["rated"]),
        "mediations": row["mediated"],
        "mediations_succeeded": row["mediated_ok"],
        "mediation_success_rate": pct(row["mediated_ok"], row["mediated"]),
    }


def areas_by_path(paths) -> dict[str, Area]:
    return {a.path: a for a in Area.objects.filter(path__in=set(paths))}


ZERO = Value(Decimal("0.00"), output_field=DecimalField(max_digits=14, decimal_places=2))


def _sum_per_community(qs, field: str, community_field: str = "community"):
    return Coalesce(
        Subquery(
            qs.filter(**{community_field: OuterRef("pk")})
            .order_by()
            .values(community_field)
            .annotate(s=Sum(field))
            .values("s")[:1],
            output_field=DecimalField(max_digits=14, decimal_places=2),
        ),
        ZERO,
    )


def _count_per_community(qs, expr="pk", distinct=False):
    return Coalesce(
        Subquery(
            qs.filter(community=OuterRef("pk"))
            .order_by()
            .values("community")
            .annotate(n=Count(expr, distinct=distinct))
            .values("n")[:1],
            output_field=IntegerField(),
        ),
        0,
    )


def moral_bank_totals():
    """Communities with their moral-bank totals, in one query (scalar subqueries).

    outstanding = what the community's issuance account has paid out net (its balance,
    negated); redeemed = coins that came back to it through redemptions; issued = both.
    """
    issuer = Account.objects.filter(kind=Account.Kind.ISSUANCE)
    approved = ServiceLog.objects.filter(status=ServiceLog.Status.APPROVED)
    return (
        Area.objects.filter(kind=Area.Kind.COMMUNITY)
        .annotate(
            issuer_balance=_sum_per_community(issuer, "balance"),
            redeemed=_sum_per_community(
                Entry.objects.filter(
                    account__kind=Account.Kind.ISSUANCE,
                    transaction__kind=Transaction.Kind.REDEEM,
                ),
                "amount",
                "account__community",
            ),
            circulating=_sum_per_community(
                Account.objects.filter(kind=Account.Kind.RESIDENT), "balance"
            ),
            resident_accounts=_count_per_community(
                Account.objects.filter(kind=Account.Kind.RESIDENT)
            ),
            verified_hours=_sum_per_community(approved, "hours"),
            volunteers=_count_per_community(approved, "volunteer", distinct=True),
        )
        .annotate(held_by_residents=F("circulating"), outstanding=ZERO - F("issuer_balance"))
        .annotate(issued=F("outstanding") + F("redeemed"))
        .order_by("path")
    )
