"""Page query counts stay constant however much content there is (cold caches)."""

import datetime

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cms.models import CommunityPage, HomePage, NewsPage


def add_news(parent, n, start=0):
    for i in range(start, start + n):
        page = NewsPage(
            title=f"动态{i}",
            slug=f"news-{i}",
            date=datetime.date(2026, 1, 1) + datetime.timedelta(days=i),
            body="<p>x</p>",
        )
        parent.add_child(instance=page)


def cold_queries(client, url):
    cache.clear()
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx)


@pytest.mark.django_db
@pytest.mark.parametrize("signed_in", [False, True])
def test_home_and_community_pages_make_a_constant_number_of_queries(
    client, tree, resident, signed_in
):
    if signed_in:
        client.force_login(resident)
    home = HomePage.objects.get()
    community = CommunityPage.objects.get(area=tree["community"])
    add_news(home, 2)
    add_news(community, 2, start=10)
    client.get("/")  # first use creates the default site settings row, once
    few = (cold_queries(client, "/"), cold_queries(client, community.url))
    add_news(home, 12, start=20)
    add_news(community, 15, start=40)
    many = (cold_queries(client, "/"), cold_queries(client, community.url))
    assert few == many


@pytest.mark.django_db
def test_warm_signed_in_home_page_query_budget(client, resident, django_assert_max_num_queries):
    client.force_login(resident)
    client.get("/")
    # session, user, page route, view-restriction check and the fragments come from the
    # cache, and so do the person's own panels since issue #15 (kept under their versions:
    # tests/portal/test_home_cache.py); the one query is their memberships, read from the
    # database inside a transaction (every test runs in one), from the cache when served.
    with django_assert_max_num_queries(1):
        client.get("/")
