"""Journeys on the maps (issue 14), at phone width (390 px) and with no tile source (the
embedded default): the report form's map picker fills the latitude and longitude and the
server refuses a point outside the resident's grid; the community page and the dashboard
draw the grid outlines.  No page may break the Content-Security-Policy: every
`securitypolicyviolation` event is recorded and the journey fails on any."""

import os

import pytest

from cms.models import CommunityPage
from tests import factories
from tests.e2e.conftest import sign_in
from tests.triage.factories import world
from tests.triage.test_views import hotline_request
from triage.models import GridBoundary, Request, ServiceDirectoryEntry

PHONE = {"width": 390, "height": 844}
SHOTS = os.environ.get("MAP_SHOTS", "/work/shots")

RECORD_CSP = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " " + e.blockedURI);
});
"""


def _shot(page, name):
    if SHOTS and os.path.isdir(SHOTS):
        page.screenshot(path=os.path.join(SHOTS, f"maps-{name}.png"), full_page=True)


def _no_csp_violation(page):
    assert page.evaluate("window.__csp") == []


def _click_in(page, selector, fx=0.5, fy=0.5):
    page.locator("#report-map").scroll_into_view_if_needed()
    box = page.locator(selector).first.bounding_box()
    page.mouse.click(box["x"] + box["width"] * fx, box["y"] + box["height"] * fy)


@pytest.mark.django_db(transaction=True)
def test_map_picker_fills_the_point_and_a_point_outside_the_grid_is_refused(page):
    tree = factories.city_tree()
    world(tree)  # the grid's outline: 36.05–36.07 N, 120.38–120.40 E
    resident = factories.resident(tree["grid"])
    page.set_viewport_size(PHONE)
    page.context.add_init_script(RECORD_CSP)
    sign_in(page, resident)

    page.goto(page.base_url + "/triage/new/")
    picker = page.get_by_test_id("map-picker")
    picker.locator(".leaflet-container path.map-grid-focus").wait_for()
    assert not page.locator("#map-numbers").get_attribute("open")  # the numbers wait inside
    _click_in(page, "#report-map path.map-grid-focus")
    lat = float(page.input_value("#id_lat"))
    lon = float(page.input_value("#id_lon"))
    assert 36.05 < lat < 36.07 and 120.38 < lon < 120.40
    assert "36." in page.locator("#map-status").inner_text()
    assert picker.locator("path.map-chosen").count() == 1
    _shot(page, "picker")
    _no_csp_violation(page)
    page.fill("textarea[name=text]", "小区门口的路灯坏了，晚上很黑")
    page.get_by_test_id("report-form").locator("button[type=submit]").click()
    page.wait_for_load_state()
    req = Request.objects.get()
    assert abs(float(req.lat) - lat) < 1e-5 and abs(float(req.lon) - lon) < 1e-5

    # A tap outside the red outline: the map warns, the server refuses, nothing is saved.
    page.goto(page.base_url + "/triage/new/")
    page.locator("#report-map path.map-grid-focus").wait_for()
    _click_in(page, "#report-map", 0.03, 0.5)
    assert "网格" in page.locator("#map-status").inner_text()
    page.fill("textarea[name=text]", "楼道里堆满了杂物")
    page.get_by_test_id("report-form").locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert Request.objects.count() == 1
    numbers = page.locator("#map-numbers")
    assert numbers.get_attribute("open") is not None
    assert "第一网格范围内" in numbers.inner_text()
    # The refused form keeps the chosen point on the map.
    assert page.locator("#report-map path.map-chosen").count() == 1
    _shot(page, "picker-outside")
    _no_csp_violation(page)


@pytest.mark.django_db(transaction=True)
def test_the_community_page_and_the_dashboard_draw_the_grid_outlines(page):
    tree = factories.city_tree()
    w = world(tree)
    w["tree"], w["resident"] = tree, factories.resident(tree["grid"])
    GridBoundary.objects.create(
        area=tree["grid2"],
        polygon=[[36.07, 120.38], [36.07, 120.40], [36.09, 120.40], [36.09, 120.38]],
    )
    GridBoundary.objects.create(
        area=tree["community"],
        polygon=[[36.05, 120.38], [36.05, 120.40], [36.09, 120.40], [36.09, 120.38]],
    )
    page.set_viewport_size(PHONE)
    page.context.add_init_script(RECORD_CSP)

    community = CommunityPage.objects.get(area=tree["community"])
    page.goto(page.base_url + community.url)
    area_map = page.get_by_test_id("area-map")
    area_map.locator("path.map-grid").nth(1).wait_for()
    assert area_map.locator("path.map-grid").count() == 2
    assert area_map.locator("path.map-community").count() == 1
    labels = area_map.locator(".map-label").all_inner_texts()
    assert any("第一网格" in t for t in labels) and any("第二网格" in t for t in labels)
    assert area_map.locator("path.map-point").count() == 0  # the public: never a point
    area_map.scroll_into_view_if_needed()
    _shot(page, "community")
    _no_csp_violation(page)

    # The department handling a request sees its exact point on the dashboard.
    req = hotline_request(w)
    Request.objects.filter(pk=req.pk).update(lat="36.06", lon="120.39")
    sign_in(page, w["people"]["chengguan"])
    page.goto(page.base_url + "/triage/dashboard/")
    staff_map = page.get_by_test_id("area-map")
    staff_map.locator("path.map-point").wait_for()
    assert staff_map.locator("path.map-point").count() == 1
    staff_map.locator("path.map-point").click()
    assert req.number in staff_map.locator(".leaflet-popup-content a").inner_text()
    staff_map.scroll_into_view_if_needed()
    _shot(page, "dashboard")
    _no_csp_violation(page)


@pytest.mark.django_db(transaction=True)
def test_a_committee_draws_a_grids_outline_in_the_admin(page, settings):
    settings.PORTAL_REQUIRE_STAFF_MFA = False
    tree = factories.city_tree()
    world(tree)  # 第一网格 has an outline; 第二网格 has none yet
    committee = factories.member("committee", tree["community"])
    page.set_viewport_size(PHONE)
    page.context.add_init_script(RECORD_CSP)
    sign_in(page, committee)

    page.goto(page.base_url + "/admin/snippets/triage/gridboundary/add/")
    page.select_option("#id_area", str(tree["grid2"].pk))
    drawing = page.locator("#id_geojson-map")
    drawing.locator("path.map-grid").first.wait_for()  # 第一网格, for reference
    drawing.scroll_into_view_if_needed()
    box = drawing.bounding_box()
    for fx, fy in ((0.2, 0.15), (0.8, 0.15), (0.8, 0.4), (0.2, 0.4)):
        page.mouse.click(box["x"] + box["width"] * fx, box["y"] + box["height"] * fy)
    page.click("#id_geojson-undo")  # the fourth corner taken back: a triangle
    drawn = page.input_value("#id_geojson")
    assert '"Polygon"' in drawn and drawn.count("],[") == 3  # three corners and the closing one
    _shot(page, "admin-draw")
    _no_csp_violation(page)
    page.locator("button.action-save").first.click()
    page.wait_for_load_state()
    outline = GridBoundary.objects.get(area=tree["grid2"]).polygon
    assert len(outline) == 3
    # Where the map showed 第一网格 (36.05–36.07 N, 120.38–120.40 E): near it, in WGS-84.
    assert all(36.0 < p[0] < 36.12 and 120.33 < p[1] < 120.45 for p in outline)


@pytest.mark.django_db(transaction=True)
def test_the_service_directory_maps_its_listed_entries(page):
    tree = factories.city_tree()
    world(tree)  # 巧手家政服务中心 (the district's) and 老周 (the community's volunteer)
    ServiceDirectoryEntry.objects.filter(name="巧手家政服务中心").update(lat="36.06", lon="120.39")
    ServiceDirectoryEntry.objects.create(
        name="<b>修鞋</b>摊",
        kind="provider",
        area=tree["community"],
        services="修鞋 配钥匙",
        lat="36.065",
        lon="120.385",
    )
    GridBoundary.objects.create(
        area=tree["community"],
        polygon=[[36.05, 120.38], [36.05, 120.40], [36.09, 120.40], [36.09, 120.38]],
    )
    page.set_viewport_size(PHONE)
    page.context.add_init_script(RECORD_CSP)

    page.goto(page.base_url + "/triage/directory/")
    directory_map = page.get_by_test_id("directory-map")
    directory_map.locator("path.map-point").nth(1).wait_for()
    assert directory_map.locator("path.map-point").count() == 2  # 老周 has no point
    assert directory_map.locator("path.map-community").count() == 1  # no tiles: the outline
    directory_map.scroll_into_view_if_needed()
    _shot(page, "directory")
    _no_csp_violation(page)

    # A filter narrows the map as it narrows the list; a name is text, never markup.
    page.goto(page.base_url + "/triage/directory/?q=钥匙")
    directory_map = page.get_by_test_id("directory-map")
    directory_map.locator("path.map-point").wait_for()
    assert directory_map.locator("path.map-point").count() == 1
    directory_map.locator("path.map-point").click()
    popup = directory_map.locator(".leaflet-popup-content")
    assert popup.inner_text() == "<b>修鞋</b>摊 · 市场服务"
    assert popup.locator("b").count() == 0
    _no_csp_violation(page)
