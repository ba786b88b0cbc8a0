"""Issue 16: the service catalogue and the directory on Wagtail viewsets.

Service types (and grid outlines) are the site administrators'; a directory entry belongs
to the area it serves, kept by whoever supervises triage there: the committee of
community A lists, exports, opens and edits A's entries and never B's.
"""

from __future__ import annotations

import io

import pytest
from django.urls import reverse

from tests import factories
from triage.models import GridBoundary, ServiceDirectoryEntry, ServiceType

pytestmark = pytest.mark.django_db

DIRECTORY = "wagtailsnippets_triage_servicedirectoryentry"
TYPES = "wagtailsnippets_triage_servicetype"


@pytest.fixture(autouse=True)
def _no_staff_mfa(settings):
    settings.PORTAL_REQUIRE_STAFF_MFA = False


def with_admin(user):
    """The Wagtail admin itself, as a site gives it to its staff (a group)."""
    from django.contrib.auth.models import Permission

    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin")
    )
    return user


@pytest.fixture
def entries(w):
    tree = w["tree"]
    theirs = ServiceDirectoryEntry.objects.create(
        name="B社区修鞋摊", kind="provider", area=tree["other_grid"], services="修鞋"
    )
    mine = ServiceDirectoryEntry.objects.get(name="老周（志愿者）")
    return mine, theirs


def test_a_committee_lists_and_exports_only_its_own_communitys_entries(client, w, entries):
    from openpyxl import load_workbook

    mine, theirs = entries
    client.force_login(w["people"]["committee"])
    html = client.get(reverse(f"{DIRECTORY}:list")).content.decode()
    assert mine.name in html and theirs.name not in html
    # The district-wide provider is the district's, not the community's.
    assert "巧手家政服务中心" not in html
    sheet = load_workbook(
        io.BytesIO(client.get(reverse(f"{DIRECTORY}:list") + "?export=xlsx").content)
    ).active
    cells = [c for row in sheet.values for c in row]
    assert mine.name in cells and theirs.name not in cells
    assert "志愿者" in cells  # the kind by its label
    body = b"".join(
        client.get(reverse(f"{DIRECTORY}:list") + "?export=csv").streaming_content
    ).decode("utf-8-sig")
    assert mine.name in body and theirs.name not in body


@pytest.mark.parametrize("view", ["edit", "inspect", "history", "usage", "delete"])
def test_another_communitys_entry_is_not_found(client, w, entries, view):
    _mine, theirs = entries
    client.force_login(w["people"]["committee"])
    response = client.get(reverse(f"{DIRECTORY}:{view}", args=[theirs.pk]))
    assert response.status_code == 404
    client.post(reverse(f"{DIRECTORY}:delete", args=[theirs.pk]))
    assert ServiceDirectoryEntry.objects.filter(pk=theirs.pk).exists()


def test_the_committee_adds_an_entry_only_in_its_own_areas(client, w):
    tree = w["tree"]
    client.force_login(w["people"]["committee"])
    form = client.get(reverse(f"{DIRECTORY}:add")).content.decode()
    assert tree["grid"].name in form and tree["other_community"].name not in form
    data = {
        "name": "王师傅开锁",
        "kind": "provider",
        "services": "开锁",
        "phone": "",
        "hours": "",
        "is_active": "on",
    }
    client.post(reverse(f"{DIRECTORY}:add"), {**data, "area": tree["other_grid"].pk})
    assert not ServiceDirectoryEntry.objects.filter(name="王师傅开锁").exists()
    response = client.post(reverse(f"{DIRECTORY}:add"), {**data, "area": tree["grid"].pk})
    assert response.status_code == 302
    assert ServiceDirectoryEntry.objects.get(name="王师傅开锁").area == tree["grid"]


def test_the_district_department_above_keeps_the_districts_entries(client, w, entries):
    mine, theirs = entries
    client.force_login(with_admin(w["people"]["gov"]))
    html = client.get(reverse(f"{DIRECTORY}:list")).content.decode()
    assert "巧手家政服务中心" in html and mine.name in html and theirs.name in html


def test_the_directory_export_is_formula_safe(client, w):
    ServiceDirectoryEntry.objects.create(
        name="=cmd|' /C calc'!A0", kind="provider", area=w["tree"]["grid"], services="@SUM(A1)"
    )
    client.force_login(w["people"]["committee"])
    body = b"".join(
        client.get(reverse(f"{DIRECTORY}:list") + "?export=csv").streaming_content
    ).decode("utf-8-sig")
    assert "'=cmd|" in body and "'@SUM(A1)" in body
    assert "\n=cmd" not in body and ",=cmd" not in body and ",@SUM" not in body


def test_service_types_are_for_site_administrators_only(client, w):
    committee = w["people"]["committee"]
    client.force_login(committee)
    assert client.get(reverse(f"{TYPES}:list")).status_code in (302, 403)
    road = w["types"]["road"]
    assert client.get(reverse(f"{TYPES}:edit", args=[road.pk])).status_code in (302, 403, 404)
    assert reverse(f"{TYPES}:list") not in client.get("/admin/").content.decode()
    assert reverse(f"{DIRECTORY}:list") in client.get("/admin/").content.decode()
    admin = with_admin(factories.member("site_admin", w["tree"]["city"]))
    client.force_login(admin)
    assert client.get(reverse(f"{TYPES}:list")).status_code == 200
    assert client.get(reverse(f"{TYPES}:edit", args=[road.pk])).status_code == 200
    assert (
        client.get(reverse("wagtailsnippets_triage_gridboundary:list")).status_code == 200
        and GridBoundary.objects.exists()
    )


def test_the_service_type_export_is_formula_safe(client, w):
    from openpyxl import load_workbook

    ServiceType.objects.create(
        code="evil", name="+1+1", default_class="private", keywords="=HYPERLINK(1)"
    )
    client.force_login(with_admin(factories.member("site_admin", w["tree"]["city"])))
    sheet = load_workbook(
        io.BytesIO(client.get(reverse(f"{TYPES}:list") + "?export=xlsx").content)
    ).active
    cells = [c for row in sheet.values for c in row]
    assert "'+1+1" in cells and "'=HYPERLINK(1)" in cells
    assert any(isinstance(c, str) and "私事" in c for c in cells)  # the class by its label
    assert "private" not in cells
