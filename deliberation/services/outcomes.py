"""Outcomes: the decision on a topic, taken at a held session or by a closed poll, and the
follow-ups residents watch until the topic is done."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import pgettext

from portal.text import clean_text, visible_text

from .. import signals
from ..models import FollowUp, Outcome, Poll, Session, Topic
from ..permissions import require_manage
from ._notify import tell_followers
from ._rows import lock
from .polls import closed_polls


def held_sessions(topic: Topic, now: datetime.datetime | None = None):
    """Sessions that had this topic on their agenda and have begun, latest first."""
    now = now or timezone.now()
    return topic.sessions.filter(starts_at__lte=now).order_by("-starts_at", "-pk")


@transaction.atomic
def outcome_publish(
    *,
    user,
    topic: Topic,
    decision: str,
    poll: Poll | None = None,
    session: Session | None = None,
    votes_for: int | None = None,
    votes_against: int | None = None,
    votes_abstain: int | None = None,
    followups: Iterable[dict] = (),
    now: datetime.datetime | None = None,
) -> Outcome:
    """Publish the decision on a topic: followers are told and `topic_decided` is sent.

    A decision is taken somewhere: at a held session that had the topic on its agenda, or
    by a closed poll on the topic.  With a poll, the poll's counts are the tally (nothing is
    typed); a typed tally is a show of hands at the session, and is refused when residents
    voted on the topic in a poll (the two would contradict each other).
    """
    topic = lock(Topic, topic.pk)
    require_manage(user, topic.community)
    if topic.status in (Topic.Status.DECLINED, Topic.Status.DECIDED, Topic.Status.DONE):
        raise ValidationError(
            pgettext("deliberation", "This topic already has an outcome or was declined.")
        )
    decision = clean_text(
        decision,
        limit=5000,
        required=True,
        empty_message=pgettext("deliberation", "Write the decision."),
    )
    now = now or timezone.now()
    if poll is not None:
        if poll.community_id != topic.community_id:
            raise ValidationError(
                pgettext("deliberation", "The poll belongs to another community.")
            )
        if poll.topic_id != topic.pk:
            raise ValidationError(pgettext("deliberation", "Choose a poll held on this topic."))
        if poll.closes_at > now:
            raise ValidationError(
                pgettext(
                    "deliberation", "The poll is still open: publish the decision after it closes."
                )
            )
    if session is not None:
        if not held_sessions(topic, now).filter(pk=session.pk).exists():
            raise ValidationError(
                pgettext(
                    "deliberation",
                    "Choose a session that had this topic on its agenda and has taken place.",
                )
            )
    else:
        session = held_sessions(topic, now).first()
    if poll is None and session is None:
        raise ValidationError(
            pgettext(
                "deliberation",
                "A decision needs a session that discussed this topic or a closed poll on it: "
                "put the topic on a session's agenda or hold a poll first.",
            )
        )
    typed = (votes_for, votes_against, votes_abstain)
    for n in typed:
        if n is not None and n < 0:
            raise ValidationError(pgettext("deliberation", "Vote counts cannot be negative."))
    if any(n is not None for n in typed):
        if poll is not None:
            raise ValidationError(
                pgettext(
                    "deliberation",
                    "The poll's counts are the tally: leave the show-of-hands counts empty.",
                )
            )
        if session is None:  # pragma: no cover - refused above
            raise ValidationError(pgettext("deliberation", "A show of hands needs a session."))
        if closed_polls(topic, now).filter(ballots__isnull=False).exists():
            raise ValidationError(
                pgettext(
                    "deliberation",
                    "Residents voted on this topic in a poll: publish the decision with that "
                    "poll, whose counts are the tally.",
                )
            )
        if votes_for is None or votes_against is None:
            raise ValidationError(
                pgettext(
                    "deliberation",
                    "For a show of hands give the votes for and against "
                    "(abstentions may stay empty).",
                )
            )
    outcome = Outcome.objects.create(
        topic=topic,
        decision=decision,
        poll=poll,
        session=session,
        votes_for=votes_for,
        votes_against=votes_against,
        votes_abstain=votes_abstain,
        decided_by=user,
        decided_at=now,
    )
    for item in followups:
        _followup_make(outcome=outcome, **item)
    topic.status = Topic.Status.DECIDED
    topic.save(update_fields=["status", "updated_at"])
    tell_followers(
        topic,
        event="decided",
        title=pgettext("deliberation", "Decided: %(title)s") % {"title": topic.title},
        body=decision,
    )
    signals.topic_decided.send(sender=Topic, topic=topic, decision=decision, outcome=outcome)
    return outcome


def _followup_make(
    *, outcome: Outcome, action: str, responsible: str, due_date: datetime.date
) -> FollowUp:
    action = clean_text(action, limit=200)
    responsible = clean_text(responsible, limit=120)
    if not visible_text(action) or not visible_text(responsible) or not due_date:
        raise ValidationError(
            pgettext(
                "deliberation", "A follow-up needs an action, who is responsible and a due date."
            )
        )
    return FollowUp.objects.create(
        outcome=outcome, action=action, responsible=responsible, due_date=due_date
    )


@transaction.atomic
def followup_add(
    *, user, outcome: Outcome, action: str, responsible: str, due_date: datetime.date
) -> FollowUp:
    require_manage(user, outcome.topic.community)
    return _followup_make(
        outcome=outcome, action=action, responsible=responsible, due_date=due_date
    )


@transaction.atomic
def followup_status_set(*, user, followup: FollowUp, status: str) -> FollowUp:
    """Residents see each follow-up's status; when all are done, the topic is done."""
    followup = (
        FollowUp.objects.select_for_update().select_related("outcome__topic").get(pk=followup.pk)
    )
    topic = followup.outcome.topic
    require_manage(user, topic.community)
    if status not in FollowUp.Status.values:
        raise ValidationError(pgettext("deliberation", "Unknown status."))
    if status == followup.status:
        return followup
    followup.status = status
    followup.save(update_fields=["status", "updated_at"])
    tell_followers(
        topic,
        event=f"followup:{followup.pk}:{status}",
        title=pgettext("deliberation", "Follow-up on “%(title)s”: %(action)s is %(status)s")
        % {
            "title": topic.title,
            "action": followup.action,
            "status": followup.get_status_display(),
        },
    )
    if (
        topic.status == Topic.Status.DECIDED
        and not FollowUp.objects.filter(outcome=followup.outcome)
        .exclude(status=FollowUp.Status.DONE)
        .exists()
    ):
        Topic.objects.filter(pk=topic.pk).update(status=Topic.Status.DONE)
        tell_followers(
            topic,
            event="done",
            title=pgettext("deliberation", "Done: %(title)s") % {"title": topic.title},
        )
    return followup
