"""Lists people can work with (#14): paging, filters and sorting kept in the URL, one helper
(portal/listing.py) for the request list, the triage queue, the inboxes and the service
directory; a value that does not exist is named, and nothing else changes."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests import factories
from triage import services
from triage.models import Request, ServiceDirectoryEntry

pytestmark = pytest.mark.django_db


def road(w, *, days_ago=0, grid="grid", text="路口的井盖塌了一半，电动车差点掉进去"):
    req = services.request_submit(
        channel="web",
        text=text,
        area=w["tree"][grid],
        reporter=w["resident"],
        service_type=w["types"]["road"],
        now=timezone.now() - timedelta(days=days_ago),
    )
    if req.status == "triaged":
        req = services.request_confirm(
            request=req, actor=w["people"]["committee"], request_class="government"
        )
    return req


def numbers(html: str) -> list[str]:
    return re.findall(r"SR\d{6}", html)


def test_the_public_list_filters_by_status_area_dates_and_sorts(client, w):
    old = road(w, days_ago=20)
    new = road(w, days_ago=1, grid="other_grid")
    services.request_reply(request=old, actor=w["people"]["chengguan"], reply="已修好")
    url = reverse("triage:index")
    assert set(numbers(client.get(url).content.decode())) >= {old.number, new.number}
    closed = client.get(url, {"status": "closed"}).content.decode()
    assert old.number in closed and new.number not in closed
    there = client.get(url, {"area": w["tree"]["other_community"].pk}).content.decode()
    assert new.number in there and old.number not in there
    since = (timezone.localdate() - timedelta(days=5)).isoformat()
    recent = client.get(url, {"from": since}).content.decode()
    assert new.number in recent and old.number not in recent
    html = client.get(url, {"sort": "old"}).content.decode()
    listed = [n for n in numbers(html) if n in (old.number, new.number)]
    assert listed.index(old.number) < listed.index(new.number)
    html = client.get(url, {"sort": "new"}).content.decode()
    listed = [n for n in numbers(html) if n in (old.number, new.number)]
    assert listed.index(new.number) < listed.index(old.number)


def test_page_links_keep_the_filters(client, w):
    for i in range(23):
        road(w, text=f"路口的井盖塌了一半，第{i}处")
    html = client.get(
        reverse("triage:index"), {"status": "assigned", "sort": "old", "class": "government"}
    ).content.decode()
    nxt = re.search(r'href="(\?[^"]*)" rel="next"', html).group(1).replace("&amp;", "&")
    assert "status=assigned" in nxt and "sort=old" in nxt and "class=government" in nxt
    assert "page=2" in nxt
    page2 = client.get(reverse("triage:index") + nxt).content.decode()
    assert len(set(numbers(page2))) == 3


@pytest.mark.parametrize(
    "params",
    [
        {"status": "nope"},
        {"class": "大事'\""},
        {"area": "99999999"},
        {"type": "no-such-type"},
        {"from": "2026-13-40"},
        {"from": "2026-05-02", "to": "2026-05-01"},
        {"sort": "sideways"},
    ],
)
def test_a_value_that_does_not_exist_is_named_and_nothing_else_changes(client, w, params):
    a = road(w, grid="other_grid")
    road(w)
    url = reverse("triage:index")
    page = client.get(url, {**params, "area": params.get("area", w["tree"]["other_community"].pk)})
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="list-errors"' in html
    if "area" not in params:  # the other, good filter still applies
        assert a.number in html and len(set(numbers(html))) == 1


def test_the_lists_cost_the_same_queries_whatever_the_rows(client, w):
    client.force_login(w["people"]["chengguan"])
    urls = [
        reverse("triage:index") + "?status=assigned&sort=deadline",
        reverse("triage:inbox", args=[w["orgs"]["chengguan"].pk]) + "?type=road",
        reverse("triage:directory") + "?q=开锁",
    ]
    road(w)
    counts = {}
    for url in urls:
        client.get(url)
        with CaptureQueriesContext(connection) as q:
            assert client.get(url).status_code == 200
        counts[url] = len(q)
    for i in range(6):
        road(w, text=f"路口的井盖塌了一半，第{i}处", grid="grid2")
    for url in urls:
        with CaptureQueriesContext(connection) as q:
            client.get(url)
        assert len(q) == counts[url], url


def test_the_queue_and_the_inbox_filter_too(client, w):
    req = road(w)
    client.force_login(w["people"]["chengguan"])
    inbox = reverse("triage:inbox", args=[w["orgs"]["chengguan"].pk])
    assert req.number in client.get(inbox, {"status": "assigned"}).content.decode()
    assert req.number not in client.get(inbox, {"status": "in_progress"}).content.decode()
    assert "list-errors" in client.get(inbox, {"status": "closed"}).content.decode()
    client.force_login(w["people"]["committee"])
    queue = reverse("triage:queue")
    waiting = services.request_submit(
        channel="web", text="上次说的那个事怎么样了", area=w["tree"]["grid"], reporter=w["resident"]
    )
    if waiting.status == Request.Status.TRIAGED:
        assert waiting.number in client.get(queue, {"status": "triaged"}).content.decode()
        html = client.get(queue, {"area": w["tree"]["community"].pk}).content.decode()
        assert waiting.number in html
        # Not an area this committee triages in: named, and not offered
        html = client.get(queue, {"area": w["tree"]["other_community"].pk}).content.decode()
        assert "list-errors" in html and "延安三路社区" not in html


def test_the_directory_finds_chinese_inside_chinese_by_category_and_area(client, w):
    ServiceDirectoryEntry.objects.create(
        name="延安三路便民维修点",
        kind="public",
        area=w["tree"]["other_community"],
        services="修自行车 配钥匙",
    )
    url = reverse("triage:directory")
    html = client.get(url, {"q": "开锁"}).content.decode()  # inside "保洁 钟点工 开锁 家电维修"
    assert "巧手家政服务中心" in html and "老周" not in html
    assert "老周" in client.get(url, {"q": "水龙"}).content.decode()
    html = client.get(url, {"kind": "volunteer"}).content.decode()
    assert "老周" in html and "巧手家政服务中心" not in html
    # 新湛社区: its own volunteer and the district-wide provider, not 延安三路's
    html = client.get(url, {"area": w["tree"]["community"].pk}).content.decode()
    assert "老周" in html and "巧手家政服务中心" in html and "便民维修点" not in html
    html = client.get(url, {"q": "钥匙", "area": w["tree"]["other_community"].pk}).content.decode()
    assert "便民维修点" in html and "巧手" not in html


@pytest.mark.parametrize("q", ["x" * 1000, "开锁\x00", "'\" OR 1=1 --", "%", "_"])
def test_the_directory_answers_hostile_queries(client, w, q):
    page = client.get(reverse("triage:directory"), {"q": q, "kind": "provider"})
    if "\x00" in q:  # the site refuses a NUL in any parameter (portal.middleware): a 400
        assert page.status_code == 400
        return
    assert page.status_code == 200
    html = page.content.decode()
    if len(q) > 100:
        assert 'data-testid="list-errors"' in html
        assert "巧手家政服务中心" in html  # the category filter still applies


def test_a_list_longer_than_the_count_cap_says_more_than_and_still_pages(client, w, monkeypatch):
    """Counting every public request of a city would cost more than the page: the count
    stops at the cap, says "more than", and the pages up to it still work."""
    monkeypatch.setattr("portal.listing.COUNT_CAP", 21)
    for i in range(23):
        road(w, text=f"路口的井盖塌了一半，第{i}处")
    url = reverse("triage:index")
    html = client.get(url).content.decode()
    count = re.search(r'data-testid="list-count">\s*(.*?)\s*</p>', html, re.S).group(1)
    assert count == "超过 21 条：请用筛选缩小范围"
    assert len(set(numbers(client.get(url, {"page": 2}).content.decode()))) == 1
    # Under the cap the count is exact.
    services.request_reply(request=road(w), actor=w["people"]["chengguan"], reply="已修好")
    html = client.get(url, {"status": "closed"}).content.decode()
    count = re.search(r'data-testid="list-count">\s*(.*?)\s*</p>', html, re.S).group(1)
    assert count == "共 1 条"


def offered_areas(html: str) -> list[str]:
    select = re.search(r'<select[^>]*name="area".*?</select>', html, re.S).group(0)
    return re.findall(r'<option value="(\d+)"', select)


def test_the_area_filter_drills_down_and_stays_small_as_the_city_grows(client, w):
    tree = w["tree"]
    url = reverse("triage:index")

    def offered(**params):
        with CaptureQueriesContext(connection) as q:
            html = client.get(url, params).content.decode()
        return offered_areas(html), len(q)

    def pks(*names):
        return {str(tree[n].pk) for n in names}

    top, _ = offered()
    assert pks("district") <= set(top) and not pks("street", "community") & set(top)
    # A district offers its streets, a street its communities; a community (a link to it)
    # its district and street, not every community beside it.
    assert pks("street") <= set(offered(area=tree["district"].pk)[0])
    assert pks("community", "other_community") <= set(offered(area=tree["street"].pk)[0])
    deep, deep_queries = offered(area=tree["community"].pk)
    assert pks("district", "street", "community") <= set(deep)
    assert str(tree["other_community"].pk) not in deep
    # Forty more communities in a new street of the district: the pages offer and ask
    # what they did.
    street = factories.area(tree["district"], "street", "新街道")
    for i in range(40):
        factories.area(street, "community", f"新社区{i}")
    assert offered()[0] == top
    assert offered(area=tree["community"].pk) == (deep, deep_queries)
    assert len(offered(area=tree["district"].pk)[0]) == len(top) + 2
    assert len(offered(area=street.pk)[0]) == len(top) + 41
