"""The staff lists of the moral bank on the shared list helper (#14): the hours waiting for
verification and the rewards waiting for pickup, with filters, sort and page in the URL."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import translation

from credits import services
from tests import factories as base

from .factories import fund, log, reward, rule

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_communities(tree, volunteer):
    """A committee member of both communities, and a volunteer in each of them."""
    community, other = tree["community"], tree["other_community"]
    staff = base.member("committee", community)
    base.portal_services.membership_grant(user=staff, role="committee", area=other)
    neighbour = base.resident(tree["other_grid"])
    base.portal_services.membership_grant(user=neighbour, role="volunteer", area=other)
    rule(community, amount="5")
    rule(other, amount="5")
    return staff, volunteer, neighbour


def _logs(volunteer, community, n, *, activity="垃圾分类宣传", days_ago=1):
    day = dt.date.today() - dt.timedelta(days=days_ago)
    return [
        log(
            volunteer,
            community,
            date=day,
            start=f"{8 + i % 10:02d}:00",
            end=f"{9 + i % 10:02d}:00",
            activity=activity,
        )
        for i in range(n)
    ]


def test_verify_queue_filters_sorts_and_pages(client, tree, two_communities):
    staff, volunteer, neighbour = two_communities
    here = _logs(volunteer, tree["community"], 3, activity="敬老院陪伴")
    there = _logs(neighbour, tree["other_community"], 2, activity="垃圾分类宣传", days_ago=5)
    client.force_login(staff)
    url = reverse("credits:verify")
    every = client.get(url).context["queue"]
    assert every == [*there, *here]  # oldest first
    assert client.get(url, {"sort": "new"}).context["queue"][0] == here[-1]
    only = client.get(url, {"area": str(tree["other_community"].pk)}).context["queue"]
    assert only == there
    assert client.get(url, {"q": "敬老院"}).context["queue"] == here
    day = (dt.date.today() - dt.timedelta(days=1)).isoformat()
    assert client.get(url, {"from": day, "to": day}).context["queue"] == here
    page = client.get(url, {"q": "敬老院", "sort": "new"})
    assert page.context["listing"].keep == "q sort"


def test_verify_queue_bad_filter_is_named_and_left_out(client, tree, two_communities):
    staff, volunteer, _neighbour = two_communities
    rows = _logs(volunteer, tree["community"], 2)
    client.force_login(staff)
    with translation.override("zh-hans"):
        page = client.get(
            reverse("credits:verify"),
            {"area": "999999", "from": "2026-13-40", "sort": "nope", "page": "x"},
            HTTP_ACCEPT_LANGUAGE="zh-hans",
        )
    assert page.status_code == 200
    assert page.context["queue"] == rows
    errors = page.context["listing"].errors
    assert len(errors) == 3
    html = page.content.decode()
    assert 'data-testid="list-errors"' in html
    assert "时长最多在前" in html and "Most hours first" not in html


def test_verify_queue_decides_only_what_was_ticked_and_keeps_the_filters(
    client, tree, two_communities
):
    staff, volunteer, neighbour = two_communities
    here = _logs(volunteer, tree["community"], 2)
    _logs(neighbour, tree["other_community"], 1)
    client.force_login(staff)
    url = reverse("credits:verify") + f"?area={tree['community'].pk}"
    resp = client.post(url, {"log": [here[0].pk], "action": "approve"})
    assert resp.status_code == 302 and resp.url == url
    here[0].refresh_from_db()
    assert here[0].status == "approved"


def test_verify_queue_queries_do_not_grow_with_rows(
    client, tree, two_communities, django_assert_num_queries
):
    staff, volunteer, neighbour = two_communities
    _logs(volunteer, tree["community"], 2)
    client.force_login(staff)
    url = reverse("credits:verify")
    params = {"area": str(tree["community"].pk), "q": "垃圾", "sort": "new"}
    client.get(url, params)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(url, params)
    _logs(volunteer, tree["community"], 8, days_ago=2)
    with django_assert_num_queries(len(few.captured_queries)):
        page = client.get(url, params)
    assert len(page.context["queue"]) == 10


def _reserve(user, community, n, name="环保购物袋"):
    fund(user, community, "500")
    item = reward(community, cost="1", stock=50, name=name)
    return [
        services.redemption_reserve(user=user, reward=item, idempotency_key=f"{name}{i}")
        for i in range(n)
    ]


def test_fulfil_list_filters_sorts_and_pages(client, tree, two_communities, resident):
    staff, _volunteer, neighbour = two_communities
    here = _reserve(resident, tree["community"], 2)
    there = _reserve(neighbour, tree["other_community"], 1, name="理发券")
    client.force_login(staff)
    url = reverse("credits:fulfil")
    assert len(client.get(url).context["open"]) == 3
    only = client.get(url, {"area": str(tree["other_community"].pk)}).context["open"]
    assert list(only) == there
    assert list(client.get(url, {"q": "购物袋"}).context["open"]) == sorted(
        here, key=lambda r: (r.expires_at, r.pk)
    )
    newest = client.get(url, {"sort": "new"}).context["open"]
    assert newest[0] == there[0]
    # The handover form still reads `community` and `code` from the URL.
    page = client.get(url, {"community": tree["community"].code, "code": here[0].code, "q": "x"})
    assert page.context["form"].initial["code"] == here[0].code
    assert list(page.context["open"]) == []


def test_fulfil_list_bad_values_and_query_count(
    client, tree, two_communities, resident, django_assert_num_queries
):
    staff, _volunteer, _neighbour = two_communities
    _reserve(resident, tree["community"], 1)
    client.force_login(staff)
    url = reverse("credits:fulfil")
    bad = client.get(url, {"area": "abc", "to": "2026-02-30", "sort": "x"})
    assert bad.status_code == 200 and len(bad.context["listing"].errors) == 3
    assert len(bad.context["open"]) == 1
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(url, {"sort": "new"})
    _reserve(resident, tree["community"], 6, name="理发券")
    with django_assert_num_queries(len(few.captured_queries)):
        page = client.get(url, {"sort": "new"})
    assert len(page.context["open"]) == 7
