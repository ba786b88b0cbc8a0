"""The moral bank's dashboard (issue 14): hours verified, coins earned and coins redeemed
per month for an area's committee, read from the ledger grouped by month: the figures
against known data, corrections netted, other communities left out, the page scoped to
the viewer's areas and its query count pinned."""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal
from unittest import mock

import pytest
from django.urls import reverse
from django.utils import timezone

from credits import selectors_dashboard as sd
from credits import services
from credits.models import Deed
from portal import monthly
from tests import factories as base
from tests.credits import factories as cf

pytestmark = pytest.mark.django_db


def _two_months_ago() -> dt.datetime:
    first = monthly.month_starts()[-3]
    return timezone.make_aware(dt.datetime(first.year, first.month, 15, 12, 0))


def _approve(volunteer, community, committee, *, date, start="09:00", end="11:00"):
    log = cf.log(volunteer, community, date=date, start=start, end=end)
    return services.service_log_approve(actor=committee, log=log)


@pytest.fixture
def ledger(tree, volunteer, committee_member):
    community, other = tree["community"], tree["other_community"]
    cf.rule(community, deed=Deed.VOLUNTEER_HOUR, amount="10.00")
    cf.rule(other, deed=Deed.VOLUNTEER_HOUR, amount="10.00")
    then = _two_months_ago()
    with mock.patch.object(timezone, "now", return_value=then):
        # 2 hours verified two months ago: 20 coins.
        _approve(volunteer, community, committee_member, date=then.date() - dt.timedelta(days=1))
    today = timezone.localdate()
    day = today - dt.timedelta(days=1) if today.day > 1 else today
    # This month: 2 h and 3 h verified (20 + 30 coins), then the 2 h revoked (−20).
    revoked = _approve(volunteer, community, committee_member, date=day)
    _approve(volunteer, community, committee_member, date=day, start="13:00", end="16:00")
    services.service_log_revoke(actor=committee_member, log=revoked, reason="重复登记")
    # A 20-coin reward reserved and handed over this month.
    r = services.redemption_reserve(
        user=volunteer, reward=cf.reward(community, cost="20.00"), idempotency_key="dash-r1"
    )
    services.redemption_fulfil(actor=committee_member, community=community, code=r.code)
    # Another community: 1 hour, 10 coins; counted for the street, not for 新湛社区.
    other_volunteer = base.resident(tree["other_grid"])
    other_committee = base.member("committee", other)
    _approve(other_volunteer, other, other_committee, date=day, start="08:00", end="09:00")
    return tree


def test_the_months_hold_the_verified_hours_and_the_net_coins(ledger):
    t = sd.monthly_trends(ledger["community"])
    assert len(t["months"]) == 12 and t["months"][-1] == timezone.localdate().replace(day=1)
    assert t["hours"][-1] == Decimal("3.00") and t["hours"][-3] == Decimal("2.00")
    assert t["earned"][-1] == Decimal("30.00") and t["earned"][-3] == Decimal("20.00")
    assert t["redeemed"][-1] == Decimal("20.00") and t["redeemed"][-3] == Decimal("0.00")
    assert sum(t["hours"]) == Decimal("5.00")
    assert sum(t["earned"]) == Decimal("50.00")

    street = sd.monthly_trends(ledger["street"])
    assert street["hours"][-1] == Decimal("4.00") and street["earned"][-1] == Decimal("40.00")
    assert street["redeemed"][-1] == Decimal("20.00")
    other = sd.monthly_trends(ledger["other_community"])
    assert other["hours"][-1] == Decimal("1.00") and other["redeemed"] == [Decimal("0.00")] * 12


def test_each_chart_has_its_table_with_the_same_numbers(ledger):
    charts = sd.trend_charts(sd.monthly_trends(ledger["community"]))
    assert [c["id"] for c in charts] == ["chart-credits-hours", "chart-credits-coins"]
    coins = charts[1]
    assert coins["rows"][-1][1:] == [Decimal("30.00"), Decimal("20.00")]
    assert coins["data"]["series"][0]["data"][-1] == 30.0  # a number in the JSON
    assert len(coins["rows"]) == 12 and len(coins["columns"]) == 3


def test_the_committee_sees_its_figures_and_charts(client, ledger, committee_member):
    client.force_login(committee_member)
    resp = client.get(reverse("credits:dashboard"))
    assert resp.status_code == 200
    html = resp.content.decode()
    assert html.count('data-testid="chart"') == 2
    assert 'id="chart-credits-coins"' in html
    data = json.loads(re.search(r'id="chart-credits-hours"[^>]*>(.*?)</script>', html)[1])
    assert data["series"][0]["data"][-1] == 3.0
    # The committee of 新湛社区 may not pick 延安三路社区: it gets its own community.
    resp = client.get(reverse("credits:dashboard"), {"area": ledger["other_community"].pk})
    assert resp.context["area"] == ledger["community"]


def test_a_district_committee_picks_a_community_below_it(client, ledger):
    district_committee = base.member("committee", ledger["district"])
    client.force_login(district_committee)
    resp = client.get(reverse("credits:dashboard"), {"area": ledger["other_community"].pk})
    assert resp.status_code == 200 and resp.context["area"] == ledger["other_community"]
    # The picker drills down: the district, the street above the community, the community.
    picker = {int(pk) for pk, _label in resp.context["form"].fields["area"].choices}
    assert picker == {ledger["district"].pk, ledger["street"].pk, ledger["other_community"].pk}
    resp = client.get(reverse("credits:dashboard"), {"area": ledger["street"].pk})
    picker = {int(pk) for pk, _label in resp.context["form"].fields["area"].choices}
    assert picker >= {ledger["community"].pk, ledger["other_community"].pk}


@pytest.mark.parametrize("who", ["resident", "volunteer", "grid_worker", "department"])
def test_residents_and_other_staff_are_refused(client, tree, who, volunteer):
    user = {
        "resident": lambda: base.resident(tree["grid"]),
        "volunteer": lambda: volunteer,
        "grid_worker": lambda: base.member("grid_worker", tree["grid"]),
        "department": lambda: base.member("department", tree["district"]),
    }[who]()
    client.force_login(user)
    assert client.get(reverse("credits:dashboard")).status_code == 403


def test_anonymous_is_sent_to_sign_in(client, tree):
    assert client.get(reverse("credits:dashboard")).status_code == 302


def test_the_query_count_does_not_grow_with_the_ledger(
    client, ledger, committee_member, volunteer, django_assert_num_queries
):
    client.force_login(committee_member)
    url = reverse("credits:dashboard")
    client.get(url)  # warm the per-request caches that are not the page's own
    with django_assert_num_queries(QUERIES):
        client.get(url)
    community = ledger["community"]
    for i in range(3):
        _approve(
            volunteer,
            community,
            committee_member,
            date=timezone.localdate() - dt.timedelta(days=10 + i),
        )
    with django_assert_num_queries(QUERIES):
        assert client.get(url).status_code == 200


# Constant: two of them are the hours and the entries, grouped by month (the user row
# comes from the cache: portal.middleware.CachedAuthenticationMiddleware).
QUERIES = 5


def test_the_page_reads_in_chinese(client, ledger, committee_member):
    client.force_login(committee_member)
    html = client.get(reverse("credits:dashboard"), HTTP_ACCEPT_LANGUAGE="zh-hans").content
    html = html.decode()
    assert "道德银行统计看板" in html and "每月获得与兑换的道德币" in html
    assert "获得的道德币" in html and "核实时长" in html
    for english in ("Moral bank dashboard", "coins earned", "Hours verified", "Month"):
        assert english not in html


def test_the_bank_page_links_the_dashboard_for_the_committee_only(client, tree, committee_member):
    url, link = reverse("credits:index"), reverse("credits:dashboard")
    client.force_login(committee_member)
    assert link in client.get(url).content.decode()
    client.force_login(base.resident(tree["grid"]))
    assert link not in client.get(url).content.decode()
