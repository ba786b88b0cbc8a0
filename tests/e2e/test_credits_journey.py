"""Journeys of the moral bank: a resident redeems a reward and shows the pickup code that a
committee member enters at the counter; a committee member verifies a volunteer's hours."""

import re
from decimal import Decimal

import pytest

from credits.models import Account, Redemption, ServiceLog
from tests import factories
from tests.credits.factories import fund, reward, rule, yesterday
from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_resident_redeems_and_committee_hands_over(page, shot):
    tree = factories.city_tree()
    community = tree["community"]
    resident = factories.resident(tree["grid"])
    committee = factories.member("committee", community)
    fund(resident, community, "100.00")
    reward(community, cost="30.00", stock=3, name="东北大米（5kg）")

    sign_in(page, resident)
    page.goto(page.base_url + "/credits/rewards/")
    assert "100.00" in page.get_by_test_id("available").inner_text()
    card = page.locator("section.card").filter(has_text="东北大米（5kg）")
    card.get_by_role("button", name="兑换").click()
    page.wait_for_load_state()
    code = page.get_by_test_id("pickup-code").inner_text().strip()
    assert re.fullmatch(r"\d{6}", code)
    assert page.locator("svg").count() >= 1  # the QR code, inline
    shot("credits-1-pickup-code")

    sign_in(page, committee)
    page.goto(page.base_url + "/credits/fulfil/")
    page.locator("#id_code").fill(code)
    page.get_by_role("button", name="确认核销").click()
    page.wait_for_load_state()
    assert "已核销" in page.locator(".messages").inner_text()
    shot("credits-2-handed-over")
    r = Redemption.objects.get()
    assert r.status == "fulfilled"
    acc = Account.objects.get(user=resident)
    assert (acc.balance, acc.reserved) == (Decimal("70.00"), Decimal("0.00"))


def test_volunteer_logs_hours_and_committee_verifies(page, shot):
    tree = factories.city_tree()
    community = tree["community"]
    rule(community, amount="10.00")
    volunteer = factories.resident(tree["grid"], display_name="陈阿姨")
    committee = factories.member("committee", community)

    sign_in(page, volunteer)
    page.goto(page.base_url + "/credits/hours/")
    page.locator("#id_date").fill(yesterday().isoformat())
    page.locator("#id_start").fill("09:00")
    page.locator("#id_end").fill("11:30")
    page.locator("#id_activity").fill("独居老人探访")
    page.locator("#id_place").fill("湛山花园")
    page.get_by_role("button", name="提交审核").click()
    page.wait_for_load_state()
    assert "等待社区审核" in page.locator(".messages").inner_text()
    assert ServiceLog.objects.get().status == "pending"

    sign_in(page, committee)
    page.goto(page.base_url + "/credits/verify/")
    shot("credits-3-verify-queue")
    page.get_by_label(re.compile("陈阿姨")).check()
    page.get_by_role("button", name="通过所选").click()
    page.wait_for_load_state()
    assert "已处理 1 条记录" in page.locator(".messages").inner_text()
    assert ServiceLog.objects.get().status == "approved"
    assert Account.objects.get(user=volunteer).balance == Decimal("25.00")

    sign_in(page, volunteer)
    page.goto(page.base_url + "/credits/hours/")
    assert page.get_by_test_id("verified-hours").inner_text().strip() == "2.50"
    shot("credits-4-my-hours")
