"""Shared fragments of signed-in deliberation pages (portal.pagecache, issue #15): drawn
once for everyone, never holding anyone's CSRF token or own-row forms, and redrawn at once
when what they show changes."""

import pickle
import re

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.middleware.csrf import _unmask_cipher_token
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from deliberation import services
from deliberation.models import Contribution
from tests import factories
from tests.deliberation.factories import session as make_session
from tests.deliberation.factories import topic as make_topic

pytestmark = pytest.mark.django_db

LOCMEM = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


@pytest.fixture
def readable_cache(settings):
    """These tests read what the cache holds and how long it keeps it: a local-memory
    cache, whose store they can open, on SQLite and on the Redis run alike."""
    settings.CACHES = LOCMEM


def _cached_text() -> str:
    """Everything in the (local-memory) cache, as text: what a shared fragment holds."""
    values = []
    for raw in list(getattr(cache, "_cache", {}).values()):
        try:
            values.append(str(pickle.loads(raw)))
        except Exception:  # noqa: BLE001 - sessions and the like: not fragments
            continue
    return "\n".join(values)


def _csrf(html: str) -> set[str]:
    return set(re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', html))


def _secret(client) -> str:
    return client.cookies[settings.CSRF_COOKIE_NAME].value


def _page(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def topic_with_rows(community, resident, neighbours):
    t = make_topic(community, resident, title="加装电梯")
    a, b = neighbours[0], neighbours[1]
    services.contribution_add(user=a, topic=t, text="甲的意见", stance="support")
    services.contribution_add(user=b, topic=t, text="乙的意见", stance="oppose")
    return t, a, b


def _edit_forms(html) -> set[str]:
    return set(re.findall(r'action="/deliberation/contribution/(\d+)/edit/"', html))


def _report_forms(html) -> set[str]:
    return set(re.findall(r'action="/deliberation/contribution/(\d+)/report/"', html))


def test_each_reader_gets_own_token_and_own_rows_from_one_shared_list(
    readable_cache, topic_with_rows, django_assert_num_queries
):
    from django.test import Client

    t, a, b = topic_with_rows
    mine_a = str(Contribution.objects.get(author=a).pk)
    mine_b = str(Contribution.objects.get(author=b).pk)
    url = t.get_absolute_url()
    client_a, client_b = Client(), Client()
    client_a.force_login(a)
    client_b.force_login(b)
    html_a = _page(client_a, url)
    with CaptureQueriesContext(connection) as warm_b:
        html_b = _page(client_b, url)  # the list drawn for a is served to b
    # Each edits only their own row and may report only the other's.
    assert _edit_forms(html_a) == {mine_a} and _report_forms(html_a) == {mine_b}
    assert _edit_forms(html_b) == {mine_b} and _report_forms(html_b) == {mine_a}
    # Every form carries its reader's own token (masked anew each time: compare secrets);
    # the cache holds the placeholder only, and no marker reaches a page.
    secret_a, secret_b = _secret(client_a), _secret(client_b)
    assert secret_a != secret_b
    assert {_unmask_cipher_token(t) for t in _csrf(html_a)} == {secret_a}
    assert {_unmask_cipher_token(t) for t in _csrf(html_b)} == {secret_b}
    cached = _cached_text()
    assert "甲的意见" in cached  # the shared list is there …
    assert _csrf(cached) == {"portal-shared-fragment-csrf"}
    assert "<!--own:" not in html_a + html_b and "<!--other:" not in html_a + html_b
    # … and b's warm page did not draw the list again.
    assert not any("deliberation_contribution" in q["sql"] for q in warm_b.captured_queries)


def test_new_contribution_and_moderation_show_at_once(
    client, topic_with_rows, committee_member, neighbours
):
    t, a, b = topic_with_rows
    url = t.get_absolute_url()
    client.force_login(neighbours[2])
    client.cookies["django_language"] = "en"
    assert "甲的意见" in _page(client, url)
    services.contribution_add(user=b, topic=t, text="丙的新意见", stance="suggestion")
    assert "丙的新意见" in _page(client, url)
    hidden = Contribution.objects.get(author=a)
    hidden.status = Contribution.Status.HIDDEN
    hidden.save(update_fields=["status"])
    html = _page(client, url)
    assert "甲的意见" not in html and "Hidden after reports" in html
    # A moderator's list is drawn apart: it shows the hidden text, the reader's never does.
    client.force_login(committee_member)
    assert "甲的意见" in _page(client, url)
    client.force_login(neighbours[2])
    assert "甲的意见" not in _page(client, url)
    services.contribution_moderate(
        user=committee_member, contribution=hidden, decision="restore", reason="核实无误"
    )
    assert "甲的意见" in _page(client, url)


def test_language_switch_draws_the_list_in_that_language(client, topic_with_rows, neighbours):
    t, _a, _b = topic_with_rows
    client.force_login(neighbours[2])
    assert "Reply, edit or report" not in _page(client, t.get_absolute_url())  # 简体中文
    client.cookies["django_language"] = "en"
    assert "Reply, edit or report" in _page(client, t.get_absolute_url())
    client.cookies["django_language"] = "zh-hant"
    assert "Reply, edit or report" not in _page(client, t.get_absolute_url())


def test_community_page_shows_new_topics_registrations_and_stays_in_its_community(
    client, tree, community, resident, committee_member, neighbours
):
    other = tree["other_community"]
    client.force_login(resident)
    url = reverse("deliberation:community", args=[community.code])
    s = make_session(community, committee_member, capacity=5, title="议事会")
    assert "0/5" in _page(client, url)
    services.registration_create(user=neighbours[0], session=s)
    assert "1/5" in _page(client, url)
    make_topic(community, resident, title="新的话题")
    assert "新的话题" in _page(client, url)
    make_topic(other, factories.resident(tree["other_grid"]), title="别处的话题")
    other_url = reverse("deliberation:community", args=[other.code])
    assert "别处的话题" in _page(client, other_url)
    assert "别处的话题" not in _page(client, url)


def test_renamed_author_shows_at_once(client, community, resident, neighbours):
    make_topic(community, resident, title="路灯坏了")
    client.force_login(neighbours[0])
    url = reverse("deliberation:community", args=[community.code])
    resident.name_style = resident.NameStyle.FULL
    resident.save(update_fields=["name_style"])
    _page(client, url)
    resident.display_name = "新名字居民"
    resident.save(update_fields=["display_name"])
    assert "新名字居民" in _page(client, url)


def test_home_panel_registration_is_each_residents_own(
    client, community, resident, committee_member, neighbours
):
    s = make_session(community, committee_member, capacity=5, title="周末议事会")
    services.registration_create(user=neighbours[0], session=s)
    client.force_login(neighbours[0])
    mine = _page(client, "/")
    client.force_login(neighbours[1])
    theirs = _page(client, "/")
    assert "周末议事会" in mine and "周末议事会" in theirs
    assert 'data-testid="home-register"' not in mine  # already registered
    assert 'data-testid="home-register"' in theirs


def test_a_fragment_is_kept_no_longer_than_what_it_lists_lasts(readable_cache, rf, resident):
    """An upcoming session leaves the list when it ends, without any write: the fragment
    is kept only until the first listed session ends."""
    import datetime
    import time

    from django.utils import timezone

    from portal.pagecache import shared_data

    calls = []

    def compute(expires):
        calls.append(1)
        return {"rows": [1], "fragment_expires": expires}

    past = timezone.now() - datetime.timedelta(seconds=1)
    for _ in range(2):
        shared_data("t-ended", lambda: compute(past), parts=(1,))
    assert len(calls) == 2  # already over: never kept
    soon = timezone.now() + datetime.timedelta(minutes=10)
    for _ in range(2):
        shared_data("t-soon", lambda: compute(soon), parts=(1,))
    assert len(calls) == 3  # kept until then
    left = [t for k, t in cache._expire_info.items() if "t-soon" in k]
    assert left and left[0] - time.time() <= 600


def test_my_support_and_follow_show_at_once_and_are_mine_alone(
    client, topic_with_rows, neighbours, django_assert_num_queries
):
    from django.test import Client

    t, a, b = topic_with_rows
    url = t.get_absolute_url()
    reader = neighbours[2]
    client.force_login(reader)
    client.cookies["django_language"] = "en"
    assert 'data-testid="support"' in _page(client, url)
    services.topic_support(user=reader, topic=t)
    html = _page(client, url)
    assert 'data-testid="support"' not in html and "You support this topic" in html
    assert "Stop following" in html  # supporting follows
    services.topic_unfollow(user=reader, topic=t)
    assert "Stop following" not in _page(client, url)
    other = Client()
    other.force_login(b)
    other.cookies["django_language"] = "en"
    assert "You support this topic" not in _page(other, url)  # the reader's, not b's
