"""Staff see what the classifier made of a request (matter type, confidence, the per-class
thresholds); a resident reaches none of it (issue #10)."""

import pytest
from django.urls import reverse

from triage import services
from triage.models import MatterType

pytestmark = pytest.mark.django_db

TEXT = "楼下新开的烧烤店油烟太大，晚上还在路边占道经营，熏得家里窗户都不敢开"


@pytest.fixture
def waiting(w, settings):
    settings.PORTAL_REQUIRE_STAFF_MFA = False
    settings.TRIAGE_CONFIDENCE_THRESHOLD = 1.01  # the committee decides everything
    req = services.request_submit(
        channel="web", text=TEXT, area=w["tree"]["grid"], reporter=w["resident"]
    )
    assert req.status == "triaged" and req.matter is not None
    return req


def test_the_queue_shows_matter_type_confidence_and_the_thresholds(
    client, w, waiting, django_assert_num_queries
):
    client.force_login(w["people"]["committee"])
    url = reverse("triage:queue")
    client.get(url)
    # + the list's filters (service types, areas) and its row count (portal/listing.py)
    with django_assert_num_queries(8) as first:  # the user row: from the cache
        html = client.get(url).content.decode()
    assert waiting.number in html and waiting.matter.name in html
    assert "101%" in html  # the thresholds in force (here the floor of 1.01 for every class)
    for _i in range(3):
        services.request_submit(
            channel="web", text=TEXT + "。", area=w["tree"]["grid"], reporter=w["resident"]
        )
    with django_assert_num_queries(len(first.captured_queries)):  # no query per row
        assert client.get(url).content.decode().count(waiting.matter.name) >= 4


def test_the_request_page_shows_staff_the_matter_type_and_the_threshold_it_was_held_to(
    client, w, waiting
):
    client.force_login(w["people"]["committee"])
    html = client.get(reverse("triage:detail", args=[waiting.pk])).content.decode()
    assert waiting.matter.name in html and "class-v" in html
    assert "101%" in html  # the classified event: confidence / threshold


def test_a_resident_does_not_reach_the_queue_or_the_thresholds(client, w, waiting):
    # (what the reporter's own request page says is helper C's part of issue #10)
    client.force_login(w["resident"])
    assert client.get(reverse("triage:queue")).status_code == 403


def test_a_sensitive_matter_type_marks_the_request_sensitive(w):
    before = services.request_submit(
        channel="web", text=TEXT, area=w["tree"]["grid"], reporter=w["resident"]
    )
    assert before.matter.code == "business_fumes" and not before.sensitive
    MatterType.objects.filter(code="business_fumes").update(sensitive=True)
    req = services.request_submit(
        channel="web", text=TEXT + "。", area=w["tree"]["grid"], reporter=w["resident"]
    )
    assert req.matter.code == "business_fumes" and req.sensitive
