"""Journey at phone width: the header's search box on any page finds a public request
about street lights next to a topic and a directory entry, narrows by type, and never
shows the reporter's name or phone (issue 14)."""

import pytest
from django.urls import reverse
from django.utils import timezone

from tests import factories
from tests.deliberation import factories as df
from triage.models import Request, ServiceDirectoryEntry

PHONE = "13912345678"


@pytest.mark.django_db(transaction=True)
def test_header_search_box_finds_across_the_site(page, shot):
    tree = factories.city_tree()
    community, grid = tree["community"], tree["grid"]
    df.topic(community, title="夜里路灯太暗，东门一带很黑")
    Request.objects.create(
        channel="web",
        text=f"我家门口的路灯坏了三天，我是王小明，电话{PHONE}",
        reporter_name="王小明",
        reporter_phone=PHONE,
        area=grid,
        area_path=grid.path,
        request_class="government",
        status="assigned",
        created_at=timezone.now(),
    )
    ServiceDirectoryEntry.objects.create(
        name="光明电工", kind="provider", area=grid, services="路灯 电路 维修"
    )

    page.set_viewport_size({"width": 390, "height": 844})  # a phone
    page.goto(page.base_url + reverse("deliberation:index"))
    page.fill("#site-q", "路灯")
    with page.expect_navigation():
        page.press("#site-q", "Enter")
    results = page.get_by_test_id("search-results")
    assert results.locator("li").count() == 3
    assert results.locator("mark").first.inner_text() == "路灯"
    text = page.locator("main").inner_text()
    assert "王小明" not in text and PHONE not in text
    shot("search-results")

    with page.expect_navigation():
        page.get_by_test_id("facet-types").get_by_role("link", name="诉求").click()
    assert results.locator("li").count() == 1
    assert results.locator("li[data-kind=request]").count() == 1
    assert page.get_by_test_id("facet-types").locator("[aria-current=true]").count() == 1
    shot("search-filtered")
