"""Privacy settings: how a resident's name shows publicly, and the leaderboard opt-out.

A resident who chooses "anonymous" vanishes by name from every public place (topic,
topic lists, contributions, leaderboards) for visitors and other residents alike, while
the committee staff who handle them (residency queue, verification queue, check-in desk)
still see who they are."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from credits import services as credits_services
from deliberation import services as delib_services
from portal import services
from portal.models import User
from tests import factories
from tests.credits.factories import log, rule
from tests.deliberation.factories import session as make_session
from tests.deliberation.factories import topic as make_topic

pytestmark = pytest.mark.django_db

REAL = "陈秀英"


@pytest.fixture(autouse=True)
def _no_staff_mfa(settings):
    settings.PORTAL_REQUIRE_STAFF_MFA = False


@pytest.fixture
def chen(tree):
    return factories.resident(tree["grid"], display_name=REAL)


@pytest.fixture
def public_world(tree, community, committee_member, chen):
    """陈秀英 raised a topic, spoke on it and has verified volunteer hours."""
    rule(community, amount="1")
    topic = make_topic(community, chen, title="小区东门加装遮雨棚")
    delib_services.contribution_add(
        user=chen, topic=topic, text="下雨天老人等车没处躲雨", stance="support"
    )
    credits_services.service_log_approve(actor=committee_member, log=log(chen, community))
    return {"topic": topic}


def public_pages(community, topic):
    return [
        reverse("deliberation:topic", args=[topic.pk]),
        reverse("deliberation:community", args=[community.code]),
        reverse("deliberation:index"),
        reverse("credits:community", args=[community.code]),
    ]


def choose(client, user, **data):
    client.force_login(user)
    data = {"form": "privacy", "name_style": "full", **data}
    return client.post(reverse("portal:preferences"), data, HTTP_ACCEPT_LANGUAGE="zh-hans")


def test_by_default_the_name_shows_everywhere(client, community, public_world):
    for url in public_pages(community, public_world["topic"]):
        html = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
        assert REAL in html, url


@pytest.mark.parametrize("viewer", ["visitor", "other resident"])
def test_anonymous_resident_is_nameless_on_every_public_page(
    tree, community, chen, public_world, viewer
):
    r = choose(Client(), chen, name_style="anonymous")
    assert r.status_code == 302
    client = Client()
    if viewer == "other resident":
        client.force_login(factories.resident(tree["grid2"], display_name="王建国"))
    for url in public_pages(community, public_world["topic"]):
        html = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
        assert REAL not in html and "陈女士" not in html, url
        if "credits" not in url:
            assert "匿名居民" in html, url
    # The contribution itself is still there, only the name is not.
    topic_html = client.get(reverse("deliberation:topic", args=[public_world["topic"].pk])).content
    assert "下雨天老人等车没处躲雨" in topic_html.decode()


def test_surname_and_title_is_what_shows(client, community, chen, public_world):
    choose(Client(), chen, name_style="surname_ms")
    for url in public_pages(community, public_world["topic"]):
        html = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
        assert REAL not in html and "陈女士" in html, url


def test_leaderboard_opt_out_leaves_the_volunteer_out_but_keeps_their_hours(
    client, community, chen, public_world
):
    url = reverse("credits:community", args=[community.code])
    assert REAL in client.get(url).content.decode()
    choose(Client(), chen, leaderboard_opt_out="on")
    chen.refresh_from_db()
    assert chen.leaderboard_opt_out and chen.name_style == "full"
    response = client.get(url)
    board = response.content.decode().split('data-testid="leaderboard"')[1].split("</ol>")[0]
    assert REAL not in board
    assert response.context["hours"] > 0  # the community's total still counts them


def test_the_leaderboard_note_links_to_the_setting(client, community, public_world):
    html = client.get(reverse("credits:community", args=[community.code])).content.decode()
    assert f'href="{reverse("portal:preferences")}"' in html


def test_a_cached_public_page_follows_the_change_at_once(
    settings, client, community, chen, public_world, django_capture_on_commit_callbacks
):
    settings.PAGE_CACHE_SECONDS = 60
    url = reverse("deliberation:topic", args=[public_world["topic"].pk])
    assert REAL in client.get(url).content.decode()
    assert REAL in client.get(url).content.decode()  # now served from the cache
    with django_capture_on_commit_callbacks(execute=True):
        choose(Client(), chen, name_style="anonymous")
    assert REAL not in client.get(url).content.decode()


def test_staff_who_handle_the_resident_still_see_the_real_name(
    client, tree, community, committee_member, chen
):
    chen.name_style = User.NameStyle.ANONYMOUS
    chen.save()
    # Check-in desk: 陈秀英 registered for a session.
    session = make_session(community, committee_member)
    delib_services.registration_create(user=chen, session=session)
    # Verification queue: hours waiting for a committee member.
    log(chen, community)
    # Residency queue: a second anonymous resident whose claim waits.
    newcomer = factories.UserFactory(display_name="赵淑芬", name_style="anonymous")
    services.residency_declare(user=newcomer, community=community, grid=tree["grid2"])
    client.force_login(committee_member)
    # The door desk shows every registrant the way desks do (surname and stars: people
    # around the desk can see the screen), whatever name the resident chose in public.
    desk = client.get(reverse("deliberation_admin:checkin", args=[session.pk])).content.decode()
    assert "陈**" in desk and "匿名居民" not in desk
    assert REAL in client.get(reverse("credits:verify")).content.decode()
    assert "赵淑芬" in client.get(reverse("portal:residency_queue")).content.decode()


def test_settings_page_shows_what_each_choice_looks_like(client, chen):
    client.force_login(chen)
    html = client.get(reverse("portal:preferences"), HTTP_ACCEPT_LANGUAGE="zh-hans").content
    html = html.decode()
    for label in ("我的名字：陈秀英", "姓 + 先生：陈先生", "姓 + 女士：陈女士", "匿名：匿名居民"):
        assert label in html
    assert "<fieldset" in html and "<legend>" in html
    assert "目前别人看到的您：陈秀英" in html


def test_a_choice_that_does_not_exist_is_refused_and_nothing_changes(client, chen):
    r = choose(client, chen, name_style="celebrity", leaderboard_opt_out="on")
    assert r.status_code == 200
    assert r.context["privacy"].errors["name_style"]
    assert "选择一个有效的选项" in r.content.decode()
    chen.refresh_from_db()
    assert chen.name_style == "full" and not chen.leaderboard_opt_out
    # What the resident ticked is kept on the refused form.
    assert r.context["privacy"]["leaderboard_opt_out"].value() is True


def test_visitors_are_sent_to_sign_in_and_a_forged_post_is_refused(tree, chen):
    visitor = Client()
    for response in (
        visitor.get(reverse("portal:preferences")),
        visitor.post(reverse("portal:preferences"), {"form": "privacy", "name_style": "full"}),
    ):
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    forger = Client(enforce_csrf_checks=True)
    forger.force_login(chen)
    r = forger.post(reverse("portal:preferences"), {"form": "privacy", "name_style": "anonymous"})
    assert r.status_code == 403
    chen.refresh_from_db()
    assert chen.name_style == "full"


def test_the_language_switch_does_not_touch_privacy_settings(client, chen):
    chen.name_style = User.NameStyle.ANONYMOUS
    chen.leaderboard_opt_out = True
    chen.save()
    client.force_login(chen)
    client.post(reverse("portal:preferences"), {"language": "en", "next": "/"})
    chen.refresh_from_db()
    assert chen.language == "en" and chen.name_style == "anonymous" and chen.leaderboard_opt_out


@pytest.mark.parametrize(
    "fields, style, shown",
    [
        ({"display_name": "陈秀英"}, "full", "陈秀英"),
        ({"display_name": "陈秀英"}, "surname_mr", "陈先生"),
        ({"display_name": "欧阳春华"}, "surname_ms", "欧阳女士"),
        ({"display_name": "老张", "last_name": "张"}, "surname_mr", "张先生"),
        ({"display_name": "", "username": "13912345678"}, "full", "139****5678"),
        ({"display_name": "", "username": "13912345678"}, "surname_mr", "匿名居民"),
        ({"display_name": "Lucy"}, "surname_ms", "匿名居民"),
        ({"display_name": "陈秀英"}, "anonymous", "匿名居民"),
    ],
)
def test_public_name_follows_the_style(fields, style, shown):
    user = User(username=fields.pop("username", "u1"), name_style=style, **fields)
    with translation.override("zh-hans"):
        assert user.public_name == shown
    assert "13912345678" not in user.get_full_name()


def test_public_name_in_english():
    user = User(username="u1", display_name="陈秀英", name_style="surname_mr")
    with translation.override("en"):
        assert user.public_name == "Mr 陈"
    user.name_style = "anonymous"
    with translation.override("en"):
        assert user.public_name == "Anonymous resident"


def test_the_resident_still_sees_their_own_name_on_their_page(client, chen):
    chen.name_style = User.NameStyle.ANONYMOUS
    chen.save()
    client.force_login(chen)
    html = client.get(reverse("portal:dashboard"), HTTP_ACCEPT_LANGUAGE="zh-hans").content
    assert REAL in html.decode()


def test_settings_page_query_count_is_pinned(client, chen, django_assert_num_queries):
    client.force_login(chen)
    client.get(reverse("portal:preferences"))  # warm the site and settings caches
    with django_assert_num_queries(0):  # the session and the user are in the cache
        assert client.get(reverse("portal:preferences")).status_code == 200
