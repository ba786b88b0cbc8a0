import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.html import escape

from deliberation import services
from deliberation.models import Contribution, Topic
from tests.deliberation.factories import topic as make_topic

pytestmark = pytest.mark.django_db


@pytest.fixture
def topic(community, resident):
    return make_topic(community, resident, title="停车难", body="晚上回来找不到车位")


def test_contribution_with_stance_and_threaded_replies(topic, neighbours):
    a = services.contribution_add(
        user=neighbours[0], topic=topic, text="建议错峰共享机关单位车位", stance="suggestion"
    )
    b = services.contribution_add(
        user=neighbours[1], topic=topic, text="同意，周末也可以", parent=a
    )
    c = services.contribution_add(user=neighbours[0], topic=topic, text="谢谢", parent=b)
    assert (b.parent, c.parent) == (a, b)
    topic.refresh_from_db()
    assert topic.contribution_count == 3
    with pytest.raises(ValidationError, match="support, oppose or suggest"):
        services.contribution_add(user=neighbours[0], topic=topic, text="no stance")


@pytest.mark.parametrize(
    "typed",
    [
        "<script>alert(1)</script>车位太少",
        '<img src=x onerror="alert(1)">我反对',
        "<b>加粗</b><a href='javascript:x'>链接</a>",
        "<scr<script>ipt>alert(1)</script>",
        "<<script>script>x</script>好",
        "室温<10度，车位<5个 & 没人管",
    ],
)
def test_text_is_stored_as_typed_and_shown_escaped(client, topic, neighbours, typed):
    c = services.contribution_add(user=neighbours[0], topic=topic, text=typed, stance="oppose")
    c.refresh_from_db()
    assert c.text == typed
    main = client.get(topic.get_absolute_url()).content.decode().split("<main", 1)[1]
    assert escape(typed) in main
    assert typed not in main
    assert "<script>alert" not in main and "<img src=x" not in main and "<b>加粗" not in main


def test_markup_only_contribution_is_refused(topic, neighbours):
    with pytest.raises(ValidationError, match="Write something"):
        services.contribution_add(
            user=neighbours[0], topic=topic, text="<script>alert(1)</script>", stance="oppose"
        )
    assert not Contribution.objects.exists()


def test_rendered_page_escapes_what_looks_like_markup(client, topic, neighbours):
    services.contribution_add(
        user=neighbours[0], topic=topic, text="a &lt;script&gt; b", stance="oppose"
    )
    main = client.get(topic.get_absolute_url()).content.decode().split("<main")[1]
    assert "<script>" not in main
    assert "a &amp;lt;script&amp;gt; b" in main  # what was typed, not an entity decoded


def test_closed_topic_takes_no_contributions(topic, neighbours):
    Topic.objects.filter(pk=topic.pk).update(status=Topic.Status.DECIDED)
    with pytest.raises(ValidationError, match="closed"):
        services.contribution_add(user=neighbours[0], topic=topic, text="晚了", stance="support")
    assert not Contribution.objects.exists()


def test_outsider_cannot_contribute(topic, outsider):
    with pytest.raises(PermissionDenied):
        services.contribution_add(user=outsider, topic=topic, text="路过", stance="support")


def test_edit_keeps_history_and_only_author(topic, neighbours):
    c = services.contribution_add(
        user=neighbours[0], topic=topic, text="第一稿", stance="suggestion"
    )
    with pytest.raises(PermissionDenied):
        services.contribution_edit(user=neighbours[1], contribution=c, text="篡改")
    services.contribution_edit(user=neighbours[0], contribution=c, text="第二稿")
    services.contribution_edit(user=neighbours[0], contribution=c, text="第三稿")
    c.refresh_from_db()
    assert c.text == "第三稿" and c.edited_at
    assert list(c.revisions.values_list("text", flat=True)) == ["第一稿", "第二稿"]


def test_reports_hide_then_moderator_restores_or_removes_with_reason(
    topic, neighbours, resident, committee_member, settings, django_capture_on_commit_callbacks
):
    settings.DELIBERATION_REPORTS_TO_HIDE = 2
    author = neighbours[0]
    c = services.contribution_add(user=author, topic=topic, text="物业都是骗子", stance="oppose")
    with pytest.raises(ValidationError):
        services.contribution_report(user=author, contribution=c)
    services.contribution_report(user=neighbours[1], contribution=c, reason="人身攻击")
    with pytest.raises(ValidationError, match="already reported"):
        services.contribution_report(user=neighbours[1], contribution=c)
    c.refresh_from_db()
    assert c.status == "visible"
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.contribution_report(user=neighbours[2], contribution=c)
    c.refresh_from_db()
    assert c.status == "hidden"
    assert [m.to[0] for m in mail.outbox] == [author.email]

    with pytest.raises(PermissionDenied):
        services.contribution_moderate(
            user=resident, contribution=c, decision="restore", reason="ok"
        )
    with pytest.raises(ValidationError):
        services.contribution_moderate(
            user=committee_member, contribution=c, decision="restore", reason=" "
        )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.contribution_moderate(
            user=committee_member, contribution=c, decision="restore", reason="表达不满属正常意见"
        )
    c.refresh_from_db()
    assert c.status == "visible" and c.report_count == 0
    assert "表达不满属正常意见" in mail.outbox[0].body
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.contribution_moderate(
            user=committee_member, contribution=c, decision="remove", reason="含侮辱性言辞"
        )
    c.refresh_from_db()
    assert c.status == "removed"
    assert mail.outbox[0].to == [author.email] and "含侮辱性言辞" in mail.outbox[0].body


def test_hidden_contribution_text_not_shown_to_residents(client, topic, neighbours, settings):
    settings.DELIBERATION_REPORTS_TO_HIDE = 1
    c = services.contribution_add(
        user=neighbours[0], topic=topic, text="不当言论XYZ", stance="oppose"
    )
    services.contribution_report(user=neighbours[1], contribution=c)
    client.force_login(neighbours[2])
    assert "不当言论XYZ" not in client.get(topic.get_absolute_url()).content.decode()
