"""The public page that explains 三事分流, drawn from the 三事分流清单 (issue #10)."""

import pytest
from django.urls import reverse

from tests import factories
from triage.models import MatterType

pytestmark = pytest.mark.django_db

URL = "/triage/sanshi/"


def test_anyone_reads_the_three_classes_and_the_matter_types_of_each(client):
    page = client.get(URL)
    assert page.status_code == 200
    html = page.content.decode()
    for value in ("government", "community", "private"):
        assert f'data-testid="sanshi-{value}"' in html
    assert "要解决这件事，必须由谁出面" in html
    canteen = MatterType.objects.get(code="community_canteen")
    assert canteen.name in html and canteen.example_list()[0] in html
    # who handles it (a department's line of work) and the public channel of a 私事
    assert MatterType.objects.filter(public_channel="12315").exists()
    assert "12315" in html
    assert html.index("社区食堂与养老服务") > html.index('data-testid="sanshi-community"')
    assert html.index("社区食堂与养老服务") < html.index('data-testid="sanshi-private"')


def _in(client, language):
    from django.conf import settings

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client.get(URL).content.decode()


def test_the_page_is_in_the_visitors_language_each_cached_apart(client):
    hans = _in(client, "zh-hans")
    en = _in(client, "en")
    hant = _in(client, "zh-hant")
    assert "政府定价" in hans and "政府定價" in hant
    assert "who must act for it to be settled" in en
    assert "必須由誰出面" in hant and "必須由誰出面" not in en


def test_the_list_is_cached_and_the_cache_is_dropped_when_the_list_changes(
    client, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as first:
        client.get(URL)
    read_list = [q for q in first.captured_queries if "triage_mattertype" in q["sql"]]
    assert len(read_list) == 1  # the whole list in one query, however long it is
    with django_assert_num_queries(0):  # a visitor's second look: all from the cache
        assert client.get(URL).status_code == 200
    matter = MatterType.objects.get(code="community_canteen")
    matter.name = "老年助餐点"
    matter.save()
    html = client.get(URL).content.decode()
    assert "老年助餐点" in html and "社区食堂与养老服务" not in html
    matter.delete()
    assert "老年助餐点" not in client.get(URL).content.decode()


def test_an_edit_in_the_admin_shows_on_the_page(client, settings):
    settings.PORTAL_REQUIRE_STAFF_MFA = False
    client.get(URL)  # cached
    matter = MatterType.objects.get(code="community_canteen")
    admin = factories.UserFactory(is_superuser=True, is_staff=True)
    client.force_login(admin)
    form = {
        "code": matter.code,
        "name": matter.name,
        "request_class": matter.request_class,
        "handler_kind": matter.handler_kind,
        "handler_line": matter.handler_line,
        "keywords": matter.keywords,
        "examples": "小区老年食堂午餐一份多少钱",
        "public_channel": matter.public_channel,
        "order": matter.order,
        "is_active": "on",
    }
    edit = client.post(f"/admin/snippets/triage/mattertype/edit/{matter.pk}/", form)
    assert edit.status_code == 302
    client.logout()
    assert "小区老年食堂午餐一份多少钱" in client.get(URL).content.decode()
    MatterType.objects.filter(pk=matter.pk).update(is_active=False)  # no signal: still cached
    matter.refresh_from_db()
    matter.save()  # a save (the admin's) drops it
    assert "小区老年食堂午餐一份多少钱" not in client.get(URL).content.decode()


def test_the_request_pages_link_to_it(client, w):
    assert URL in client.get(reverse("triage:index")).content.decode()
    client.force_login(w["resident"])
    new = client.get(reverse("triage:new"))
    assert new.status_code == 200 and URL in new.content.decode()
