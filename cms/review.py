"""Peer review: a page under a moderation workflow goes live only through that workflow.

Every way Wagtail has of making a page live asks one question, the page permission
tester's `can_publish()` (edit and revert views, the action menu, bulk publish, and
`PublishPageRevisionAction.check()` under all of them) or `can_publish_subpage()` (create,
"publish copies"), and moving live pages asks for "publish" on the destination.  Scheduled
publishing only publishes revisions one of those paths approved.  So the rule lives here,
in the tester every page model of the project returns (`ReviewedPageMixin`):

- on a page under a workflow, nobody but a site administrator publishes directly;
- the workflow publishes the approved revision (cms/workflow_finish.py, set as
  WAGTAIL_FINISH_WORKFLOW_ACTION), and only when someone approved it who neither
  submitted it nor wrote the approved revision.

tests/cms/test_review_paths.py tries every path.
"""

from __future__ import annotations

from django.utils.functional import cached_property
from wagtail.models import PagePermissionTester

from portal.permissions import is_site_admin


def may_skip_review(user) -> bool:
    """Site administrators configure the workflows themselves; nobody else skips them."""
    return is_site_admin(user)


def may_approve(user, *, submitter_id, author_id) -> bool:
    """Someone other than the submitter and the author of the revision approves it."""
    if may_skip_review(user):
        return True
    return user.pk not in {submitter_id, author_id}


class ReviewedPagePermissionTester(PagePermissionTester):
    """Wagtail's tester, with direct publishing refused under a workflow."""

    @cached_property
    def _under_review(self) -> bool:
        return not may_skip_review(self.user) and self.page.get_workflow() is not None

    def can_publish(self):
        return super().can_publish() and not self._under_review

    def can_publish_subpage(self):
        # A new child (a created page, a copy) falls under this page's workflow too.
        return super().can_publish_subpage() and not self._under_review

    def can_unschedule(self):
        # Cancelling a scheduled publication makes nothing live: publish rights suffice.
        return super().can_publish()

    def can_move_to(self, destination):
        if not super().can_move_to(destination):
            return False
        if may_skip_review(self.user) or destination.get_workflow() is None:
            return True
        live = self.page.live or self.page.get_descendants().filter(live=True).exists()
        # Live pages reach another workflow's section only through that workflow.
        return not live or self.page.get_workflow() == destination.get_workflow()


class ReviewedPageMixin:
    """Every page model of the project: its permissions come from the reviewed tester."""

    def permissions_for_user(self, user):
        return ReviewedPagePermissionTester(user, self)

    def get_view_restrictions(self):
        """The restrictions read with the page's cached route (cms.sites.serve), else
        Wagtail's query."""
        stashed = getattr(self, "_cached_view_restrictions", None)
        if stashed is not None:
            return stashed
        return super().get_view_restrictions()
