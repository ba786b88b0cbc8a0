"""Journey: a committee member opens the dashboard on a phone (390 px): the trend charts
are drawn by the vendored ECharts (a canvas in each), with no console error, and each has a
table of its numbers; the request list filters and pages with its filters in the URL."""

import os
from datetime import timedelta

import pytest
from django.utils import timezone

from tests import factories
from tests.e2e.conftest import sign_in
from tests.triage.factories import world
from triage import services

SHOTS = os.environ.get("LISTS_SHOTS", "")


def _requests(w, tree, resident):
    for i in range(14):
        when = timezone.now() - timedelta(days=i * 6)
        req = services.request_submit(
            channel="web",
            text=f"路口的井盖塌了一半，电动车差点掉进去（第{i}处）",
            area=tree["grid"],
            reporter=resident,
            service_type=w["types"]["road"],
            now=when,
        )
        if req.status == "triaged":
            req = services.request_confirm(
                request=req, actor=w["people"]["committee"], request_class="government"
            )
        if i % 3 != 2:
            services.request_reply(
                request=req,
                actor=w["people"]["chengguan"],
                reply="已更换井盖",
                now=when + timedelta(hours=10 + i),
            )
            services.request_rate(request=req, user=resident, score=3 + i % 3)


@pytest.mark.django_db(transaction=True)
def test_dashboard_charts_and_tables_at_phone_width(page, shot):
    tree = factories.city_tree()
    w = world(tree)
    resident = factories.resident(tree["grid"])
    _requests(w, tree, resident)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.set_viewport_size({"width": 390, "height": 844})

    sign_in(page, w["people"]["committee"])
    page.goto(page.base_url + "/triage/dashboard/")
    page.wait_for_selector(".echart-drawn canvas")
    charts = page.get_by_test_id("chart")
    assert charts.count() == 4
    for i in range(4):
        chart = charts.nth(i)
        assert chart.locator("canvas").count() >= 1
        box = chart.locator(".echart").bounding_box()
        assert box and 300 <= box["width"] <= 390 and box["height"] > 200
        assert chart.locator("table").count() == 1
    first = charts.nth(2)  # requests by month
    first.locator("summary").click()
    table = first.locator("table")
    assert table.is_visible()
    assert timezone.localdate().strftime("%Y-%m") in table.inner_text()
    assert not errors, errors
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, "lists-dashboard.png"), full_page=True)
    shot("lists-dashboard")

    # the request list: filters in the URL, a refused value named
    page.goto(page.base_url + "/triage/?status=closed&sort=old")
    assert page.locator("select[name=status]").input_value() == "closed"
    page.goto(page.base_url + "/triage/?status=nope")
    assert page.get_by_test_id("list-errors").is_visible()
    page.goto(page.base_url + "/triage/directory/?q=开锁")
    assert "巧手家政服务中心" in page.get_by_test_id("directory").inner_text()
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, "lists-directory.png"), full_page=True)
    assert not errors, errors


def _charts_drawn(page, n: int) -> None:
    page.wait_for_selector(".echart-drawn canvas")
    charts = page.get_by_test_id("chart")
    assert charts.count() == n
    for i in range(n):
        chart = charts.nth(i)
        assert chart.locator("canvas").count() >= 1
        box = chart.locator(".echart").bounding_box()
        assert box and 300 <= box["width"] <= 390 and box["height"] > 200
        assert chart.locator("table").count() == 1


@pytest.mark.django_db(transaction=True)
def test_moral_bank_and_deliberation_dashboards_at_phone_width(page, shot):
    """The committee's moral-bank and deliberation dashboards (issue 14): their charts drawn,
    the numbers in the tables, no console error."""
    from credits import services as credits
    from credits.models import Deed
    from deliberation.models import Registration
    from tests.credits import factories as cf
    from tests.deliberation import factories as df

    tree = factories.city_tree()
    community = tree["community"]
    committee = factories.member("committee", community)
    volunteer = factories.resident(tree["grid"])
    factories.portal_services.membership_grant(user=volunteer, role="volunteer", area=community)
    cf.rule(community, deed=Deed.VOLUNTEER_HOUR, amount="10.00")
    log = cf.log(volunteer, community, date=timezone.localdate())
    credits.service_log_approve(actor=committee, log=log)
    df.topic(community, raised_by=volunteer)
    held = df.held_session(community, committee)
    Registration.objects.create(
        session=held, user=volunteer, status="registered", checked_in_at=held.starts_at
    )
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, committee)

    page.goto(page.base_url + "/credits/dashboard/")
    _charts_drawn(page, 2)
    coins = page.get_by_test_id("chart").nth(1)
    coins.locator("summary").click()
    row = coins.locator("tbody tr").last.inner_text()
    assert timezone.localdate().strftime("%Y-%m") in row and "20.00" in row
    assert not errors, errors
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, "trends-credits.png"), full_page=True)
    shot("trends-credits")

    page.goto(page.base_url + f"/deliberation/c/{community.code}/dashboard/")
    _charts_drawn(page, 2)
    assert not errors, errors
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, "trends-deliberation.png"), full_page=True)
    shot("trends-deliberation")
