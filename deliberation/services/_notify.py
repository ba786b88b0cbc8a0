"""What the use cases tell people through: the notice categories residents switch on and
off (registered in DeliberationConfig.ready) and a topic's followers."""

from __future__ import annotations

from collections.abc import Iterable

from portal.models import User
from portal.notifications import notify

from ..models import Follow, Topic

CAT_NEW_TOPIC = "deliberation.new_topic"
CAT_TOPIC_UPDATE = "deliberation.topic_update"
CAT_REGISTRATION = "deliberation.registration"
CAT_MODERATION = "deliberation.moderation"


def followers(topic: Topic, exclude: Iterable[int] = ()) -> list[User]:
    return list(
        User.objects.filter(
            pk__in=Follow.objects.filter(topic=topic).values("user_id"), is_active=True
        ).exclude(pk__in=list(exclude))
    )


def follow(topic: Topic, user) -> None:
    """Who raises, supports or contributes to a topic follows it (once)."""
    Follow.objects.get_or_create(topic=topic, user=user)


def tell_followers(topic: Topic, *, event: str, title: str, body: str = "", exclude=()) -> None:
    notify(
        users=followers(topic, exclude),
        category=CAT_TOPIC_UPDATE,
        event_key=f"deliberation:topic:{topic.pk}:{event}",
        title=title,
        body=body,
        url=topic.get_absolute_url(),
    )
