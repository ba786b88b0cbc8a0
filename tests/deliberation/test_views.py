import pytest
from django.urls import reverse

from deliberation import services
from deliberation.models import Contribution, Registration, Support
from tests import factories
from tests.deliberation.factories import held_session
from tests.deliberation.factories import poll as make_poll
from tests.deliberation.factories import session as make_session
from tests.deliberation.factories import topic as make_topic

pytestmark = pytest.mark.django_db


def test_index_keeps_url_name_and_lists_communities(client, community, resident):
    make_topic(community, resident, title="垃圾分类")
    html = client.get(reverse("deliberation:index")).content.decode()
    assert reverse("deliberation:index") == "/deliberation/"
    assert community.name in html and "垃圾分类" in html


def test_community_page_filters(client, community, resident):
    make_topic(community, resident, title="停车难", format_code="speakup", tags=["停车"])
    make_topic(community, resident, title="楼道堆物", format_code="complaint")
    url = reverse("deliberation:community", args=[community.code])
    html = client.get(url, {"format": "complaint"}).content.decode()
    assert "楼道堆物" in html and "停车难" not in html
    html = client.get(url, {"tag": "停车"}).content.decode()
    assert "停车难" in html and "楼道堆物" not in html
    html = client.get(url, {"q": "堆物"}).content.decode()
    assert "楼道堆物" in html and "停车难" not in html
    html = client.get(url, {"status": "decided"}).content.decode()
    assert "楼道堆物" not in html


def test_raise_support_contribute_through_pages(client, community, resident, neighbours):
    client.force_login(resident)
    response = client.post(
        reverse("deliberation:topic_raise", args=[community.code]),
        {
            "format": "roundtable",
            "title": "老旧小区改造",
            "body": "外墙保温和管网改造",
            "tags": "改造，管网",
        },
    )
    assert response.status_code == 302
    topic_url = response["Location"]
    client.force_login(neighbours[0])
    client.post(topic_url + "support/")
    assert Support.objects.count() == 1
    client.post(topic_url + "contribute/", {"stance": "support", "text": "<script>x</script>赞成"})
    assert Contribution.objects.get().text == "<script>x</script>赞成"  # stored as typed
    html = client.get(topic_url).content.decode()
    assert "&lt;script&gt;x&lt;/script&gt;赞成" in html and "<script>x" not in html
    # supporting twice shows the reason and changes nothing
    response = client.post(topic_url + "support/", follow=True)
    assert Support.objects.count() == 1
    assert "already support" in response.content.decode() or "已经支持" in response.content.decode()


def test_register_cancel_and_code_on_session_page(client, community, committee_member, resident):
    s = make_session(community, committee_member, capacity=1)
    client.force_login(resident)
    client.post(reverse("deliberation:session_register", args=[s.pk]))
    reg = Registration.objects.get()
    html = client.get(s.get_absolute_url()).content.decode()
    assert reg.code in html and "<svg" in html
    client.post(reverse("deliberation:session_cancel", args=[s.pk]))
    reg.refresh_from_db()
    assert reg.status == "cancelled"


def test_ical_file_and_feed(client, community, committee_member):
    s = make_session(
        community, committee_member, title="院议说：楼道堆物, 清理; 方案", place="3号楼前小广场"
    )
    body = client.get(reverse("deliberation:session_ics", args=[s.pk])).content
    text = body.decode()
    assert text.startswith("BEGIN:VCALENDAR\r\n") and text.endswith("END:VCALENDAR\r\n")
    assert "SUMMARY:院议说：楼道堆物\\, 清理\\; 方案" in text.replace("\r\n ", "")
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    feed = client.get(reverse("deliberation:community_ics", args=[community.code]))
    assert feed["Content-Type"].startswith("text/calendar")
    assert feed.content.decode().count("BEGIN:VEVENT") == 1


def test_ical_folding_long_chinese_line():
    from deliberation.ical import fold

    line = "DESCRIPTION:" + "加装电梯" * 40
    folded = fold(line)
    parts = folded.split("\r\n")
    assert all(len(p.encode()) <= 75 for p in parts)
    assert "".join(p[1:] if i else p for i, p in enumerate(parts)) == line


def test_my_participation_and_dashboard_panel(client, community, committee_member, resident):
    t = make_topic(community, resident, title="停车难")
    s = make_session(community, committee_member, title="吐槽大会")
    services.registration_create(user=resident, session=s)
    client.force_login(resident)
    html = client.get(reverse("deliberation:mine")).content.decode()
    assert "停车难" in html and "吐槽大会" in html
    # the dashboard panel (rendered alone: other apps' panels are not under test here)
    from django.template.loader import render_to_string
    from django.test import RequestFactory

    from portal.dashboard import PANELS

    request = RequestFactory().get("/me/")
    request.user = resident
    panel = PANELS["deliberation"]
    html = render_to_string(panel.template, {"panel": panel.context(request)})
    assert "吐槽大会" in html and t.title in html


def test_community_page_section(rf, community, resident):
    from django.template.loader import render_to_string

    from cms.sections import SECTIONS

    make_topic(community, resident, title="垃圾分类投放点")
    section = SECTIONS["deliberation"]
    html = render_to_string(section.template, {"section": section.context(rf.get("/"), community)})
    assert "垃圾分类投放点" in html


def _grow(community, resident, neighbours, n):
    for i in range(n):
        t = make_topic(community, resident, title=f"话题{i}", tags=[f"标签{i}", "公共"])
        services.topic_support(user=neighbours[0], topic=t)


@pytest.mark.parametrize("path", ["index", "community"])
def test_list_pages_constant_queries(
    client, community, resident, neighbours, django_assert_num_queries, path
):
    url = (
        reverse("deliberation:index")
        if path == "index"
        else reverse("deliberation:community", args=[community.code])
    )
    _grow(community, resident, neighbours, 3)
    client.get(url)  # the site's own caches
    _grow(community, resident, neighbours, 1)  # drops the shared lists
    small = _cold_and_warm(client, url)
    _grow(community, resident, neighbours, 27)
    assert _cold_and_warm(client, url) == small
    client.force_login(resident)
    client.get(url)  # the signed-in user, read once and then from the cache
    _grow(community, resident, neighbours, 1)
    signed_in = _cold_and_warm(client, url)
    _grow(community, resident, neighbours, 10)
    assert _cold_and_warm(client, url) == signed_in
    assert signed_in[1] <= 2  # community, membership (the test's transaction): no lists


def _cold_and_warm(client, url) -> tuple[int, int]:
    """Queries of the first request after a change (the shared fragments drawn) and of
    the next one (served from the cache)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    for _ in range(2):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        counts.append(len(ctx.captured_queries))
    return counts[0], counts[1]


def _contributions(topic, users, n):
    for i in range(n):
        c = services.contribution_add(
            user=users[i % 3], topic=topic, text=f"意见{i}", stance="suggestion"
        )
        services.contribution_add(user=users[(i + 1) % 3], topic=topic, text=f"回复{i}", parent=c)


def test_topic_page_constant_queries(
    client, community, resident, neighbours, django_assert_num_queries
):

    t = make_topic(community, resident)
    _contributions(t, neighbours, 3)
    client.force_login(neighbours[0])
    client.get(t.get_absolute_url())
    _contributions(t, neighbours, 1)  # drops the shared page of contributions
    small = _cold_and_warm(client, t.get_absolute_url())
    _contributions(t, neighbours, 30)
    assert _cold_and_warm(client, t.get_absolute_url()) == small
    assert small[1] < small[0]  # the page of contributions comes from the cache


def test_session_and_checkin_pages_constant_queries(
    client, community, committee_member, tree, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    s = make_session(community, committee_member, capacity=100)
    people = [factories.resident(tree["grid"]) for _ in range(30)]
    for p in people[:3]:
        services.registration_create(user=p, session=s)
    client.force_login(committee_member)
    urls = [s.get_absolute_url(), reverse("deliberation_admin:checkin", args=[s.pk])]
    counts = {}
    for url in urls:
        client.get(url)
        with CaptureQueriesContext(connection) as small:
            client.get(url)
        counts[url] = len(small.captured_queries)
    for p in people[3:]:
        services.registration_create(user=p, session=s)
    for url in urls:
        with django_assert_num_queries(counts[url]):
            assert client.get(url).status_code == 200


def test_poll_page_shows_tally(client, community, committee_member, resident):
    p = make_poll(community, committee_member)
    services.poll_vote(user=resident, poll=p, option_ids=[p.options.first().pk])
    html = client.get(p.get_absolute_url()).content.decode()
    assert "<strong>1</strong>" in html


def test_anonymous_post_redirects_to_login(client, community, resident):
    t = make_topic(community, resident)
    response = client.post(reverse("deliberation:topic_support", args=[t.pk]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert not Support.objects.exists()


def test_refusals_are_translated_into_chinese(client, community, resident, neighbours):
    from django.utils import translation

    t = make_topic(community, resident)
    client.force_login(resident)
    with translation.override("zh-hans"):
        response = client.post(
            reverse("deliberation:topic_support", args=[t.pk]),
            HTTP_ACCEPT_LANGUAGE="zh-hans",
            follow=True,
        )
    assert "不能支持自己提出的议题" in response.content.decode()
    assert not Support.objects.exists()


def test_committee_publishes_outcome_from_topic_page(client, community, committee_member, resident):
    t = make_topic(community, resident, title="垃圾分类投放点")
    held_session(community, committee_member, t)
    client.force_login(committee_member)
    outcome_url = reverse("deliberation:topic_outcome", args=[t.pk])
    assert outcome_url in client.get(t.get_absolute_url()).content.decode()
    client.post(
        reverse("deliberation:topic_outcome", args=[t.pk]),
        {
            "decision": "投放点设在北门东侧",
            "votes_for": 30,
            "votes_against": 5,
            "followup_action": "建设投放亭",
            "followup_responsible": "物业",
            "followup_due": "2026-12-30",
        },
    )
    t.refresh_from_db()
    assert t.status == "decided" and t.outcome.followups.get().action == "建设投放亭"
    client.force_login(resident)
    assert outcome_url not in client.get(t.get_absolute_url()).content.decode()
    client.post(outcome_url, {"decision": "改主意了"})
    t.outcome.refresh_from_db()
    assert t.outcome.decision == "投放点设在北门东侧"


def test_topic_page_links_its_polls(client, community, committee_member, resident):
    t = make_topic(community, resident)
    p = make_poll(community, committee_member, question="电梯装在哪一侧？", topic=t)
    html = client.get(t.get_absolute_url()).content.decode()
    assert "电梯装在哪一侧？" in html and p.get_absolute_url() in html


def test_my_participation_constant_queries(
    client, community, committee_member, resident, neighbours, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def grow(n):
        for i in range(n):
            t = make_topic(community, resident, title=f"我的话题{i}", tags=["公共"])
            services.topic_support(user=neighbours[0], topic=t)
            services.contribution_add(user=resident, topic=t, text=f"补充{i}", stance="suggestion")
            s = make_session(community, committee_member, title=f"活动{i}")
            services.registration_create(user=resident, session=s)

    grow(2)
    client.force_login(resident)
    url = reverse("deliberation:mine")
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    grow(10)
    with django_assert_num_queries(len(small.captured_queries)):
        assert client.get(url).status_code == 200


def test_catalogue_does_not_shadow_other_apps_words():
    """Every msgid carries the "deliberation" context, so Wagtail's "Reports" menu or
    "Edit" button keep their own Chinese words."""
    from django.utils import translation

    with translation.override("zh-hans"):
        assert translation.pgettext("deliberation", "Reports") == "举报数"
        assert translation.gettext("Reports") != "举报数"
        assert translation.gettext("Edit") != "修改"


def _open_count(html: str, name: str) -> str:
    """The "N open topics" beside a community's name on the index."""
    import re

    match = re.search(re.escape(name) + r"</a>\s*<span class=\"muted\">\s*(\d+)", html)
    return match.group(1) if match else ""


@pytest.mark.django_db(transaction=True)
def test_index_community_list_is_shared_and_dropped_when_a_topic_changes(
    client, tree, resident, django_assert_max_num_queries
):
    """The communities and their open-topic counts are drawn once for everyone; a topic
    raised (or closed) anywhere, or a new community, shows at once, and a warm index
    costs the same number of queries however many communities the city has."""
    from django.core.cache import cache

    cache.clear()
    community = tree["community"]
    client.force_login(resident)
    url = reverse("deliberation:index")
    make_topic(community, resident, title="第一件事")
    assert _open_count(client.get(url).content.decode(), community.name) == "1"
    with django_assert_max_num_queries(50) as warm:
        client.get(url)
    for i in range(30):  # the city grows
        factories.area(tree["street"], "community", f"新社区{i}")
    client.get(url)  # the site's own cache, dropped by the new areas, is warm again
    with django_assert_max_num_queries(50) as still_warm:
        html = client.get(url).content.decode()
    assert len(still_warm.captured_queries) == len(warm.captured_queries)
    # A new community's page is published (the content version), so the list shows it
    # at once; a warm index still costs the same.
    assert "新社区1" in html
    topic = make_topic(community, resident, title="第二件事")
    html = client.get(url).content.decode()
    assert _open_count(html, community.name) == "2" and "新社区1" in html
    topic.status = topic.Status.DECLINED
    topic.save()
    assert _open_count(client.get(url).content.decode(), community.name) == "1"
