"""A newcomer's first visit, in a real browser: sign up, verify the email, declare a
community, switch to 繁體中文 and to elder mode, and see the dashboard."""

import re

import pytest
from django.core import mail

from tests import factories


@pytest.mark.django_db(transaction=True)
def test_newcomer_signs_up_verifies_declares_and_switches_views(page, shot):
    tree = factories.city_tree()
    base = page.base_url
    page.goto(base + "/accounts/signup/")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    page.fill("input[name=email]", "xiaochen@example.cn")
    page.fill("input[name=username]", "13955556666")
    page.fill("input[name=password1]", "Qingdao-2026-strong")
    page.fill("input[name=password2]", "Qingdao-2026-strong")
    shot("portal-01-signup")
    with page.expect_navigation():
        page.click("main button[type=submit]")
    assert "验证" in page.content()  # "verify your email" page, in Chinese

    link = re.search(r"https?://[^/\s]+(/accounts/confirm-email/\S+/)", mail.outbox[-1].body).group(
        1
    )
    page.goto(base + link)
    page.click("main button[type=submit]")
    page.wait_for_load_state()

    page.goto(base + "/me/residency/")
    page.select_option("select[name=community]", label="市南区八大湖街道新湛社区")
    page.select_option("select[name=grid]", str(tree["other_grid"].pk))
    page.click("main button[type=submit]")
    assert "您选择的网格不属于该社区" in page.content()  # a grid of another community
    page.select_option("select[name=grid]", str(tree["grid"].pk))
    shot("portal-02-residency")
    page.click("main button[type=submit]")
    page.wait_for_load_state()
    assert page.url.endswith("/me/")
    assert "等待社区两委确认" in page.content()

    with page.expect_navigation():
        page.select_option("#lang-switch", "zh-hant")
    assert page.locator("html").get_attribute("lang") == "zh-hant"
    assert "等待社區兩委確認" in page.content()

    with page.expect_navigation():
        page.click("[data-testid=elder-toggle]")
    assert "elder" in page.locator("html").get_attribute("class")
    font_px = page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)")
    assert font_px >= 20
    shot("portal-03-dashboard-elder-hant")
    assert page.locator("[data-testid=home-community]").inner_text().endswith("新湛社区第一网格")
