"""The round-table path from triage's side: a 小事 becomes a topic the committee titles;
request and topic link to each other (within triage's privacy rule); the published decision
closes the request as its reply, which the resident is told of and rates."""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from deliberation import services as dsvc
from deliberation.models import Topic
from portal.models import Notification
from tests import factories
from tests.deliberation.factories import held_session
from triage import services
from triage.models import Request

TEXT = (
    "小区北门那块空地一直被私家车乱停，晚上救护车都进不来。能不能规划成固定车位，"
    "大家一起商量一下？我的电话13912345678"
)


@pytest.fixture(autouse=True)
def _no_staff_mfa(settings):
    settings.PORTAL_REQUIRE_STAFF_MFA = False


def community_request(w):
    r = services.request_submit(
        channel="web", text=TEXT, area=w["tree"]["grid"], reporter=w["resident"]
    )
    if r.status == Request.Status.TRIAGED:  # the classifier was not sure: the committee decides
        r = services.request_confirm(
            request=r, actor=w["people"]["committee"], request_class="community"
        )
    assert r.request_class == "community" and r.status == Request.Status.ASSIGNED
    return r


@pytest.fixture
def req(w):
    return community_request(w)


def test_topic_gets_a_short_title_and_the_public_text_by_default(w, req):
    services.request_make_topic(request=req, actor=w["people"]["committee"])
    req.refresh_from_db()
    topic = req.topic
    assert topic.title == "小区北门那块空地一直被私家车乱停，晚上救护车都进不来"
    assert "13912345678" not in topic.body and "救护车都进不来" in topic.body
    assert list(topic.requests.all()) == [req]
    assert req.status == Request.Status.IN_PROGRESS


def test_committee_gives_its_own_title_and_a_second_call_makes_no_second_topic(w, req):
    committee = w["people"]["committee"]
    services.request_make_topic(
        request=req, actor=committee, title="北门空地规划车位", body="空地乱停车，堵住消防通道。"
    )
    services.request_make_topic(request=req, actor=committee, title="又一个")
    req.refresh_from_db()
    assert Topic.objects.count() == 1
    assert (req.topic.title, req.topic.body) == ("北门空地规划车位", "空地乱停车，堵住消防通道。")


def test_make_topic_page_proposes_keeps_typed_text_and_links_both_ways(client, w, req):
    committee = w["people"]["committee"]
    url = reverse("triage:topic", args=[req.pk])
    client.force_login(committee)
    detail = client.get(reverse("triage:detail", args=[req.pk])).content.decode()
    assert url in detail
    page = client.get(url).content.decode()
    assert 'value="小区北门那块空地一直被私家车乱停，晚上救护车都进不来"' in page
    r = client.post(url, {"title": "", "body": "我改写过的说明，不要丢"})
    assert r.status_code == 200 and "我改写过的说明，不要丢</textarea>" in r.content.decode()
    assert not Topic.objects.exists()
    r = client.post(url, {"title": "北门空地规划车位", "body": "我改写过的说明"})
    topic = Topic.objects.get()
    assert r.status_code == 302 and r.url == topic.get_absolute_url()
    detail = client.get(reverse("triage:detail", args=[req.pk])).content.decode()
    assert topic.get_absolute_url() in detail and "北门空地规划车位" in detail
    assert url not in detail  # no second topic offered
    client.logout()
    public = client.get(topic.get_absolute_url()).content.decode()
    assert reverse("triage:detail", args=[req.pk]) in public and req.number in public


def test_only_the_handler_makes_a_topic(client, w, req):
    url = reverse("triage:topic", args=[req.pk])
    for user in (w["resident"], factories.resident(w["tree"]["grid"]), w["people"]["chengguan"]):
        client.force_login(user)
        assert client.get(url).status_code == 403
        assert client.post(url, {"title": "x", "body": "x"}).status_code == 403
    assert not Topic.objects.exists()


def test_topic_page_shows_the_request_only_as_triage_privacy_allows(client, w, req):
    services.request_make_topic(request=req, actor=w["people"]["committee"])
    req.refresh_from_db()
    Request.objects.filter(pk=req.pk).update(sensitive=True)  # flagged after the fact
    link = reverse("triage:detail", args=[req.pk])
    url = req.topic.get_absolute_url()
    assert link not in client.get(url).content.decode()
    client.force_login(factories.resident(w["tree"]["grid"]))
    assert link not in client.get(url).content.decode()
    for user in (w["resident"], w["people"]["committee"]):
        client.force_login(user)
        assert link in client.get(url).content.decode()


def test_topic_page_queries_do_not_grow_with_its_requests(
    client, w, req, django_assert_num_queries
):
    from django.test.utils import CaptureQueriesContext

    committee = w["people"]["committee"]
    services.request_make_topic(request=req, actor=committee)
    req.refresh_from_db()
    url = req.topic.get_absolute_url()
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for _i in range(3):
        other = community_request(w)
        Request.objects.filter(pk=other.pk).update(topic=req.topic)
    with django_assert_num_queries(len(one.captured_queries)):
        html = client.get(url).content.decode()
    assert html.count("/triage/r/") == 4


def test_decision_closes_the_request_with_it_as_the_reply_the_resident_rates(
    client, w, req, django_capture_on_commit_callbacks
):
    committee = w["people"]["committee"]
    services.request_make_topic(request=req, actor=committee, title="北门空地规划车位")
    req.refresh_from_db()
    community = w["tree"]["community"]
    held_session(community, committee, req.topic)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        dsvc.outcome_publish(
            user=committee,
            topic=req.topic,
            decision="空地改建20个车位，按楼栋轮换，物业负责划线",
            votes_for=18,
            votes_against=2,
        )
    req.refresh_from_db()
    assert req.status == Request.Status.CLOSED
    assert "空地改建20个车位" in req.reply and "北门空地规划车位" in req.reply
    assert Notification.objects.filter(user=w["resident"], category="triage.update").exists()
    services.request_rate(request=req, user=w["resident"], score=4)
    req.refresh_from_db()
    assert req.satisfaction == 4
    client.force_login(w["resident"])
    html = client.get(reverse("triage:detail", args=[req.pk])).content.decode()
    assert "空地改建20个车位" in html and req.topic.get_absolute_url() in html


def test_a_refused_decision_leaves_the_request_open(w, req):
    committee = w["people"]["committee"]
    services.request_make_topic(request=req, actor=committee)
    req.refresh_from_db()
    with pytest.raises(ValidationError):
        dsvc.outcome_publish(user=committee, topic=req.topic, decision="通过")
    req.refresh_from_db()
    assert req.status == Request.Status.IN_PROGRESS and not req.reply


@pytest.mark.django_db(transaction=True)
def test_migration_keeps_existing_links_and_drops_dangling_ones(w, req):
    committee = w["people"]["committee"]
    services.request_make_topic(request=req, actor=committee)
    req.refresh_from_db()
    dangling = services.request_submit(
        channel="web", text=TEXT, area=w["tree"]["grid"], reporter=w["resident"]
    )
    before = ("triage", "0005_bounded_user_input")
    after = ("triage", "0006_request_topic_fk")
    executor = MigrationExecutor(connection)
    executor.migrate([before])
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE triage_request SET topic_id = %s WHERE id = %s",
                [req.topic_id + 999, dangling.pk],
            )
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate([after])
        # Only the column this migration is about: later migrations add others.
        topics = dict(
            Request.objects.filter(pk__in=[req.pk, dangling.pk]).values_list("pk", "topic_id")
        )
        assert topics == {req.pk: req.topic_id, dangling.pk: None}
    finally:
        # Leave the schema as every other test expects it: all migrations applied.
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
