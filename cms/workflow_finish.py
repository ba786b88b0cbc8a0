"""The workflow's last step: publish what a peer approved (WAGTAIL_FINISH_WORKFLOW_ACTION).

Wagtail imports this module while it defines its own models: import nothing from
Wagtail's models here at module level.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _


def publish_approved_workflow(workflow_state, user=None):
    """WAGTAIL_FINISH_WORKFLOW_ACTION: publish the revision the workflow approved.

    Wagtail's default publishes with the approver's page rights, which cms/review.py
    refuses; the workflow is the one path that may, so it publishes without that check,
    after checking itself that a peer approved this very revision.
    """
    from wagtail.models import TaskState

    from .review import may_approve

    page = workflow_state.content_object
    revision = page.get_latest_revision()
    approvals = [
        ts
        for ts in TaskState.objects.filter(
            workflow_state=workflow_state, status=TaskState.STATUS_APPROVED
        ).select_related("finished_by")
        if ts.revision_id == revision.pk
        and ts.finished_by is not None
        and may_approve(
            ts.finished_by,
            submitter_id=workflow_state.requested_by_id,
            author_id=revision.user_id,
        )
    ]
    if not approvals:
        raise PermissionDenied(_("A page goes live only after another member approves it."))
    revision.publish(user=user, skip_permission_checks=True)
