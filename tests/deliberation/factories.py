"""Builders for deliberation tests (shared ones live in tests/factories.py)."""

from __future__ import annotations

import datetime

from django.utils import timezone

from deliberation import services
from deliberation.models import Poll, Session, Topic
from tests import factories


def topic(
    community,
    raised_by=None,
    *,
    title="加装电梯怎么分摊费用",
    body="老楼没有电梯，老人上下楼难。",
    format_code="roundtable",
    tags=(),
    **fields,
) -> Topic:
    if raised_by is None:
        raised_by = factories.resident(community.get_children().first())
    t = services.topic_create(
        community=community,
        title=title,
        body=body,
        raised_by=raised_by,
        format_code=format_code,
        tags=tags,
    )
    if fields:
        Topic.objects.filter(pk=t.pk).update(**fields)
        t.refresh_from_db()
    return t


def session(
    community, committee, *, capacity=10, starts_in=datetime.timedelta(hours=2), topics=(), **kw
) -> Session:
    now = timezone.now()
    starts = now + starts_in
    return services.session_create(
        user=committee,
        community=community,
        format_code=kw.pop("format_code", "speakup"),
        title=kw.pop("title", "有话大声说：停车难怎么办"),
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=2),
        capacity=capacity,
        place=kw.pop("place", "新湛社区党群服务中心二楼"),
        registration_opens=kw.pop("registration_opens", now - datetime.timedelta(days=1)),
        registration_closes=kw.pop("registration_closes", None),
        topics=topics,
        **kw,
    )


def held_session(community, committee, *topics, **kw) -> Session:
    """A session that has taken place with `topics` on its agenda: a decision needs one
    (or a closed poll)."""
    return session(
        community,
        committee,
        starts_in=-datetime.timedelta(hours=3),
        topics=topics,
        title=kw.pop("title", "圆桌话题：议事会"),
        **kw,
    )


def poll(
    community,
    committee,
    *,
    options=("同意", "不同意", "弃权"),
    kind="single",
    hide=False,
    open_now=True,
    **kw,
) -> Poll:
    now = timezone.now()
    opens = now - datetime.timedelta(hours=1) if open_now else now - datetime.timedelta(days=3)
    closes = now + datetime.timedelta(days=2) if open_now else now - datetime.timedelta(days=1)
    return services.poll_create(
        user=committee,
        community=community,
        question=kw.pop("question", "是否同意在3号楼加装电梯？"),
        options=list(options),
        opens_at=opens,
        closes_at=closes,
        kind=kind,
        hide_results_until_close=hide,
        **kw,
    )
