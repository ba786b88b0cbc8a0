"""What the site search finds of deliberation: topics, their outcomes (decisions) and
sessions (registered in `DeliberationConfig.ready`; see `cms.search_registry`)."""

from __future__ import annotations

from django.db.models.signals import post_save

from cms.search_registry import Kind, community_id, register, schedule

from .models import Outcome, Session, Topic


def build_topic(topic) -> dict | None:
    return {
        "title": topic.title,
        "body": topic.body,
        "url": topic.get_absolute_url(),
        "area_id": topic.community_id,
        "updated_at": topic.updated_at,
    }


def build_outcome(outcome) -> dict | None:
    topic = outcome.topic
    return {
        "title": topic.title,
        "body": outcome.decision,
        "url": topic.get_absolute_url() + "#outcome-h",
        "area_id": topic.community_id,
        "updated_at": outcome.decided_at,
    }


def build_session(session) -> dict | None:
    return {
        "title": session.title,
        "body": " ".join(filter(None, [session.description, session.place])),
        "url": session.get_absolute_url(),
        "area_id": community_id(session.community),
        "updated_at": session.starts_at,
    }


def _topic_saved(sender, instance, raw=False, **kwargs):
    """An outcome's document carries its topic's title."""
    if raw:
        return
    for pk in Outcome.objects.filter(topic=instance).values_list("pk", flat=True):
        schedule(Outcome, pk)


def register_sources() -> None:
    register(Kind.TOPIC, "deliberation.Topic", build_topic, lambda: Topic.objects.all())
    register(
        Kind.OUTCOME,
        "deliberation.Outcome",
        build_outcome,
        lambda: Outcome.objects.select_related("topic"),
        hooks=[(post_save, "deliberation.Topic", _topic_saved)],
    )
    register(
        Kind.SESSION,
        "deliberation.Session",
        build_session,
        lambda: Session.objects.select_related("community"),
    )
