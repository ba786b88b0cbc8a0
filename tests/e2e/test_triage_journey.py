"""Journey: a resident reports a broken manhole cover, it is routed to the city
management bureau, the handler replies from its inbox, and the resident rates it."""

import pytest

from tests import factories
from tests.e2e.conftest import sign_in
from tests.triage.factories import world
from triage.models import Request


@pytest.mark.django_db(transaction=True)
def test_report_get_routed_get_a_reply_rate_it(page, shot):
    tree = factories.city_tree()
    w = world(tree)
    resident = factories.resident(tree["grid"])
    handler = w["people"]["chengguan"]

    # 1. the resident reports through the web form
    sign_in(page, resident)
    page.goto(page.base_url + "/triage/new/")
    page.fill("textarea[name=text]", "小区门口马路上的井盖丢了，晚上很危险，请尽快处理")
    page.select_option("select[name=service_type]", label="道路设施")
    shot("triage-1-form")
    page.get_by_test_id("report-form").locator("button[type=submit]").click()
    page.wait_for_load_state()

    # 2. it is routed to the department with a deadline
    req = Request.objects.get()
    assert page.get_by_test_id("handler").inner_text() == "市南区城市管理局"
    assert req.deadline is not None
    shot("triage-2-routed")

    # 3. the department finds it in its inbox and replies
    sign_in(page, handler)
    page.goto(page.base_url + f"/triage/inbox/{w['orgs']['chengguan'].pk}/")
    page.get_by_test_id("inbox").get_by_text(req.number).click()
    page.fill("form[data-testid=reply-form] textarea[name=reply]", "井盖已更换，感谢您的反映。")
    page.get_by_test_id("reply-form").locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert "井盖已更换" in page.get_by_test_id("reply").inner_text()

    # 4. the resident reads the reply and rates it
    sign_in(page, resident)
    page.goto(page.base_url + f"/triage/r/{req.pk}/")
    assert page.get_by_test_id("status").inner_text().strip() in ("已结案", "closed", "已办结")
    page.get_by_test_id("rate-form").locator("input[name=score][value='5']").check()
    page.get_by_test_id("rate-form").locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("rating").inner_text() == "5/5"
    shot("triage-3-rated")
    req.refresh_from_db()
    assert req.satisfaction == 5
