import datetime

import pytest
from django.core.exceptions import PermissionDenied
from wagtail.models import Page, WorkflowState

from cms.models import CommunityPage, NewsPage
from cms.services import community_site_setup
from tests import factories


@pytest.mark.django_db
def test_each_new_community_gets_its_page_group_and_workflow(tree):
    page = CommunityPage.objects.get(area=tree["community"])
    assert page.live and page.title == "新湛社区"
    assert page.get_workflow().name == "新湛社区发布审核"
    # Running the setup again changes nothing.
    counts = (Page.objects.count(), page.get_workflow().workflow_tasks.count())
    community_site_setup(area=tree["community"])
    assert (Page.objects.count(), page.get_workflow().workflow_tasks.count()) == counts


@pytest.mark.django_db
def test_committee_edits_only_inside_its_own_community(tree):
    member = factories.member("committee", tree["community"])
    mine = CommunityPage.objects.get(area=tree["community"])
    theirs = CommunityPage.objects.get(area=tree["other_community"])
    assert mine.permissions_for_user(member).can_edit()
    assert mine.permissions_for_user(member).can_add_subpage()
    assert not theirs.permissions_for_user(member).can_edit()
    assert not theirs.permissions_for_user(member).can_add_subpage()
    assert not Page.objects.get(depth=2).permissions_for_user(member).can_edit()


@pytest.mark.django_db
def test_committee_cannot_publish_directly_but_through_the_workflow(tree):
    author = factories.member("committee", tree["community"])
    reviewer = factories.member("committee", tree["community"])
    community = CommunityPage.objects.get(area=tree["community"])
    news = NewsPage(
        title="楼道堆物清理通知",
        slug="notice",
        date=datetime.date(2026, 11, 1),
        body="<p>周六统一清理</p>",
        live=False,
    )
    community.add_child(instance=news)

    news.save_revision(user=author)
    state = news.get_workflow().start(news, author)
    task_state = WorkflowState.objects.get(pk=state.pk).current_task_state
    task = task_state.task.specific
    news = NewsPage.objects.get(pk=news.pk)
    assert task.get_actions(news, author) == []  # nobody approves their own page
    with pytest.raises(PermissionDenied):
        task.on_action(task_state, author, "approve")
    assert [a[0] for a in task.get_actions(news, reviewer)][:2] == ["reject", "approve"]
    task.on_action(task_state, reviewer, "approve")
    news.refresh_from_db()
    assert news.live


@pytest.mark.django_db
def test_direct_publish_in_the_admin_is_refused(client, tree):
    from allauth.mfa.models import Authenticator

    author = factories.member("committee", tree["community"])
    Authenticator.objects.create(user=author, type=Authenticator.Type.TOTP, data={"secret": "x"})
    community = CommunityPage.objects.get(area=tree["community"])
    client.force_login(author)
    url = f"/admin/pages/add/cms/newspage/{community.pk}/"
    form = client.get(url)
    assert form.status_code == 200
    assert 'name="action-publish"' not in form.content.decode()
    data = {
        "title": "偷偷发布",
        "slug": "sneaky",
        "date": "2026-11-01",
        "body": '{"blocks":[],"entityMap":{}}',
        "action-publish": "1",
    }
    client.post(url, data)
    assert not NewsPage.objects.filter(slug="sneaky", live=True).exists()


@pytest.mark.django_db
def test_ending_a_committee_membership_removes_admin_rights(tree):
    from portal import services
    from portal.models import Membership

    member = factories.member("committee", tree["community"])
    services.membership_end(membership=Membership.objects.get(user=member, role="committee"))
    mine = CommunityPage.objects.get(area=tree["community"])
    member = type(member).objects.get(pk=member.pk)
    assert not mine.permissions_for_user(member).can_edit()
    assert not member.has_perm("wagtailadmin.access_admin")


@pytest.mark.django_db
def test_community_page_lists_its_news_in_a_constant_number_of_queries(
    client, tree, django_assert_max_num_queries
):
    community = CommunityPage.objects.get(area=tree["community"])
    for i in range(12):
        n = NewsPage(
            title=f"动态{i}", slug=f"d{i}", date=datetime.date(2026, 10, i + 1), body="<p>x</p>"
        )
        community.add_child(instance=n)
    response = client.get(community.url)
    assert response.status_code == 200
    assert "动态11" in response.content.decode()


@pytest.mark.django_db
def test_committee_may_add_agenda_pages_under_its_community_page(tree):
    from deliberation.models import AgendaPage

    community = CommunityPage.objects.get(area=tree["community"])
    assert AgendaPage in community.specific_class.allowed_subpage_models()
    assert AgendaPage.can_create_at(community)
