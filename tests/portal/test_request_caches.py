"""What a signed-in request reads from the cache instead of the database (issue #15): the
user row (portal.middleware.cached_user), the reader's memberships outside transactions
(portal.permissions), a community looked up by code, and a Wagtail page's route with its
view restrictions (cms.sites.serve).  Each is dropped at once when what it holds changes.

These tests commit (transaction=True): the membership and community caches are never used
inside a transaction, which is where ordinary tests run."""

import pickle

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from wagtail.models import PageViewRestriction

from cms.models import CommunityPage
from portal import services
from portal.models import Membership
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)


def _queries(client, url) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code in (200, 302, 404)
    return len(ctx.captured_queries), response


def test_warm_signed_in_pages_read_no_user_membership_or_route_rows(client, tree, resident):
    client.force_login(resident)
    page = CommunityPage.objects.get(area=tree["community"])
    for url in (reverse("deliberation:index"), page.url):
        client.get(url)
        n, response = _queries(client, url)
        assert response.status_code == 200
        assert n == 0, url


def test_password_change_still_signs_out_other_sessions(client, resident):
    client.force_login(resident)
    url = reverse("portal:dashboard")
    assert client.get(url).status_code == 200  # the user is now cached
    resident.set_password("a-new-secret-9931")
    resident.save()
    assert client.get(url).status_code == 302  # the old session no longer verifies


def test_deactivated_account_is_signed_out_at_once(client, resident):
    client.force_login(resident)
    url = reverse("portal:dashboard")
    assert client.get(url).status_code == 200
    resident.is_active = False
    resident.save(update_fields=["is_active"])
    assert client.get(url).status_code == 302


def test_revoked_role_shows_at_once(client, tree, committee_member):
    from deliberation.permissions import may_manage

    community = tree["community"]
    client.force_login(committee_member)
    url = reverse("deliberation:community", args=[community.code])
    dashboard = reverse("deliberation:dashboard", args=[community.code])
    assert may_manage(committee_member, community)
    assert dashboard in client.get(url).content.decode()
    membership = Membership.objects.get(user=committee_member, role="committee")
    services.membership_end(membership=membership)
    assert dashboard not in client.get(url).content.decode()


def test_renamed_area_shows_at_once(client, tree, resident):
    community = tree["community"]
    client.force_login(resident)
    url = reverse("deliberation:community", args=[community.code])
    assert community.name in client.get(url).content.decode()
    community.name = "改名后的社区"
    community.save()
    assert "改名后的社区" in client.get(url).content.decode()


def test_unpublished_or_restricted_page_shows_at_once(client, tree, resident):
    page = CommunityPage.objects.get(area=tree["community"])
    url = page.url
    client.force_login(resident)
    assert client.get(url).status_code == 200
    restriction = PageViewRestriction.objects.create(
        page=page, restriction_type=PageViewRestriction.PASSWORD, password="x-secret"
    )
    response = client.get(url)
    assert response.status_code == 200 and "x-secret" not in response.content.decode()
    assert 'name="password"' in response.content.decode()  # the password form, not the page
    restriction.delete()
    assert 'name="password"' not in client.get(url).content.decode()
    page.unpublish()
    assert client.get(url).status_code == 404


def test_signed_in_community_page_costs_the_same_as_the_city_grows(client, tree, resident):
    client.force_login(resident)
    page = CommunityPage.objects.get(area=tree["community"])
    client.get(page.url)
    few = _queries(client, page.url)[0]
    for i in range(5):
        factories.resident(tree["grid"])
        factories.area(tree["street"], "community", f"新社区{i}")
    client.get(page.url)  # drawn again after the new areas
    assert _queries(client, page.url)[0] == few


def test_the_cached_user_row_holds_no_password_hash(client, resident):
    from django.core.cache import cache

    from portal.middleware import user_cache_key

    client.force_login(resident)
    url = reverse("portal:dashboard")
    assert client.get(url).status_code == 200
    entry = cache.get(user_cache_key(resident.pk))
    assert "password" not in entry[0].__dict__ and "password" in entry[0].get_deferred_fields()
    assert resident.password.encode() not in pickle.dumps(entry)
    # A page that reads it still can (the field is loaded when read): the password
    # change page asks whether the account has one.
    n, response = _queries(client, reverse("account_change_password"))
    assert response.status_code == 200 and "当前密码" in response.content.decode()
