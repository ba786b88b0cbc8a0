"""Builders for moral-bank tests."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

from django.utils import timezone

from credits import services
from credits.models import Deed, EarningRule, Reward

_n = itertools.count(1)


def rule(community, deed=Deed.VOLUNTEER_HOUR, amount="10.00", **kwargs) -> EarningRule:
    return EarningRule.objects.create(
        community=community, deed=deed, amount=Decimal(amount), **kwargs
    )


def reward(community, cost="20.00", stock=5, kind=Reward.Kind.GOODS, **kwargs) -> Reward:
    return Reward.objects.create(
        community=community,
        kind=kind,
        name=kwargs.pop("name", f"奖品{next(_n)}"),
        cost=Decimal(cost),
        stock=stock,
        **kwargs,
    )


def fund(user, community, amount="100.00", key=None):
    """Give `user` coins through the public-welfare rule (created if missing)."""
    if not EarningRule.objects.filter(community=community, deed=Deed.PUBLIC_WELFARE).exists():
        rule(community, deed=Deed.PUBLIC_WELFARE, amount="1.00")
    return services.deed_award(
        user=user,
        community=community,
        deed=Deed.PUBLIC_WELFARE,
        quantity=Decimal(amount),
        idempotency_key=key or f"fund:{next(_n)}",
    )


def yesterday() -> dt.date:
    return timezone.localdate() - dt.timedelta(days=1)


def log(
    volunteer, community, *, date=None, start="09:00", end="11:00", activity="垃圾分类宣传", **kw
):
    return services.service_log_create(
        volunteer=volunteer,
        community=community,
        date=date or yesterday(),
        start=dt.time.fromisoformat(start),
        end=dt.time.fromisoformat(end),
        activity=activity,
        place=kw.pop("place", "湛山花园广场"),
        **kw,
    )
