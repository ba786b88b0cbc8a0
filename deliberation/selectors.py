"""Reads shared by pages, the admin tools and exports.

Each function fetches what a page needs in a fixed number of queries, whatever the number
of topics, contributions or registrations (tests pin the counts).
"""

from __future__ import annotations

import datetime

from django.core.paginator import Paginator
from django.db.models import Count, Exists, Prefetch, Q
from django.utils import timezone
from taggit.models import Tag

from portal import permissions
from portal.models import Area
from portal.scoping import area_q

from .models import (
    CHECKIN_MARGIN,
    Ballot,
    Contribution,
    Follow,
    Format,
    Poll,
    PollOption,
    Registration,
    Session,
    Support,
    Topic,
)

TOPICS_PER_PAGE = 20
CONTRIBUTIONS_PER_PAGE = 30


def communities():
    return Area.objects.filter(kind=Area.Kind.COMMUNITY).order_by("path")


def topics_for_listing():
    return Topic.objects.select_related("format", "raised_by", "community").prefetch_related("tags")


def community_topics(community: Area, *, format_code="", status="", tag="", q=""):
    qs = topics_for_listing().filter(community=community)
    if format_code:
        qs = qs.filter(format__code=format_code)
    if status:
        qs = qs.filter(status=status)
    if tag:
        qs = qs.filter(tags__name__iexact=tag)
    q = (q or "").strip()
    if q:
        # The list keeps its own order (newest first), so skip relevance ranking: 4x faster.
        found = Topic.objects.filter(community=community).search(q, order_by_relevance=False)
        qs = qs.filter(pk__in=[t.pk for t in found])
    return qs.distinct()


def tags_in(community: Area) -> list[str]:
    return list(
        Tag.objects.filter(
            taggit_taggeditem_items__content_type__app_label="deliberation",
            taggit_taggeditem_items__object_id__in=Topic.objects.filter(community=community).values(
                "pk"
            ),
        )
        .distinct()
        .order_by("name")
        .values_list("name", flat=True)[:30]
    )


def upcoming_sessions(community: Area, *, limit=5):
    return (
        Session.objects.filter(community=community, ends_at__gte=timezone.now())
        .select_related("format")
        .annotate(registered=Count("registrations", filter=Q(registrations__status="registered")))
        .order_by("starts_at")[:limit]
    )


def past_sessions(community: Area, *, limit=5):
    return (
        Session.objects.filter(community=community, ends_at__lt=timezone.now())
        .select_related("format")
        .order_by("-starts_at")[:limit]
    )


def community_polls(community: Area, *, limit=5):
    return Poll.objects.filter(community=community).order_by("-opens_at")[:limit]


def topic_detail(topic_id: int):
    return (
        Topic.objects.select_related(
            "format", "raised_by", "community", "outcome", "outcome__poll", "outcome__session"
        )
        .prefetch_related("tags", Prefetch("outcome__followups"))
        .get(pk=topic_id)
    )


def contribution_page(topic: Topic, *, page=1, show_hidden=False):
    """One page of top-level contributions with all their replies, in three queries."""
    top = (
        Contribution.objects.filter(topic=topic, parent__isnull=True)
        .select_related("author")
        .order_by("created_at", "pk")
    )
    paginator = Paginator(top, CONTRIBUTIONS_PER_PAGE)
    page_obj = paginator.get_page(page)
    items = list(page_obj.object_list)
    ids = [c.pk for c in items]
    replies: dict[int, list] = {}
    if ids:
        for reply in (
            Contribution.objects.filter(root_id__in=ids)
            .select_related("author")
            .order_by("created_at", "pk")
        ):
            replies.setdefault(reply.root_id, []).append(reply)
    for c in items:
        c.thread = replies.get(c.pk, [])
    return page_obj, items


def user_topic_state(user, topic: Topic) -> dict:
    """Whether `user` supports and follows `topic`: kept per reader and topic until they
    support or follow anything (their own version, bumped by deliberation.apps)."""
    if not getattr(user, "is_authenticated", False):
        return {"supported": False, "following": False}
    from portal.pagecache import shared_data

    return shared_data(
        "deliberation-state",
        lambda: _user_topic_state(user, topic),
        parts=(user.pk, topic.pk),
        versions=(user_version(user.pk),),
    )


def user_version(user_pk) -> str:
    """The named version of one person's own deliberation state (supports, follows)."""
    return f"deliberation-user:{user_pk}"


def _user_topic_state(user, topic: Topic) -> dict:
    # One query for both: whether the reader supports and follows the topic.
    state = (
        Topic.objects.filter(pk=topic.pk)
        .values_list(
            Exists(Support.objects.filter(topic=topic, user=user)),
            Exists(Follow.objects.filter(topic=topic, user=user)),
        )
        .first()
    )
    supported, following = state or (False, False)
    return {"supported": supported, "following": following}


def session_counts(session: Session) -> dict:
    counts = dict(
        Registration.objects.filter(session=session)
        .values_list("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    return {
        "registered": counts.get(Registration.Status.REGISTERED, 0),
        "waiting": counts.get(Registration.Status.WAITING, 0),
    }


def session_detail(session_id: int) -> Session:
    return (
        Session.objects.select_related("format", "community")
        .prefetch_related(Prefetch("topics", queryset=Topic.objects.select_related("format")))
        .get(pk=session_id)
    )


def session_registrations(session: Session):
    return (
        Registration.objects.filter(session=session)
        .select_related("user", "checked_in_by")
        .order_by("status", "queued_at", "pk")
    )


def closed_polls(polls, now=None) -> list[Poll]:
    """Of `polls` (a topic's, already loaded), those closed, latest first: the ones that
    can decide a topic."""
    now = now or timezone.now()
    return sorted((p for p in polls if p.closes_at <= now), key=lambda p: p.closes_at, reverse=True)


def poll_tally(poll: Poll) -> list[PollOption]:
    """The poll's options with their vote counts (`Poll.tally`, which agenda pages use too)."""
    return poll.tally()


def poll_voters(poll: Poll) -> int:
    return Ballot.objects.filter(poll=poll).count()


def managed_communities(user, action="deliberation.manage") -> list[Area]:
    """Communities in which `user` may take `action` (committee tools)."""
    roots = permissions.areas_for(user, action)
    if not roots:
        return []
    # A grid's staff act in the community the grid belongs to.
    up = [path for root in roots if root.kind == Area.Kind.GRID for path in root.ancestor_paths()]
    q = area_q(roots) | Q(path__in=up) if up else area_q(roots)
    return list(Area.objects.filter(q, kind=Area.Kind.COMMUNITY).order_by("path"))


def agenda_queue(community_ids):
    """Topics with enough support (or moved by the committee), oldest in the queue first."""
    return (
        Topic.objects.filter(community_id__in=community_ids, status=Topic.Status.UNDER_DISCUSSION)
        .select_related("format", "community", "raised_by")
        .order_by("queued_at", "pk")
    )


def moderation_queue(community_ids):
    return (
        Contribution.objects.filter(
            topic__community_id__in=community_ids, status=Contribution.Status.HIDDEN
        )
        .select_related("author", "topic")
        .order_by("created_at")
    )


def my_participation(user) -> dict:
    return {
        "raised": list(topics_for_listing().filter(raised_by=user)[:50]),
        "supported": list(topics_for_listing().filter(supports__user=user)[:50]),
        "followed": list(topics_for_listing().filter(follows__user=user)[:50]),
        "registrations": list(
            Registration.objects.filter(user=user)
            .exclude(status=Registration.Status.CANCELLED)
            .select_related("session", "session__format")
            .order_by("-session__starts_at")[:50]
        ),
        "contributions": list(
            Contribution.objects.filter(author=user)
            .select_related("topic")
            .order_by("-created_at")[:50]
        ),
    }


def dashboard_panel(request) -> dict | None:
    user = request.user
    if not user.is_authenticated:
        return None
    upcoming = list(
        Registration.objects.filter(
            user=user,
            status__in=[Registration.Status.REGISTERED, Registration.Status.WAITING],
            session__ends_at__gte=timezone.now(),
        )
        .select_related("session")
        .order_by("session__starts_at")[:5]
    )
    followed = list(
        Topic.objects.filter(follows__user=user)
        .exclude(status=Topic.Status.DONE)
        .order_by("-updated_at")[:5]
    )
    return {"upcoming": upcoming, "followed": followed}


def community_section(request, area: Area) -> dict | None:
    return {
        "community": area,
        "topics": list(
            Topic.objects.filter(community=area)
            .exclude(status=Topic.Status.DECLINED)
            .select_related("format")[:5]
        ),
        "sessions": list(upcoming_sessions(area, limit=3)),
    }


def formats_for(community: Area):
    return Format.objects.filter(Q(community__isnull=True) | Q(community=community))


def desk_sessions(communities, now=None) -> list[Session]:
    """The check-in desk's list: sessions of `communities` taking place today (Beijing
    time), or whose check-in window is open now, earliest first."""
    now = now or timezone.now()
    start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    end = start + datetime.timedelta(days=1)
    return list(
        Session.objects.filter(community__in=communities)
        .filter(
            Q(starts_at__lt=end, ends_at__gte=start)
            | Q(starts_at__lte=now + CHECKIN_MARGIN, ends_at__gte=now - CHECKIN_MARGIN)
        )
        .select_related("community", "format")
        .annotate(
            n_registered=Count("registrations", filter=Q(registrations__status="registered")),
            n_checked_in=Count(
                "registrations", filter=Q(registrations__checked_in_at__isnull=False)
            ),
        )
        .order_by("starts_at", "pk")
    )


def desk_counts(session: Session) -> dict:
    return Registration.objects.filter(session=session).aggregate(
        registered=Count("pk", filter=Q(status=Registration.Status.REGISTERED)),
        checked_in=Count("pk", filter=Q(checked_in_at__isnull=False)),
    )


def desk_checked_in(session: Session):
    """Who is in, latest first (the desk shows the last few, names masked)."""
    return (
        Registration.objects.filter(session=session, checked_in_at__isnull=False)
        .select_related("user")
        .order_by("-checked_in_at", "-pk")
    )
