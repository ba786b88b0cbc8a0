import datetime

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from deliberation import services, signals
from deliberation.models import Ballot, FollowUp, Topic, Vote
from deliberation.selectors import poll_tally
from tests import factories
from tests.deliberation.factories import held_session
from tests.deliberation.factories import poll as make_poll
from tests.deliberation.factories import topic as make_topic

pytestmark = pytest.mark.django_db


def test_single_choice_vote_once(community, committee_member, resident):
    p = make_poll(community, committee_member)
    yes, no, _abstain = p.options.all()
    services.poll_vote(user=resident, poll=p, option_ids=[yes.pk])
    with pytest.raises(ValidationError, match="already voted"):
        services.poll_vote(user=resident, poll=p, option_ids=[no.pk])
    assert [o.count for o in poll_tally(p)] == [1, 0, 0]


def test_single_choice_rejects_two_and_foreign_options(community, committee_member, resident):
    p = make_poll(community, committee_member)
    other = make_poll(community, committee_member, question="另一个")
    a, b, _ = p.options.all()
    with pytest.raises(ValidationError, match="exactly one"):
        services.poll_vote(user=resident, poll=p, option_ids=[a.pk, b.pk])
    with pytest.raises(ValidationError, match="options given"):
        services.poll_vote(user=resident, poll=p, option_ids=[other.options.first().pk])
    with pytest.raises(ValidationError):
        services.poll_vote(user=resident, poll=p, option_ids=["x"])
    assert not Ballot.objects.exists()


def test_multiple_choice(community, committee_member, resident):
    p = make_poll(community, committee_member, kind="multiple", options=("北门", "南门", "东门"))
    a, b, _c = p.options.all()
    services.poll_vote(user=resident, poll=p, option_ids=[a.pk, b.pk])
    assert [o.count for o in poll_tally(p)] == [1, 1, 0]


def test_only_confirmed_residents_of_that_community_vote(
    community, committee_member, outsider, tree
):
    p = make_poll(community, committee_member)
    pending = factories.UserFactory()
    from portal.models import Membership

    Membership.objects.create(user=pending, role="resident", area=tree["grid"], status="pending")
    for user in (outsider, pending, committee_member):
        with pytest.raises(PermissionDenied):
            services.poll_vote(user=user, poll=p, option_ids=[p.options.first().pk])
    assert not Vote.objects.exists()


def test_vote_outside_open_times(community, committee_member, resident):
    p = make_poll(community, committee_member, open_now=False)
    with pytest.raises(ValidationError, match="not open"):
        services.poll_vote(user=resident, poll=p, option_ids=[p.options.first().pk])


def test_results_hidden_until_close(client, community, committee_member, resident):
    p = make_poll(community, committee_member, hide=True)
    services.poll_vote(user=resident, poll=p, option_ids=[p.options.first().pk])
    client.force_login(resident)
    html = client.get(p.get_absolute_url()).content.decode()
    assert 'data-testid="result"' not in html
    p.closes_at = timezone.now() - datetime.timedelta(minutes=1)
    p.save()
    html = client.get(p.get_absolute_url()).content.decode()
    assert html.count('data-testid="result"') == 3


def test_vote_through_page(client, community, committee_member, resident):
    p = make_poll(community, committee_member)
    client.force_login(resident)
    client.post(p.get_absolute_url(), {"option": [p.options.first().pk]})
    response = client.post(p.get_absolute_url(), {"option": [p.options.last().pk]}, follow=True)
    assert "已经投过票" in response.content.decode() or "already voted" in response.content.decode()
    assert Ballot.objects.count() == 1


def test_outcome_published_sends_signal_and_tells_followers(
    community, committee_member, resident, neighbours, django_capture_on_commit_callbacks
):
    t = make_topic(community, resident, title="加装电梯")
    services.topic_support(user=neighbours[0], topic=t)
    received = []

    def listener(sender, topic, decision, **kw):
        received.append((sender, topic.pk, decision))

    held_session(community, committee_member, t)
    signals.topic_decided.connect(listener)
    try:
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            outcome = services.outcome_publish(
                user=committee_member,
                topic=t,
                decision="同意3号楼加装电梯，费用按楼层分摊",
                votes_for=38,
                votes_against=4,
                votes_abstain=2,
                followups=[
                    {
                        "action": "申请加梯补贴",
                        "responsible": "社区居委会",
                        "due_date": datetime.date(2026, 12, 31),
                    }
                ],
            )
    finally:
        signals.topic_decided.disconnect(listener)
    assert received == [(Topic, t.pk, "同意3号楼加装电梯，费用按楼层分摊")]
    t.refresh_from_db()
    assert t.status == "decided" and outcome.has_tally
    assert {m.to[0] for m in mail.outbox} == {resident.email, neighbours[0].email}
    with pytest.raises(ValidationError):
        services.outcome_publish(user=committee_member, topic=t, decision="again")
    with pytest.raises(ValidationError, match="closed"):
        services.topic_support(user=neighbours[1], topic=t)


def test_outcome_needs_committee(community, resident):
    t = make_topic(community, resident)
    with pytest.raises(PermissionDenied):
        services.outcome_publish(user=resident, topic=t, decision="我说了算")


def test_followups_done_makes_topic_done(
    community, committee_member, resident, django_capture_on_commit_callbacks
):
    t = make_topic(community, resident)
    held_session(community, committee_member, t)
    outcome = services.outcome_publish(
        user=committee_member,
        topic=t,
        decision="清理楼道堆物",
        followups=[
            {
                "action": "发放清理通知",
                "responsible": "网格员",
                "due_date": datetime.date(2026, 12, 1),
            },
            {"action": "集中清运", "responsible": "物业", "due_date": datetime.date(2026, 12, 15)},
        ],
    )
    f1, f2 = outcome.followups.all()
    with pytest.raises(ValidationError):
        services.followup_status_set(user=committee_member, followup=f1, status="bogus")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.followup_status_set(
            user=committee_member, followup=f1, status=FollowUp.Status.DONE
        )
    t.refresh_from_db()
    assert t.status == "decided"
    assert mail.outbox and mail.outbox[0].to == [resident.email]
    services.followup_status_set(user=committee_member, followup=f2, status=FollowUp.Status.DONE)
    t.refresh_from_db()
    assert t.status == "done"
