"""Maps (issue 14): point in polygon, GeoJSON outlines in and out, what each map may show
whom (grid counts for the public, exact points only for those who read the request in
full), outlines drawn or imported by a committee in the admin, and the tile source as a
setting that opens img-src to its hosts only."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cms.models import CommunityPage
from portal.maps import map_config_json, tianditu, tile_origins
from tests import factories
from tests.triage.test_views import hotline_request
from tests.triage.test_viewsets import with_admin
from triage import geo, selectors_maps
from triage.models import GridBoundary, Request
from triage.selectors_maps import grid_rows, picker_map, public_map, staff_map

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_staff_mfa(settings):
    settings.PORTAL_REQUIRE_STAFF_MFA = False


OUTLINES = "wagtailsnippets_triage_gridboundary"
SQUARE = [[36.05, 120.38], [36.05, 120.40], [36.07, 120.40], [36.07, 120.38]]
L_SHAPE = [[0, 0], [0, 2], [1, 2], [1, 1], [2, 1], [2, 0]]  # [lat, lon]


# --- geometry ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "lat,lon,inside",
    [
        (36.06, 120.39, True),
        (36.049, 120.39, False),
        (36.06, 120.401, False),
        (36.08, 120.39, False),
    ],
)
def test_point_in_a_square_grid(lat, lon, inside):
    assert geo.point_in_polygon(lat, lon, SQUARE) is inside


def test_point_in_a_concave_outline():
    assert geo.point_in_polygon(0.5, 1.5, L_SHAPE)
    assert geo.point_in_polygon(1.5, 0.5, L_SHAPE)
    assert not geo.point_in_polygon(1.5, 1.5, L_SHAPE)  # the notch of the L
    assert not geo.point_in_polygon(-0.1, 0.5, L_SHAPE)


def test_geojson_round_trip_swaps_to_longitude_first_and_closes_the_ring():
    polygon = geo.outline_to_geojson(SQUARE)
    assert polygon["type"] == "Polygon"
    assert polygon["coordinates"][0][0] == [120.38, 36.05] == polygon["coordinates"][0][-1]
    assert geo.outline_from_geojson(json.dumps(polygon)) == SQUARE


@pytest.mark.parametrize(
    "wrap",
    [
        lambda p: p,
        lambda p: {"type": "Feature", "properties": {"name": "第一网格"}, "geometry": p},
        lambda p: {
            "type": "FeatureCollection",
            "features": [{"type": "Feature", "properties": {}, "geometry": p}],
        },
        lambda p: {"type": "MultiPolygon", "coordinates": [p["coordinates"]]},
    ],
    ids=["polygon", "feature", "collection", "multipolygon"],
)
def test_geojson_import_accepts_one_polygon_however_wrapped(wrap):
    text = json.dumps(wrap(geo.outline_to_geojson(SQUARE)))
    assert geo.outline_from_geojson(text) == SQUARE
    assert geo.outline_from_geojson(("\ufeff" + text).encode()) == SQUARE  # a BOM, as saved


def _feature(coords):
    return json.dumps({"type": "Polygon", "coordinates": [coords]})


@pytest.mark.parametrize(
    "text",
    [
        "",
        "{",
        "[1, 2]",
        "null",
        '{"type": "Point", "coordinates": [120.39, 36.06]}',
        '{"type": "Polygon"}',
        '{"type": "Polygon", "coordinates": []}',
        _feature([[120.38, 36.05], [120.40, 36.05]]),  # two corners
        _feature([[120.38, 36.05], [120.39, 36.06], [120.40, 36.07]]),  # a line: no area
        _feature([[36.05, 120.38], [36.05, 120.40], [36.07, 120.40]]),  # lat first: off the globe
        _feature([["a", "b"], [1, 2], [3, 4]]),
        _feature([[True, 1], [1, 2], [3, 4]]),
        '{"type": "Polygon", "coordinates": [[[NaN, 1], [1, 2], [3, 4]]]}',
        _feature([[i * 1e-4, 0] for i in range(geo.MAX_POINTS + 2)]),
        json.dumps({"type": "FeatureCollection", "features": []}),
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [{"type": "Feature", "geometry": geo.outline_to_geojson(SQUARE)}] * 2,
            }
        ),
        "[" * 100000,
        " " * (geo.MAX_GEOJSON_BYTES + 1),
    ],
)
def test_malformed_geojson_is_refused_with_a_translated_message(text):
    with pytest.raises(ValidationError) as exc:
        geo.outline_from_geojson(text)
    assert exc.value.code == "bad_geojson"
    assert exc.value.messages and exc.value.messages[0]


def test_the_message_is_in_chinese_on_a_chinese_page():
    from django.utils import translation

    with translation.override("zh-hans"), pytest.raises(ValidationError) as exc:
        geo.outline_from_geojson("{")
    assert "GeoJSON" in exc.value.messages[0] and "无法读取" in exc.value.messages[0]


def test_the_model_checks_points_with_the_same_geometry(w):
    boundary = GridBoundary.objects.get(area=w["tree"]["grid"])
    assert boundary.contains(36.06, 120.39) and not boundary.contains(36.3, 120.9)


# --- who sees what on a map ------------------------------------------------------------


@pytest.fixture
def placed(w):
    """A request with an exact point, routed to the city management bureau."""
    req = hotline_request(w)
    Request.objects.filter(pk=req.pk).update(lat="36.061234", lon="120.391234")
    req.refresh_from_db()
    assert Request.objects.public().filter(pk=req.pk).exists()
    return req


def _grid(data, area):
    return next(a for a in data["areas"] if a["id"] == area.pk)


def test_the_public_map_counts_public_requests_per_grid_and_shows_no_point(w, placed):
    data = public_map(w["tree"]["community"])
    assert data["points"] == []
    assert _grid(data, w["tree"]["grid"])["count"] == 1
    hotline_request(w)
    data = public_map(w["tree"]["community"])
    assert _grid(data, w["tree"]["grid"])["count"] == 2
    assert "2" in _grid(data, w["tree"]["grid"])["label"]
    assert _grid(data, w["tree"]["grid"])["outline"] == SQUARE
    assert _grid(data, w["tree"]["grid2"])["count"] == 0
    assert "120.391234" not in json.dumps(data)


def test_a_private_matter_is_not_even_counted_on_the_public_map(w, placed):
    Request.objects.filter(pk=placed.pk).update(sensitive=True)
    assert _grid(public_map(w["tree"]["community"]), w["tree"]["grid"])["count"] == 0


def test_exact_points_only_for_those_who_read_the_request_in_full(w, placed):
    community = w["tree"]["community"]
    handler = w["people"]["chengguan"]
    points = staff_map(w["tree"]["district"], handler)["points"]
    assert [(p["lat"], p["lon"]) for p in points] == [(36.061234, 120.391234)]
    assert points[0]["url"] == reverse("triage:detail", args=[placed.pk])
    assert placed.number in points[0]["label"]
    # A department not handling it, a grid worker, the committee (it is the bureau's 大事),
    # a neighbour: the counts, never the point.
    for who in (
        w["people"]["shuiwu"],
        w["people"]["grid_worker"],
        factories.resident(w["tree"]["grid"]),
    ):
        data = staff_map(community, who)
        assert data["points"] == [], who
        assert _grid(data, w["tree"]["grid"])["count"] == 1


def test_above_a_community_the_map_counts_per_child_area_from_the_daily_counts(w, placed):
    """A street's (or district's, or city's) dashboard map has one entry per child area,
    counted from the daily counts' all-time rows, never one per grid of the whole city;
    the points stay the handler's own."""
    tree = w["tree"]
    hotline_request(w)
    GridBoundary.objects.create(area=tree["community"], polygon=SQUARE)
    data = staff_map(tree["street"], w["people"]["chengguan"])
    children = {a["id"]: a for a in data["areas"]}
    assert set(children) == {tree["community"].pk, tree["other_community"].pk}
    here = children[tree["community"].pk]
    assert here["count"] == Request.objects.within(tree["community"]).count() == 2
    assert here["outline"] == SQUARE and "2" in here["label"]
    assert children[tree["other_community"].pk]["count"] == 0
    assert [(p["lat"], p["lon"]) for p in data["points"]] == [(36.061234, 120.391234)]
    city = staff_map(tree["city"], w["people"]["chengguan"])
    assert [(a["id"], a["count"]) for a in city["areas"]] == [(tree["district"].pk, 2)]
    assert grid_rows(city) == city["areas"]


def test_the_dashboard_page_embeds_points_for_the_handler_only(client, w, placed):
    client.force_login(w["people"]["chengguan"])
    html = client.get(reverse("triage:dashboard")).content.decode()
    assert 'id="dashboard-map-data"' in html and "36.061234" in html
    client.force_login(w["people"]["grid_worker"])
    html = client.get(reverse("triage:dashboard")).content.decode()
    assert 'id="dashboard-map-data"' in html and "36.061234" not in html


def test_the_community_page_shows_outlines_and_counts_never_a_point(client, w, placed):
    page = CommunityPage.objects.get(area=w["tree"]["community"])
    client.force_login(w["people"]["chengguan"])  # even to the handler: the page is public
    html = client.get(page.url).content.decode()
    assert 'id="community-map-data"' in html and "120.38" in html
    assert "36.061234" not in html and "120.391234" not in html


def test_the_report_form_map_marks_the_residents_grid(client, w):
    data = picker_map(w["tree"]["grid"])
    assert _grid(data, w["tree"]["grid"]).get("focus") is True
    assert not _grid(data, w["tree"]["grid2"]).get("focus")
    assert data["bounds"] == [[36.05, 120.38], [36.07, 120.40]]
    client.force_login(w["resident"])
    html = client.get(reverse("triage:new")).content.decode()
    assert 'data-mode="pick"' in html and 'id="report-map-data"' in html


def test_a_point_outside_the_grid_is_refused_and_nothing_saved(client, w):
    client.force_login(w["resident"])
    r = client.post(
        reverse("triage:new"),
        {"text": "路灯坏了", "contact": "site", "lat": "36.08", "lon": "120.39"},
    )
    assert r.status_code == 200 and "lat" in r.context["form"].errors
    assert "第一网格范围内" in r.content.decode()
    assert 'id="map-numbers" open' in r.content.decode()  # the numbers shown with the error
    assert not Request.objects.exists()
    r = client.post(
        reverse("triage:new"),
        {"text": "路灯坏了", "contact": "site", "lat": "36.06", "lon": "120.39"},
    )
    assert r.status_code == 302 and Request.objects.get().lat is not None


def test_the_dashboard_map_costs_the_same_queries_however_many_grids_and_requests(client, w):
    client.force_login(w["people"]["chengguan"])
    url = reverse("triage:dashboard")

    def count():
        client.get(url)  # warm the per-process caches
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx)

    few = count()
    for i in range(4):
        grid = factories.area(w["tree"]["community"], "grid", f"新网格{i}")
        GridBoundary.objects.create(area=grid, polygon=SQUARE)
        req = hotline_request(w)
        Request.objects.filter(pk=req.pk).update(lat="36.06", lon="120.39")
    assert count() == few


# --- outlines in the admin -------------------------------------------------------------


def _geojson_post(area, text="", upload=None):
    data = {"area": str(area.pk), "geojson": text}
    if upload is not None:
        data["geojson_file"] = upload
    return data


def test_a_committee_imports_its_grids_outline_as_geojson(client, w):
    client.force_login(with_admin(w["people"]["committee"]))
    grid2 = w["tree"]["grid2"]
    ring = [[36.07, 120.38], [36.07, 120.40], [36.09, 120.40], [36.09, 120.38]]
    upload = SimpleUploadedFile(
        "grid2.geojson",
        json.dumps(
            {"type": "Feature", "properties": {}, "geometry": geo.outline_to_geojson(ring)}
        ).encode(),
        content_type="application/geo+json",
    )
    r = client.post(reverse(f"{OUTLINES}:add"), _geojson_post(grid2, upload=upload))
    assert r.status_code == 302, r.context["form"].errors if r.context else r
    assert GridBoundary.objects.get(area=grid2).polygon == ring


def test_a_committee_draws_and_edits_an_outline(client, w):
    client.force_login(with_admin(w["people"]["committee"]))
    boundary = GridBoundary.objects.get(area=w["tree"]["grid"])
    edit = reverse(f"{OUTLINES}:edit", args=[boundary.pk])
    page = client.get(edit).content.decode()
    assert 'data-mode="draw"' in page and "120.38" in page  # the outline, as GeoJSON
    smaller = [[36.05, 120.38], [36.05, 120.39], [36.06, 120.39], [36.06, 120.38]]
    text = json.dumps(geo.outline_to_geojson(smaller))
    r = client.post(edit, _geojson_post(w["tree"]["grid"], text))
    assert r.status_code == 302
    boundary.refresh_from_db()
    assert boundary.polygon == smaller


@pytest.mark.parametrize(
    "text", ["{", '{"type": "Point", "coordinates": [1, 2]}', "", _feature([[1, 2], [3, 4]])]
)
def test_malformed_geojson_in_the_admin_is_refused_and_nothing_changes(client, w, text):
    client.force_login(with_admin(w["people"]["committee"]))
    boundary = GridBoundary.objects.get(area=w["tree"]["grid"])
    before = list(boundary.polygon)
    r = client.post(
        reverse(f"{OUTLINES}:edit", args=[boundary.pk]), _geojson_post(w["tree"]["grid"], text)
    )
    assert r.status_code == 200 and r.context["form"].errors
    boundary.refresh_from_db()
    assert boundary.polygon == before
    r = client.post(reverse(f"{OUTLINES}:add"), _geojson_post(w["tree"]["grid2"], text))
    assert r.status_code == 200 and not GridBoundary.objects.filter(area=w["tree"]["grid2"])
    bad_file = SimpleUploadedFile("x.geojson", b"\xff\xfe not json")
    r = client.post(reverse(f"{OUTLINES}:add"), _geojson_post(w["tree"]["grid2"], upload=bad_file))
    assert r.status_code == 200 and "geojson_file" in r.context["form"].errors


def test_a_committee_cannot_draw_another_communitys_grid(client, w):
    other = w["tree"]["other_grid"]
    theirs = GridBoundary.objects.create(area=other, polygon=SQUARE)
    client.force_login(with_admin(w["people"]["committee"]))
    text = json.dumps(geo.outline_to_geojson(SQUARE))
    other_grid2 = factories.area(w["tree"]["other_community"], "grid", "第二网格")
    r = client.post(reverse(f"{OUTLINES}:add"), _geojson_post(other_grid2, text))
    assert r.status_code == 200 and "area" in r.context["form"].errors
    assert not GridBoundary.objects.filter(area=other_grid2).exists()
    assert client.get(reverse(f"{OUTLINES}:edit", args=[theirs.pk])).status_code == 404
    html = client.get(reverse(f"{OUTLINES}:list")).content.decode()
    assert str(w["tree"]["grid"]) in html
    # A grid worker or a resident is not offered the screen at all.
    client.force_login(with_admin(w["people"]["grid_worker"]))
    assert client.get(reverse(f"{OUTLINES}:list")).status_code in (302, 403)


def test_a_community_outline_never_places_an_open311_request(w):
    """Open311 places a point by the grids' outlines: a community's outline is not a grid."""
    from triage.open311.intake import locate

    GridBoundary.objects.create(
        area=w["tree"]["community"],
        polygon=[[36.0, 120.3], [36.0, 120.5], [36.2, 120.5], [36.2, 120.3]],
    )
    grid, _needs = locate({"lat": "36.06", "long": "120.39"})
    assert grid == w["tree"]["grid"]


# --- the tile source --------------------------------------------------------------------


def test_no_tile_source_by_default_and_no_map_host_in_the_policy(client, settings):
    settings.MAP_TILES = None
    assert json.loads(map_config_json()) == {"tiles": None, "crs": "wgs84"}
    csp = client.get("/").headers["Content-Security-Policy"]
    assert "tianditu" not in csp


def test_a_tile_source_opens_img_src_to_its_hosts_only(client, settings):
    settings.MAP_TILES = tianditu("k3y")
    settings.MAP_TILES_CRS = "wgs84"
    assert tile_origins() == [f"https://t{i}.tianditu.gov.cn" for i in range(8)]
    config = json.loads(map_config_json())
    assert "tk=k3y" in config["tiles"]["url"] and "{key}" not in config["tiles"]["url"]
    assert "cva_w" in config["tiles"]["overlay_url"]
    csp = client.get("/").headers["Content-Security-Policy"]
    img = next(d for d in csp.split(";") if d.strip().startswith("img-src"))
    assert "https://t0.tianditu.gov.cn" in img and "https://t7.tianditu.gov.cn" in img
    for directive in csp.split(";"):
        if not directive.strip().startswith("img-src"):
            assert "tianditu" not in directive  # scripts, styles, connections: still ours only


def test_an_xyz_source_in_gcj02_and_the_admin_policy(client, settings, w):
    settings.MAP_TILES = {
        "url": "https://webrd0{s}.is.autonavi.com/appmaptile?style=8&x={x}&y={y}&z={z}",
        "subdomains": "1234",
        "attribution": "© 高德地图",
    }
    settings.MAP_TILES_CRS = "GCJ02"
    assert json.loads(map_config_json())["crs"] == "gcj02"
    assert tile_origins() == [f"https://webrd0{i}.is.autonavi.com" for i in "1234"]
    client.force_login(with_admin(w["people"]["committee"]))
    csp = client.get(reverse(f"{OUTLINES}:list")).headers["Content-Security-Policy"]
    img = next(d for d in csp.split(";") if d.strip().startswith("img-src"))
    assert "https://webrd01.is.autonavi.com" in img and "blob:" in img  # the admin's own too


def test_an_unknown_crs_falls_back_to_wgs84(settings):
    settings.MAP_TILES_CRS = "bd09"
    assert json.loads(map_config_json())["crs"] == "wgs84"


def test_points_are_found_past_newer_requests_the_reader_may_not_read(w, placed, monkeypatch):
    """The newest placed requests are taken by index first and only then checked against
    what the reader may read: a reader whose own request is older than three of a
    neighbour's still sees its point, as long as it is among the newest looked at."""
    neighbour = factories.resident(w["tree"]["grid"])
    for minutes in (1, 2, 3):  # newer and placed, but the neighbour's
        other = hotline_request(w)
        Request.objects.filter(pk=other.pk).update(
            reporter=neighbour,
            lat="36.07",
            lon="120.40",
            created_at=placed.created_at + dt.timedelta(minutes=minutes),
        )
    monkeypatch.setattr(selectors_maps, "POINTS_LOOKED_AT", 4)
    points = staff_map(w["tree"]["district"], w["resident"])["points"]
    assert [p["url"] for p in points] == [reverse("triage:detail", args=[placed.pk])]
    theirs = staff_map(w["tree"]["district"], neighbour)["points"]
    assert [(p["lat"], p["lon"]) for p in theirs] == [(36.07, 120.40)] * 3
    monkeypatch.setattr(selectors_maps, "POINTS_LOOKED_AT", 3)
    assert staff_map(w["tree"]["district"], w["resident"])["points"] == []
