"""The dashboard reads the daily counts: the same figures as a full pass over the requests,
trends by week and month, charts each with a table, a query count that does not grow with
the requests, and the XLSX export with its trend sheet (#14, #15)."""

from __future__ import annotations

import io
import json
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from triage import services
from triage.selectors import dashboard_stats, dashboard_stats_scan
from triage.selectors_dashboard import dashboard_figures, dashboard_trends

pytestmark = pytest.mark.django_db

FIGURES = [
    "total",
    "closed",
    "completion_rate",
    "on_time_rate",
    "avg_handling_hours",
    "satisfaction",
    "satisfaction_rate",
    "rated",
    "mediation_rate",
    "mediated",
    "overdue",
    "escalated",
]


def make(w, *, days_ago=0, close=False, rate=None, grid="grid", code="road"):
    when = timezone.now() - timedelta(days=days_ago)
    req = services.request_submit(
        channel="web",
        text="路口的井盖塌了一半，电动车差点掉进去" if code == "road" else "两户邻居吵架，申请调解",
        area=w["tree"][grid],
        reporter=w["resident"],
        service_type=w["types"][code],
        now=when,
    )
    if req.status == "triaged":
        req = services.request_confirm(
            request=req, actor=w["people"]["committee"], request_class="government"
        )
    if close:
        handler = w["people"]["chengguan"] if code == "road" else w["people"]["committee"]
        services.request_reply(
            request=req, actor=handler, reply="已处理", now=when + timedelta(hours=5)
        )
        if rate:
            services.request_rate(request=req, user=w["resident"], score=rate)
    return req


@pytest.fixture
def history(w):
    for i in range(6):
        make(w, days_ago=i * 9, close=i % 2 == 0, rate=(i % 5) + 1 if i % 2 == 0 else None)
    make(w, days_ago=40, grid="other_grid", close=True, rate=2)
    make(w, days_ago=400)  # older than the trends, in the all-time figures
    return w


def test_the_figures_from_the_counts_equal_a_full_pass(history):
    tree = history["tree"]
    for area in (tree["district"], tree["street"], tree["community"], tree["other_community"]):
        fast, slow = dashboard_figures(area), dashboard_stats_scan(area)
        assert {k: fast[k] for k in FIGURES} == {k: slow[k] for k in FIGURES}, area
        assert fast["by_class"] == slow["by_class"] and fast["by_channel"] == slow["by_channel"]
        assert dashboard_stats(area)["total"] == slow["total"]
    since = timezone.now() - timedelta(days=30)
    assert dashboard_stats(tree["district"], since=since)["total"] == 4


def test_overdue_now_counts_every_open_request_that_missed_a_deadline(w):
    """The escalation beat gives an overdue request a fresh deadline: it stays overdue
    (超期未办结) until it is closed, and it is never counted on time, even if it then
    meets the fresh deadline.  The counts and the full pass agree at every step."""
    community = w["tree"]["community"]
    late = make(w, days_ago=30)  # its first deadline passed weeks ago
    fresh = make(w, days_ago=0)  # within its deadline
    assert late.deadline < timezone.now() < fresh.deadline

    def figures():
        fast, slow = dashboard_figures(community), dashboard_stats_scan(community)
        assert {k: fast[k] for k in FIGURES} == {k: slow[k] for k in FIGURES}
        return fast

    assert figures()["overdue"] == 1  # past its first deadline, the beat not run yet
    assert services.escalate_overdue() == 1
    late.refresh_from_db()
    assert late.escalation_level == 1 and late.deadline > timezone.now()
    assert figures()["overdue"] == 1  # escalated: a fresh deadline, still overdue
    services.request_reply(request=late, actor=w["people"]["chengguan"], reply="已处理")
    after = figures()
    assert after["overdue"] == 0 and after["closed"] == 1
    assert after["on_time_rate"] == 0.0  # closed within the fresh deadline: still late
    services.request_reply(request=fresh, actor=w["people"]["chengguan"], reply="已处理")
    assert figures()["on_time_rate"] == 50.0


def test_trends_bucket_by_week_and_month(history):
    trends = dashboard_trends(history["tree"]["district"])
    weeks, months = trends["weeks"], trends["months"]
    assert len(weeks["labels"]) == 26 and len(months["labels"]) == 12
    assert sum(weeks["total"]) == 7  # the 400-day-old one is outside both windows
    assert sum(months["total"]) == 7
    assert months["labels"][-1] == timezone.localdate().strftime("%Y-%m")
    rated = [s for s in months["satisfaction"] if s is not None]
    assert rated and all(1 <= s <= 5 for s in rated)
    assert all(r is None or 0 <= r <= 100 for r in months["completion_rate"])


def test_the_dashboard_costs_the_same_queries_however_many_requests(
    client, w, django_assert_num_queries
):
    client.force_login(w["people"]["committee"])
    url = reverse("triage:dashboard") + f"?area={w['tree']['community'].pk}"
    make(w, days_ago=3)
    client.get(url)  # warm per-process caches (site settings, translations)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for i in range(8):
        make(w, days_ago=i * 11, close=True, rate=4)
    with django_assert_num_queries(len(few.captured_queries)):
        assert client.get(url).status_code == 200
    counts = [q["sql"] for q in few.captured_queries if "triage_request" in q["sql"]]
    # class × channel sums, overdue now, the trend by day, and the map's requests per grid
    # and exact points (tests/triage/test_maps.py): none of them grows with the requests.
    assert len(counts) == 5, counts


def test_the_page_has_a_chart_and_a_table_of_its_numbers_for_each_trend(client, history):
    client.force_login(history["people"]["committee"])
    page = client.get(reverse("triage:dashboard"))
    html = page.content.decode()
    assert page.status_code == 200
    charts = page.context["charts"]
    assert len(charts) == 4
    for c in charts:
        assert f'data-chart="{c["id"]}"' in html
        assert f'<script id="{c["id"]}" type="application/json">' in html
        data = json.loads(
            html.split(f'<script id="{c["id"]}" type="application/json">')[1].split("</script>")[0]
        )
        assert len(data["labels"]) == len(c["rows"])
    assert html.count("<table>") >= 4
    assert "echarts.common.min.js" in html and "charts.js" in html
    assert "By week" not in html  # the page is in 简体中文


def test_the_export_keeps_working_with_a_trend_sheet(client, history):
    client.force_login(history["people"]["committee"])
    x = client.get(reverse("triage:export") + f"?area={history['tree']['community'].pk}")
    assert x.status_code == 200
    wb = load_workbook(io.BytesIO(x.content))
    assert len(wb.worksheets) == 3
    trend_rows = list(wb.worksheets[2].iter_rows(values_only=True))
    labels = {r[0] for r in trend_rows if r and r[0]}
    assert timezone.localdate().strftime("%Y-%m") in labels
    requests = list(wb.worksheets[1].iter_rows(min_row=2, values_only=True))
    assert len(requests) == 7  # the other community's request is not this community's
