"""Polls (民决): the committee opens one; each confirmed resident casts one ballot while it
is open.  A closed poll on a topic can decide it (`outcomes.outcome_publish`)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import pgettext

from portal.inputs import parse_id, parse_ids
from portal.models import Area
from portal.text import clean_text, visible_text

from ..models import Ballot, Poll, PollOption, Topic, Vote
from ..permissions import require_manage, require_vote
from ._rows import create_once, lock


@transaction.atomic
def poll_create(
    *,
    user,
    community: Area,
    question: str,
    options: list[str],
    opens_at: datetime.datetime,
    closes_at: datetime.datetime,
    kind: str = Poll.Kind.SINGLE,
    hide_results_until_close: bool = False,
    topic: Topic | None = None,
) -> Poll:
    """The committee opens a poll, on a topic or not."""
    require_manage(user, community)
    options = [clean_text(o, limit=120) for o in options]
    options = [o for o in options if visible_text(o)]
    if len(options) < 2:
        raise ValidationError(pgettext("deliberation", "A poll needs at least two options."))
    if closes_at <= opens_at:
        raise ValidationError(pgettext("deliberation", "A poll must close after it opens."))
    if kind not in Poll.Kind.values:
        raise ValidationError(pgettext("deliberation", "Choose single or multiple choice."))
    poll = Poll.objects.create(
        community=community,
        topic=topic,
        question=clean_text(question, limit=200),
        kind=kind,
        opens_at=opens_at,
        closes_at=closes_at,
        hide_results_until_close=hide_results_until_close,
        created_by=user,
    )
    PollOption.objects.bulk_create(
        [PollOption(poll=poll, label=o, order=i) for i, o in enumerate(options)]
    )
    return poll


@transaction.atomic
def poll_vote(
    *, user, poll: Poll, option_ids: Iterable[int], now: datetime.datetime | None = None
) -> Ballot:
    """One ballot per confirmed resident of the poll's community, while the poll is open."""
    poll = lock(Poll, poll.pk)
    require_vote(user, poll)
    if not poll.is_open(now):
        raise ValidationError(pgettext("deliberation", "This poll is not open for voting."))
    option_ids = list(option_ids)
    if any(parse_id(i) is None for i in option_ids):
        raise ValidationError(pgettext("deliberation", "Choose from the options given."))
    ids = set(parse_ids(option_ids))
    options = list(PollOption.objects.filter(poll=poll, pk__in=ids))
    if not options or len(options) != len(ids):
        raise ValidationError(pgettext("deliberation", "Choose from the options given."))
    if poll.kind == Poll.Kind.SINGLE and len(options) != 1:
        raise ValidationError(pgettext("deliberation", "Choose exactly one option."))
    ballot = create_once(
        Ballot,
        pgettext("deliberation", "You have already voted in this poll."),
        poll=poll,
        user=user,
    )
    Vote.objects.bulk_create([Vote(ballot=ballot, option=o) for o in options])
    return ballot


def closed_polls(topic: Topic, now: datetime.datetime | None = None):
    """Polls on this topic that have closed, latest first (a query; the topic page filters
    the polls it has already loaded with `selectors.closed_polls`)."""
    now = now or timezone.now()
    return topic.polls.filter(closes_at__lte=now).order_by("-closes_at", "-pk")
