"""The service directory's map (#14): a point for each listed entry that has one, as the
page's filters list them; the admin refuses a point that is not a place on Earth."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from tests.triage.test_viewsets import DIRECTORY, _no_staff_mfa  # noqa: F401
from triage.models import GridBoundary, ServiceDirectoryEntry

pytestmark = pytest.mark.django_db


def _map(response) -> dict | None:
    html = response.content.decode()
    marker = '<script id="directory-map-data" type="application/json">'
    if marker not in html:
        return None
    return json.loads(html.split(marker, 1)[1].split("</script>", 1)[0])


@pytest.fixture
def placed(w):
    tree = w["tree"]
    ServiceDirectoryEntry.objects.filter(name="巧手家政服务中心").update(lat="36.06", lon="120.39")
    ServiceDirectoryEntry.objects.filter(name="老周（志愿者）").update(lat="36.061", lon="120.391")
    other = ServiceDirectoryEntry.objects.create(
        name="<b>延安三路</b>便民维修点",
        kind="public",
        area=tree["other_community"],
        services="修自行车 配钥匙",
        lat="36.08",
        lon="120.39",
    )
    ServiceDirectoryEntry.objects.create(
        name="停业的修鞋摊",
        kind="provider",
        area=tree["community"],
        services="修鞋",
        lat="36.062",
        lon="120.392",
        is_active=False,
    )
    GridBoundary.objects.get_or_create(
        area=tree["community"],
        defaults={"polygon": [[36.05, 120.38], [36.05, 120.40], [36.09, 120.40], [36.09, 120.38]]},
    )
    return other


def labels(data) -> list[str]:
    return sorted(p["label"] for p in data["points"])


def test_points_only_for_the_listed_entries(client, w, placed):
    url = reverse("triage:directory")
    data = _map(client.get(url))
    assert labels(data) == sorted(
        [
            "巧手家政服务中心 · 市场服务",
            "老周（志愿者） · 志愿者",
            "<b>延安三路</b>便民维修点 · 公共服务",
        ]
    )
    assert all(set(p) == {"lat", "lon", "label"} for p in data["points"])  # no link, no phone
    # The community outlines are the backdrop when no area is chosen.
    assert [a["kind"] for a in data["areas"]] == ["community"]

    data = _map(client.get(url, {"kind": "volunteer"}))
    assert labels(data) == ["老周（志愿者） · 志愿者"]
    data = _map(client.get(url, {"q": "钥匙"}))
    assert labels(data) == ["<b>延安三路</b>便民维修点 · 公共服务"]
    # 新湛社区: its volunteer and the district-wide provider, with its grids' outlines.
    data = _map(client.get(url, {"area": w["tree"]["community"].pk}))
    assert labels(data) == ["巧手家政服务中心 · 市场服务", "老周（志愿者） · 志愿者"]
    assert any(a["kind"] == "grid" for a in data["areas"])


def test_the_name_is_data_never_markup(client, w, placed):
    html = client.get(reverse("triage:directory"), {"q": "钥匙"}).content.decode()
    assert "<b>延安三路</b>" not in html  # escaped in the list and in the json_script
    assert "\\u003Cb\\u003E" in html


def test_no_map_when_no_listed_entry_has_a_point(client, w):
    ServiceDirectoryEntry.objects.update(lat=None, lon=None)
    response = client.get(reverse("triage:directory"))
    assert _map(response) is None
    assert 'data-testid="directory-map"' not in response.content.decode()
    assert "leaflet.js" not in response.content.decode()


def _entry_data(tree, **point):
    return {
        "name": "王师傅开锁",
        "kind": "provider",
        "area": tree["grid"].pk,
        "services": "开锁",
        "phone": "",
        "hours": "",
        "is_active": "on",
        **point,
    }


@pytest.mark.parametrize(
    "point",
    [
        {"lat": "91", "lon": "120.39"},
        {"lat": "36.06", "lon": "-181"},
        {"lat": "abc", "lon": "120.39"},
        {"lat": "36.06", "lon": ""},
        {"lat": "", "lon": "120.39"},
    ],
)
def test_the_admin_refuses_a_point_off_the_earth_or_half_a_point(client, w, point):
    client.force_login(w["people"]["committee"])
    response = client.post(reverse(f"{DIRECTORY}:add"), _entry_data(w["tree"], **point))
    assert response.status_code == 200  # the form again, with its error
    if "" in point.values():
        assert "纬度和经度" in response.content.decode()  # both, or neither
    assert not ServiceDirectoryEntry.objects.filter(name="王师傅开锁").exists()


def test_the_admin_saves_a_point(client, w):
    client.force_login(w["people"]["committee"])
    form = client.get(reverse(f"{DIRECTORY}:add")).content.decode()
    assert 'name="lat"' in form and 'name="lon"' in form
    response = client.post(
        reverse(f"{DIRECTORY}:add"), _entry_data(w["tree"], lat="36.06", lon="120.39")
    )
    assert response.status_code == 302
    entry = ServiceDirectoryEntry.objects.get(name="王师傅开锁")
    assert (float(entry.lat), float(entry.lon)) == (36.06, 120.39)
