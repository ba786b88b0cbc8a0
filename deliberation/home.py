"""Deliberation's part of the home page: 提议题, what is coming up in the person's
community (sessions to register for, topics close to their support threshold) and, for a
committee member, the topics waiting at their threshold.  A fixed number of queries,
whatever the number of topics and sessions."""

from __future__ import annotations

import copy

from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import pgettext

from portal.dashboard import active_community
from portal.pagecache import shared_data
from portal.versions import user_version

from . import permissions, selectors
from .models import Registration, Topic


def raise_action(request) -> dict | None:
    community = active_community(request)
    if community is None or not permissions.may_raise_topic(request.user, community):
        return None
    return {
        "key": "raise",
        "label": pgettext("deliberation", "Raise a topic"),
        "url": reverse("deliberation:topic_raise", args=[community.code]),
        "primary": True,
    }


def near_threshold(community, limit: int = 5) -> list[Topic]:
    """Proposed topics that need the fewest further supporters to reach the agenda queue."""
    return list(
        Topic.objects.filter(community=community, status=Topic.Status.PROPOSED)
        .select_related("format")
        .annotate(missing=F("format__support_threshold") - F("support_count"))
        .order_by("missing", "-created_at")[:limit]
    )


def home_panel(request) -> dict | None:
    community = active_community(request)
    if community is None:
        return None
    user = request.user
    now = timezone.now()
    shared = shared_data(
        "deliberation-home",
        lambda: _community_lists(community),
        parts=(community.pk,),
        versions=("deliberation",),
    )
    sessions = [copy.copy(s) for s in shared["sessions"]]  # my_status is set on each
    mine = dict(
        Registration.objects.filter(user=user, session__in=[s.pk for s in sessions])
        .exclude(status=Registration.Status.CANCELLED)
        .values_list("session_id", "status")
    )
    may_register = permissions.may_register(user, community)
    for s in sessions:
        status = mine.get(s.pk)
        s.my_status = Registration.Status(status).label if status else ""
        s.can_register = may_register and not status and s.registration_open(now)
    return {
        "community": community,
        "sessions": sessions,
        "topics": shared["topics"],
        "fragment_expires": _next_change(sessions, now),
    }


def _next_change(sessions, now):
    """The next moment time alone changes the panel: a listed session's registration
    opens or closes, or it ends (and leaves the list)."""
    moments = [
        moment
        for s in sessions
        for moment in (
            s.registration_opens or s.created_at,
            s.registration_closes or s.starts_at,
            s.ends_at,
        )
        if moment is not None and moment > now
    ]
    return min(moments, default=None)


def home_versions(request) -> tuple[str, ...]:
    """What the home panel shows: the community's sessions and topics, its name, the
    reader's registrations and the roles that let them register."""
    pk = request.user.pk
    return (
        "deliberation",
        "areas",
        user_version("registrations", pk),
        user_version("memberships", pk),
    )


def action_versions(request) -> tuple[str, ...]:
    """提议题 shows for the reader's community and roles."""
    return ("areas", user_version("memberships", request.user.pk))


def _community_lists(community) -> dict:
    """The community's next sessions and the topics nearest the agenda: the same for all
    its residents (home_panel adds each one's registrations)."""
    sessions = list(selectors.upcoming_sessions(community, limit=3))
    return {
        "sessions": sessions,
        "topics": near_threshold(community),
        "fragment_expires": min((s.ends_at for s in sessions), default=None),
    }


def agenda_queue(request) -> dict | None:
    ids = [c.pk for c in selectors.managed_communities(request.user)]
    if not ids:
        return None
    return {
        "key": "topics",
        "label": pgettext("deliberation", "Topics at their threshold"),
        "url": reverse("deliberation_admin:home"),
        "count": selectors.agenda_queue(ids).count(),
    }
