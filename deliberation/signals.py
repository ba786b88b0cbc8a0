"""Signals and hooks other apps use (deliberation imports none of them).

`topic_decided` is sent with `sender=Topic`, `topic=<Topic>`, `decision=<str>` and
`outcome=<Outcome>` when a topic's outcome is published (deliberation.services.outcomes).
Triage listens to close the request the topic came from, with the decision as its reply.

`register_topic_source(fn)`: an app that turns its own records into topics (triage: a 小事
request) registers `fn(topic, user) -> list[dict]`, each dict with `label`, `url` and
`status`, listing only what `user` may see.  The topic page shows them under "Came from".
"""

from collections.abc import Callable

from django.dispatch import Signal

topic_decided = Signal()

_topic_sources: dict[str, Callable] = {}


def register_topic_source(key: str, fn: Callable) -> None:
    _topic_sources[key] = fn


def topic_sources(topic, user) -> list[dict]:
    items: list[dict] = []
    for fn in _topic_sources.values():
        items.extend(fn(topic, user))
    return items
