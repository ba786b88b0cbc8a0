"""The 长辈版 (issue #13): its own home of large task tiles, a one-tap call to the
resident's own grid worker and to 12345, three type steps remembered by cookie and on the
account, and the read-aloud and voice-input controls on the pages that carry them."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.urls import reverse

from portal.elder import grid_worker_for, tel_url
from portal.models import Membership, Role, User
from tests import factories

pytestmark = pytest.mark.django_db


def elder(client) -> None:
    client.cookies["elder_mode"] = "1"


def page(client, path="/") -> str:
    response = client.get(path)
    assert response.status_code == 200
    return response.content.decode()


def tiles(html: str) -> list[tuple[str, str]]:
    """(key, href) of each tile, in order."""
    tile = r'<a class="elder-tile[^"]*" href="([^"]*)" data-testid="tile-([a-z-]+)"'
    return re.findall(tile, html)


def grid_worker(area, phone="13800000003", **kwargs) -> User:
    return factories.member(Role.GRID_WORKER, area, phone=phone, **kwargs)


def test_the_elder_home_is_one_column_of_task_tiles_for_a_visitor(client, tree):
    elder(client)
    html = page(client)
    found = [(key, href) for href, key in tiles(html)]
    login = reverse("account_login")
    assert found == [
        ("report", f"{login}?next=%2Ftriage%2Fnew%2F"),
        ("mine", f"{login}?next=%2Ftriage%2F%23mine"),
        ("activities", reverse("deliberation:index")),
        ("credits", reverse("credits:index")),
        ("hotline", "tel:12345"),
    ]
    assert "我要反映" in html and "我的诉求" in html and "社区活动" in html and "道德银行" in html
    assert "拨打 12345" in html and "市民服务热线" in html
    # its own page: none of the standard home's lists, search box or sign-up hero
    # The standard home's body (its "how to join" card, search card and news) is not drawn;
    # the header, with the site's search box, is the same on every page.
    main = html[html.index("<main") :]
    assert "如何加入" not in main and 'role="search"' not in main and 'id="news-h"' not in main
    assert '<html lang="zh-hans" class="elder">' in html


def test_the_standard_home_has_no_tiles(client, tree):
    html = page(client)
    assert "elder-tiles" not in html and "data-read-aloud" not in html
    assert "如何加入" in html


def test_a_resident_gets_a_call_to_their_own_grid_worker_and_no_one_else_does(client, tree):
    worker = grid_worker(tree["grid"], display_name="李娜")
    resident = factories.resident(tree["grid"])
    neighbour_elsewhere = factories.resident(tree["other_grid"])
    for user in (resident, neighbour_elsewhere):
        user.elder_mode = True
        user.save(update_fields=["elder_mode"])

    client.force_login(resident)
    html = page(client)
    found = dict((key, href) for href, key in tiles(html))
    assert list(found) == ["report", "mine", "activities", "credits", "grid-worker", "hotline"]
    assert found["grid-worker"] == "tel:13800000003"
    assert found["report"] == reverse("triage:new")
    assert found["mine"] == reverse("triage:index") + "#mine"
    assert "联系网格员" in html and "李娜 · 138 0000 0003" in html

    client.force_login(neighbour_elsewhere)
    html = page(client)
    assert "tile-grid-worker" not in html and worker.phone not in html
    assert "138 0000 0003" not in html

    client.logout()
    elder(client)
    html = page(client)
    assert "tile-grid-worker" not in html and worker.phone not in html


def test_a_pending_residency_gives_no_phone_number(client, tree):
    grid_worker(tree["grid"])
    claimant = factories.UserFactory(elder_mode=True)
    Membership.objects.create(
        user=claimant, role=Role.RESIDENT, area=tree["grid"], status="pending"
    )
    client.force_login(claimant)
    html = page(client)
    assert "tile-grid-worker" not in html and "13800000003" not in html


def test_the_grid_s_own_worker_comes_before_one_for_the_whole_community(tree):
    grid_worker(tree["community"], phone="13900000009")
    grid_worker(tree["grid"], phone="13800000003")
    grid_worker(tree["grid2"], phone="13700000007")
    factories.resident(tree["grid"])
    home = Membership.objects.get(role=Role.RESIDENT)
    assert grid_worker_for(home).phone == "13800000003"
    other = factories.resident(tree["other_grid"])
    assert grid_worker_for(other.memberships.get()) is None


def test_a_grid_worker_without_a_phone_or_who_left_is_not_offered(tree):
    grid_worker(tree["grid"], phone="")
    gone = grid_worker(tree["grid"], phone="13800000003")
    Membership.objects.filter(user=gone).update(status=Membership.Status.ENDED)
    factories.resident(tree["grid"])
    assert grid_worker_for(Membership.objects.get(role=Role.RESIDENT)) is None


def test_the_hotline_tile_dials_the_site_s_hotline(client, tree):
    from wagtail.models import Site

    from cms.models import SiteSettings

    settings = SiteSettings.for_site(Site.objects.get(is_default_site=True))
    settings.hotline = "0532-12345"
    settings.save()
    elder(client)
    html = page(client)
    assert 'href="tel:053212345" data-testid="tile-hotline"' in html
    assert "拨打 053212345" in html


@pytest.mark.parametrize(
    "number,url",
    [
        ("12345", "tel:12345"),
        ("138 0000 0003", "tel:13800000003"),
        ("(0532) 8888-6666", "tel:053288886666"),
        ("+86 138 0000 0003", "tel:+8613800000003"),
        ("", ""),
        ("请拨打", ""),
        ("javascript:alert(1)", ""),
    ],
)
def test_tel_links_hold_only_a_dialable_number(number, url):
    assert tel_url(number) == url


def test_the_elder_home_costs_a_fixed_number_of_queries(client, tree, django_assert_num_queries):
    grid_worker(tree["grid"])
    resident = factories.resident(tree["grid"], elder_mode=True)
    elder(client)
    page(client)  # the first page of a site makes its Site and settings rows
    # the site settings: the page, its route and view restrictions come from the cache
    # (cms.sites.serve)
    with django_assert_num_queries(1):
        page(client)
    client.force_login(resident)
    page(client)
    # + their memberships, the grid worker (the user is in the cache; memberships are
    # read from the database inside a test's transaction)
    with django_assert_num_queries(3):
        page(client)


# --- type steps -------------------------------------------------------------------------


def test_a_visitor_picks_a_type_step_and_it_is_remembered_by_cookie(client, tree):
    elder(client)
    response = client.post(reverse("portal:preferences"), {"text_size": "large", "next": "/"})
    assert response.status_code == 302 and response.cookies["text_size"].value == "large"
    assert '<html lang="zh-hans" class="elder text-large">' in page(client)
    client.post(reverse("portal:preferences"), {"text_size": "xlarge", "next": "/"})
    html = page(client)
    assert 'class="elder text-xlarge"' in html
    assert re.search(r'data-testid="text-size-xlarge"\s+aria-pressed="true"', html)
    assert re.search(r'data-testid="text-size-standard"\s+aria-pressed="false"', html)
    # the step belongs to the elder view: the standard view keeps its own size
    client.cookies["elder_mode"] = "0"
    assert '<html lang="zh-hans">' in page(client)


@pytest.mark.parametrize("bad", ["huge", "", "LARGE", "large\u202e", "x" * 500])
def test_an_unknown_type_step_changes_nothing(client, tree, bad):
    elder(client)
    client.cookies["text_size"] = "large"
    response = client.post(reverse("portal:preferences"), {"text_size": bad, "next": "/"})
    assert response.status_code == 302 and "text_size" not in response.cookies
    assert 'class="elder text-large"' in page(client)


def test_a_forged_type_cookie_is_read_as_standard(client, tree):
    elder(client)
    client.cookies["text_size"] = '"><script>alert(1)</script>'
    html = page(client)
    assert '<html lang="zh-hans" class="elder">' in html and "<script>alert" not in html


def test_the_type_step_is_saved_on_the_account(client, resident):
    resident.elder_mode = True
    resident.save(update_fields=["elder_mode"])
    client.force_login(resident)
    client.post(reverse("portal:preferences"), {"text_size": "xlarge", "next": "/"})
    resident.refresh_from_db()
    assert resident.text_size == User.TextSize.XLARGE
    client.cookies.pop("text_size")
    assert 'class="elder text-xlarge"' in page(client)  # from the account, not the cookie


def test_the_anonymous_page_cache_keeps_views_and_type_steps_apart(client, tree, settings):
    settings.PAGE_CACHE_SECONDS = 60
    cache.clear()
    standard = page(client)
    assert "elder-tiles" not in standard
    elder(client)
    assert "elder-tiles" in page(client)
    client.cookies["text_size"] = "large"
    assert 'class="elder text-large"' in page(client)
    client.cookies["text_size"] = "xlarge"
    assert 'class="elder text-xlarge"' in page(client)
    client.cookies["elder_mode"] = "0"
    assert page(client) == standard


# --- read aloud and voice input -----------------------------------------------------------


def test_every_page_in_elder_mode_has_the_read_aloud_button_and_the_type_steps(client, tree):
    elder(client)
    for path in ("/", reverse("deliberation:index"), reverse("triage:index"), "/search/"):
        html = page(client, path)
        assert 'data-read-aloud data-testid="read-aloud" hidden' in html, path
        assert 'data-label-stop="停止朗读"' in html and ">朗读</button>" in html
        assert 'name="text_size" value="large"' in html
        assert "portal/elder.js" in html


def test_the_report_form_offers_voice_input_beside_typing(client, resident):
    client.force_login(resident)
    html = page(client, reverse("triage:new"))
    assert re.search(r'class="speech-input" data-speech-input="id_text" hidden', html)
    assert '<textarea name="text"' in html  # typing is always there
    assert "语音输入" in html and "portal/elder.js" in html
