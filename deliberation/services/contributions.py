"""Contributions to a topic's discussion: add (threaded replies), edit (history kept),
report (enough open reports hide it), and the committee's moderation (restore or remove,
the author told why)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import pgettext, pgettext_lazy

from portal.notifications import notify
from portal.text import clean_text

from ..models import Contribution, ContributionReport, ContributionRevision, Topic
from ..permissions import (
    require_contribute,
    require_edit_contribution,
    require_moderate,
    require_report,
)
from ._notify import CAT_MODERATION, follow
from ._rows import lock

WRITE_SOMETHING = pgettext_lazy("deliberation", "Write something first.")


def reports_to_hide() -> int:
    """How many open reports hide a contribution until a moderator decides."""
    return int(getattr(settings, "DELIBERATION_REPORTS_TO_HIDE", 3))


@transaction.atomic
def contribution_add(
    *, user, topic: Topic, text: str, stance: str = "", parent: Contribution | None = None
) -> Contribution:
    """A contribution (with a stance) or a reply to one; the author follows the topic."""
    topic = lock(Topic, topic.pk)
    require_contribute(user, topic)
    if topic.is_closed:
        raise ValidationError(
            pgettext("deliberation", "This topic is closed: contributions are no longer possible.")
        )
    if parent is not None and (
        parent.topic_id != topic.pk or parent.status == Contribution.Status.REMOVED
    ):
        raise ValidationError(
            pgettext("deliberation", "You can only reply to a contribution on this topic.")
        )
    if parent is None and stance not in Contribution.Stance.values:
        raise ValidationError(
            pgettext("deliberation", "Choose whether you support, oppose or suggest.")
        )
    if stance and stance not in Contribution.Stance.values:
        raise ValidationError(
            pgettext("deliberation", "Choose whether you support, oppose or suggest.")
        )
    text = clean_text(text, limit=5000, required=True, empty_message=WRITE_SOMETHING)
    contribution = Contribution.objects.create(
        topic=topic,
        author=user,
        parent=parent,
        root_id=(parent.root_id or parent.pk) if parent is not None else None,
        stance=stance or "",
        text=text,
    )
    Topic.objects.filter(pk=topic.pk).update(contribution_count=F("contribution_count") + 1)
    follow(topic, user)
    return contribution


@transaction.atomic
def contribution_edit(*, user, contribution: Contribution, text: str) -> Contribution:
    """The author rewrites a contribution; the earlier text is kept as a revision."""
    contribution = lock(Contribution, contribution.pk)
    require_edit_contribution(user, contribution)
    if contribution.topic.is_closed:
        raise ValidationError(
            pgettext("deliberation", "This topic is closed: contributions are no longer possible.")
        )
    if contribution.status == Contribution.Status.REMOVED:
        raise ValidationError(pgettext("deliberation", "A removed contribution cannot be edited."))
    text = clean_text(text, limit=5000, required=True, empty_message=WRITE_SOMETHING)
    if text == contribution.text:
        return contribution
    ContributionRevision.objects.create(contribution=contribution, text=contribution.text)
    contribution.text = text
    contribution.edited_at = timezone.now()
    contribution.save(update_fields=["text", "edited_at"])
    return contribution


@transaction.atomic
def contribution_report(
    *, user, contribution: Contribution, reason: str = ""
) -> ContributionReport:
    """Report a contribution; the N-th open report hides it until a moderator decides."""
    contribution = lock(Contribution, contribution.pk)
    require_report(user, contribution)
    if contribution.author_id == user.pk:
        raise ValidationError(pgettext("deliberation", "You cannot report your own contribution."))
    if ContributionReport.objects.filter(contribution=contribution, user=user).exists():
        raise ValidationError(
            pgettext("deliberation", "You have already reported this contribution.")
        )
    report = ContributionReport.objects.create(
        contribution=contribution, user=user, reason=clean_text(reason, limit=200)
    )
    contribution.report_count = ContributionReport.objects.filter(
        contribution=contribution, resolved=False
    ).count()
    fields = ["report_count"]
    if (
        contribution.status == Contribution.Status.VISIBLE
        and contribution.report_count >= reports_to_hide()
    ):
        contribution.status = Contribution.Status.HIDDEN
        fields.append("status")
        notify(
            users=[contribution.author],
            category=CAT_MODERATION,
            event_key=f"deliberation:contribution:{contribution.pk}:hidden:{report.pk}",
            title=pgettext(
                "deliberation", "Your contribution is hidden until a moderator reviews it"
            ),
            body=pgettext(
                "deliberation",
                "Several residents reported it. A committee member will restore or remove it.",
            ),
            url=contribution.topic.get_absolute_url(),
        )
    contribution.save(update_fields=fields)
    return report


@transaction.atomic
def contribution_moderate(
    *, user, contribution: Contribution, decision: str, reason: str
) -> Contribution:
    """A committee moderator restores or removes a contribution; the author sees why."""
    contribution = lock(Contribution, contribution.pk)
    require_moderate(user, contribution)
    reason = clean_text(
        reason,
        limit=1000,
        required=True,
        empty_message=pgettext("deliberation", "Give a reason: the author will see it."),
    )
    if decision == "restore":
        contribution.status = Contribution.Status.VISIBLE
        ContributionReport.objects.filter(contribution=contribution).update(resolved=True)
        contribution.report_count = 0
        title = pgettext("deliberation", "Your contribution has been restored")
    elif decision == "remove":
        contribution.status = Contribution.Status.REMOVED
        title = pgettext("deliberation", "Your contribution has been removed")
    else:
        raise ValidationError(pgettext("deliberation", "Choose restore or remove."))
    contribution.moderated_by = user
    contribution.moderation_reason = reason
    contribution.moderated_at = timezone.now()
    contribution.save()
    notify(
        users=[contribution.author],
        category=CAT_MODERATION,
        event_key=f"deliberation:contribution:{contribution.pk}:{decision}:{contribution.moderated_at.timestamp():.0f}",
        title=title,
        body=pgettext("deliberation", "Reason: %(reason)s") % {"reason": reason},
        url=contribution.topic.get_absolute_url(),
    )
    return contribution
