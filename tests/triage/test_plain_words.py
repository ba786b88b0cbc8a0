"""Plain words for residents (issue 10): a resident never sees the classifier's figures
(suggested class, confidence, model version) on any surface they read, and a request
waiting for triage says it was received and by when it will be assigned.  Staff still see
the figures."""

from datetime import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from portal.models import Notification
from tests import factories
from triage import services
from triage.models import Event, Request
from triage.workhours import TZ, assign_by, in_words

pytestmark = pytest.mark.django_db

RECEIVED = datetime(2026, 12, 5, 10, 0, tzinfo=TZ)  # a Saturday


@pytest.fixture
def waiting(settings, w):
    """A resident's request the classifier was not sure of: it waits in the triage queue."""
    settings.TRIAGE_CONFIDENCE_THRESHOLD = 1.01
    req = services.request_submit(
        channel="web",
        text="小区东门路灯坏了一个多星期，晚上出门很黑",
        area=w["tree"]["grid"],
        reporter=w["resident"],
        now=RECEIVED,
    )
    assert req.status == "triaged" and req.model_version and req.confidence > 0
    return req


@pytest.fixture
def at_time(monkeypatch):
    def set_now(moment):
        monkeypatch.setattr(timezone, "now", lambda: moment)

    return set_now


def figures(req: Request) -> list[str]:
    """Every way the page could show the classifier's reading of `req`."""
    with translation.override("zh-hans"):
        classified = str(Event.Kind.CLASSIFIED.label)
    return [
        req.model_version,
        f"{req.confidence:.0%}",
        f"{req.confidence:.2f}",
        "置信",
        classified,
        'data-testid="classifier-figures"',
    ]


def test_the_resident_reads_when_it_will_be_assigned_and_no_figures(client, w, waiting, at_time):
    at_time(datetime(2026, 12, 5, 11, 0, tzinfo=TZ))
    client.force_login(w["resident"])
    page = client.get(reverse("triage:detail", args=[waiting.pk])).content.decode()
    assert "我们已收到您的诉求，将在12月7日（周一）17:30前分派给负责部门" in page
    assert [f for f in figures(waiting) if f in page] == []
    assert "路灯坏了" in page  # the page itself is there


def test_the_resident_is_told_plainly_when_assignment_is_late(client, w, waiting, at_time):
    at_time(datetime(2026, 12, 8, 9, 0, tzinfo=TZ))
    client.force_login(w["resident"])
    page = client.get(reverse("triage:detail", args=[waiting.pk])).content.decode()
    assert "比预定的12月7日（周一）17:30晚了" in page
    assert "将在12月7日" not in page
    assert [f for f in figures(waiting) if f in page] == []


def test_staff_see_the_figures_and_the_triage_deadline(client, w, waiting, at_time):
    at_time(datetime(2026, 12, 5, 11, 0, tzinfo=TZ))
    client.force_login(w["people"]["committee"])
    page = client.get(reverse("triage:detail", args=[waiting.pk])).content.decode()
    assert 'data-testid="classifier-figures"' in page
    assert waiting.model_version in page
    assert f"{waiting.confidence:.2f}" in page
    assert "应于12月7日（周一）17:30前分派" in page
    assert "我们已收到您的诉求" not in page


def test_the_timeline_hides_the_classifier_step_and_the_correction_mark(
    client, w, waiting, settings
):
    settings.PORTAL_REQUIRE_STAFF_MFA = False
    req = waiting
    other = {"government": "community", "community": "government", "private": "community"}
    corrected = other[req.suggested_class]
    client.force_login(w["people"]["committee"])
    client.post(reverse("triage:confirm", args=[req.pk]), {"request_class": corrected})
    assert Request.objects.get(pk=req.pk).request_class == corrected
    client.force_login(factories.member("site_admin", w["tree"]["city"]))
    staff_page = client.get(reverse("triage:detail", args=[req.pk])).content.decode()
    assert "✎" in staff_page and req.model_version in staff_page
    client.force_login(w["resident"])
    page = client.get(reverse("triage:detail", args=[req.pk])).content.decode()
    assert "✎" not in page
    assert [f for f in figures(req) if f in page] == []
    assert 'data-testid="awaiting"' not in page  # assigned now: no triage promise
    client.logout()
    public = client.get(reverse("triage:detail", args=[req.pk]))
    if public.status_code == 200:  # a public matter: the public view says no more
        assert "✎" not in public.content.decode()


def test_the_form_thanks_with_the_assignment_date(client, w, settings):
    settings.TRIAGE_CONFIDENCE_THRESHOLD = 1.01
    client.force_login(w["resident"])
    r = client.post(
        reverse("triage:new"),
        {"text": "楼道里的声控灯不亮了，老人上下楼不方便", "contact": "site", "address": ""},
        follow=True,
    )
    req = Request.objects.get()
    page = r.content.decode()
    when = in_words(assign_by(req.created_at))
    assert f"我们已收到您的诉求{req.number}，将在{when}前分派给负责部门" in page
    assert [f for f in figures(req) if f in page] == []


def test_the_home_panels_say_when_and_show_no_figures(client, w, waiting):
    client.force_login(w["resident"])
    with translation.override("zh-hans"):
        when = in_words(assign_by(waiting.created_at))
    page = client.get(reverse("portal:dashboard")).content.decode()
    assert waiting.number in page
    assert f"将在{when}前分派" in page
    assert [f for f in figures(waiting) if f in page] == []


def test_the_residents_notifications_carry_no_figures(client, w, settings):
    req = services.request_submit(
        channel="web",
        text="马路上的井盖丢了，很危险，请尽快处理",
        area=w["tree"]["grid"],
        reporter=w["resident"],
        service_type=w["types"]["road"],
    )
    notes = list(Notification.objects.filter(user=w["resident"]))
    assert notes, "the resident hears that the request was handed on"
    for n in notes:
        text = f"{n.title} {n.body}"
        assert req.model_version not in text and "%" not in text and "置信" not in text
    client.force_login(w["resident"])
    page = client.get(reverse("portal:notifications")).content.decode()
    assert req.model_version not in page


def test_open311_and_the_api_publish_no_model_internals(client, w, settings):
    req = services.request_submit(
        channel="web",
        text="马路上的井盖丢了，很危险，请尽快处理",
        area=w["tree"]["grid"],
        reporter=w["resident"],
        service_type=w["types"]["road"],
    )
    assert req.status == "assigned" and req.model_version
    base = "/triage/open311/v2"
    rows = client.get(f"{base}/requests.json").json()
    one = client.get(f"{base}/requests/{req.pk}.json").json()
    assert str(req.pk) in {row["service_request_id"] for row in rows}
    for body in (rows, one):
        text = str(body)
        assert req.model_version not in text
        assert "confidence" not in text and "suggested" not in text and "model" not in text
    xml = client.get(f"{base}/requests/{req.pk}.xml").content.decode()
    assert req.model_version not in xml and "confidence" not in xml
    stats = client.get("/api/v1/request-statistics/").content.decode()
    assert "confidence" not in stats and req.model_version not in stats


def test_my_list_shows_my_waiting_requests_in_plain_words(
    client, w, waiting, settings, django_assert_num_queries
):
    client.force_login(w["resident"])
    with translation.override("zh-hans"):
        when = in_words(assign_by(waiting.created_at))

    def my_list():
        page = client.get(reverse("triage:index")).content.decode()
        return page.split('data-testid="my-requests"')[1].split("</ul>")[0]

    mine = my_list()
    assert waiting.number in mine and f"将在{when}前分派" in mine
    assert [f for f in figures(waiting) if f in mine] == []
    neighbour_req = services.request_submit(
        channel="web", text="隔壁楼的垃圾桶满了", area=w["tree"]["grid"], reporter=None
    )
    assert neighbour_req.number not in my_list()
    # a fixed number of queries, whatever the number of my requests
    client.get(reverse("triage:index"))
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("triage:index"))
    for text in ("单元门禁坏了", "楼顶漏水", "路口红绿灯不亮"):
        services.request_submit(
            channel="web", text=text, area=w["tree"]["grid"], reporter=w["resident"]
        )
    with django_assert_num_queries(len(one.captured_queries)):
        client.get(reverse("triage:index"))
    client.logout()
    assert 'data-testid="my-requests"' not in client.get(reverse("triage:index")).content.decode()
