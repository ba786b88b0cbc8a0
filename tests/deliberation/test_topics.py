import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from deliberation import services
from deliberation.models import Follow, Format, Support, Topic
from tests.deliberation.factories import topic as make_topic

pytestmark = pytest.mark.django_db


def test_formats_are_seeded_with_descriptions():
    formats = {f.code: f for f in Format.objects.filter(community__isnull=True)}
    assert {"speakup", "roundtable", "complaint", "courtyard"} <= set(formats)
    assert formats["speakup"].name == "有话大声说"
    assert formats["courtyard"].name == "院议说"
    assert all(f.description for f in formats.values())


def test_community_adds_its_own_format(community, committee_member, tree):
    fmt = services.format_create(
        user=committee_member, community=community, code="louzhang", name="楼长议事会"
    )
    assert services.format_for(community, "louzhang") == fmt
    with pytest.raises(ValidationError):
        services.format_for(tree["other_community"], "louzhang")
    with pytest.raises(ValidationError):
        services.format_create(
            user=committee_member, community=community, code="louzhang", name="again"
        )


def test_topic_create_contract_notifies_residents(
    client, community, resident, neighbours, outsider, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        t = services.topic_create(
            community=community,
            title="楼道堆物<b>清理</b>",
            body="楼道里堆满杂物，存在消防隐患。",
            raised_by=resident,
            source_label="三事分流",
            format_code="complaint",
        )
    assert isinstance(t, Topic)
    # The title is stored as typed; pages escape it.
    assert (
        t.title == "楼道堆物<b>清理</b>"
        and t.format.code == "complaint"
        and t.source_label == "三事分流"
    )
    assert t.status == Topic.Status.PROPOSED
    assert Follow.objects.filter(topic=t, user=resident).exists()
    recipients = {m.to[0] for m in mail.outbox}
    assert recipients == {n.email for n in neighbours}
    assert outsider.email not in recipients
    assert "楼道堆物<b>清理</b>" in mail.outbox[0].subject  # plain text: nothing to escape
    html = client.get(t.get_absolute_url()).content.decode()
    assert "楼道堆物&lt;b&gt;清理&lt;/b&gt;" in html and "<b>清理" not in html


def test_topic_raise_needs_residency_in_that_community(community, outsider, resident):
    with pytest.raises(PermissionDenied):
        services.topic_raise(user=outsider, community=community, title="x", body="y")
    t = services.topic_raise(
        user=resident,
        community=community,
        title="停车难",
        body="晚上车位不够",
        tags=["停车", "车位"],
    )
    assert sorted(t.tags.names()) == ["停车", "车位"]


def test_support_once_not_own_and_threshold_queues(
    community, resident, neighbours, django_capture_on_commit_callbacks
):
    Format.objects.filter(code="roundtable", community=None).update(support_threshold=2)
    t = make_topic(community, resident)
    with pytest.raises(ValidationError, match="own topic"):
        services.topic_support(user=resident, topic=t)
    services.topic_support(user=neighbours[0], topic=t)
    with pytest.raises(ValidationError, match="already support"):
        services.topic_support(user=neighbours[0], topic=t)
    t.refresh_from_db()
    assert t.support_count == 1 and t.status == Topic.Status.PROPOSED
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.topic_support(user=neighbours[1], topic=t)
    t.refresh_from_db()
    assert t.support_count == 2 == Support.objects.filter(topic=t).count()
    assert t.status == Topic.Status.UNDER_DISCUSSION and t.queued_at
    # the raiser and the earlier supporter follow the topic and are told it is queued
    assert {m.to[0] for m in mail.outbox} >= {resident.email, neighbours[0].email}


def test_outsider_cannot_support(community, resident, outsider):
    t = make_topic(community, resident)
    with pytest.raises(PermissionDenied):
        services.topic_support(user=outsider, topic=t)
    assert t.supports.count() == 0


def test_decline_needs_reason_and_tells_followers(
    community, resident, committee_member, django_capture_on_commit_callbacks
):
    t = make_topic(community, resident)
    with pytest.raises(ValidationError):
        services.topic_status_set(user=committee_member, topic=t, status="declined")
    with pytest.raises(PermissionDenied):
        services.topic_status_set(user=resident, topic=t, status="declined", reason="no")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.topic_status_set(
            user=committee_member, topic=t, status="declined", reason="属于物业合同范围，已转物业"
        )
    t.refresh_from_db()
    assert t.status == "declined" and t.decline_reason.startswith("属于物业")
    assert [m.to[0] for m in mail.outbox] == [resident.email]
    with pytest.raises(ValidationError):
        services.topic_status_set(user=committee_member, topic=t, status="agenda")


def test_chinese_search_finds_word_inside_text(community, resident):
    a = make_topic(community, resident, title="垃圾分类投放点太远", body="希望在北门增设一个投放点")
    make_topic(community, resident, title="加装电梯", body="费用分摊")
    from deliberation.selectors import community_topics

    assert list(community_topics(community, q="投放")) == [a]
    assert list(community_topics(community, q="分类")) == [a]
    assert list(community_topics(community, q="漏水")) == []


def test_follow_and_unfollow(community, resident, neighbours):
    t = make_topic(community, resident)
    services.topic_follow(user=neighbours[0], topic=t)
    services.topic_follow(user=neighbours[0], topic=t)
    assert Follow.objects.filter(topic=t, user=neighbours[0]).count() == 1
    services.topic_unfollow(user=neighbours[0], topic=t)
    assert not Follow.objects.filter(topic=t, user=neighbours[0]).exists()


def test_opted_out_residents_get_no_new_topic_email(
    community, resident, neighbours, django_capture_on_commit_callbacks
):
    from portal.notifications import preferences_set

    preferences_set(user=neighbours[0], off={(services.CAT_NEW_TOPIC, "email")})
    with django_capture_on_commit_callbacks(execute=True):
        make_topic(community, resident, title="垃圾分类")
    recipients = {m.to[0] for m in mail.outbox}
    assert neighbours[0].email not in recipients
    assert {neighbours[1].email, neighbours[2].email} <= recipients


def test_categories_registered_for_opt_out():
    from portal.notifications import CATEGORIES

    assert {
        services.CAT_NEW_TOPIC,
        services.CAT_TOPIC_UPDATE,
        services.CAT_REGISTRATION,
        services.CAT_MODERATION,
    } <= set(CATEGORIES)
