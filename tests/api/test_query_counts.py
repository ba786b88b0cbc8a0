"""Every endpoint costs the same number of queries however many rows it lists: pinned
here on a small and a larger data set."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests import factories
from tests.api.conftest import SHANGHAI, make_request
from tests.credits import factories as cf
from tests.deliberation import factories as df

pytestmark = pytest.mark.django_db

# endpoint -> queries (the throttle and sessions use the cache, not the database)
PINNED = {
    "/api/v1/areas/": 3,  # count, page (parent code as a subquery), full names
    "/api/v1/communities/": 3,
    "/api/v1/topics/": 3,  # count, page (+community, format, outcome), tags
    "/api/v1/sessions/": 3,  # count, page, agenda topics
    "/api/v1/outcomes/": 3,  # count, page (+topic, community), follow-ups
    "/api/v1/request-statistics/": 3,  # count, page of aggregates, area names
    "/api/v1/moral-bank/": 2,  # count, page (every total a scalar subquery)
}


@pytest.fixture
def committee(tree):
    community = tree["community"]
    return factories.member("committee", community, factories.organisation(community))


def grow(tree, committee, n: int) -> None:
    """n more of everything the endpoints list."""
    community = tree["community"]
    for i in range(n):
        grid = factories.area(community, "grid")
        resident = factories.resident(grid)
        topic = df.topic(community, resident, title=f"议题{i}", tags=[f"标签{i}", "公共"])
        session = df.held_session(community, committee, topic, title=f"议事会{i}")
        from deliberation import services

        services.outcome_publish(
            user=committee,
            topic=topic,
            decision="通过",
            session=session,
            followups=[
                {"action": "落实", "responsible": "居委会", "due_date": datetime.date(2027, 1, 1)}
            ],
        )
        # (no new community: a sorted sibling insert would move the paths of the others)
        other = tree["other_community"]
        cf.fund(resident, community, "10.00")
        make_request(grid, at=datetime.datetime(2026, 1 + i % 12, 3, tzinfo=SHANGHAI))
        make_request(
            factories.area(other, "grid"), at=datetime.datetime(2026, 2, 3, tzinfo=SHANGHAI)
        )


def counts(client) -> dict[str, int]:
    client.get("/api/v1/")  # the site lookup (cms.middleware) is cached after one request
    out = {}
    for url in PINNED:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
        assert response.status_code == 200, (url, response.content[:300])
        out[url] = len(ctx.captured_queries)
    return out


def test_query_counts_do_not_grow_with_the_rows(client, tree, committee):
    grow(tree, committee, 1)
    small = counts(client)
    grow(tree, committee, 3)
    large = counts(client)
    assert small == large == PINNED


def test_detail_endpoints_cost_a_fixed_number(client, tree, committee):
    grow(tree, committee, 2)
    from deliberation.models import Outcome, Session, Topic

    t, s, o = Topic.objects.first(), Session.objects.first(), Outcome.objects.first()
    client.get("/api/v1/")  # the site lookup (cms.middleware) is cached after one request
    for url, n in [
        (f"/api/v1/topics/{t.pk}/", 2),
        (f"/api/v1/sessions/{s.pk}/", 2),
        (f"/api/v1/outcomes/{o.pk}/", 2),
        (f"/api/v1/communities/{tree['community'].code}/", 2),
        (f"/api/v1/moral-bank/{tree['community'].code}/", 1),
    ]:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        assert (url, len(ctx.captured_queries)) == (url, n), ctx.captured_queries
