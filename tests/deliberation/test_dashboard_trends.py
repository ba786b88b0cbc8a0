"""A community's deliberation dashboard (issue 14): topics raised, sessions held and
check-ins per month for its committee: the figures against known data, other communities
and future sessions left out, the page refused to everyone else, its query count pinned."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from deliberation import selectors_dashboard as sd
from deliberation.models import Registration, Session, Topic
from portal import monthly
from tests import factories
from tests.deliberation import factories as df

pytestmark = pytest.mark.django_db


def _mid(month_index: int) -> dt.datetime:
    """Noon on the 10th of one of the last 12 months (-1: this month), or, this month,
    a moment already past (never before the month began)."""
    first = monthly.month_starts()[month_index]
    at = min(
        timezone.make_aware(dt.datetime(first.year, first.month, 10, 12, 0)),
        timezone.now() - dt.timedelta(seconds=1),
    )
    return max(at, monthly.first_moment(first))


def _held(community, committee, when: dt.datetime, people=(), checked_in=0) -> Session:
    s = df.session(community, committee, starts_in=dt.timedelta(days=3))
    Session.objects.filter(pk=s.pk).update(starts_at=when, ends_at=when + dt.timedelta(hours=2))
    for i, user in enumerate(people):
        Registration.objects.create(
            session=s,
            user=user,
            status=Registration.Status.REGISTERED,
            checked_in_at=when if i < checked_in else None,
        )
    return s


@pytest.fixture
def history(tree, committee_member, neighbours):
    community, other = tree["community"], tree["other_community"]
    four_ago, this = _mid(-5), _mid(-1)
    old = [df.topic(community, title=f"旧话题{i}") for i in range(2)]
    Topic.objects.filter(pk__in=[t.pk for t in old]).update(created_at=four_ago)
    for i in range(3):
        t = df.topic(community, title=f"新话题{i}")
        Topic.objects.filter(pk=t.pk).update(created_at=this)
    long_ago = df.topic(community, title="两年前的话题")
    Topic.objects.filter(pk=long_ago.pk).update(created_at=timezone.now() - dt.timedelta(days=800))
    # Held: one four months ago (3 registered, 2 checked in), one this month (3 of 3).
    _held(community, committee_member, four_ago, neighbours, checked_in=2)
    _held(community, committee_member, this, neighbours, checked_in=3)
    # Still to come: not held, its registrations not attendance.
    df.session(community, committee_member, starts_in=dt.timedelta(days=40))
    # Another community's topic and session.
    other_committee = factories.member("committee", other)
    df.topic(other, raised_by=factories.resident(tree["other_grid"]))
    _held(other, other_committee, this, [factories.resident(tree["other_grid"])], checked_in=1)
    return tree


def test_the_months_hold_topics_sessions_and_check_ins(history):
    t = sd.monthly_trends(history["community"])
    assert len(t["months"]) == 12
    assert t["topics"][-5] == 2 and t["topics"][-1] == 3 and sum(t["topics"]) == 5
    assert t["sessions"][-5] == 1 and t["sessions"][-1] == 1 and sum(t["sessions"]) == 2
    assert t["checkins"][-5] == 2 and t["checkins"][-1] == 3 and sum(t["checkins"]) == 5
    other = sd.monthly_trends(history["other_community"])
    assert sum(other["topics"]) == 1 and sum(other["sessions"]) == 1
    assert sum(other["checkins"]) == 1


def test_each_chart_has_its_table(history):
    charts = sd.trend_charts(sd.monthly_trends(history["community"]))
    assert [c["id"] for c in charts] == [
        "chart-deliberation-topics",
        "chart-deliberation-attendance",
    ]
    assert charts[0]["rows"][-1][1:] == [3, 1]
    assert charts[1]["rows"][-5][1:] == [2]
    assert all(len(c["rows"]) == 12 for c in charts)


def test_the_committee_sees_the_dashboard(client, history, committee_member):
    client.force_login(committee_member)
    resp = client.get(reverse("deliberation:dashboard", args=[history["community"].code]))
    assert resp.status_code == 200
    html = resp.content.decode()
    assert html.count('data-testid="chart"') == 2
    data = json.loads(re.search(r'id="chart-deliberation-attendance"[^>]*>(.*?)</script>', html)[1])
    assert data["series"][0]["data"][-1] == 3


def test_a_district_committee_sees_each_community(client, history):
    client.force_login(factories.member("committee", history["district"]))
    url = reverse("deliberation:dashboard", args=[history["other_community"].code])
    assert client.get(url).status_code == 200


def test_everyone_else_is_refused(client, history, committee_member, outsider, neighbours):
    url = reverse("deliberation:dashboard", args=[history["community"].code])
    assert client.get(url).status_code == 302  # anonymous: sign in
    other_committee = factories.member("committee", history["other_community"])
    grid_worker = factories.member("grid_worker", history["grid"])
    for user in (neighbours[0], outsider, other_committee, grid_worker):
        client.force_login(user)
        assert client.get(url).status_code == 403, user
    client.force_login(committee_member)
    assert client.get(reverse("deliberation:dashboard", args=["no-such"])).status_code == 404
    street = history["street"].code
    assert client.get(reverse("deliberation:dashboard", args=[street])).status_code == 404


def test_the_query_count_does_not_grow(
    client, history, committee_member, neighbours, django_assert_num_queries
):
    client.force_login(committee_member)
    url = reverse("deliberation:dashboard", args=[history["community"].code])
    client.get(url)
    with django_assert_num_queries(QUERIES):
        client.get(url)
    for i in range(3):
        df.topic(history["community"], title=f"再来一个{i}")
        _held(history["community"], committee_member, _mid(-2 - i), neighbours, checked_in=1)
    with django_assert_num_queries(QUERIES):
        assert client.get(url).status_code == 200


QUERIES = 5  # constant: three of them are the three measures, grouped by month (the user
# is read from the cache: portal.middleware.cached_user)


def test_the_page_reads_in_chinese(client, history, committee_member):
    client.force_login(committee_member)
    url = reverse("deliberation:dashboard", args=[history["community"].code])
    html = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "议事统计看板" in html and "签到人次" in html and "提出的议题" in html
    for english in ("Deliberation dashboard", "Topics raised", "check-ins", "Month"):
        assert english not in html


def test_the_community_page_links_the_dashboard_for_the_committee_only(
    client, tree, committee_member, neighbours
):
    code = tree["community"].code
    url, link = (
        reverse("deliberation:community", args=[code]),
        reverse("deliberation:dashboard", args=[code]),
    )
    client.force_login(committee_member)
    assert link in client.get(url).content.decode()
    client.force_login(neighbours[0])
    assert link not in client.get(url).content.decode()
