"""Wagtail plumbing for communities: their page, their committee group, their workflow."""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.utils.text import slugify
from wagtail.models import (
    GroupPagePermission,
    Workflow,
    WorkflowPage,
    WorkflowTask,
)

from portal.models import Area, Membership, Role

# What a committee may do on its own community's pages.  "publish" is needed because
# Wagtail publishes an approved page with the approver's rights; publishing directly,
# without the workflow, is refused by cms/wagtail_hooks.py.
COMMITTEE_PAGE_PERMISSIONS = ["add_page", "change_page", "publish_page", "lock_page"]


def committee_group_name(area: Area) -> str:
    return f"{area.name}两委 ({area.code})"


def community_page_slug(area: Area) -> str:
    return slugify(area.code) or f"community-{area.pk}"


@transaction.atomic
def community_site_setup(*, area: Area):
    """Make (or find) the community's page, committee group and moderation workflow.

    Idempotent: run it again and nothing changes.
    """
    from .models import CommunityPage, HomePage

    if area.kind != Area.Kind.COMMUNITY:
        return None
    home = HomePage.objects.first()
    if home is None:  # before the first migration creates a home page
        return None
    page = CommunityPage.objects.filter(area=area).first()
    if page is None:
        page = CommunityPage(title=area.name, slug=community_page_slug(area), area=area, live=True)
        home.add_child(instance=page)
        page.save_revision().publish()

    group, _ = Group.objects.get_or_create(name=committee_group_name(area))
    group.permissions.add(
        Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin")
    )
    for codename in COMMITTEE_PAGE_PERMISSIONS:
        GroupPagePermission.objects.get_or_create(
            group=group,
            page=page,
            permission=Permission.objects.get(
                content_type__app_label="wagtailcore", codename=codename
            ),
        )
    for codename in ("add_image", "choose_image", "add_document", "choose_document"):
        perm = Permission.objects.filter(codename=codename).first()
        if perm:
            group.permissions.add(perm)

    from .models import PeerApprovalTask

    task, _ = PeerApprovalTask.objects.get_or_create(name=f"{area.name}两委审核")
    task.groups.add(group)
    workflow, created = Workflow.objects.get_or_create(name=f"{area.name}发布审核")
    if created or not WorkflowTask.objects.filter(workflow=workflow, task=task).exists():
        WorkflowTask.objects.get_or_create(workflow=workflow, task=task, defaults={"sort_order": 0})
    WorkflowPage.objects.update_or_create(page=page, defaults={"workflow": workflow})
    return page


def sync_committee_groups(user) -> None:
    """Put `user` in the committee groups of exactly the communities they serve."""
    wanted = set()
    for m in (
        Membership.objects.active().filter(user=user, role=Role.COMMITTEE).select_related("area")
    ):
        community = m.area.ancestor_of_kind(Area.Kind.COMMUNITY)
        if community is not None:
            wanted.add(committee_group_name(community))
    current = set(
        user.groups.filter(name__endswith=")")
        .filter(name__contains="两委")
        .values_list("name", flat=True)
    )
    for name in current - wanted:
        user.groups.remove(Group.objects.get(name=name))
    for name in wanted - current:
        group = Group.objects.filter(name=name).first()
        if group:
            user.groups.add(group)
