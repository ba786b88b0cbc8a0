"""The demo site walked as a visitor, a resident and a committee member, in 简体中文,
English, 繁體中文 and elder mode.  The page fixture checks every page these journeys load
with axe-core (WCAG 2.1 A/AA) and keeps its HTML for the Nu Html Checker (conftest.py);
the assertions here are what a screen reader or a visitor would meet."""

import pytest
from django.core.management import call_command

from cms.models import CommunityPage, NewsPage
from deliberation.models import Session, Topic
from portal.demo import DEMO_PASSWORD
from portal.models import User
from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.django_db(transaction=True)

PUBLIC = [
    "/",
    "/deliberation/",
    "/credits/",
    "/credits/rewards/",
    "/triage/",
    "/triage/sanshi/",
    "/search/?q=%E7%94%B5%E6%A2%AF",  # 电梯
    "/accounts/login/",
    "/accounts/signup/",
]


@pytest.fixture
def demo():
    call_command("load_demo", stdout=open("/dev/null", "w"))
    news = NewsPage.objects.live().exclude(image=None).first()
    return {
        "news": news.url,
        "community": CommunityPage.objects.live().first().url,
        "topic": Topic.objects.order_by("pk").first(),
        "session": Session.objects.order_by("pk").first(),
    }


def switch_language(page, code):
    with page.expect_navigation():
        page.select_option("#lang-switch", code)
    assert page.locator("html").get_attribute("lang") == code


def toggle_elder(page):
    with page.expect_navigation():
        page.click("[data-testid=elder-toggle]")


def visit(page, path):
    response = page.goto(page.base_url + path)
    assert response.status < 500, path
    return response


def test_visitor_in_every_language_and_elder_mode(page, demo):
    pages = [*PUBLIC, demo["news"], demo["community"], demo["topic"].get_absolute_url()]
    pages.append(demo["session"].get_absolute_url())
    for path in pages:
        visit(page, path)
    assert visit(page, "/no-such-page/").status == 404

    # News images are described by their title, never by an empty alt.
    visit(page, demo["news"])
    alts = page.locator("main img").evaluate_all("imgs => imgs.map(i => i.getAttribute('alt'))")
    assert alts and all(alt for alt in alts)

    switch_language(page, "en")
    for path in pages:
        visit(page, path)
    # An English page marks the residents' Chinese text as Chinese, for speech and fonts.
    visit(page, demo["topic"].get_absolute_url())
    assert page.locator("h1").get_attribute("lang") == "zh-Hans"
    assert page.locator("html").get_attribute("lang") == "en"

    toggle_elder(page)
    assert "elder" in page.locator("html").get_attribute("class")
    for path in pages:
        visit(page, path)

    switch_language(page, "zh-hant")
    for path in pages:
        visit(page, path)


def test_resident_in_english_elder_mode(page, demo):
    resident = User.objects.get(username="13900000001")
    resident.language, resident.elder_mode = "en", True
    resident.save(update_fields=["language", "elder_mode"])
    sign_in(page, resident, DEMO_PASSWORD)
    assert page.locator("html").get_attribute("lang") == "en"
    assert "elder" in page.locator("html").get_attribute("class")
    for path in [
        "/me/",
        "/me/notifications/",
        "/me/notifications/settings/",
        "/deliberation/me/",
        "/credits/statement/",
        "/credits/redemptions/",
        "/credits/hours/",
        "/triage/new/",
        f"/deliberation/c/{demo['topic'].community.code}/",  # 提议题: a link-button
        demo["topic"].get_absolute_url(),
    ]:
        visit(page, path)

    # A refused form: every error is announced and tied to its field.
    visit(page, "/credits/hours/")
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_load_state()
    visit(page, "/triage/new/")
    page.get_by_test_id("report-form").locator("button[type=submit]").click()
    page.wait_for_load_state()
    for field in page.locator("[aria-describedby]").all():
        for ref in field.get_attribute("aria-describedby").split():
            assert page.locator(f"#{ref}").count() == 1, ref

    # Registering shows a QR code with a name a screen reader reads out.
    visit(page, demo["session"].get_absolute_url())
    register = page.get_by_test_id("register")
    if register.count():
        register.click()
        page.wait_for_load_state()
        qr = page.locator("[role=img].qr")
        assert qr.count() == 1 and qr.get_attribute("aria-label")


def test_committee_in_traditional_chinese_elder_mode(page, demo):
    committee = User.objects.get(username="13800000001")
    committee.language, committee.elder_mode = "zh-hant", True
    committee.save(update_fields=["language", "elder_mode"])
    sign_in(page, committee, DEMO_PASSWORD)
    assert page.locator("html").get_attribute("lang") == "zh-hant"
    for path in [
        "/me/",
        "/me/committee/residents/",
        "/credits/verify/",
        "/credits/record/",
        "/credits/fulfil/",
        "/triage/queue/",
        "/triage/dashboard/",
        "/deliberation/",
        demo["topic"].get_absolute_url(),
        demo["session"].get_absolute_url(),
    ]:
        visit(page, path)
    visit(page, "/credits/fulfil/")
    page.locator("#id_code").fill("000000")
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_load_state()
    # Triage: open the first request of the queue, where the committee answers it.
    visit(page, "/triage/queue/")
    first = page.locator("main a[href*='/triage/r/']").first
    if first.count():
        first.click()
        page.wait_for_load_state()
