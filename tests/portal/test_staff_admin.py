"""Issue 9, finding 5: areas, organisations and memberships in the Wagtail admin, with the
same permission checks as the rest of the site (the Django admin is gone)."""

import pytest
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from wagtail.models import ModelLogEntry

from portal.models import Area, Membership, Organisation, Role
from tests import factories

pytestmark = pytest.mark.django_db


def snip(model, view, pk=None):
    base = f"/admin/snippets/portal/{model}/"
    if not view:
        return base
    return base + (f"{view}/" if pk is None else f"{view}/{pk}/")


def admin_access(user):
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin")
    )
    return user


def refused(response) -> bool:
    """Not found, forbidden, or Wagtail's "no permission" bounce to the admin home."""
    if response.status_code in (403, 404):
        return True
    return response.status_code == 302 and response["Location"] in ("/admin/", "/")


def messages_of(response):
    return " ".join(str(m) for m in get_messages(response.wsgi_request))


@pytest.fixture(autouse=True)
def _no_mfa(settings):
    settings.PORTAL_REQUIRE_STAFF_MFA = False


@pytest.fixture
def site_admin(tree):
    return admin_access(factories.member(Role.SITE_ADMIN, tree["city"]))


@pytest.fixture
def committee_a(tree):
    return admin_access(factories.member(Role.COMMITTEE, tree["community"]))


@pytest.fixture
def memberships(tree):
    """A pending resident of A, a confirmed resident of A and a pending resident of B."""
    pending_a = factories.UserFactory(username="13800000001", display_name="")
    pending_a.first_name, pending_a.last_name = "小红", "王"
    pending_a.save()
    confirmed_a = factories.resident(tree["grid"])
    pending_b = factories.UserFactory()
    return {
        "pending_a": Membership.objects.create(
            user=pending_a, role=Role.RESIDENT, area=tree["grid"], status="pending"
        ),
        "active_a": Membership.objects.get(user=confirmed_a),
        "pending_b": Membership.objects.create(
            user=pending_b, role=Role.RESIDENT, area=tree["other_grid"], status="pending"
        ),
    }


# --- areas ----------------------------------------------------------------------------


def test_site_admin_with_totp_creates_an_area_of_the_right_kind(client, settings, tree, site_admin):
    from allauth.mfa.models import Authenticator

    settings.PORTAL_REQUIRE_STAFF_MFA = True
    Authenticator.objects.create(user=site_admin, type=Authenticator.Type.TOTP, data={"s": "x"})
    client.force_login(site_admin)
    assert client.get(snip("area", "add")).status_code == 200
    r = client.post(
        snip("area", "add"),
        {"parent": tree["community"].pk, "name": "第三网格", "kind": "grid", "code": "g-3"},
    )
    assert r.status_code == 302, r.context["form"].errors
    grid = Area.objects.get(code="g-3")
    assert grid.get_parent() == tree["community"] and grid.kind == "grid"
    assert ModelLogEntry.objects.filter(object_id=str(grid.pk), user=site_admin).exists()


def test_a_community_created_in_the_admin_gets_its_page(client, tree, site_admin):
    from cms.models import CommunityPage

    client.force_login(site_admin)
    r = client.post(
        snip("area", "add"),
        {"parent": tree["street"].pk, "name": "新社区", "kind": "community", "code": "new-c"},
    )
    assert r.status_code == 302
    assert CommunityPage.objects.filter(area__code="new-c").exists()


def test_an_area_of_the_wrong_kind_is_refused_with_a_message(client, tree, site_admin):
    client.force_login(site_admin)
    before = Area.objects.count()
    r = client.post(
        snip("area", "add"),
        {"parent": tree["street"].pk, "name": "错", "kind": "grid", "code": "wrong"},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert r.status_code == 200
    assert "网格不能直接设在街道之下" in r.content.decode()
    assert Area.objects.count() == before
    r = client.post(snip("area", "add"), {"name": "无父", "kind": "street", "code": "orphan"})
    assert r.status_code == 200 and Area.objects.count() == before


def test_deleting_a_referenced_area_is_a_translated_refusal(client, tree, site_admin):
    client.force_login(site_admin)
    community = tree["community"]  # has grids, memberships and a page
    r = client.post(snip("area", "delete", community.pk))
    assert r.status_code == 302
    assert "仍在使用" in messages_of(r)
    assert Area.objects.filter(pk=community.pk).exists()
    grid = tree["grid2"]
    factories.member(Role.GRID_WORKER, grid)
    r = client.post(snip("area", "delete", grid.pk))
    assert r.status_code == 302 and Area.objects.filter(pk=grid.pk).exists()


def test_an_unused_area_can_be_deleted(client, tree, site_admin):
    client.force_login(site_admin)
    spare = factories.area(tree["other_community"], "grid", "空网格")
    r = client.post(snip("area", "delete", spare.pk))
    assert r.status_code == 302
    assert not Area.objects.filter(pk=spare.pk).exists()


def test_committee_reads_its_own_subtree_only_and_writes_nothing(client, tree, committee_a):
    client.force_login(committee_a)
    r = client.get(snip("area", ""))
    assert r.status_code == 200
    body = r.content.decode()
    assert tree["community"].name in body and tree["other_community"].name not in body
    assert client.get(snip("area", "inspect", tree["grid"].pk)).status_code == 200
    for view in ("edit", "delete", "history", "inspect", "usage"):
        assert refused(client.get(snip("area", view, tree["other_grid"].pk)))
    for view in ("edit", "delete"):
        assert refused(client.get(snip("area", view, tree["grid"].pk)))
    assert refused(client.get(snip("area", "add")))
    r = client.post(snip("area", "edit", tree["grid"].pk), {"name": "改", "code": "x"})
    assert refused(r)
    assert Area.objects.get(pk=tree["grid"].pk).name == "第一网格"


# --- organisations --------------------------------------------------------------------


def test_committee_sees_its_own_communitys_organisations_only(client, tree, committee_a):
    mine = factories.organisation(tree["community"], name="新湛物业")
    other = factories.organisation(tree["other_community"], name="延安物业")
    client.force_login(committee_a)
    body = client.get(snip("organisation", "")).content.decode()
    assert mine.name in body and other.name not in body
    for view in ("edit", "delete", "history", "inspect", "usage"):
        assert refused(client.get(snip("organisation", view, other.pk)))
    assert refused(client.get(snip("organisation", "edit", mine.pk)))


def test_deleting_a_used_organisation_is_a_translated_refusal(client, tree, site_admin):
    org = factories.organisation(tree["community"])
    factories.member(Role.DEPARTMENT, tree["community"], organisation=org)
    client.force_login(site_admin)
    r = client.post(snip("organisation", "delete", org.pk))
    assert r.status_code == 302
    assert "仍在使用" in messages_of(r)
    assert Organisation.objects.filter(pk=org.pk).exists()


# --- memberships ----------------------------------------------------------------------


def test_committee_lists_only_its_communitys_memberships_by_name(
    client, tree, committee_a, memberships
):
    client.force_login(committee_a)
    r = client.get(snip("membership", ""))
    assert r.status_code == 200
    body = r.content.decode()
    assert "王小红" in body or "小红 王" in body
    assert "13800000001" not in body  # a phone-number username is never shown
    assert memberships["pending_b"].user.display_name not in body
    assert memberships["active_a"].user.display_name in body


def test_committee_cannot_open_another_communitys_membership(client, committee_a, memberships):
    client.force_login(committee_a)
    assert client.get(snip("membership", "edit", memberships["pending_a"].pk)).status_code == 200
    pk = memberships["pending_b"].pk
    for view in ("edit", "delete", "history", "inspect", "usage"):
        assert refused(client.get(snip("membership", view, pk))), view
    r = client.post(snip("membership", "edit", pk), {"decision": "confirm"})
    assert refused(r)
    assert Membership.objects.get(pk=pk).status == "pending"


def test_committee_confirms_a_residency_of_its_community_and_it_is_recorded(
    client, committee_a, memberships
):
    client.force_login(committee_a)
    m = memberships["pending_a"]
    assert client.get(snip("membership", "edit", m.pk)).status_code == 200
    r = client.post(snip("membership", "edit", m.pk), {"decision": "confirm", "note": ""})
    assert r.status_code == 302
    m.refresh_from_db()
    assert m.status == "active" and m.decided_by == committee_a and m.decided_at
    entry = ModelLogEntry.objects.get(object_id=str(m.pk), action="portal.residency_confirm")
    assert entry.user == committee_a


def test_committee_cannot_grant_a_committee_role(client, tree, committee_a):
    target = factories.resident(tree["grid"])
    client.force_login(committee_a)
    assert client.get(snip("membership", "")).status_code == 200  # she has the screen
    assert refused(client.get(snip("membership", "add")))
    data = {"user": target.pk, "role": "committee", "area": tree["community"].pk}
    r = client.post(snip("membership", "add"), data)
    assert refused(r)
    assert not Membership.objects.filter(user=target, role="committee").exists()


def test_committee_cannot_confirm_or_end_her_own_membership(client, tree, committee_a, memberships):
    own = Membership.objects.create(
        user=committee_a, role=Role.RESIDENT, area=tree["grid"], status="pending"
    )
    client.force_login(committee_a)
    # A neighbour's claim in the same grid opens; her own does not.
    assert client.get(snip("membership", "edit", memberships["pending_a"].pk)).status_code == 200
    assert refused(client.get(snip("membership", "edit", own.pk)))
    for decision in ("confirm", "end"):
        r = client.post(snip("membership", "edit", own.pk), {"decision": decision})
        assert refused(r)
    own.refresh_from_db()
    assert own.status == "pending" and own.decided_by is None


def test_committee_cannot_end_a_staff_role(client, tree, committee_a):
    colleague = factories.member(Role.COMMITTEE, tree["community"])
    m = Membership.objects.get(user=colleague, role="committee")
    client.force_login(committee_a)
    assert client.get(snip("membership", "")).status_code == 200  # she has the screen
    r = client.post(snip("membership", "edit", m.pk), {"decision": "end"})
    assert refused(r)
    assert Membership.objects.get(pk=m.pk).status == "active"


def test_site_admin_grants_and_revokes_a_role_recorded(client, tree, site_admin):
    target = factories.resident(tree["grid"])
    client.force_login(site_admin)
    assert client.get(snip("membership", "add")).status_code == 200
    data = {"user": target.pk, "role": "committee", "area": tree["community"].pk}
    r = client.post(snip("membership", "add"), data)
    assert r.status_code == 302, r.content[:3000]
    m = Membership.objects.get(user=target, role="committee", status="active")
    assert m.decided_by == site_admin
    assert ModelLogEntry.objects.filter(object_id=str(m.pk), action="portal.role_grant").exists()
    r = client.post(snip("membership", "edit", m.pk), {"decision": "end", "note": "调岗"})
    assert r.status_code == 302
    m.refresh_from_db()
    assert m.status == "ended" and m.decided_by == site_admin
    assert ModelLogEntry.objects.filter(object_id=str(m.pk), action="portal.role_revoke").exists()


def test_site_admin_cannot_grant_herself_a_role(client, tree, site_admin):
    client.force_login(site_admin)
    data = {"user": site_admin.pk, "role": "committee", "area": tree["community"].pk}
    r = client.post(snip("membership", "add"), data)
    assert r.status_code == 200
    assert "自己" in r.content.decode()
    assert not Membership.objects.filter(user=site_admin, role="committee").exists()
    own = Membership.objects.get(user=site_admin, role="site_admin")
    r = client.post(snip("membership", "edit", own.pk), {"decision": "end"})
    assert refused(r)
    assert Membership.objects.get(pk=own.pk).status == "active"


def test_site_admin_cannot_grant_residency_here(client, tree, site_admin):
    target = factories.UserFactory()
    client.force_login(site_admin)
    data = {"user": target.pk, "role": "resident", "area": tree["grid"].pk}
    r = client.post(snip("membership", "add"), data)
    assert r.status_code == 200
    assert not Membership.objects.filter(user=target).exists()


def test_memberships_are_never_deleted(client, site_admin, memberships):
    client.force_login(site_admin)
    pk = memberships["active_a"].pk
    assert client.get(snip("membership", "inspect", pk)).status_code == 200
    assert refused(client.post(snip("membership", "delete", pk)))
    assert Membership.objects.filter(pk=pk).exists()


# --- menu -----------------------------------------------------------------------------


def test_menu_shows_the_screens_only_to_those_who_may_use_them(client, tree, site_admin):
    grid_worker = admin_access(factories.member(Role.GRID_WORKER, tree["grid"]))
    client.force_login(grid_worker)
    assert "/admin/snippets/portal/" not in client.get("/admin/").content.decode()
    assert refused(client.get(snip("membership", "")))
    client.force_login(site_admin)
    body = client.get("/admin/").content.decode()
    assert "/admin/snippets/portal/membership/" in body
