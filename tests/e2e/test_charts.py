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
