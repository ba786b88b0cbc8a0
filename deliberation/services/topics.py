"""Topics: formats, raising (by residents, the committee, or triage for a 小事), the
proposed title, the committee's edits, support, following, and status moves.

Deciding a topic is `outcomes.outcome_publish`; putting it on an agenda is
`sessions.session_add_topic`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import pgettext

from portal.models import Area, Membership, Role, User
from portal.notifications import notify
from portal.scoping import area_q, community_of
from portal.text import clean_text

from ..models import Follow, Format, Support, Topic
from ..permissions import (
    require_edit_topic,
    require_follow,
    require_manage,
    require_manage_formats,
    require_raise_topic,
    require_support,
)
from ..selectors import formats_for
from ._notify import CAT_NEW_TOPIC, follow, tell_followers
from ._rows import create_once, lock


def format_for(community: Area, code: str) -> Format:
    fmt = (
        Format.objects.filter(code=code, community=community).first()
        or Format.objects.filter(code=code, community__isnull=True).first()
    )
    if fmt is None:
        raise ValidationError(pgettext("deliberation", "Unknown format."))
    return fmt


@transaction.atomic
def format_create(*, user, community: Area, code: str, name: str, description: str = "") -> Format:
    """A community adds its own format (e.g. 楼长议事会)."""
    require_manage_formats(user, community)
    incomplete = pgettext("deliberation", "Give the format a name and a code.")
    name = clean_text(name, limit=60, required=True, empty_message=incomplete)
    if not code:
        raise ValidationError(incomplete)
    if formats_for(community).filter(code=code).exists():
        raise ValidationError(
            pgettext("deliberation", "This community already has a format with that code.")
        )
    return Format.objects.create(
        community=community,
        code=code,
        name=name,
        description=clean_text(description, limit=5000),
        order=100,
    )


@transaction.atomic
def topic_create(
    *,
    community: Area,
    title: str,
    body: str,
    raised_by: User,
    format_code: str = "roundtable",
    source_label: str = "",
    tags: Iterable[str] = (),
) -> Topic:
    """Raise a topic in a community (also called by triage for a 小事 turned into a topic).

    Permission is checked by the caller (`topic_raise` for residents and committees;
    triage converts on behalf of a committee).
    """
    if community.kind != Area.Kind.COMMUNITY:
        community = community_of(community, message=pgettext("deliberation", "Choose a community."))
    title = clean_text(
        title,
        limit=120,
        required=True,
        empty_message=pgettext("deliberation", "Give the topic a title."),
    )
    body = clean_text(
        body,
        limit=5000,
        required=True,
        empty_message=pgettext("deliberation", "Describe the topic."),
    )
    fmt = format_for(community, format_code)
    topic = Topic.objects.create(
        community=community,
        format=fmt,
        title=title,
        body=body,
        raised_by=raised_by,
        source_label=clean_text(source_label, limit=120),
    )
    tags = [clean_text(t, limit=50) for t in tags if t and t.strip()]
    if tags:
        topic.tags.add(*tags)
    follow(topic, raised_by)
    residents = (
        User.objects.filter(
            area_q(community, path="memberships__area__path"),
            is_active=True,
            memberships__role=Role.RESIDENT,
            memberships__status=Membership.Status.ACTIVE,
        )
        .exclude(pk=raised_by.pk)
        .distinct()
    )
    notify(
        users=list(residents),
        category=CAT_NEW_TOPIC,
        event_key=f"deliberation:topic:{topic.pk}:new",
        title=pgettext("deliberation", "New topic in %(community)s: %(title)s")
        % {"community": community.name, "title": topic.title},
        body=topic.body[:300],
        url=topic.get_absolute_url(),
    )
    return topic


@transaction.atomic
def topic_raise(
    *,
    user,
    community: Area,
    title: str,
    body: str,
    format_code: str = "roundtable",
    tags: Iterable[str] = (),
) -> Topic:
    """A resident or committee member raises a topic in their community."""
    require_raise_topic(user, community)
    return topic_create(
        community=community,
        title=title,
        body=body,
        raised_by=user,
        format_code=format_code,
        tags=tags,
    )


TITLE_DEFAULT_LENGTH = 30
_SENTENCE_END = re.compile(r"[。！？!?；;\n]")
_TRIM = " ，,、：:—-…"


def default_title(text: str, *, limit: int = TITLE_DEFAULT_LENGTH) -> str:
    """A topic title proposed from a longer text: its first sentence, at most `limit` chars."""
    text = clean_text(text)
    first = next((p.strip(_TRIM) for p in _SENTENCE_END.split(text) if p.strip(_TRIM)), "")
    if len(first) > limit:
        # End at the last clause mark (，、) that keeps a useful part, else cut with "…".
        head = first[:limit]
        cut = max(head.rfind(mark) for mark in "，,、；")
        first = head[:cut].rstrip(_TRIM) if cut >= limit // 3 else head[: limit - 1] + "…"
    return first


@transaction.atomic
def topic_update(*, user, topic: Topic, title: str, body: str) -> Topic:
    """The committee rewrites a topic's title and description (e.g. one made from a request)."""
    topic = lock(Topic, topic.pk)
    require_edit_topic(user, topic)
    typed = {"title": (title, 120), "body": (body, 5000)}
    empty = {
        "title": pgettext("deliberation", "Give the topic a title."),
        "body": pgettext("deliberation", "Describe the topic."),
    }
    cleaned, errors = {}, {}
    for field, (text, limit) in typed.items():
        try:
            cleaned[field] = clean_text(
                text, field=field, limit=limit, required=True, empty_message=empty[field]
            )
        except ValidationError as exc:
            errors.update(exc.error_dict)
    if errors:
        raise ValidationError(errors)
    title, body = cleaned["title"], cleaned["body"]
    if (title, body) != (topic.title, topic.body):
        topic.title, topic.body = title, body
        topic.save(update_fields=["title", "body", "updated_at"])
    return topic


@transaction.atomic
def topic_support(*, user, topic: Topic) -> Support:
    """One support per resident; enough support puts the topic in the agenda queue."""
    topic = lock(Topic, topic.pk)
    require_support(user, topic)
    if topic.raised_by_id == user.pk:
        raise ValidationError(pgettext("deliberation", "You cannot support your own topic."))
    if topic.is_closed:
        raise ValidationError(pgettext("deliberation", "This topic is closed."))
    support = create_once(
        Support, pgettext("deliberation", "You already support this topic."), topic=topic, user=user
    )
    Topic.objects.filter(pk=topic.pk).update(support_count=F("support_count") + 1)
    topic.refresh_from_db(fields=["support_count"])
    follow(topic, user)
    if (
        topic.status == Topic.Status.PROPOSED
        and topic.support_count >= topic.format.support_threshold
    ):
        Topic.objects.filter(pk=topic.pk).update(
            status=Topic.Status.UNDER_DISCUSSION, queued_at=timezone.now()
        )
        topic.status = Topic.Status.UNDER_DISCUSSION
        tell_followers(
            topic,
            event="queued",
            title=pgettext(
                "deliberation",
                "“%(title)s” has enough support and is in the committee's agenda queue",
            )
            % {"title": topic.title},
        )
    return support


@transaction.atomic
def topic_follow(*, user, topic: Topic) -> Follow:
    require_follow(user)
    following, _created = Follow.objects.get_or_create(topic=topic, user=user)
    return following


@transaction.atomic
def topic_unfollow(*, user, topic: Topic) -> None:
    Follow.objects.filter(topic=topic, user=user).delete()


_ALLOWED_MOVES = {
    Topic.Status.PROPOSED: {
        Topic.Status.UNDER_DISCUSSION,
        Topic.Status.ON_AGENDA,
        Topic.Status.DECLINED,
    },
    Topic.Status.UNDER_DISCUSSION: {Topic.Status.ON_AGENDA, Topic.Status.DECLINED},
    Topic.Status.ON_AGENDA: {Topic.Status.UNDER_DISCUSSION, Topic.Status.DECLINED},
    Topic.Status.DECIDED: {Topic.Status.DONE},
    Topic.Status.DONE: set(),
    Topic.Status.DECLINED: set(),
}


@transaction.atomic
def topic_status_set(*, user, topic: Topic, status: str, reason: str = "") -> Topic:
    """A committee moves a topic along (deciding is `outcomes.outcome_publish`)."""
    topic = lock(Topic, topic.pk)
    require_manage(user, topic.community)
    if status == topic.status:
        return topic
    if status not in _ALLOWED_MOVES.get(topic.status, set()):
        raise ValidationError(
            pgettext("deliberation", "A topic cannot move from this status to that one.")
        )
    reason = clean_text(
        reason,
        limit=1000,
        required=status == Topic.Status.DECLINED,
        empty_message=pgettext("deliberation", "Give a reason for declining the topic."),
    )
    topic.status = status
    if status == Topic.Status.DECLINED:
        topic.decline_reason = reason
    if status == Topic.Status.UNDER_DISCUSSION and topic.queued_at is None:
        topic.queued_at = timezone.now()
    topic.save()
    tell_followers(
        topic,
        event=f"status:{status}:{timezone.now().timestamp():.0f}",
        title=pgettext("deliberation", "“%(title)s” is now: %(status)s")
        % {"title": topic.title, "status": topic.get_status_display()},
        body=reason,
        exclude=[user.pk],
    )
    return topic
