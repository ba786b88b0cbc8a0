"""One search for the whole site (issue 14): what each type finds, Chinese words inside
Chinese text, privacy, facets, paging, highlighting, query counts."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from cms import search_documents
from cms.search_models import SearchDocument
from cms.search_site import highlight, query_tokens, site_search
from deliberation.models import Outcome
from tests import factories
from tests.credits.factories import reward
from tests.deliberation.factories import session, topic
from triage.models import Request, ServiceDirectoryEntry, ServiceType

from .test_search import add_news

pytestmark = pytest.mark.django_db
URL = reverse("cms:search")
PHONE = "13912345678"


def a_request(grid, text, **fields) -> Request:
    fields.setdefault("request_class", "government")
    fields.setdefault("status", Request.Status.ASSIGNED)
    return Request.objects.create(
        channel="web",
        text=text,
        area=grid,
        area_path=grid.path,
        created_at=timezone.now(),
        **fields,
    )


def kinds(results) -> set[str]:
    return {d.kind for d in results.page}


def titles(results) -> set[str]:
    return {d.title for d in results.page}


@pytest.fixture
def world(tree, django_capture_on_commit_callbacks):
    """One of each type, all mentioning 路灯 (street lights), through the signals."""
    committee = factories.member("committee", tree["community"])
    w = {"tree": tree, "committee": committee}
    with django_capture_on_commit_callbacks(execute=True):
        w["page"] = add_news("路灯维修通知", "<p>本周更换小区路灯。</p>")
        w["topic"] = topic(tree["community"], title="夜里路灯太暗", body="东门一带很黑")
        w["outcome"] = Outcome.objects.create(
            topic=topic(tree["community"], title="楼道照明"), decision="加装声控路灯十盏"
        )
        w["session"] = session(tree["community"], committee, title="议事会：路灯与安全")
        w["request"] = a_request(
            tree["grid"],
            f"我家门口的路灯坏了三天，我叫王小明，电话{PHONE}",
            reporter_name="王小明",
            reporter_phone=PHONE,
            address="湛山路8号3单元",
        )
        w["service"] = ServiceDirectoryEntry.objects.create(
            name="光明电工", kind="provider", area=tree["grid"], services="路灯 电路 维修"
        )
        w["reward"] = reward(tree["community"], name="路灯节能灯泡一只")
    return w


def test_each_type_is_found_by_a_chinese_word_inside_chinese_text(world, tree):
    member = factories.resident(tree["grid"])
    found = site_search(query="路灯", user=member)
    assert kinds(found) == {
        "page",
        "topic",
        "outcome",
        "session",
        "request",
        "service",
        "reward",
    }
    assert found.total == 7
    # bigrams: a word inside a longer run, and a run spread over a word boundary
    assert titles(site_search(query="更换小区", user=member)) == {"路灯维修通知"}
    assert kinds(site_search(query="声控", user=member)) == {"outcome"}
    assert kinds(site_search(query="电工", user=member)) == {"service"}
    assert site_search(query="路灯漏水", user=member).total == 0  # every bigram required


def test_latin_words_are_found_case_insensitively(tree, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        topic(tree["community"], title="WiFi 信号差", body="楼道里 wifi 很弱")
    assert site_search(query="WIFI", user=None).total == 1


def test_a_request_is_found_only_while_public_and_never_with_personal_data(world, tree, client):
    req = world["request"]
    body = SearchDocument.objects.get(kind="request", object_id=req.pk).body
    assert "王小明" not in body and PHONE not in body and "湛山路" not in body
    response = client.get(URL, {"q": "路灯坏了"})
    html = response.content.decode()
    assert reverse("triage:detail", args=[req.pk]) in html
    assert "王小明" not in html and PHONE not in html and "139" not in html.split("路灯坏")[1][:80]
    # The name typed into the text is found by nobody.
    assert site_search(query="王小明", user=None).total == 0


@pytest.mark.parametrize(
    "change",
    [
        {"request_class": "private"},
        {"status": Request.Status.TRIAGED},
        {"sensitive": True},
    ],
)
def test_a_request_made_private_leaves_the_search(
    world, change, django_capture_on_commit_callbacks
):
    req = world["request"]
    with django_capture_on_commit_callbacks(execute=True):
        for name, value in change.items():
            setattr(req, name, value)
        req.save()
    assert not SearchDocument.objects.filter(kind="request", object_id=req.pk).exists()
    assert "request" not in kinds(site_search(query="路灯", user=None))


@pytest.mark.parametrize("partial", [False, True])
def test_a_service_type_turned_sensitive_takes_its_requests_out(
    world, django_capture_on_commit_callbacks, partial
):
    """Also when only the flag is saved (update_fields, as the admin or a script may):
    only a reporter's save that touches no name skips the refresh."""
    st = ServiceType.objects.create(code="light", name="照明", default_class="government")
    req = world["request"]
    with django_capture_on_commit_callbacks(execute=True):
        req.service_type = st
        req.save()
    assert "request" in kinds(site_search(query="路灯", user=None))
    with django_capture_on_commit_callbacks(execute=True):
        st.sensitive = True
        st.save(update_fields=["sensitive"] if partial else None)
    assert "request" not in kinds(site_search(query="路灯", user=None))


def test_an_untriaged_request_is_never_indexed(tree, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        a_request(tree["grid"], "路灯不亮", request_class="", status=Request.Status.SUBMITTED)
        a_request(tree["grid"], "路灯旁有人打架", request_class="private")
    assert SearchDocument.objects.filter(kind="request").count() == 0


def test_rewards_are_for_signed_in_users_only(world, tree, client):
    assert "reward" not in kinds(site_search(query="灯泡", user=None))
    assert "reward" not in client.get(URL, {"q": "灯泡"}).content.decode()
    member = factories.resident(tree["grid"])
    assert kinds(site_search(query="灯泡", user=member)) == {"reward"}


def test_unpublished_and_restricted_pages_leave_the_search(
    world, django_capture_on_commit_callbacks
):
    from wagtail.models import PageViewRestriction

    page = world["page"]
    with django_capture_on_commit_callbacks(execute=True):
        PageViewRestriction.objects.create(page=page, restriction_type="login")
    assert "page" not in kinds(site_search(query="路灯", user=None))
    with django_capture_on_commit_callbacks(execute=True):
        PageViewRestriction.objects.filter(page=page).delete()
    assert "page" in kinds(site_search(query="路灯", user=None))
    with django_capture_on_commit_callbacks(execute=True):
        page.unpublish()
    assert "page" not in kinds(site_search(query="路灯", user=None))


def test_deletes_and_deactivations_leave_the_search(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        world["service"].is_active = False
        world["service"].save()
        world["outcome"].delete()
        world["session"].delete()
    assert kinds(site_search(query="路灯", user=None)) == {"page", "topic", "request"}


def test_edits_are_found_under_their_new_words(world, django_capture_on_commit_callbacks):
    t = world["topic"]
    with django_capture_on_commit_callbacks(execute=True):
        t.title = "夜里楼道太暗"
        t.body = "西门一带"
        t.save()
    assert "topic" not in kinds(site_search(query="路灯", user=None))
    assert titles(site_search(query="楼道太暗", user=None)) == {"夜里楼道太暗"}


def test_a_rolled_back_write_leaves_the_index_alone(tree):
    # Signals schedule the refresh on commit: without one, nothing is written.
    topic(tree["community"], title="路灯")
    assert SearchDocument.objects.count() == 0


def test_rebuild_writes_the_same_documents(world):
    fields = ("kind", "object_id", "title", "body", "url", "area", "audience", "tokens")
    before = set(SearchDocument.objects.values_list(*fields))
    search_documents.rebuild()
    after = set(SearchDocument.objects.values_list(*fields))
    # plus the home and community pages the tree fixture made before the signals' capture
    assert before < after
    assert {row[0] for row in after - before} == {"page"}


def test_facets_count_by_type_and_area(world, tree, client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        topic(tree["other_community"], title="路灯坏了没人修")
    found = site_search(query="路灯", user=None)
    assert {f.value: f.count for f in found.kinds} == {
        "page": 1,
        "topic": 2,
        "outcome": 1,
        "session": 1,
        "request": 1,
        "service": 1,
    }
    areas = {f.label: f.count for f in found.areas}
    assert areas == {"新湛社区": 5, "延安三路社区": 1}  # the request and service by community

    by_type = site_search(query="路灯", user=None, kind="topic")
    assert kinds(by_type) == {"topic"} and by_type.total == 2
    # the type facet keeps its counts for every type when one is chosen
    assert {f.value for f in by_type.kinds} >= {"page", "topic"}
    assert [f.value for f in by_type.kinds if f.selected] == ["topic"]

    both = site_search(query="路灯", user=None, kind="topic", area=tree["other_community"].code)
    assert titles(both) == {"路灯坏了没人修"}

    html = client.get(URL, {"q": "路灯", "type": "topic"}).content.decode()
    assert 'aria-current="true"' in html and "facet-types" in html


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"type": "nonsense"}, "没有"),
        ({"area": "no-such-area"}, "没有"),
        ({"type": "x" * 1000, "area": "'\"<b>"}, "没有"),
    ],
)
def test_a_facet_value_that_does_not_exist_is_explained(world, client, params, message):
    response = client.get(URL, {"q": "路灯", **params})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="search-errors"' in html and message in html
    assert 'data-testid="search-results"' in html  # still answers, over every type/area


@pytest.mark.parametrize(
    "q",
    [
        "",
        " ",
        "x" * 1000,
        "路" * 1000,
        "%00",
        '"',
        "'",
        '"路灯',
        "路灯*",
        "(",
        "AND",
        "-",
        "路灯\x00",
    ],
)
def test_bad_queries_are_answered_plainly(world, client, q):
    response = client.get(URL, {"q": q})
    # NUL is refused for every page by portal's middleware with its own message (400)
    assert response.status_code == (400 if "\x00" in q else 200)


def test_long_query_is_refused_by_the_form_with_a_message(client):
    response = client.get(URL, {"q": "路" * 101})
    assert response.status_code == 200
    assert 'data-testid="search-results"' not in response.content.decode()


def test_paging(tree, client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        for i in range(23):
            topic(tree["community"], title=f"停车难第{i}号", body="停车位不够")
    first = site_search(query="停车", user=None)
    assert first.total == 23 and len(first.page.object_list) == 10
    third = site_search(query="停车", user=None, page="3")
    assert len(third.page.object_list) == 3
    assert site_search(query="停车", user=None, page="999").page.number == 3
    assert site_search(query="停车", user=None, page="abc").page.number == 1
    html = client.get(URL, {"q": "停车", "type": "topic"}).content.decode()
    assert "q=%E5%81%9C%E8%BD%A6&amp;type=topic&amp;page=2" in html


def test_highlighting_marks_matches_and_escapes_the_rest():
    import re

    pattern = re.compile("路灯")
    assert highlight("<b>路灯</b>坏了", pattern) == "&lt;b&gt;<mark>路灯</mark>&lt;/b&gt;坏了"
    long = "甲" * 200 + "路灯" + "乙" * 200
    cut = highlight(long, pattern, limit=60)
    assert cut.startswith("…") and cut.endswith("…") and "<mark>路灯</mark>" in cut


def test_snippets_in_the_page_are_marked_and_escaped(
    tree, client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        ServiceDirectoryEntry.objects.create(
            name="<script>路灯</script>",
            kind="provider",
            area=tree["grid"],
            services="路灯 & <i>电线</i>",
        )
    html = client.get(URL, {"q": "路灯"}).content.decode()
    assert "&lt;script&gt;<mark>路灯</mark>&lt;/script&gt;" in html
    assert "<mark>路灯</mark> &amp; &lt;i&gt;电线&lt;/i&gt;" in html


def test_query_tokens_are_plain_and_bounded():
    assert query_tokens('"路灯坏了" OR x*') == ["路灯", "灯坏", "坏了", "or", "x"]
    assert len(query_tokens("路" * 1000)) == 1
    assert len(query_tokens(" ".join(f"w{i}" for i in range(500)))) <= 48


def test_query_count_does_not_grow_with_results(
    tree, client, django_assert_num_queries, django_capture_on_commit_callbacks
):
    def count_queries(n_topics):
        with django_capture_on_commit_callbacks(execute=True):
            for i in range(n_topics):
                topic(tree["community"], title=f"垃圾分类{i}", body="垃圾分类")
        client.get(URL, {"q": "垃圾分类", "area": tree["community"].code})  # warm caches
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            assert (
                client.get(URL, {"q": "垃圾分类", "area": tree["community"].code}).status_code
                == 200
            )
        return len(ctx.captured_queries)

    few = count_queries(2)
    many = count_queries(15)
    assert few == many
    # the area filter, one GROUP BY for both facets and the total, area names, the page
    with django_assert_num_queries(4):
        site_search(query="垃圾分类", user=None, area=tree["community"].code)


def test_header_search_box_is_on_every_page(client):
    html = client.get("/").content.decode()
    assert 'id="site-q"' in html and f'action="{URL}"' in html


def test_demo_is_indexed(db):
    from django.core.management import call_command

    call_command("load_demo", verbosity=0)
    assert SearchDocument.objects.filter(kind="request").exists()
    assert site_search(query="路灯", user=None).total > 0


def test_sessions_keep_their_date_order_when_titles_match_equally(
    tree, django_capture_on_commit_callbacks
):
    committee = factories.member("committee", tree["community"])
    with django_capture_on_commit_callbacks(execute=True):
        session(tree["community"], committee, title="议事会一", description="消防通道")
        session(
            tree["community"],
            committee,
            title="议事会二",
            description="消防通道",
            starts_in=datetime.timedelta(days=3),
        )
    assert [d.title for d in site_search(query="消防", user=None).page] == ["议事会二", "议事会一"]


def test_facets_are_capped_and_shown_as_lower_bounds(
    tree, client, monkeypatch, django_assert_num_queries, django_capture_on_commit_callbacks
):
    """A very common word: the facets group at most FACET_LIMIT matches (one more tells
    that there are more), and say so with "n+"; below the cap they stay exact."""
    import cms.search_site as search_site

    with django_capture_on_commit_callbacks(execute=True):
        for i in range(7):
            topic(tree["community"], title=f"垃圾分类{i}", body="垃圾分类")
    monkeypatch.setattr(search_site, "FACET_LIMIT", 10)
    exact = site_search(query="垃圾分类", user=None)
    assert not exact.capped and exact.total == 7
    assert all(not f.capped for f in exact.kinds + exact.areas)

    monkeypatch.setattr(search_site, "FACET_LIMIT", 5)
    with django_assert_num_queries(3):  # one GROUP BY over at most 6 rows, names, the page
        capped = site_search(query="垃圾分类", user=None)
    assert capped.capped and capped.total == 5
    assert capped.kinds and all(f.capped for f in capped.kinds + capped.areas)
    assert sum(f.count for f in capped.kinds) == 6  # FACET_LIMIT + 1 counted, not 7
    assert len(capped.page.object_list) == 5  # pages reach the cap, no further
    html = client.get(URL, {"q": "垃圾分类"}).content.decode()
    assert "超过 5 条" in html and '<span class="count">6+</span>' in html

    # A chosen type: its own matches are counted (capped too), one more query.
    with django_assert_num_queries(4):
        by_type = site_search(query="垃圾分类", user=None, kind="topic")
    assert by_type.capped and by_type.total == 5
    monkeypatch.setattr(search_site, "FACET_LIMIT", 6)
    narrow = site_search(query="垃圾分类", user=None, kind="page")
    assert not narrow.capped and narrow.total == 0  # no page says 垃圾分类: exact, not "6+"
