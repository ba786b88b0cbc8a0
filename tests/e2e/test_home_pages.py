"""Journey at phone width (412 px): the home page of a visitor, a resident, a committee
member and a department, each main action within two clicks (#12)."""

import datetime

import pytest

from credits.models import ServiceLog
from deliberation.models import Registration
from portal.models import Membership, Role
from tests import factories
from tests.credits import factories as cf
from tests.deliberation import factories as df
from tests.e2e.conftest import sign_in
from tests.triage.factories import world
from triage import services as triage_services


@pytest.mark.django_db(transaction=True)
def test_home_page_for_each_role(page, shot, settings):
    settings.PORTAL_REQUIRE_STAFF_MFA = False
    tree = factories.city_tree()
    community, grid = tree["community"], tree["grid"]
    w = world(tree)
    committee = w["people"]["committee"]
    resident = factories.resident(grid, display_name="王秀英")
    cf.fund(resident, community, amount="35.00")
    df.topic(community, title="楼道堆物清理，消防通道要畅通", support_count=8)
    df.topic(community, title="小区增设智能快递柜", support_count=3)
    df.topic(community, title="加装电梯费用分摊", status="discussion", support_count=10)
    session = df.session(
        community,
        committee,
        title="有话大声说：停车难怎么办",
        starts_in=datetime.timedelta(days=2),
        place="新湛社区党群服务中心",
    )
    df.session(
        community,
        committee,
        title="院议说：3号楼楼顶防水",
        starts_in=datetime.timedelta(days=5),
        place="3号楼前小广场",
    )
    triage_services.request_submit(
        channel="web", text="小区门口马路上的井盖丢了，晚上很危险", area=grid, reporter=resident
    )
    noise = triage_services.request_submit(
        channel="web", text="楼上邻居装修噪音太大，想请社区调解一下", area=grid, reporter=resident
    )
    if noise.status == "triaged":  # the classifier left it to a person: the committee confirms
        triage_services.request_confirm(request=noise, actor=committee, request_class="community")
    Membership.objects.create(
        user=factories.UserFactory(display_name="李建国"),
        role=Role.RESIDENT,
        area=grid,
        status="pending",
    )
    volunteer = factories.resident(grid)
    cf.log(volunteer, community)
    assert ServiceLog.objects.filter(status="pending").count() == 1

    # a visitor: what the portal does, and how to join (sign up: one click)
    page.goto(page.base_url + "/")
    assert page.get_by_text("如何加入").is_visible()
    shot("home-1-visitor")
    page.get_by_test_id("visitor-signup").click()
    assert "/accounts/signup/" in page.url

    # a resident: 我要反映 and 提议题 one click away; registering is one click from home
    sign_in(page, resident)
    page.goto(page.base_url + "/")
    assert page.get_by_test_id("action-report").is_visible()
    assert page.get_by_test_id("action-raise").is_visible()
    assert page.get_by_test_id("home-coins").inner_text() == "35.00"
    assert page.get_by_text("8 / 10 人支持").is_visible()
    assert page.get_by_text("井盖丢了").count() == 1
    shot("home-2-resident")
    page.get_by_test_id("home-register").first.click()
    page.wait_for_load_state()
    assert Registration.objects.get(user=resident, session=session).status == "registered"
    page.goto(page.base_url + "/")
    page.get_by_test_id("action-raise").click()
    assert "/raise/" in page.url

    # a committee member: the queues with their counts, each one click away
    sign_in(page, committee)
    page.goto(page.base_url + "/")
    assert page.get_by_test_id("queue-residents").inner_text() == "1"
    assert page.get_by_test_id("queue-hours").inner_text() == "1"
    assert page.get_by_test_id("queue-topics").inner_text() == "1"
    assert page.get_by_test_id("queue-requests").inner_text() == "1"
    shot("home-3-committee")
    page.get_by_role("link", name="待确认的居民").click()
    assert page.get_by_text("李建国").count() >= 1

    # a department: its inbox with due times
    sign_in(page, w["people"]["chengguan"])
    page.goto(page.base_url + "/")
    assert page.get_by_test_id("inbox-open").inner_text() == "1"
    assert page.get_by_text("时限").count() == 1
    shot("home-4-department")
