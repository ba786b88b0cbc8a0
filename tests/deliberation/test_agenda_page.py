import datetime
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from deliberation import services
from deliberation.models import AgendaPage, Session
from tests.deliberation.factories import session as make_session
from tests.deliberation.factories import topic as make_topic

pytestmark = pytest.mark.django_db


@pytest.fixture
def agenda(community, committee_member, resident):
    t1 = make_topic(community, resident, title="加装电梯")
    t2 = make_topic(community, resident, title="停车难")
    s = make_session(community, committee_member, title="圆桌话题：加装电梯", topics=[t1, t2])
    page = AgendaPage(
        title="十一月议事会议程", slug="agenda-nov", session=s, intro="<p>欢迎参加</p>"
    )
    community.page.add_child(instance=page)
    page.save_revision().publish()
    return page


def test_agenda_page_lives_in_community_subtree_under_its_workflow(agenda, community):
    assert agenda.get_parent().specific.area == community
    assert AgendaPage.parent_page_types == ["cms.CommunityPage"]
    workflow = agenda.get_workflow()
    assert workflow is not None and workflow.name == f"{community.name}发布审核"


def test_agenda_lists_topics_then_outcomes_and_followups(client, agenda, committee_member):
    html = client.get(agenda.url).content.decode()
    assert "加装电梯" in html and "停车难" in html and 'data-testid="followup"' not in html
    topic = agenda.session.topics.get(title="加装电梯")
    Session.objects.filter(pk=agenda.session.pk).update(
        starts_at=timezone.now() - datetime.timedelta(days=2),
        ends_at=timezone.now() - datetime.timedelta(days=1),
    )
    services.outcome_publish(
        user=committee_member,
        topic=topic,
        decision="同意加装，费用按楼层系数分摊",
        votes_for=40,
        votes_against=3,
        votes_abstain=1,
        followups=[
            {
                "action": "提交加梯申请",
                "responsible": "社区居委会",
                "due_date": datetime.date(2026, 12, 20),
            }
        ],
    )
    Session.objects.filter(pk=agenda.session.pk).update(
        starts_at=timezone.now() - datetime.timedelta(days=2),
        ends_at=timezone.now() - datetime.timedelta(days=1),
    )
    html = client.get(agenda.url).content.decode()
    assert "同意加装，费用按楼层系数分摊" in html
    assert "40" in html and "提交加梯申请" in html and "社区居委会" in html


def test_agenda_page_constant_queries(
    client, agenda, community, committee_member, resident, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    Session.objects.filter(pk=agenda.session.pk).update(
        starts_at=timezone.now() - datetime.timedelta(days=2),
        ends_at=timezone.now() - datetime.timedelta(days=1),
    )
    services.outcome_publish(
        user=committee_member,
        topic=agenda.session.topics.first(),
        decision="通过",
        followups=[
            {"action": "落实", "responsible": "物业", "due_date": datetime.date(2026, 12, 1)}
        ],
    )
    client.get(agenda.url)
    with CaptureQueriesContext(connection) as small:
        client.get(agenda.url)
    for i in range(10):
        t = make_topic(community, resident, title=f"议题{i}")
        services.session_add_topic(user=committee_member, session=agenda.session, topic=t)
        services.outcome_publish(
            user=committee_member,
            topic=t,
            decision="通过",
            followups=[
                {"action": "落实", "responsible": "物业", "due_date": datetime.date(2026, 12, 1)}
            ],
        )
    with django_assert_num_queries(len(small.captured_queries)):
        client.get(agenda.url)


def test_agenda_form_offers_only_this_communitys_sessions(community, tree, committee_member):
    mine = make_session(community, committee_member, title="本社区活动")
    other_committee = __import__("tests.factories", fromlist=["member"]).member(
        "committee", tree["other_community"]
    )
    make_session(tree["other_community"], other_committee, title="别的社区活动")
    form_class = AgendaPage.get_edit_handler().get_form_class()
    form = form_class(parent_page=community.page, for_user=committee_member)
    assert list(form.fields["session"].queryset) == [mine]


def test_committee_edits_agenda_in_admin_and_submits_to_workflow(client, agenda, committee_member):
    from wagtail.models import WorkflowState

    client.force_login(committee_member)
    edit = reverse("wagtailadmin_pages:edit", args=[agenda.pk])
    assert client.get(edit).status_code == 200
    data = {
        "title": agenda.title,
        "slug": agenda.slug,
        "session": agenda.session_id,
        "intro": json.dumps(
            {
                "blocks": [
                    {
                        "key": "a",
                        "type": "unstyled",
                        "text": "更新议程",
                        "depth": 0,
                        "inlineStyleRanges": [],
                        "entityRanges": [],
                    }
                ],
                "entityMap": {},
            }
        ),
        "outcome_summary": '{"blocks":[],"entityMap":{}}',
        "action-submit": "submit",
    }
    response = client.post(edit, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    state = WorkflowState.objects.get(base_content_type__model="page", object_id=str(agenda.pk))
    assert state.status == WorkflowState.STATUS_IN_PROGRESS
    assert state.workflow.name.endswith("发布审核")
