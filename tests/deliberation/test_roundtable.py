"""The round-table path inside deliberation: the committee titles and edits a topic; a
decision needs a held session or a closed poll; a linked poll's counts are the tally."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from deliberation import services
from deliberation.models import Outcome, Poll, Topic
from tests import factories
from tests.deliberation.factories import held_session
from tests.deliberation.factories import poll as make_poll
from tests.deliberation.factories import session as make_session
from tests.deliberation.factories import topic as make_topic

REQUEST_TEXT = (
    "我家住新湛小区3号楼，楼下那块空地一直被私家车乱停，晚上救护车都进不来，"
    "能不能规划成固定车位？电话13912345678"
)


# --- the title ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("楼道灯坏了。已经两个星期没人修。", "楼道灯坏了"),
        ("电梯什么时候能装好？大家都很着急", "电梯什么时候能装好"),
        ("  \n能不能在北门加一个快递柜\n谢谢", "能不能在北门加一个快递柜"),
        (REQUEST_TEXT, "我家住新湛小区3号楼，楼下那块空地一直被私家车乱停"),
        ("一" * 50, "一" * 29 + "…"),
        # What looks like markup is the resident's text: kept as typed, escaped on pages.
        ("<b>广场舞</b>音量太大", "<b>广场舞</b>音量太大"),
        ("室温<10度。暖气不热", "室温<10度"),
    ],
)
def test_default_title_is_the_first_sentence_in_at_most_30_characters(text, expected):
    title = services.default_title(text)
    assert title == expected and len(title) <= 30


def test_committee_edits_title_and_description(community, committee_member, resident):
    t = make_topic(community, resident, title=REQUEST_TEXT[:100], body=REQUEST_TEXT)
    services.topic_update(
        user=committee_member, topic=t, title="3号楼楼下空地规划车位", body="空地乱停车，堵消防通道"
    )
    t.refresh_from_db()
    assert (t.title, t.body) == ("3号楼楼下空地规划车位", "空地乱停车，堵消防通道")


def test_only_the_committee_edits_a_topic(community, resident, tree):
    t = make_topic(community, resident, title="原标题")
    other_committee = factories.member("committee", tree["other_community"])
    for user in (resident, other_committee):
        with pytest.raises(PermissionDenied):
            services.topic_update(user=user, topic=t, title="改掉", body="改掉")
    t.refresh_from_db()
    assert t.title == "原标题"


def test_an_empty_title_is_refused(community, committee_member, resident):
    t = make_topic(community, resident, title="原标题")
    with pytest.raises(ValidationError) as exc:
        services.topic_update(user=committee_member, topic=t, title="<p> </p>", body="说明")
    assert "title" in exc.value.message_dict
    t.refresh_from_db()
    assert t.title == "原标题"


def test_edit_page_keeps_typed_text_on_refusal_and_saves(
    client, community, committee_member, resident, django_assert_num_queries
):
    t = make_topic(community, resident, title="原标题", body="原说明")
    url = reverse("deliberation:topic_edit", args=[t.pk])
    client.force_login(committee_member)
    client.get(url)
    with django_assert_num_queries(3):  # session, topic, permission (the user: cached)
        page = client.get(url).content.decode()
    assert 'value="原标题"' in page and "原说明</textarea>" in page
    r = client.post(url, {"title": "", "body": "新的说明，写了很久"})
    assert r.status_code == 200 and "新的说明，写了很久</textarea>" in r.content.decode()
    t.refresh_from_db()
    assert t.body == "原说明"
    r = client.post(url, {"title": "北门快递柜", "body": "新的说明"})
    assert r.status_code == 302 and r.url == t.get_absolute_url()
    t.refresh_from_db()
    assert (t.title, t.body) == ("北门快递柜", "新的说明")
    assert url in client.get(t.get_absolute_url()).content.decode()  # the committee's link


def test_residents_neither_see_nor_use_the_edit_page(client, community, resident):
    t = make_topic(community, title="原标题")
    url = reverse("deliberation:topic_edit", args=[t.pk])
    client.force_login(resident)
    assert url not in client.get(t.get_absolute_url()).content.decode()
    assert client.get(url).status_code == 403
    assert client.post(url, {"title": "改掉", "body": "改掉"}).status_code == 403
    t.refresh_from_db()
    assert t.title == "原标题"


# --- a decision needs a session or a poll -------------------------------------------


def test_no_decision_without_a_held_session_or_a_closed_poll(community, committee_member, resident):
    t = make_topic(community, resident)
    with pytest.raises(ValidationError, match="needs a session"):
        services.outcome_publish(user=committee_member, topic=t, decision="通过")
    make_session(community, committee_member, topics=[t])  # on the agenda, not held yet
    make_poll(community, committee_member, topic=t)  # still open
    with pytest.raises(ValidationError, match="needs a session"):
        services.outcome_publish(user=committee_member, topic=t, decision="通过")
    assert not Outcome.objects.exists()
    assert Topic.objects.get(pk=t.pk).status != Topic.Status.DECIDED


def test_a_held_session_allows_a_decision_and_is_recorded(community, committee_member, resident):
    t = make_topic(community, resident)
    held = held_session(community, committee_member, t)
    outcome = services.outcome_publish(
        user=committee_member, topic=t, decision="通过", votes_for=21, votes_against=4
    )
    assert outcome.session == held and (outcome.votes_for, outcome.votes_against) == (21, 4)


def test_a_session_without_the_topic_does_not_count(community, committee_member, resident):
    t = make_topic(community, resident)
    other = make_topic(community, resident, title="别的议题")
    held = held_session(community, committee_member, other)
    with pytest.raises(ValidationError):
        services.outcome_publish(user=committee_member, topic=t, decision="通过", session=held)
    with pytest.raises(ValidationError, match="needs a session"):
        services.outcome_publish(user=committee_member, topic=t, decision="通过")


def _voted_poll(community, committee, topic, votes, **kw):
    """A poll on `topic` with `votes` (option index per resident), then closed."""
    p = make_poll(community, committee, topic=topic, **kw)
    options = list(p.options.all())
    for choice in votes:
        voter = factories.resident(community.get_children().first())
        services.poll_vote(user=voter, poll=p, option_ids=[options[choice].pk])
    Poll.objects.filter(pk=p.pk).update(closes_at=timezone.now() - datetime.timedelta(minutes=1))
    p.refresh_from_db()
    return p


def test_an_open_poll_or_another_topics_poll_cannot_decide(community, committee_member, resident):
    t = make_topic(community, resident)
    open_poll = make_poll(community, committee_member, topic=t)
    with pytest.raises(ValidationError, match="still open"):
        services.outcome_publish(user=committee_member, topic=t, decision="通过", poll=open_poll)
    other = make_topic(community, resident, title="别的议题")
    foreign = _voted_poll(community, committee_member, other, [0])
    with pytest.raises(ValidationError, match="on this topic"):
        services.outcome_publish(user=committee_member, topic=t, decision="通过", poll=foreign)
    assert not Outcome.objects.exists()


def test_a_closed_poll_decides_and_its_counts_are_the_tally(
    client, community, committee_member, resident
):
    t = make_topic(community, resident, title="加装电梯")
    p = _voted_poll(community, committee_member, t, [0, 0, 1])
    with pytest.raises(ValidationError, match="poll's counts are the tally"):
        services.outcome_publish(
            user=committee_member, topic=t, decision="通过", poll=p, votes_for=21, votes_against=4
        )
    outcome = services.outcome_publish(user=committee_member, topic=t, decision="同意", poll=p)
    assert outcome.poll == p and outcome.votes_for is None and outcome.session is None
    page = client.get(t.get_absolute_url()).content.decode()
    assert "同意 2 · 不同意 1 · 弃权 0" in page
    # The refused show of hands left no trace (and "21" alone would match a 21:00 clock).
    assert "同意 21" not in page and "不同意 4" not in page


def test_a_show_of_hands_may_not_contradict_the_residents_poll(
    community, committee_member, resident
):
    t = make_topic(community, resident)
    held_session(community, committee_member, t)
    _voted_poll(community, committee_member, t, [0, 0, 1])
    with pytest.raises(ValidationError, match="publish the decision with that poll"):
        services.outcome_publish(
            user=committee_member,
            topic=t,
            decision="通过",
            votes_for=21,
            votes_against=4,
            votes_abstain=2,
        )
    assert not Outcome.objects.exists()


def test_a_show_of_hands_needs_for_and_against(community, committee_member, resident):
    t = make_topic(community, resident)
    held_session(community, committee_member, t)
    with pytest.raises(ValidationError, match="for and against"):
        services.outcome_publish(user=committee_member, topic=t, decision="通过", votes_for=3)


# --- the page -----------------------------------------------------------------------


def test_refused_outcome_keeps_the_typed_decision(client, community, committee_member, resident):
    t = make_topic(community, resident, title="垃圾分类投放点")
    client.force_login(committee_member)
    r = client.post(
        reverse("deliberation:topic_outcome", args=[t.pk]),
        {
            "decision": "投放点设在北门东侧，物业负责每天清运",
            "votes_for": "21",
            "votes_against": "4",
            "followup_action": "建设投放亭",
            "followup_responsible": "物业",
            "followup_due": "2026-12-30",
        },
    )
    html = r.content.decode()
    assert r.status_code == 200
    assert "发布决定需要已举行并讨论过本议题的议事活动" in html
    assert "投放点设在北门东侧，物业负责每天清运</textarea>" in html
    assert 'value="21"' in html and 'value="建设投放亭"' in html
    assert not Outcome.objects.exists()


def test_outcome_form_offers_the_closed_poll_and_publishes_with_it(
    client, community, committee_member, resident
):
    t = make_topic(community, resident, title="加装电梯")
    p = _voted_poll(community, committee_member, t, [0, 1, 0])
    client.force_login(committee_member)
    html = client.get(t.get_absolute_url()).content.decode()
    assert f'<option value="{p.pk}" selected>' in html
    r = client.post(
        reverse("deliberation:topic_outcome", args=[t.pk]),
        {"decision": "同意加装", "poll": str(p.pk)},
    )
    assert r.status_code == 302
    t.refresh_from_db()
    assert t.outcome.poll == p and not t.outcome.has_tally
    assert "同意 2 · 不同意 1" in client.get(t.get_absolute_url()).content.decode()


def test_residents_cannot_publish_through_the_page(client, community, resident):
    t = make_topic(community, title="楼道灯")
    client.force_login(resident)
    r = client.post(reverse("deliberation:topic_outcome", args=[t.pk]), {"decision": "我说了算"})
    assert r.status_code == 302 and not Outcome.objects.exists()
