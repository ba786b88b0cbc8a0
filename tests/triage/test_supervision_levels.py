"""Issue 10: 联合督办 at every level.  A street office, a district government and a city
supervision office follow and press (督办) any request in the areas they serve, whoever
handles it, and nothing elsewhere; an overdue request climbs the area tree, level by level,
and each level's supervisors are told."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from portal.models import Area, Organisation
from tests import factories
from triage import selectors
from triage.models import Event, Request
from triage.permissions import can_read, can_supervise, escalation_chain
from triage.services import escalate_overdue, followup, intake, routing


@pytest.fixture
def levels(w):
    """The `w` world with its street office and district government supervising their
    areas, a city supervision office, and a second street (香港中路街道) with its office."""
    tree, o, people = w["tree"], w["orgs"], w["people"]
    for key in ("street", "gov"):
        o[key].supervises = True
        o[key].save()
    o["city"] = Organisation.objects.create(
        area=tree["city"], kind="department", name="青岛市人民政府督查室", supervises=True
    )
    people["city"] = factories.member("department", tree["city"], o["city"])
    street2 = factories.area(tree["district"], Area.Kind.STREET, "香港中路街道")
    community2 = factories.area(street2, Area.Kind.COMMUNITY, "浮山后社区")
    tree["street2_grid"] = factories.area(community2, Area.Kind.GRID, "第一网格")
    o["street2"] = Organisation.objects.create(
        area=street2, kind="department", name="香港中路街道办事处", supervises=True, parent=o["gov"]
    )
    o["fushan"] = Organisation.objects.create(
        area=community2, kind="committee", name="浮山后社区两委", parent=o["street2"]
    )
    people["street2"] = factories.member("department", street2, o["street2"])
    return w


def assigned(w, grid, cls="community", **kw) -> Request:
    req = intake.request_submit(
        channel="web",
        text=kw.pop("text", "楼道里的灯坏了一个月了，晚上上下楼看不见"),
        area=grid,
        reporter=w["resident"],
        classify_now=False,
        **kw,
    )
    req.refresh_from_db()
    return routing.route(req, cls, actor=None)


def test_a_street_supervisor_presses_any_request_of_his_street_not_another_s(
    levels, client, django_capture_on_commit_callbacks
):
    w = levels
    street = w["people"]["street"]
    # handled by the district's 城管局, in 八大湖街道: the street follows and presses it
    mine = assigned(w, w["tree"]["grid"], "government", service_type=w["types"]["road"])
    assert mine.organisation == w["orgs"]["chengguan"]
    elsewhere = assigned(w, w["tree"]["street2_grid"])
    assert elsewhere.organisation == w["orgs"]["fushan"]
    assert can_supervise(street, mine) and can_read(street, mine)
    assert not can_supervise(street, elsewhere) and not can_read(street, elsewhere)
    client.force_login(street)
    page = client.get(reverse("triage:detail", args=[mine.pk])).content.decode()
    assert reverse("triage:supervise", args=[mine.pk]) in page
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(reverse("triage:supervise", args=[mine.pk]), {"note": "请两日内修复井盖"})
    assert r.status_code == 302
    assert mine.events.filter(kind=Event.Kind.SUPERVISED, actor=street).count() == 1
    assert any(w["people"]["chengguan"].email in m.to for m in mail.outbox)
    # …and the other street's: not found on the page, refused on the action, nothing recorded
    other_page = client.get(reverse("triage:detail", args=[elsewhere.pk])).content.decode()
    assert reverse("triage:supervise", args=[elsewhere.pk]) not in other_page  # public view
    Request.objects.filter(pk=elsewhere.pk).update(sensitive=True)
    other_page = client.get(reverse("triage:detail", args=[elsewhere.pk]))
    assert other_page.status_code == 404  # not public: not even its existence
    r = client.post(reverse("triage:supervise", args=[elsewhere.pk]), {"note": "快点"})
    assert r.status_code in (403, 404)
    assert not elsewhere.events.filter(kind=Event.Kind.SUPERVISED).exists()
    # The other street's supervisor has the mirror image.
    assert can_supervise(w["people"]["street2"], elsewhere)
    assert not can_supervise(w["people"]["street2"], mine)


def test_the_district_and_the_city_follow_every_request_below_them(levels):
    w = levels
    reqs = [
        assigned(w, w["tree"]["grid"]),
        assigned(w, w["tree"]["street2_grid"]),
        assigned(w, w["tree"]["other_grid"], "government", service_type=w["types"]["water"]),
    ]
    for who in ("gov", "city"):
        assert all(can_supervise(w["people"][who], r) for r in reqs), who
    # The dashboard's list: the supervisor reads each in full.
    rows = selectors.visible_requests(w["tree"]["district"], w["people"]["street2"])
    full = {r.pk for r in rows if r.full_view}
    assert reqs[1].pk in full and reqs[0].pk not in full and reqs[2].pk not in full


def test_an_office_does_not_supervise_itself_nor_when_inactive(levels):
    w = levels
    req = assigned(w, w["tree"]["grid"], "government")  # no line: the street office takes it
    assert req.organisation == w["orgs"]["street"]
    assert not can_supervise(w["people"]["street"], req)  # it handles it
    assert can_supervise(w["people"]["gov"], req)
    # A district bureau's request: the street presses it as a supervising office only.
    road = assigned(w, w["tree"]["grid2"], "government", service_type=w["types"]["road"])
    assert can_supervise(w["people"]["street"], road)
    w["orgs"]["street"].is_active = False
    w["orgs"]["street"].save()
    street = type(w["people"]["street"]).objects.get(pk=w["people"]["street"].pk)
    assert not can_supervise(street, road) and not can_read(street, road)
    with pytest.raises(PermissionDenied):
        followup.request_supervise(request=req, actor=w["people"]["street2"], note="快点")


def test_escalation_climbs_the_area_tree_and_notifies_each_level_once(
    levels, django_capture_on_commit_callbacks
):
    w = levels
    req = assigned(w, w["tree"]["grid"])  # the committee handles it
    assert req.organisation == w["orgs"]["committee"]
    assert escalation_chain(req) == [w["orgs"]["street"], w["orgs"]["gov"], w["orgs"]["city"]]
    expected = [("street", 1), ("gov", 2), ("city", 3), ("city", 4)]
    for who, level in expected:
        req.refresh_from_db()
        later = req.deadline + timedelta(minutes=1)
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            assert escalate_overdue(now=later) == 1
            assert escalate_overdue(now=later) == 0  # idempotent at the same moment
        req.refresh_from_db()
        assert req.escalation_level == level
        assert req.supervisor == w["orgs"][who]
        told = [m for m in mail.outbox if w["people"][who].email in m.to]
        assert len(told) == 1, (who, level)
        # the other street's supervisor is never told
        assert not [m for m in mail.outbox if w["people"]["street2"].email in m.to]
    assert can_supervise(w["people"]["city"], req)


def test_a_district_department_s_request_escalates_past_the_street(levels):
    """The street office is below a district bureau: an overdue 城管 request goes to the
    district government first, then the city."""
    w = levels
    req = assigned(w, w["tree"]["grid"], "government", service_type=w["types"]["road"])
    req = Request.objects.select_related("organisation__area", "area").get(pk=req.pk)
    assert escalation_chain(req) == [w["orgs"]["gov"], w["orgs"]["city"]]
    escalate_overdue(now=req.deadline + timedelta(minutes=1))
    req.refresh_from_db()
    assert (req.escalation_level, req.supervisor) == (1, w["orgs"]["gov"])


def test_a_supervisor_s_detail_page_costs_a_fixed_number_of_queries(
    levels, client, django_assert_num_queries
):
    w = levels
    req = assigned(w, w["tree"]["grid"], "government", service_type=w["types"]["road"])
    client.force_login(w["people"]["street"])
    url = reverse("triage:detail", args=[req.pk])
    client.get(url)
    with django_assert_num_queries(9):  # the user row comes from the cache
        page = client.get(url)
    assert page.status_code == 200
