"""Issue 10: a 大事 goes to the department of its line serving the request's own area
(deepest first, never another district's), a 小事 to its kind of handler serving the
compound, a transfer only to an organisation serving the place; and the hotline's grid
picker names every grid in full and can be searched."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from portal.models import Area, Organisation
from tests import factories
from triage import selectors
from triage.models import Event, MatterType, Request
from triage.services import intake, routing


@pytest.fixture
def city(w):
    """Beside 市南区 (the `w` world): 李沧区 with a street, a community and a grid, its own
    城管 bureau, street office and district government; and a 城管 team at 八大湖街道."""
    tree, o = w["tree"], w["orgs"]
    licang = factories.area(tree["city"], Area.Kind.DISTRICT, "李沧区")
    street = factories.area(licang, Area.Kind.STREET, "虎山路街道")
    community = factories.area(street, Area.Kind.COMMUNITY, "北岭社区")
    grid = factories.area(community, Area.Kind.GRID, "第一网格")
    o["licang_gov"] = Organisation.objects.create(
        area=licang, kind="department", name="李沧区人民政府", supervises=True
    )
    o["licang_chengguan"] = Organisation.objects.create(
        area=licang, kind="department", name="李沧区城市管理局", line="城管", parent=o["licang_gov"]
    )
    o["hushanlu"] = Organisation.objects.create(
        area=street, kind="department", name="虎山路街道办事处", parent=o["licang_gov"]
    )
    o["beiling"] = Organisation.objects.create(
        area=community, kind="committee", name="北岭社区两委", parent=o["hushanlu"]
    )
    w["tree"].update(
        licang=licang, licang_street=street, licang_community=community, licang_grid=grid
    )
    return w


def submitted(w, grid, **kw) -> Request:
    kw.setdefault("reporter", w["resident"])
    return intake.request_submit(
        channel="web",
        text="路口的井盖塌了一半，电动车差点掉进去",
        area=grid,
        classify_now=False,
        **kw,
    )


def route(req, cls="government"):
    req.refresh_from_db()
    return routing.route(req, cls, actor=None)


def test_a_licang_request_never_reaches_the_shinan_bureau(city):
    w = city
    grid = w["tree"]["licang_grid"]
    by_type = route(submitted(w, grid, service_type=w["types"]["road"]))
    assert by_type.organisation == w["orgs"]["licang_chengguan"]
    # The classifier's department model names 市南区's bureau: it stands for its line.
    named = submitted(w, grid)
    Request.objects.filter(pk=named.pk).update(suggested_department="市南区城市管理局")
    assert route(named).organisation == w["orgs"]["licang_chengguan"]
    # 市南区's own request still goes to 市南区's bureau.
    assert (
        route(submitted(w, w["tree"]["grid"], service_type=w["types"]["road"])).organisation
        == (w["orgs"]["chengguan"])
    )
    assigned = Request.objects.filter(organisation=w["orgs"]["chengguan"])
    assert not assigned.filter(area_path__startswith=w["tree"]["licang"].path).exists()


def test_the_deepest_department_of_the_line_wins(city):
    w = city
    team = Organisation.objects.create(
        area=w["tree"]["street"],
        kind="department",
        name="八大湖街道综合行政执法中队",
        line="城管",
        parent=w["orgs"]["street"],
    )
    # street-level team before the district bureau, for its own street only
    assert route(submitted(w, w["tree"]["grid"], service_type=w["types"]["road"])).organisation == (
        team
    )
    licang = route(submitted(w, w["tree"]["licang_grid"], service_type=w["types"]["road"]))
    assert licang.organisation == w["orgs"]["licang_chengguan"]
    assert selectors.department_for(w["tree"]["licang_grid"], "城管") != team


def test_a_department_serving_a_second_district_receives_its_requests(city):
    w = city
    grid = w["tree"]["licang_grid"]
    # No 水务 department in 李沧区: the street office dispatches it, not 市南区水务局.
    water = route(submitted(w, grid, service_type=w["types"]["water"]))
    assert water.organisation == w["orgs"]["hushanlu"]
    w["orgs"]["shuiwu"].served_areas.add(w["tree"]["licang"])
    again = route(submitted(w, grid, service_type=w["types"]["water"]))
    assert again.organisation == w["orgs"]["shuiwu"]


def test_fallback_is_the_office_above_the_area_never_the_hotline(city):
    w = city
    grid = w["tree"]["licang_grid"]
    nothing = route(submitted(w, grid))  # no line at all
    assert nothing.organisation == w["orgs"]["hushanlu"]
    w["orgs"]["hushanlu"].is_active = False
    w["orgs"]["hushanlu"].save()
    assert route(submitted(w, grid)).organisation == w["orgs"]["licang_gov"]
    w["orgs"]["licang_gov"].is_active = False
    w["orgs"]["licang_gov"].save()
    # Nothing left in 李沧区: never the 12345 hotline, never 市南区's offices.
    assert selectors.department_for(grid, "") is None


def test_an_inactive_department_is_skipped(city):
    w = city
    w["orgs"]["licang_chengguan"].is_active = False
    w["orgs"]["licang_chengguan"].save()
    req = route(submitted(w, w["tree"]["licang_grid"], service_type=w["types"]["road"]))
    assert req.organisation == w["orgs"]["hushanlu"]
    assert req.organisation != w["orgs"]["chengguan"]


def test_a_property_matter_goes_to_the_compound_s_property_company(city):
    w = city
    matter = MatterType.objects.create(
        code="lift-test", name="电梯故障", request_class="community", handler_kind="property"
    )
    req = submitted(w, w["tree"]["grid"])
    Request.objects.filter(pk=req.pk).update(matter=matter)
    # No property company serves the compound yet: its committee.
    assert route(req, "community").organisation == w["orgs"]["committee"]
    # A company serving a whole district is not the compound's.
    Organisation.objects.create(area=w["tree"]["district"], kind="property", name="全区物业")
    req2 = submitted(w, w["tree"]["grid"])
    Request.objects.filter(pk=req2.pk).update(matter=matter)
    assert route(req2, "community").organisation == w["orgs"]["committee"]
    company = Organisation.objects.create(
        area=w["tree"]["community"], kind="property", name="海湾物业新湛项目部"
    )
    req3 = submitted(w, w["tree"]["grid"])
    Request.objects.filter(pk=req3.pk).update(matter=matter)
    assert route(req3, "community").organisation == company
    # …and not for a grid of another community
    other = submitted(w, w["tree"]["other_grid"])
    Request.objects.filter(pk=other.pk).update(matter=matter)
    assert route(other, "community").organisation == w["orgs"]["other_committee"]


def test_transfer_goes_only_to_an_active_organisation_serving_the_place(city, client):
    w = city
    req = route(submitted(w, w["tree"]["grid"], service_type=w["types"]["road"]))
    actor = w["people"]["chengguan"]
    for target in (w["orgs"]["licang_chengguan"], w["orgs"]["beiling"]):
        with pytest.raises(ValidationError):
            routing.request_transfer(
                request=req, actor=actor, organisation=target, reason="不归我们管"
            )
    w["orgs"]["zhujian"].is_active = False
    w["orgs"]["zhujian"].save()
    with pytest.raises(ValidationError):
        routing.request_transfer(
            request=req, actor=actor, organisation=w["orgs"]["zhujian"], reason="属住建"
        )
    req.refresh_from_db()
    assert req.organisation == w["orgs"]["chengguan"]
    assert not req.events.filter(kind=Event.Kind.TRANSFERRED).exists()
    # Through the page: a clear message, nothing changed, no 500.
    client.force_login(actor)
    page = client.post(
        reverse("triage:transfer", args=[req.pk]),
        {"organisation": w["orgs"]["licang_chengguan"].pk, "reason": "不归我们管"},
        follow=True,
    )
    assert page.status_code == 200
    assert "serves this request" in page.content.decode() or "服务该诉求" in (page.content.decode())
    req.refresh_from_db()
    assert req.organisation == w["orgs"]["chengguan"]
    routing.request_transfer(
        request=req, actor=actor, organisation=w["orgs"]["shuiwu"], reason="属供水管网"
    )
    req.refresh_from_db()
    assert req.organisation == w["orgs"]["shuiwu"]


def test_staff_confirming_a_licang_request_route_it_in_licang(city):
    w = city
    staff = factories.member("committee", w["tree"]["licang_community"], w["orgs"]["beiling"])
    req = submitted(w, w["tree"]["licang_grid"], service_type=w["types"]["road"])
    Request.objects.filter(pk=req.pk).update(status="triaged")
    routing.request_confirm(request=req, actor=staff, request_class="government")
    req.refresh_from_db()
    assert req.organisation == w["orgs"]["licang_chengguan"]
    # Naming a handler by hand: only one serving the place.
    other = submitted(w, w["tree"]["licang_grid"], service_type=w["types"]["road"])
    Request.objects.filter(pk=other.pk).update(status="triaged")
    with pytest.raises(ValidationError):
        routing.request_confirm(
            request=other,
            actor=staff,
            request_class="government",
            organisation=w["orgs"]["chengguan"],
        )
    assert Request.objects.get(pk=other.pk).organisation is None


# --- the hotline's grid picker ------------------------------------------------------------


def test_the_grid_picker_names_grids_in_full_and_is_searchable(
    client, city, django_assert_num_queries
):
    w = city
    client.force_login(w["people"]["hotline"])
    url = reverse("triage:intake")
    client.get(url)
    with django_assert_num_queries(4):  # session, memberships, the grids, their names
        page = client.get(url)
    html = page.content.decode()
    assert "市南区 · 八大湖街道 · 新湛社区 · 第一网格" in html
    assert "市南区 · 八大湖街道 · 延安三路社区 · 第一网格" in html
    assert "李沧区 · 虎山路街道 · 北岭社区 · 第一网格" in html
    assert "青岛市" not in html.split("<datalist", 1)[1].split("</datalist>", 1)[0]
    assert 'list="id_grid-options"' in html and '<datalist id="id_grid-options">' in html


def _enter(client, grid: str, text: str):
    return client.post(
        reverse("triage:intake"),
        {
            "channel": "hotline",
            "grid": grid,
            "text": text,
            "contact": "phone",
            "reporter_name": "王先生",
        },
    )


@pytest.mark.parametrize(
    "typed", ["李沧区 · 虎山路街道 · 北岭社区 · 第一网格", "北岭 第一", "北岭社区第一网格"]
)
def test_the_operator_picks_a_grid_by_any_unique_part_of_its_name(client, city, typed):
    w = city
    client.force_login(w["people"]["hotline"])
    r = _enter(client, typed, f"来电人反映：小区门口路灯坏了（{typed}）")
    assert r.status_code == 302
    req = Request.objects.get(text__endswith=f"（{typed}）")
    assert req.area == w["tree"]["licang_grid"]


@pytest.mark.parametrize("typed", ["第一网格", "不存在的网格"])
def test_an_ambiguous_or_unknown_grid_is_refused_and_nothing_is_entered(client, city, typed):
    w = city
    client.force_login(w["people"]["hotline"])
    before = Request.objects.count()
    r = _enter(client, typed, "来电人反映：路灯坏了")
    assert r.status_code == 200
    html = r.content.decode()
    assert "pick one from the list" in html or "请从列表中选择" in html
    assert Request.objects.count() == before


def test_a_grid_worker_cannot_pick_a_grid_outside_their_area(client, city):
    w = city
    client.force_login(w["people"]["grid_worker"])
    html = client.get(reverse("triage:intake")).content.decode()
    assert "北岭社区" not in html
    before = Request.objects.count()
    r = client.post(
        reverse("triage:intake"),
        {
            "channel": "grid_worker",
            "grid": w["tree"]["licang_grid"].pk,
            "text": "走访发现：路灯坏了",
            "contact": "phone",
        },
    )
    assert r.status_code == 200 and Request.objects.count() == before


@pytest.mark.parametrize(
    "name,line",
    [
        ("市南区城市管理局", "城管"),
        ("市南区民政局", "民政"),
        ("市南区人民政府", ""),  # holds 民政 in its name, but dispatches: no line
        ("八大湖街道办事处", ""),
        ("青岛市公安局市南分局", "公安"),
    ],
)
def test_a_department_s_line_is_read_from_its_name_once(name, line):
    from portal.models import guess_line

    assert guess_line(name) == line


def test_the_transfer_menu_offers_only_organisations_serving_the_request(city, client):
    """A handler's transfer menu lists who serves the request's place, never another
    district's bureau (the service would refuse it anyway)."""
    w = city
    req = route(submitted(w, w["tree"]["licang_grid"], service_type=w["types"]["road"]))
    handler = factories.member("department", req.area, organisation=req.organisation)
    client.force_login(handler)
    menu = client.get(reverse("triage:detail", args=[req.pk])).context["transfer_form"]
    offered = set(menu.fields["organisation"].queryset)
    assert w["orgs"]["hushanlu"] in offered and w["orgs"]["licang_gov"] in offered
    assert all(o.serves(req.area) for o in offered)
    assert w["orgs"]["chengguan"] not in offered


def test_a_confirmation_made_in_english_is_written_in_the_sites_language(city):
    """The timeline is stored once, in 简体中文: staff reading in English must not leave
    English notes for residents (found by tests/portal/test_chinese_everywhere.py)."""
    from django.utils import translation

    w = city
    req = submitted(w, w["tree"]["grid"])
    Request.objects.filter(pk=req.pk).update(status=Request.Status.TRIAGED)
    req.refresh_from_db()
    with translation.override("en"):
        routing.request_confirm(
            request=req, actor=w["people"]["committee"], request_class="community"
        )
    note = Event.objects.get(request=req, kind=Event.Kind.TRIAGED).note
    assert note.startswith("小事") and "matter" not in note
