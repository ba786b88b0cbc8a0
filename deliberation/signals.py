"""Signals other apps listen to.

`topic_decided` is sent with `sender=Topic`, `topic=<Topic>`, `decision=<str>` when a
topic's outcome is published (deliberation.services.outcome_publish).  Triage listens to
close the request the topic came from, with the decision as its reply.
"""

from django.dispatch import Signal

topic_decided = Signal()
