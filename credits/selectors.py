"""Reads shared by the pages, panels and CSV export (writes: `credits.services`)."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.utils import timezone

from portal import permissions
from portal.models import Area, User
from portal.scoping import area_q

from .models import (
    CENT,
    ZERO,
    Account,
    Entry,
    HoursCertificate,
    Redemption,
    Reward,
    ServiceLog,
    Transaction,
    cents,
    next_star_threshold,
    star_level,
)

PAGE_SIZE = 25


def home_community(user) -> Area | None:
    home = permissions.home_membership(user)
    if home is None or home.status != "active":
        return None
    return home.area.community


def accounts_of(user) -> list[Account]:
    return list(
        Account.objects.filter(kind=Account.Kind.RESIDENT, user=user)
        .select_related("community")
        .order_by("pk")
    )


def balance_summary(user) -> dict:
    accounts = accounts_of(user)
    balance = sum((a.balance for a in accounts), ZERO).quantize(CENT)
    reserved = sum((a.reserved for a in accounts), ZERO).quantize(CENT)
    return {
        "accounts": accounts,
        "balance": balance,
        "reserved": reserved,
        "available": balance - reserved,
    }


def statement_page(account: Account, *, before: int | None = None, size: int = PAGE_SIZE):
    """One page of the statement, newest first, by keyset (`before` an entry id)."""
    qs = Entry.objects.filter(account=account)
    if before is not None:
        qs = qs.filter(id__lt=before)
    rows = list(qs.select_related("transaction", "transaction__rule").order_by("-id")[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    return rows, (rows[-1].id if more else None)


def statement_rows(account: Account):
    """Every entry, oldest first, streamed (CSV export)."""
    return (
        Entry.objects.filter(account=account)
        .select_related("transaction")
        .order_by("id")
        .iterator(chunk_size=2000)
    )


def verified_hours(user) -> Decimal:
    return cents(
        ServiceLog.objects.filter(volunteer=user, status=ServiceLog.Status.APPROVED).aggregate(
            s=Sum("hours")
        )["s"]
    )


def hours_summary(user) -> dict:
    hours = verified_hours(user)
    return {
        "hours": hours,
        "stars": star_level(hours),
        "star_range": range(star_level(hours)),
        "next_threshold": next_star_threshold(hours),
    }


def hours_by_activity(user):
    return (
        ServiceLog.objects.filter(volunteer=user, status=ServiceLog.Status.APPROVED)
        .values("activity", "community__name")
        .annotate(hours=Sum("hours"), times=Count("id"))
        .order_by("-hours", "activity")
    )


def my_logs(user):
    return ServiceLog.objects.filter(volunteer=user).select_related("community", "decided_by")


def _within(user, action: str, path_field: str) -> Q:
    """Rows whose `path_field` lies in an area where `user` may take `action` (none: no rows)."""
    return area_q(permissions.areas_for(user, action), path_field)


def verification_queue(user):
    return (
        ServiceLog.objects.filter(
            _within(user, "credits.verify_hours", "community__path"),
            status=ServiceLog.Status.PENDING,
        )
        .exclude(volunteer=user)
        .select_related("volunteer", "community")
        .order_by("date", "start", "pk")
    )


def recently_verified(user, limit: int = 20):
    return (
        ServiceLog.objects.filter(
            _within(user, "credits.verify_hours", "community__path"),
            status=ServiceLog.Status.APPROVED,
        )
        .select_related("volunteer", "community")
        .order_by("-decided_at")[:limit]
    )


def fulfil_communities(user) -> list[Area]:
    """Communities where `user` may fulfil redemptions (committee scope)."""
    within = _within(user, "credits.fulfil", "path")
    return list(Area.objects.filter(within, kind=Area.Kind.COMMUNITY).order_by("path"))


def provider_communities(provider_ids):
    """Communities where any of these provider organisations offers a reward."""
    return Area.objects.filter(
        pk__in=Reward.objects.filter(provider_id__in=provider_ids).values("community_id")
    )


def open_redemptions(communities):
    return (
        Redemption.objects.filter(community__in=communities, status=Redemption.Status.RESERVED)
        .select_related("reward", "user", "community")
        .order_by("expires_at")
    )


def catalogue(community: Area, *, day=None):
    day = day or timezone.localdate()
    return (
        Reward.objects.filter(community=community, is_active=True)
        .filter(Q(active_from__isnull=True) | Q(active_from__lte=day))
        .filter(Q(active_to__isnull=True) | Q(active_to__gte=day))
        .select_related("provider", "image")
        .order_by("kind", "cost", "name")
    )


def my_redemptions(user):
    return Redemption.objects.filter(user=user).select_related("reward", "community")


def honours_of(user):
    return (
        Redemption.objects.filter(
            user=user, status=Redemption.Status.FULFILLED, reward__kind=Reward.Kind.HONOUR
        )
        .select_related("reward", "community")
        .order_by("-closed_at")
    )


def community_stats(community: Area) -> dict:
    issuer = Account.objects.filter(kind=Account.Kind.ISSUANCE, community=community).first()
    outstanding = -issuer.balance if issuer else ZERO
    redeemed = ZERO
    if issuer:
        redeemed = (
            Entry.objects.filter(account=issuer)
            .filter(transaction__kind=Transaction.Kind.REDEEM)
            .aggregate(s=Sum("amount"))["s"]
            or ZERO
        )
    hours = (
        ServiceLog.objects.filter(community=community, status=ServiceLog.Status.APPROVED).aggregate(
            s=Sum("hours")
        )["s"]
        or ZERO
    )
    return {
        "issued": cents(outstanding + redeemed),
        "redeemed": cents(redeemed),
        "outstanding": cents(outstanding),
        "hours": cents(hours),
    }


def leaderboard(community: Area, limit: int = 10) -> list[dict]:
    """Volunteers by verified hours; anyone who opted out is left out entirely."""
    rows = (
        ServiceLog.objects.filter(community=community, status=ServiceLog.Status.APPROVED)
        .exclude(volunteer__leaderboard_opt_out=True)
        .values("volunteer")
        .annotate(hours=Sum("hours"))
        .order_by("-hours", "volunteer")[:limit]
    )
    users = User.objects.in_bulk([r["volunteer"] for r in rows])
    return [
        {
            "name": users[r["volunteer"]].public_name,
            "hours": cents(r["hours"]),
            "stars": range(star_level(r["hours"])),
        }
        for r in rows
    ]


def certificate_check(serial: str):
    """(certificate, verified hours still standing) for the public check page, or None."""
    serial = "".join((serial or "").split()).upper()
    cert = (
        HoursCertificate.objects.select_related("volunteer", "community")
        .filter(serial=serial)
        .first()
    )
    if cert is None:
        return None
    standing = cents(
        cert.logs.filter(status=ServiceLog.Status.APPROVED).aggregate(s=Sum("hours"))["s"]
    )
    cert.standing_hours = standing
    cert.is_valid = standing == cert.hours
    return cert
