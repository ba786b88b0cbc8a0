"""The committee's lists on the shared list helper (#14): the agenda queue, the moderation
queue and a session's registrations, with filters, sort and page in the URL."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from deliberation import services
from deliberation.models import Topic
from tests import factories
from tests.deliberation.factories import session as make_session
from tests.deliberation.factories import topic as make_topic

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(tree):
    """A committee member of both communities."""
    user = factories.member("committee", tree["community"])
    factories.portal_services.membership_grant(
        user=user, role="committee", area=tree["other_community"]
    )
    return user


def _queued(community, staff, title, *, support=0, days_ago=0):
    t = make_topic(community, title=title)
    services.topic_status_set(user=staff, topic=t, status="discussion")
    when = timezone.now() - datetime.timedelta(days=days_ago)
    Topic.objects.filter(pk=t.pk).update(support_count=support, queued_at=when)
    return Topic.objects.get(pk=t.pk)


def _hidden(topic, text, reports=1):
    community = topic.community
    author, *reporters = [
        factories.resident(community.get_children().first()) for _ in range(reports + 1)
    ]
    c = services.contribution_add(user=author, topic=topic, text=text, stance="oppose")
    for r in reporters:
        services.contribution_report(user=r, contribution=c)
    c.refresh_from_db()
    return c


def _same_queries(client, url, params, grow, django_assert_num_queries):
    client.get(url, params)
    with CaptureQueriesContext(connection) as few:
        client.get(url, params)
    grow()
    with django_assert_num_queries(len(few.captured_queries)):
        return client.get(url, params)


def test_agenda_queue_filters_sorts_and_pages(client, tree, staff):
    old = _queued(tree["community"], staff, "加装电梯", support=3, days_ago=5)
    new = _queued(tree["community"], staff, "停车难", support=9, days_ago=1)
    there = _queued(tree["other_community"], staff, "垃圾分类", support=1, days_ago=3)
    client.force_login(staff)
    url = reverse("deliberation_admin:home")
    assert client.get(url).context["queue"] == [old, there, new]
    assert client.get(url, {"sort": "support"}).context["queue"] == [new, old, there]
    assert client.get(url, {"sort": "new"}).context["queue"] == [new, there, old]
    only = client.get(url, {"community": str(tree["other_community"].pk)})
    assert only.context["queue"] == [there]
    assert client.get(url, {"q": "电梯"}).context["queue"] == [old]
    day = (timezone.localdate() - datetime.timedelta(days=1)).isoformat()
    assert client.get(url, {"from": day}).context["queue"] == [new]
    page = client.get(url, {"q": "电梯", "sort": "new"})
    assert page.context["listing"].keep == "q sort"


def test_agenda_queue_bad_values_are_named_and_left_out(client, tree, staff):
    t = _queued(tree["community"], staff, "加装电梯")
    client.force_login(staff)
    page = client.get(
        reverse("deliberation_admin:home"),
        {"community": "999999", "to": "2026-02-30", "sort": "x", "page": "-1"},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert page.status_code == 200 and page.context["queue"] == [t]
    assert len(page.context["listing"].errors) == 3
    html = page.content.decode()
    assert 'data-testid="list-errors"' in html
    assert "支持者最多在前" in html and "Most supporters first" not in html


def test_a_community_not_managed_is_not_a_choice(client, tree, committee_member):
    client.force_login(committee_member)
    page = client.get(
        reverse("deliberation_admin:home"), {"community": str(tree["other_community"].pk)}
    )
    assert page.status_code == 200 and page.context["listing"].errors


def test_agenda_queue_queries_do_not_grow_with_rows(client, tree, staff, django_assert_num_queries):
    _queued(tree["community"], staff, "加装电梯")
    make_session(tree["community"], staff)
    client.force_login(staff)

    def grow():
        for i in range(6):
            _queued(tree["community"], staff, f"议题{i}")

    page = _same_queries(
        client,
        reverse("deliberation_admin:home"),
        {"sort": "support", "community": str(tree["community"].pk)},
        grow,
        django_assert_num_queries,
    )
    assert len(page.context["queue"]) == 7


def test_moderation_queue_page(client, tree, staff, resident, settings):
    settings.DELIBERATION_REPORTS_TO_HIDE = 1
    here = _queued(tree["community"], staff, "加装电梯")
    there = _queued(tree["other_community"], staff, "垃圾分类")
    a = _hidden(here, "不当言论甲", reports=1)
    b = _hidden(there, "不当言论乙", reports=2)
    url = reverse("deliberation_admin:moderation")
    client.force_login(resident)
    assert client.get(url).status_code in (302, 403)
    client.force_login(staff)
    assert list(client.get(url).context["moderation"]) == [a, b]
    assert list(client.get(url, {"sort": "reports"}).context["moderation"]) == [b, a]
    only = client.get(url, {"community": str(tree["other_community"].pk)})
    assert list(only.context["moderation"]) == [b]
    assert list(client.get(url, {"q": "甲"}).context["moderation"]) == [a]
    assert list(client.get(url, {"q": "电梯"}).context["moderation"]) == [a]
    bad = client.get(url, {"from": "x", "sort": "nope"})
    assert bad.status_code == 200 and len(bad.context["listing"].errors) == 2
    # The home page shows the first ones and links here.
    home = client.get(reverse("deliberation_admin:home")).content.decode()
    assert "不当言论甲" in home and url in home


def test_moderation_queue_queries_do_not_grow_with_rows(
    client, tree, staff, settings, django_assert_num_queries
):
    settings.DELIBERATION_REPORTS_TO_HIDE = 1
    t = _queued(tree["community"], staff, "加装电梯")
    _hidden(t, "不当言论")
    client.force_login(staff)

    def grow():
        for i in range(5):
            _hidden(t, f"不当言论{i}")

    page = _same_queries(
        client,
        reverse("deliberation_admin:moderation"),
        {"sort": "new", "q": "不当"},
        grow,
        django_assert_num_queries,
    )
    assert len(page.context["moderation"]) == 6


def test_checkin_registrations_filter_and_sort(
    client, community, committee_member, django_assert_num_queries
):
    s = make_session(community, committee_member, capacity=10)
    residents = [factories.resident(community.get_children().first()) for _ in range(3)]
    regs = [services.registration_create(user=u, session=s) for u in residents]
    services.checkin(by=committee_member, session=s, code=regs[1].code)
    client.force_login(committee_member)
    url = reverse("deliberation_admin:checkin", args=[s.pk])
    rows = client.get(url, {"sort": "checked"}).context["registrations"]
    assert rows[0][1] == regs[1]
    registered = client.get(url, {"status": regs[1].status}).context["registrations"]
    assert {r.pk for _name, r in registered} >= {regs[1].pk}
    bad = client.get(url, {"status": "nope", "code": "ABC"})
    assert bad.status_code == 200 and bad.context["listing"].errors
    assert len(bad.context["registrations"]) == 3 and bad.context["code"] == "ABC"

    def grow():
        for _ in range(4):
            u = factories.resident(community.get_children().first())
            services.registration_create(user=u, session=s)

    page = _same_queries(client, url, {"sort": "queue"}, grow, django_assert_num_queries)
    assert len(page.context["registrations"]) == 7
