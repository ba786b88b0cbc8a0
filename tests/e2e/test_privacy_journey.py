"""Journey: a resident whose residency is still pending reports a matter, sees where
the confirmation stands, chooses to appear anonymously, is confirmed by the committee
(who still sees the real name) and reads the notice; a visitor then sees 匿名居民 where
the resident's topic is."""

import pytest

from portal import services as portal_services
from tests import factories
from tests.deliberation.factories import topic as make_topic
from tests.e2e.conftest import sign_in
from tests.triage.factories import world


@pytest.mark.django_db(transaction=True)
def test_pending_resident_reports_goes_anonymous_and_hears_the_decision(page, shot):
    tree = factories.city_tree()
    world(tree)  # the 新湛社区两委 and the departments requests are routed among
    committee = factories.member("committee", tree["community"])
    zhao = factories.UserFactory(display_name="赵淑芬")
    portal_services.residency_declare(user=zhao, community=tree["community"], grid=tree["grid"])
    base = page.base_url

    # 1. pending: the dashboard says since when and who decides; 我要反映 works
    sign_in(page, zhao)
    page.goto(base + "/me/")
    status = page.get_by_test_id("residency-status").inner_text()
    assert "等待社区两委确认" in status and "新湛社区两委" in status
    shot("privacy-1-pending-dashboard")
    page.goto(base + "/triage/new/")
    assert "您的居住地仍在等待确认" in page.get_by_test_id("pending-residency").inner_text()
    page.fill("textarea[name=text]", "3号楼门口的路灯坏了一个星期，晚上老人出门看不清")
    with page.expect_navigation():
        page.locator("[data-testid=report-form] button[type=submit]").click()
    assert "/triage/" in page.url and "路灯坏了" in page.content()
    shot("privacy-2-reported")

    # 2. privacy settings: appear anonymously
    page.goto(base + "/me/preferences/")
    page.get_by_label("匿名：匿名居民").check()
    with page.expect_navigation():
        page.locator("[data-testid=privacy-form] button[type=submit]").click()
    assert "您的隐私设置已保存" in page.content()
    assert "匿名居民" in page.get_by_test_id("public-name-preview").inner_text()
    shot("privacy-3-settings")

    # 3. the committee sees the real name in its queue and confirms
    sign_in(page, committee)
    page.goto(base + "/me/committee/residents/")
    row = page.locator("tr", has_text="赵淑芬")
    with page.expect_navigation():
        row.locator("button[value=confirm]").click()
    assert zhao.memberships.get().status == "active"

    # 4. the resident reads the notice
    sign_in(page, zhao)
    page.goto(base + "/me/notifications/")
    assert "已确认" in page.get_by_test_id("notifications").inner_text()
    shot("privacy-4-notified")

    # 5. a visitor sees 匿名居民, never the name, on the resident's topic
    topic = make_topic(tree["community"], zhao, title="3号楼路灯维修")
    page.context.clear_cookies()
    page.goto(base + topic.get_absolute_url())
    text = page.locator("main").inner_text()
    assert "匿名居民" in text and "赵淑芬" not in text
