"""Issue 9, finding 2: a page under the community's workflow goes live only when a peer
approves it, on every path the Wagtail admin offers (cms/review.py)."""

import datetime
import json

import pytest
from django.core.management import call_command
from django.utils import timezone
from wagtail.models import Page, Revision, WorkflowState, get_page_models

from cms.models import CommunityPage, NewsPage
from cms.review import ReviewedPagePermissionTester
from tests import factories


def _body(text):
    block = {
        "key": "a1b2c",
        "type": "unstyled",
        "depth": 0,
        "text": text,
        "inlineStyleRanges": [],
        "entityRanges": [],
    }
    return json.dumps({"blocks": [block], "entityMap": {}})


def staff(area):
    from allauth.mfa.models import Authenticator

    user = factories.member("committee", area)
    Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={"secret": "x"})
    return user


@pytest.fixture
def community_page(tree):
    return CommunityPage.objects.get(area=tree["community"])


@pytest.fixture
def author(tree):
    return staff(tree["community"])


@pytest.fixture
def reviewer(tree):
    return staff(tree["community"])


def _news(parent, *, live=False, body="已审核的通知", slug="notice", user=None):
    news = NewsPage(
        title="楼道清理通知",
        slug=slug,
        date=datetime.date(2026, 11, 1),
        body=f"<p>{body}</p>",
        live=False,
    )
    parent.add_child(instance=news)
    revision = news.save_revision(user=user)
    if live:
        revision.publish()  # what an earlier approval published (no user: trusted code)
    return NewsPage.objects.get(pk=news.pk)


def _edit_data(page, text, **extra):
    return {
        "title": page.title,
        "slug": page.slug,
        "date": "2026-11-01",
        "intro": "",
        "body": _body(text),
        **extra,
    }


def _public_body(page):
    page = NewsPage.objects.get(pk=page.pk)
    return page.live, page.body


def _approve(page, submitter, approver):
    """Submit `page` for moderation as `submitter`, approve it as `approver`."""
    state = page.get_workflow().start(page, submitter)
    task_state = WorkflowState.objects.get(pk=state.pk).current_task_state
    task_state.task.specific.on_action(task_state, approver, "approve")


@pytest.mark.django_db
def test_every_page_model_uses_the_reviewed_tester(tree, author, community_page):
    for model in get_page_models():
        if model is Page:
            continue  # the tree's root: never published
        page = model(title="x", slug="x", path=community_page.path + "0001", depth=4)
        assert isinstance(page.permissions_for_user(author), ReviewedPagePermissionTester), model


@pytest.mark.django_db
def test_edit_publish_is_refused_and_changes_nothing(client, author, community_page):
    news = _news(community_page)
    client.force_login(author)
    url = f"/admin/pages/{news.pk}/edit/"
    form = client.get(url)
    assert form.status_code == 200
    assert 'name="action-publish"' not in form.content.decode()
    response = client.post(url, _edit_data(news, "未经审核", **{"action-publish": "1"}))
    assert response.status_code == 302
    assert _public_body(news)[0] is False
    assert not Revision.page_revisions.filter(
        object_id=str(news.pk), approved_go_live_at__isnull=False
    ).exists()


@pytest.mark.django_db
def test_edit_publish_of_a_live_page_keeps_the_approved_text(client, author, community_page):
    news = _news(community_page, live=True)
    client.force_login(author)
    client.post(
        f"/admin/pages/{news.pk}/edit/", _edit_data(news, "未经审核", **{"action-publish": "1"})
    )
    live, body = _public_body(news)
    assert live and "已审核" in body and "未经审核" not in body


@pytest.mark.django_db
def test_bulk_publish_is_refused(client, author, community_page):
    news = _news(community_page, user=author)
    client.force_login(author)
    url = f"/admin/bulk/wagtailcore/page/publish/?id={news.pk}"
    client.post(url, {"include_descendants": "on"})
    assert _public_body(news)[0] is False


@pytest.mark.django_db
def test_bulk_publish_of_the_parent_does_not_publish_draft_children(client, author, community_page):
    news = _news(community_page, user=author)
    client.force_login(author)
    client.post(
        f"/admin/bulk/wagtailcore/page/publish/?id={community_page.pk}",
        {"include_descendants": "on"},
    )
    assert _public_body(news)[0] is False


@pytest.mark.django_db
def test_copy_with_publish_copies_is_refused(client, author, community_page):
    news = _news(community_page, live=True)
    news.body = "<p>未经审核</p>"
    news.save_revision(user=author)  # an unreviewed draft on top of the live page
    client.force_login(author)
    response = client.post(
        f"/admin/pages/{news.pk}/copy/",
        {
            "new_title": "副本",
            "new_slug": "copy",
            "new_parent_page": community_page.pk,
            "publish_copies": "on",
        },
    )
    assert response.status_code == 200  # the form says why
    assert "new_parent_page" in response.context["form"].errors
    assert not NewsPage.objects.filter(slug="copy").exists()
    # Without "publish copies" the copy is a draft, to go through the review.
    data = {"new_title": "副本", "new_slug": "copy", "new_parent_page": community_page.pk}
    assert client.post(f"/admin/pages/{news.pk}/copy/", data).status_code == 302
    assert not NewsPage.objects.get(slug="copy").live


@pytest.mark.django_db
def test_reverting_to_an_unreviewed_revision_and_publishing_is_refused(
    client, author, community_page
):
    news = _news(community_page, live=True)
    news.body = "<p>未经审核</p>"
    unreviewed = news.save_revision(user=author)
    news = NewsPage.objects.get(pk=news.pk)
    news.body = "<p>已审核的通知</p>"
    news.save_revision(user=author)
    client.force_login(author)
    url = f"/admin/pages/{news.pk}/revisions/{unreviewed.pk}/revert/"
    assert 'name="action-publish"' not in client.get(url).content.decode()
    client.post(url, _edit_data(news, "未经审核", **{"action-publish": "1"}))
    live, body = _public_body(news)
    assert live and "未经审核" not in body


@pytest.mark.django_db
def test_scheduled_publishing_needs_the_review_too(client, author, reviewer, community_page):
    news = _news(community_page)
    client.force_login(author)
    go_live = timezone.localtime() + datetime.timedelta(minutes=5)
    client.post(
        f"/admin/pages/{news.pk}/edit/",
        _edit_data(
            news,
            "定时发布",
            go_live_at=go_live.strftime("%Y-%m-%d %H:%M"),
            **{"action-publish": "1"},
        ),
    )
    # Nor through the bulk action, which would schedule the draft's go_live_at.
    client.post(f"/admin/bulk/wagtailcore/page/publish/?id={news.pk}", {})
    later = timezone.now() + datetime.timedelta(hours=1)
    assert not Revision.page_revisions.filter(approved_go_live_at__isnull=False).exists()
    from unittest import mock

    with mock.patch("django.utils.timezone.now", return_value=later):
        call_command("publish_scheduled")
    assert _public_body(news)[0] is False

    # The same schedule, approved by a peer, does publish when its time comes.
    news = NewsPage.objects.get(pk=news.pk)
    news.go_live_at = timezone.now() + datetime.timedelta(minutes=5)
    news.save_revision(user=author)
    _approve(news, author, reviewer)
    assert _public_body(news)[0] is False
    with mock.patch("django.utils.timezone.now", return_value=later):
        call_command("publish_scheduled")
    assert _public_body(news)[0] is True


@pytest.mark.django_db
def test_unpublish_then_republish_is_refused(client, author, community_page):
    news = _news(community_page, live=True)
    client.force_login(author)
    client.post(f"/admin/pages/{news.pk}/unpublish/", {})
    assert _public_body(news)[0] is False
    client.post(
        f"/admin/pages/{news.pk}/edit/", _edit_data(news, "未经审核", **{"action-publish": "1"})
    )
    client.post(f"/admin/bulk/wagtailcore/page/publish/?id={news.pk}", {})
    assert _public_body(news)[0] is False


@pytest.mark.django_db
def test_a_peer_approval_publishes_the_reviewed_text(author, reviewer, community_page):
    news = _news(community_page, body="请审核", user=author)
    _approve(news, author, reviewer)
    live, body = _public_body(news)
    assert live and "请审核" in body


@pytest.mark.django_db
def test_the_approver_cannot_approve_a_revision_they_wrote(author, reviewer, community_page):
    """Editing someone's submission and approving it is publishing one's own text."""
    from django.core.exceptions import PermissionDenied

    news = _news(community_page, body="原文", user=author)
    state = news.get_workflow().start(news, author)
    news = NewsPage.objects.get(pk=news.pk)
    news.body = "<p>审核人改写</p>"
    news.save_revision(user=reviewer)
    # The approval of the submitted revision does not cover the reviewer's rewrite: the
    # task starts again on the new revision, which the reviewer may not approve.
    task_state = WorkflowState.objects.get(pk=state.pk).current_task_state
    task_state.task.specific.on_action(task_state, reviewer, "approve")
    assert _public_body(news)[0] is False
    task_state = WorkflowState.objects.get(pk=state.pk).current_task_state
    assert task_state.revision.user == reviewer
    news = NewsPage.objects.get(pk=news.pk)
    assert task_state.task.specific.get_actions(news, reviewer) == []
    with pytest.raises(PermissionDenied):
        task_state.task.specific.on_action(task_state, reviewer, "approve")
    assert _public_body(news)[0] is False
    third = staff(community_page.area)
    task_state.task.specific.on_action(task_state, third, "approve")
    live, body = _public_body(news)
    assert live and "审核人改写" in body


@pytest.mark.django_db
def test_a_workflow_without_a_peer_approval_publishes_nothing(author, community_page):
    """A workflow whose tasks are all switched off finishes on submission: refused."""
    from django.core.exceptions import PermissionDenied

    news = _news(community_page, user=author)
    workflow = news.get_workflow()
    for wt in workflow.workflow_tasks.all():
        wt.task.active = False
        wt.task.save()
    with pytest.raises(PermissionDenied):
        workflow.start(news, author)
    assert _public_body(news)[0] is False


@pytest.mark.django_db
def test_live_pages_do_not_move_into_another_workflow(tree, author, community_page):
    """A member of two committees cannot carry a live page into the other community."""
    from portal import services as portal_services

    portal_services.membership_grant(
        user=author, role="committee", area=tree["other_community"], organisation=None
    )
    author = type(author).objects.get(pk=author.pk)
    other = CommunityPage.objects.get(area=tree["other_community"])
    live = _news(community_page, live=True)
    draft = _news(community_page, slug="draft")
    assert other.permissions_for_user(author).can_add_subpage()
    assert not live.permissions_for_user(author).can_move_to(other)
    assert draft.permissions_for_user(author).can_move_to(other)
    assert live.permissions_for_user(author).can_move_to(community_page)
