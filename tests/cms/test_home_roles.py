"""The home page for each role (issue #12): a visitor learns what the portal does and how
to join; a resident, a committee member, a grid worker and a department each find their
main actions and their work there, within two clicks, in a constant number of queries."""

from __future__ import annotations

import datetime

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from credits.models import ServiceLog
from deliberation.models import Registration
from portal.models import Membership, Role
from tests import factories
from tests.credits import factories as cf
from tests.deliberation import factories as df
from triage import services as triage_services

pytestmark = pytest.mark.django_db


def home(client) -> str:
    response = client.get("/")
    assert response.status_code == 200
    return response.content.decode()


def report(w, text, reporter=None, area=None, **kw):
    """A 小事 in the committee's inbox: confirmed by the committee if the classifier waits."""
    req = triage_services.request_submit(
        channel="web", text=text, area=area or w["tree"]["grid"], reporter=reporter, **kw
    )
    if req.status == "triaged":
        req = triage_services.request_confirm(
            request=req, actor=w["people"]["committee"], request_class="community"
        )
    return req


def test_visitor_sees_what_the_portal_does_and_how_to_join(client, tree):
    html = home(client)
    assert reverse("account_signup") in html
    assert 'href="#comm-h"' in html and 'id="comm-h"' in html  # find your community
    assert "道德币" in html and "如何加入" in html
    assert "新湛社区" in html  # the community list the visitor picks from
    assert 'data-testid="action-' not in html and "待你处理" not in html


def test_resident_sees_actions_sessions_topics_requests_and_coins(client, w, community):
    resident = factories.resident(w["tree"]["grid"], display_name="王秀英")
    committee = w["people"]["committee"]
    near = df.topic(community, title="楼道堆物清理", support_count=8)  # threshold 10
    far = df.topic(community, title="小区增设快递柜", support_count=1)
    session = df.session(community, committee, title="有话大声说：停车难怎么办")
    req = report(w, "小区门口马路上的井盖丢了，晚上很危险", reporter=resident)
    cf.fund(resident, community, amount="35.00")
    client.force_login(resident)
    html = home(client)

    assert reverse("deliberation:topic_raise", args=[community.code]) in html  # 提议题
    assert reverse("triage:new") in html  # 我要反映
    register = reverse("deliberation:session_register", args=[session.pk])
    assert f'<form method="post" action="{register}"' in html
    assert html.index(near.title) < html.index(far.title)  # closest to the threshold first
    assert "8 / 10" in html
    assert req.number in html and req.get_status_display() in html
    assert 'data-testid="home-coins">35.00<' in html

    # the register button is a real form: posting it registers, and the button goes
    client.post(register)
    assert Registration.objects.get(session=session, user=resident).status == "registered"
    html = home(client)
    assert f'action="{register}"' not in html and "已报名" in html


def test_pending_resident_sees_where_their_residency_stands(client, tree):
    user = factories.UserFactory()
    Membership.objects.create(user=user, role=Role.RESIDENT, area=tree["grid"], status="pending")
    client.force_login(user)
    html = home(client)
    assert 'data-testid="residency-pending"' in html and "第一网格" in html
    assert reverse("triage:new") in html  # the hotline takes anyone: so does 我要反映
    assert "topic_raise" not in html and "/raise/" not in html


def test_newcomer_is_asked_to_declare_their_community(client, tree):
    client.force_login(factories.UserFactory())
    html = home(client)
    assert reverse("portal:residency") in html
    assert reverse("triage:new") not in html


def test_committee_sees_its_queues_with_counts_and_links(client, w, community):
    committee = w["people"]["committee"]
    for _ in range(2):
        Membership.objects.create(
            user=factories.UserFactory(),
            role=Role.RESIDENT,
            area=w["tree"]["grid"],
            status="pending",
        )
    volunteer = factories.resident(w["tree"]["grid"])
    cf.log(volunteer, community)
    assert ServiceLog.objects.filter(status="pending").count() == 1
    df.topic(community, title="加装电梯", status="discussion", support_count=10)
    df.topic(community, title="还在征集支持", support_count=2)
    req = report(w, "楼上邻居装修噪音太大，想请社区调解一下", reporter=volunteer)
    assert req.organisation == w["orgs"]["committee"]

    client.force_login(committee)
    html = home(client)
    assert reverse("portal:residency") not in html  # staff are not asked where they live
    assert 'data-testid="queue-residents">2<' in html
    assert 'data-testid="queue-hours">1<' in html
    assert 'data-testid="queue-topics">1<' in html
    assert 'data-testid="queue-requests">1<' in html
    for url in (
        reverse("portal:residency_queue"),
        reverse("credits:verify"),
        reverse("deliberation_admin:home"),
        reverse("triage:inbox", args=[w["orgs"]["committee"].pk]),
    ):
        assert f'href="{url}"' in html


def test_overdue_requests_are_counted_apart(client, w):
    req = report(w, "楼上邻居装修噪音太大，想请社区调解一下")
    type(req).objects.filter(pk=req.pk).update(
        deadline=timezone.now() - datetime.timedelta(hours=1)
    )
    client.force_login(w["people"]["committee"])
    html = home(client)
    assert 'data-testid="queue-requests">1<' in html and "1 件逾期" in html


def test_department_and_grid_worker_see_their_inbox_with_due_times(client, w):
    req = report(w, "小区门口马路上的井盖丢了，晚上很危险")
    assert req.organisation == w["orgs"]["chengguan"]
    client.force_login(w["people"]["chengguan"])
    html = home(client)
    assert "市南区城市管理局" in html and req.number in html
    due = timezone.localtime(req.deadline).strftime("%m-%d %H:%M")
    assert due in html
    assert f'href="{reverse("triage:inbox", args=[w["orgs"]["chengguan"].pk])}"' in html

    client.force_login(w["people"]["shuiwu"])
    assert req.number not in home(client)  # another department's inbox stays closed


def test_anonymous_cached_home_never_shows_a_persons_panels(client, w, community, settings):
    settings.PAGE_CACHE_SECONDS = 60
    resident = factories.resident(w["tree"]["grid"], display_name="王秀英")
    cf.fund(resident, community, amount="35.00")
    client.force_login(resident)
    assert "王秀英" in home(client)  # signed in first: nothing of it may be stored
    client.logout()
    client.cookies.clear()
    anonymous = home(client)
    assert "王秀英" not in anonymous and "home-coins" not in anonymous
    assert "王秀英" not in home(client)  # second anonymous view: served from the cache
    client.force_login(resident)
    html = home(client)  # and a signed-in person never gets the cached anonymous page
    assert "王秀英" in html and 'data-testid="home-coins">35.00<' in html


def cold(client) -> int:
    cache.clear()
    with CaptureQueriesContext(connection) as ctx:
        home(client)
    return len(ctx)


def test_resident_home_queries_do_not_grow_with_content(client, w, community):
    resident = factories.resident(w["tree"]["grid"])
    committee = w["people"]["committee"]
    cf.fund(resident, community, amount="10.00")
    client.force_login(resident)
    home(client)

    def more(i):
        df.topic(community, title=f"议题{i}", support_count=i % 9)
        s = df.session(
            community, committee, title=f"议事会{i}", starts_in=datetime.timedelta(hours=3 + i)
        )
        Registration.objects.create(session=s, user=resident, status="registered")
        report(w, f"第{i}号楼门口的路灯坏了，晚上看不见路", reporter=resident)

    more(0)
    few = cold(client)
    for i in range(1, 7):
        more(i)
    assert cold(client) == few


def test_committee_home_queries_do_not_grow_with_content(client, w, community):
    committee = w["people"]["committee"]
    client.force_login(committee)
    home(client)

    def more(i):
        Membership.objects.create(
            user=factories.UserFactory(),
            role=Role.RESIDENT,
            area=w["tree"]["grid"],
            status="pending",
        )
        df.topic(community, title=f"议题{i}", status="discussion")
        report(w, f"楼上邻居装修噪音太大，想请社区调解{i}")

    more(0)
    few = cold(client)
    for i in range(1, 6):
        more(i)
    assert cold(client) == few


def test_grid_worker_sees_their_grids_share_of_the_committee_inbox(client, w):
    mine = report(w, "楼上邻居装修噪音太大，想请社区调解一下")
    other = report(w, "隔壁单元邻居养狗扰民，想请社区调解", area=w["tree"]["grid2"])
    assert mine.organisation == other.organisation == w["orgs"]["committee"]
    client.force_login(w["people"]["grid_worker"])
    html = home(client)
    assert mine.number in html and other.number not in html
    assert timezone.localtime(mine.deadline).strftime("%m-%d %H:%M") in html
    assert 'data-testid="inbox-open">1<' in html


def test_department_home_queries_do_not_grow_with_its_inbox(client, w):
    client.force_login(w["people"]["chengguan"])
    home(client)
    report(w, "小区门口马路上的井盖丢了，晚上很危险")
    few = cold(client)
    for i in range(6):
        report(w, f"{i}号路口的井盖丢了，晚上很危险")
    assert 'data-testid="inbox-open">7<' in home(client)
    assert cold(client) == few
