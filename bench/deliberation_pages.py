"""Deliberation pages for bench/pages.py: a busy community and a topic with 1,000 contributions.

`prepare()` makes the data (idempotently) in the current database and returns
`(name, path)` pairs to measure.  Run alone, it measures them itself:

    DJANGO_SETTINGS_MODULE=portal.settings.dev .venv/bin/python bench/deliberation_pages.py
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

BENCH_TOPICS = 300
BENCH_CONTRIBUTIONS = 1000
BIG_TITLE = "基准：加装电梯千人讨论"


def _community():
    from bench.benchlib import community_chain
    from portal.models import Area

    return Area.objects.filter(code="xinzhan").first() or community_chain()


def _users(community, n=20):
    from portal.models import Area, Membership, Role, User

    grid = (
        Area.objects.filter(path__startswith=community.path, kind="grid").order_by("path").first()
    )
    users = []
    for i in range(n):
        user, created = User.objects.get_or_create(
            username=f"bench-delib-{i}",
            defaults={"display_name": f"基准居民{i}", "email": f"bench-delib-{i}@example.cn"},
        )
        if created:
            Membership.objects.create(user=user, role=Role.RESIDENT, area=grid, status="active")
        users.append(user)
    return users


def prepare() -> list[tuple[str, str]]:
    """Bulk data straight into the tables: services would email every resident 1,300 times."""
    from django.db import transaction

    from deliberation.models import Contribution, Format, Topic

    with transaction.atomic():
        community = _community()
        users = _users(community)
        formats = list(Format.objects.filter(community__isnull=True))
        have = Topic.objects.filter(community=community, title__startswith="基准话题").count()
        new = Topic.objects.bulk_create(
            [
                Topic(
                    community=community,
                    format=formats[i % len(formats)],
                    title=f"基准话题{i}：停车难与垃圾分类",
                    body="小区停车位不足，垃圾分类投放点太远，希望大家一起商量解决。" * 3,
                    raised_by=users[i % len(users)],
                    support_count=i % 17,
                    contribution_count=i % 9,
                )
                for i in range(have, BENCH_TOPICS)
            ]
        )
        if new:  # bulk_create skips the search index signals: index them in one go
            from wagtail.search.backends import get_search_backend

            get_search_backend().add_bulk(
                Topic, list(Topic.objects.filter(pk__in=[t.pk for t in new]))
            )
        big = Topic.objects.filter(community=community, title=BIG_TITLE).first()
        if big is None:
            big = Topic.objects.create(
                community=community,
                format=formats[0],
                title=BIG_TITLE,
                body="3号楼加装电梯，费用如何分摊，请大家发表意见。",
                raised_by=users[0],
            )
        have = Contribution.objects.filter(topic=big).count()
        stances = ["support", "oppose", "suggestion"]
        Contribution.objects.bulk_create(
            [
                Contribution(
                    topic=big,
                    author=users[i % len(users)],
                    stance=stances[i % 3],
                    text=f"第{i}条意见：建议按楼层系数分摊费用，同时申请加梯补贴。",
                )
                for i in range(have, BENCH_CONTRIBUTIONS)
            ]
        )
        Topic.objects.filter(pk=big.pk).update(contribution_count=BENCH_CONTRIBUTIONS)
    return [
        ("deliberation_index", "/deliberation/"),
        ("deliberation_community", f"/deliberation/c/{community.code}/"),
        ("deliberation_community_search", f"/deliberation/c/{community.code}/?q=停车"),
        ("topic_1000", f"/deliberation/t/{big.pk}/"),
    ]


def _measure(pairs, runs=20):
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    for name, path in pairs:
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            with CaptureQueriesContext(connection) as q:
                client.get(path)
            times.append((time.perf_counter() - start) * 1000)
        p95 = sorted(times)[int(0.95 * (len(times) - 1))]
        median, queries = statistics.median(times), len(q.captured_queries)
        print(f"{name:32s} median {median:7.1f} ms  p95 {p95:7.1f} ms  queries {queries}")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.dev")
    import django

    django.setup()
    from django.conf import settings

    settings.ALLOWED_HOSTS = ["*"]
    _measure(prepare())
