"""Every write of the deliberation app: one function per use case, keyword-only arguments.

Bad input raises `ValidationError` with a translated message and changes nothing; missing
rights raise `PermissionDenied` (via portal.permissions).  Writes that can be retried
(support, follow, check-in, reminders) are idempotent.
"""

from __future__ import annotations

import datetime
import importlib
import logging
import re
from collections.abc import Iterable
from decimal import Decimal

import nh3
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import pgettext, pgettext_lazy

from portal import permissions
from portal.inputs import parse_id, parse_ids
from portal.models import Area, Membership, Role, User
from portal.notifications import notify

from . import signals
from .models import (
    CHECKIN_MARGIN,
    Ballot,
    Contribution,
    ContributionReport,
    ContributionRevision,
    Follow,
    FollowUp,
    Format,
    Outcome,
    Poll,
    PollOption,
    Registration,
    Session,
    Support,
    Topic,
    Vote,
)

log = logging.getLogger(__name__)

CAT_NEW_TOPIC = "deliberation.new_topic"
CAT_TOPIC_UPDATE = "deliberation.topic_update"
CAT_REGISTRATION = "deliberation.registration"
CAT_MODERATION = "deliberation.moderation"


def reports_to_hide() -> int:
    return int(getattr(settings, "DELIBERATION_REPORTS_TO_HIDE", 3))


# --- helpers ------------------------------------------------------------------------


def clean_text(text: str, *, max_length: int = 5000) -> str:
    """User text as plain text: every tag is dropped (nh3 with no allowed tags).

    nh3 escapes what remains (`<` → `&lt;`); we store the unescaped plain text and let
    Django's template autoescaping do the escaping once, on output.
    """
    import html

    cleaned = nh3.clean(text or "", tags=set(), attributes={}, strip_comments=True)
    cleaned = html.unescape(cleaned).strip()
    # Dropping tags may expose new ones ("<scr<script>ipt>"): clean until stable.
    for _i in range(3):
        again = html.unescape(nh3.clean(cleaned, tags=set(), attributes={})).strip()
        if again == cleaned:
            break
        cleaned = again
    return cleaned[:max_length]


def is_resident_of(user, community: Area) -> bool:
    """A confirmed (active) residency somewhere in `community`."""
    if not getattr(user, "is_authenticated", False):
        return False
    return any(
        m.role == Role.RESIDENT and m.area.path.startswith(community.path)
        for m in permissions.active_memberships(user)
    )


def acts_in(user, action: str, community: Area, **kwargs) -> bool:
    """`can()` over the community, or a membership for that action inside it (a grid)."""
    return permissions.can(user, action, community, within=True, **kwargs)


def _require_in(user, action: str, community: Area, message=None, **kwargs) -> None:
    permissions.require(
        user,
        action,
        community,
        within=True,
        message=message or pgettext("deliberation", "You do not have permission to do this here."),
        **kwargs,
    )


def _create_once(model, message: str, **fields):
    """Create the row a unique constraint allows once; a second one (even racing) is `message`."""
    if model.objects.filter(**fields).exists():
        raise ValidationError(message)
    try:
        with transaction.atomic():
            return model.objects.create(**fields)
    except IntegrityError as exc:
        raise ValidationError(message) from exc


def _community(area: Area) -> Area:
    community = area.ancestor_of_kind(Area.Kind.COMMUNITY)
    if community is None:
        raise ValidationError(pgettext("deliberation", "Choose a community."))
    return community


def format_for(community: Area, code: str) -> Format:
    fmt = (
        Format.objects.filter(code=code, community=community).first()
        or Format.objects.filter(code=code, community__isnull=True).first()
    )
    if fmt is None:
        raise ValidationError(pgettext("deliberation", "Unknown format."))
    return fmt


def formats_for(community: Area):
    from django.db.models import Q

    return Format.objects.filter(Q(community__isnull=True) | Q(community=community))


def _followers(topic: Topic, exclude: Iterable[int] = ()) -> list[User]:
    return list(
        User.objects.filter(
            pk__in=Follow.objects.filter(topic=topic).values("user_id"), is_active=True
        ).exclude(pk__in=list(exclude))
    )


def _follow(topic: Topic, user) -> None:
    Follow.objects.get_or_create(topic=topic, user=user)


def _tell_followers(topic: Topic, *, event: str, title: str, body: str = "", exclude=()) -> None:
    notify(
        users=_followers(topic, exclude),
        category=CAT_TOPIC_UPDATE,
        event_key=f"deliberation:topic:{topic.pk}:{event}",
        title=title,
        body=body,
        url=topic.get_absolute_url(),
    )


def _lock(model, pk):
    return model.objects.select_for_update().get(pk=pk)


# --- formats ------------------------------------------------------------------------


@transaction.atomic
def format_create(*, user, community: Area, code: str, name: str, description: str = "") -> Format:
    """A community adds its own format (e.g. 楼长议事会)."""
    _require_in(user, "deliberation.manage", community)
    name = clean_text(name, max_length=60)
    if not name or not code:
        raise ValidationError(pgettext("deliberation", "Give the format a name and a code."))
    if formats_for(community).filter(code=code).exists():
        raise ValidationError(
            pgettext("deliberation", "This community already has a format with that code.")
        )
    return Format.objects.create(
        community=community, code=code, name=name, description=clean_text(description), order=100
    )


# --- topics -------------------------------------------------------------------------


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
        community = _community(community)
    title = clean_text(title, max_length=120)
    body = clean_text(body)
    if not title:
        raise ValidationError(pgettext("deliberation", "Give the topic a title."))
    if not body:
        raise ValidationError(pgettext("deliberation", "Describe the topic."))
    fmt = format_for(community, format_code)
    topic = Topic.objects.create(
        community=community,
        format=fmt,
        title=title,
        body=body,
        raised_by=raised_by,
        source_label=clean_text(source_label, max_length=120),
    )
    tags = [clean_text(t, max_length=50) for t in tags if t and t.strip()]
    if tags:
        topic.tags.add(*tags)
    _follow(topic, raised_by)
    residents = (
        User.objects.filter(
            is_active=True,
            memberships__role=Role.RESIDENT,
            memberships__status=Membership.Status.ACTIVE,
            memberships__area__path__startswith=community.path,
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
    _require_in(
        user,
        "deliberation.raise_topic",
        community,
        pgettext(
            "deliberation",
            "Only confirmed residents and the committee of this community can raise topics here.",
        ),
    )
    if permissions.can(user, "deliberation.manage", community) or is_resident_of(user, community):
        return topic_create(
            community=community,
            title=title,
            body=body,
            raised_by=user,
            format_code=format_code,
            tags=tags,
        )
    raise PermissionDenied(
        pgettext(
            "deliberation",
            "Only confirmed residents and the committee of this community can raise topics here.",
        )
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
    topic = _lock(Topic, topic.pk)
    permissions.require(
        user,
        "deliberation.manage",
        topic.community,
        message=pgettext("deliberation", "Only the committee of this community can edit topics."),
    )
    title = clean_text(title, max_length=120)
    body = clean_text(body)
    errors = {}
    if not title:
        errors["title"] = pgettext("deliberation", "Give the topic a title.")
    if not body:
        errors["body"] = pgettext("deliberation", "Describe the topic.")
    if errors:
        raise ValidationError(errors)
    if (title, body) != (topic.title, topic.body):
        topic.title, topic.body = title, body
        topic.save(update_fields=["title", "body", "updated_at"])
    return topic


@transaction.atomic
def topic_support(*, user, topic: Topic) -> Support:
    """One support per resident; enough support puts the topic in the agenda queue."""
    topic = _lock(Topic, topic.pk)
    _require_in(
        user,
        "deliberation.support",
        topic.community,
        pgettext(
            "deliberation", "Only confirmed residents of this community can support its topics."
        ),
    )
    if topic.raised_by_id == user.pk:
        raise ValidationError(pgettext("deliberation", "You cannot support your own topic."))
    if topic.is_closed:
        raise ValidationError(pgettext("deliberation", "This topic is closed."))
    support = _create_once(
        Support, pgettext("deliberation", "You already support this topic."), topic=topic, user=user
    )
    Topic.objects.filter(pk=topic.pk).update(support_count=F("support_count") + 1)
    topic.refresh_from_db(fields=["support_count"])
    _follow(topic, user)
    if (
        topic.status == Topic.Status.PROPOSED
        and topic.support_count >= topic.format.support_threshold
    ):
        Topic.objects.filter(pk=topic.pk).update(
            status=Topic.Status.UNDER_DISCUSSION, queued_at=timezone.now()
        )
        topic.status = Topic.Status.UNDER_DISCUSSION
        _tell_followers(
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
    if not getattr(user, "is_authenticated", False):
        raise PermissionDenied(pgettext("deliberation", "Sign in to follow a topic."))
    follow, _created = Follow.objects.get_or_create(topic=topic, user=user)
    return follow


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
    """A committee moves a topic along (deciding is `outcome_publish`)."""
    topic = _lock(Topic, topic.pk)
    permissions.require(user, "deliberation.manage", topic.community)
    if status == topic.status:
        return topic
    if status not in _ALLOWED_MOVES.get(topic.status, set()):
        raise ValidationError(
            pgettext("deliberation", "A topic cannot move from this status to that one.")
        )
    reason = clean_text(reason, max_length=1000)
    if status == Topic.Status.DECLINED and not reason:
        raise ValidationError(pgettext("deliberation", "Give a reason for declining the topic."))
    topic.status = status
    if status == Topic.Status.DECLINED:
        topic.decline_reason = reason
    if status == Topic.Status.UNDER_DISCUSSION and topic.queued_at is None:
        topic.queued_at = timezone.now()
    topic.save()
    _tell_followers(
        topic,
        event=f"status:{status}:{timezone.now().timestamp():.0f}",
        title=pgettext("deliberation", "“%(title)s” is now: %(status)s")
        % {"title": topic.title, "status": topic.get_status_display()},
        body=reason,
        exclude=[user.pk],
    )
    return topic


# --- contributions ------------------------------------------------------------------


@transaction.atomic
def contribution_add(
    *, user, topic: Topic, text: str, stance: str = "", parent: Contribution | None = None
) -> Contribution:
    topic = _lock(Topic, topic.pk)
    _require_in(
        user,
        "deliberation.contribute",
        topic.community,
        pgettext(
            "deliberation",
            "Only residents and staff of this community can take part in its discussions.",
        ),
    )
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
    text = clean_text(text)
    if not text:
        raise ValidationError(
            pgettext("deliberation", "Write something first (markup is not kept).")
        )
    contribution = Contribution.objects.create(
        topic=topic,
        author=user,
        parent=parent,
        root_id=(parent.root_id or parent.pk) if parent is not None else None,
        stance=stance or "",
        text=text,
    )
    Topic.objects.filter(pk=topic.pk).update(contribution_count=F("contribution_count") + 1)
    _follow(topic, user)
    return contribution


@transaction.atomic
def contribution_edit(*, user, contribution: Contribution, text: str) -> Contribution:
    contribution = _lock(Contribution, contribution.pk)
    if contribution.author_id != user.pk:
        raise PermissionDenied(pgettext("deliberation", "Only the author can edit a contribution."))
    if contribution.topic.is_closed:
        raise ValidationError(
            pgettext("deliberation", "This topic is closed: contributions are no longer possible.")
        )
    if contribution.status == Contribution.Status.REMOVED:
        raise ValidationError(pgettext("deliberation", "A removed contribution cannot be edited."))
    text = clean_text(text)
    if not text:
        raise ValidationError(
            pgettext("deliberation", "Write something first (markup is not kept).")
        )
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
    contribution = _lock(Contribution, contribution.pk)
    if not getattr(user, "is_authenticated", False):
        raise PermissionDenied(pgettext("deliberation", "Sign in to report a contribution."))
    # Only the community's own residents and committee: reports from elsewhere hide nothing.
    _require_in(
        user,
        "deliberation.report",
        contribution.topic.community,
        pgettext(
            "deliberation",
            "Only confirmed residents and the committee of this community can report its "
            "contributions.",
        ),
    )
    if contribution.author_id == user.pk:
        raise ValidationError(pgettext("deliberation", "You cannot report your own contribution."))
    if ContributionReport.objects.filter(contribution=contribution, user=user).exists():
        raise ValidationError(
            pgettext("deliberation", "You have already reported this contribution.")
        )
    report = ContributionReport.objects.create(
        contribution=contribution, user=user, reason=clean_text(reason, max_length=200)
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
    contribution = _lock(Contribution, contribution.pk)
    permissions.require(
        user,
        "deliberation.moderate",
        contribution.topic.community,
        beneficiary=contribution.author_id,
    )
    reason = clean_text(reason, max_length=1000)
    if not reason:
        raise ValidationError(pgettext("deliberation", "Give a reason: the author will see it."))
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


# --- sessions and registrations -------------------------------------------------------


@transaction.atomic
def session_create(
    *,
    user,
    community: Area,
    format_code: str,
    title: str,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    capacity: int = 30,
    place: str = "",
    online_url: str = "",
    description: str = "",
    registration_opens: datetime.datetime | None = None,
    registration_closes: datetime.datetime | None = None,
    topics: Iterable[Topic] = (),
) -> Session:
    permissions.require(user, "deliberation.manage", community)
    if ends_at <= starts_at:
        raise ValidationError(pgettext("deliberation", "A session must end after it starts."))
    if capacity < 1:
        raise ValidationError(
            pgettext("deliberation", "A session needs room for at least one person.")
        )
    if not place and not online_url:
        raise ValidationError(pgettext("deliberation", "Give a place or an online link."))
    if registration_opens and registration_closes and registration_closes <= registration_opens:
        raise ValidationError(pgettext("deliberation", "Registration must close after it opens."))
    session = Session.objects.create(
        community=community,
        format=format_for(community, format_code),
        title=clean_text(title, max_length=120),
        description=clean_text(description),
        starts_at=starts_at,
        ends_at=ends_at,
        capacity=capacity,
        place=clean_text(place, max_length=200),
        online_url=online_url,
        registration_opens=registration_opens,
        registration_closes=registration_closes,
        created_by=user,
    )
    for topic in topics:
        session_add_topic(user=user, session=session, topic=topic)
    return session


@transaction.atomic
def session_add_topic(*, user, session: Session, topic: Topic) -> None:
    """Put a topic on a session's agenda."""
    permissions.require(user, "deliberation.manage", session.community)
    if topic.community_id != session.community_id:
        raise ValidationError(pgettext("deliberation", "The topic belongs to another community."))
    if topic.is_closed:
        raise ValidationError(pgettext("deliberation", "This topic is closed."))
    session.topics.add(topic)
    if topic.status != Topic.Status.ON_AGENDA:
        Topic.objects.filter(pk=topic.pk).update(status=Topic.Status.ON_AGENDA)
        topic.status = Topic.Status.ON_AGENDA
        _tell_followers(
            topic,
            event=f"agenda:{session.pk}",
            title=pgettext("deliberation", "“%(title)s” is on the agenda of %(session)s")
            % {"title": topic.title, "session": session.title},
            body=pgettext("deliberation", "%(when)s, %(place)s")
            % {
                "when": timezone.localtime(session.starts_at).strftime("%Y-%m-%d %H:%M"),
                "place": session.place or session.online_url,
            },
        )


def _registration_notice(reg: Registration, title: str, event: str) -> None:
    notify(
        users=[reg.user],
        category=CAT_REGISTRATION,
        event_key=f"deliberation:registration:{reg.pk}:{event}:{reg.queued_at.timestamp():.0f}",
        title=title,
        body=pgettext("deliberation", "%(session)s · %(when)s · %(place)s")
        % {
            "session": reg.session.title,
            "when": timezone.localtime(reg.session.starts_at).strftime("%Y-%m-%d %H:%M"),
            "place": reg.session.place or reg.session.online_url,
        },
        url=reg.session.get_absolute_url(),
    )


@transaction.atomic
def registration_create(
    *, user, session: Session, now: datetime.datetime | None = None
) -> Registration:
    """Register for a session; past capacity the person joins the waiting list.

    The session row is locked first, so concurrent registrations for the last seat are
    counted one after another: exactly `capacity` people end up registered.
    """
    session = _lock(Session, session.pk)
    now = now or timezone.now()
    _require_in(
        user,
        "deliberation.register",
        session.community,
        pgettext("deliberation", "Only residents and volunteers of this community can register."),
    )
    if not session.registration_open(now):
        raise ValidationError(
            pgettext("deliberation", "Registration for this session is not open.")
        )
    reg = Registration.objects.filter(session=session, user=user).first()
    if reg is not None and reg.status != Registration.Status.CANCELLED:
        raise ValidationError(
            pgettext("deliberation", "You are already registered for this session.")
        )
    taken = Registration.objects.filter(
        session=session, status=Registration.Status.REGISTERED
    ).count()
    status = (
        Registration.Status.REGISTERED if taken < session.capacity else Registration.Status.WAITING
    )
    if reg is None:
        reg = Registration.objects.create(session=session, user=user, status=status, queued_at=now)
    else:
        reg.status, reg.queued_at = status, now
        reg.save(update_fields=["status", "queued_at"])
    reg.session = session
    if status == Registration.Status.REGISTERED:
        _registration_notice(
            reg,
            pgettext("deliberation", "You are registered: %(session)s")
            % {"session": session.title},
            "registered",
        )
    else:
        _registration_notice(
            reg,
            pgettext("deliberation", "You are on the waiting list: %(session)s")
            % {"session": session.title},
            "waiting",
        )
    return reg


@transaction.atomic
def registration_cancel(*, user, registration: Registration) -> Registration:
    """Cancel; a freed seat goes at once to the first person on the waiting list."""
    session = _lock(Session, registration.session_id)
    reg = Registration.objects.select_for_update().get(pk=registration.pk)
    reg.session = session
    if reg.user_id != user.pk and not permissions.can(
        user, "deliberation.manage", session.community
    ):
        raise PermissionDenied(
            pgettext("deliberation", "You can only cancel your own registration.")
        )
    if reg.status == Registration.Status.CANCELLED:
        return reg
    if reg.checked_in_at:
        raise ValidationError(pgettext("deliberation", "You have already been checked in."))
    was_registered = reg.status == Registration.Status.REGISTERED
    reg.status = Registration.Status.CANCELLED
    reg.save(update_fields=["status"])
    _registration_notice(
        reg,
        pgettext("deliberation", "Your registration is cancelled: %(session)s")
        % {"session": session.title},
        "cancelled",
    )
    if was_registered:
        _promote_waiting(session)
    return reg


def _promote_waiting(session: Session) -> None:
    taken = Registration.objects.filter(
        session=session, status=Registration.Status.REGISTERED
    ).count()
    free = session.capacity - taken
    if free <= 0:
        return
    waiting = list(
        Registration.objects.select_for_update()
        .filter(session=session, status=Registration.Status.WAITING)
        .select_related("user")
        .order_by("queued_at", "pk")[:free]
    )
    for reg in waiting:
        reg.status = Registration.Status.REGISTERED
        reg.save(update_fields=["status"])
        reg.session = session
        _registration_notice(
            reg,
            pgettext("deliberation", "A seat is free: you are now registered for %(session)s")
            % {"session": session.title},
            "promoted",
        )


def normalise_code(code: str) -> str:
    return "".join((code or "").split()).upper()


CHECKIN_NOT_YOURS = pgettext_lazy(
    "deliberation",
    "You may not check residents in for this community's sessions: ask its committee "
    "or a grid worker of the community.",
)


@transaction.atomic
def checkin(
    *, by, session: Session, code: str, now: datetime.datetime | None = None
) -> tuple[Registration, bool]:
    """A committee member scans or types a code.  Returns (registration, newly checked in).

    Scanning twice is harmless: the second scan returns the same registration, and the
    moral-bank award is keyed by the registration so it is never paid twice.
    """
    _require_in(by, "deliberation.check_in", session.community, message=CHECKIN_NOT_YOURS)
    code = normalise_code(code)
    if "/" in code:  # a scanned URL: the code is its last part or ?code=
        code = code.rsplit("CODE=", 1)[-1].rstrip("/").rsplit("/", 1)[-1]
    if not code:
        raise ValidationError(
            pgettext(
                "deliberation",
                "Type the code shown under the resident's QR code, or scan the QR code.",
            )
        )
    # Lock only the registration (the joined user and session rows stay unlocked): the
    # ledger's lock order puts this row first and the resident's accounts next, and a
    # lock on the user row would block the foreign-key checks of the same resident's
    # redemption and deadlock with it (credits.services, "Lock order").
    reg = (
        Registration.objects.select_for_update(of=("self",), no_key=True)
        .select_related("user", "session")
        .filter(code=code)
        .first()
    )
    # Every refusal says what to do next: the person at the door is waiting.
    if reg is None:
        raise ValidationError(
            pgettext(
                "deliberation",
                "No registration has this code. Check the 8 letters and digits on the "
                "resident's phone and type them again, or ask the resident to register.",
            )
        )
    if reg.session_id != session.pk:
        raise ValidationError(
            pgettext(
                "deliberation",
                "This code is for another session. Check that the resident came to this "
                "session and that you opened the right session's desk.",
            )
        )
    # A committee member who registered as a resident does not check herself in (coins).
    _require_in(by, "deliberation.check_in", session.community, beneficiary=reg.user_id)
    if reg.status != Registration.Status.REGISTERED:
        raise ValidationError(
            pgettext(
                "deliberation",
                "This person is not registered (waiting list or cancelled). If there are "
                "free seats, they can register on the session page and then check in.",
            )
        )
    now = now or timezone.now()
    if not reg.checked_in_at and not reg.session.checkin_open(now):
        raise ValidationError(
            pgettext(
                "deliberation",
                "Check-in is only possible on the day of the session, from %(hours)s hours "
                "before it starts to %(hours)s hours after it ends. Check the session's date.",
            )
            % {"hours": int(CHECKIN_MARGIN.total_seconds() // 3600)}
        )
    if reg.checked_in_at:
        award_attendance(reg)  # idempotent: pays only if an earlier attempt could not
        return reg, False
    reg.checked_in_at = now
    reg.checked_in_by = by
    reg.save(update_fields=["checked_in_at", "checked_in_by"])
    award_attendance(reg)
    notify(
        users=[reg.user],
        category=CAT_REGISTRATION,
        event_key=f"deliberation:registration:{reg.pk}:checked_in",
        title=pgettext("deliberation", "Checked in: %(session)s") % {"session": reg.session.title},
        body=pgettext("deliberation", "Thank you for taking part."),
        url=reg.session.get_absolute_url(),
    )
    return reg, True


def award_attendance(registration: Registration):
    """Pay moral-bank credits for attending, if the credits app offers `deed_award`.

    The idempotency key comes from the registration, so a second scan never pays twice.
    The payment is part of the check-in's own transaction: if it fails (a lost database
    connection, a refusal), the check-in fails with it and the door desk scans again,
    rather than the attendance going unpaid without anyone knowing.
    """
    try:
        credits_services = importlib.import_module("credits.services")
    except ImportError:
        return None
    deed_award = getattr(credits_services, "deed_award", None)
    if deed_award is None:
        return None
    return deed_award(
        user=registration.user,
        community=registration.session.community,
        deed="session_attendance",
        idempotency_key=f"attendance:{registration.pk}",
        quantity=Decimal("1"),
        source="deliberation",
        note=registration.session.title[:100],
        # Caps count the session's day, not the day the desk checks someone in.
        service_date=timezone.localdate(registration.session.starts_at),
    )


def session_reminders_send(*, now: datetime.datetime | None = None) -> int:
    """Email everyone registered for a session starting within the next 24 hours, once."""
    now = now or timezone.now()
    sent = 0
    sessions = Session.objects.filter(
        starts_at__gt=now,
        starts_at__lte=now + datetime.timedelta(hours=24),
        reminder_sent_at__isnull=True,
    )
    for session in sessions:
        with transaction.atomic():
            session = Session.objects.select_for_update().get(pk=session.pk)
            if session.reminder_sent_at:
                continue
            users = [
                r.user
                for r in Registration.objects.filter(
                    session=session, status=Registration.Status.REGISTERED
                ).select_related("user")
            ]
            sent += len(
                notify(
                    users=users,
                    category=CAT_REGISTRATION,
                    event_key=f"deliberation:session:{session.pk}:reminder",
                    title=pgettext("deliberation", "Reminder: %(session)s starts %(when)s")
                    % {
                        "session": session.title,
                        "when": timezone.localtime(session.starts_at).strftime("%m-%d %H:%M"),
                    },
                    body=session.place or session.online_url,
                    url=session.get_absolute_url(),
                )
            )
            session.reminder_sent_at = now
            session.save(update_fields=["reminder_sent_at"])
    return sent


# --- polls --------------------------------------------------------------------------


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
    permissions.require(user, "deliberation.manage", community)
    options = [clean_text(o, max_length=120) for o in options]
    options = [o for o in options if o]
    if len(options) < 2:
        raise ValidationError(pgettext("deliberation", "A poll needs at least two options."))
    if closes_at <= opens_at:
        raise ValidationError(pgettext("deliberation", "A poll must close after it opens."))
    if kind not in Poll.Kind.values:
        raise ValidationError(pgettext("deliberation", "Choose single or multiple choice."))
    poll = Poll.objects.create(
        community=community,
        topic=topic,
        question=clean_text(question, max_length=200),
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
    poll = _lock(Poll, poll.pk)
    _require_in(
        user,
        "deliberation.vote",
        poll.community,
        pgettext("deliberation", "Only confirmed residents of this community can vote."),
    )
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
    ballot = _create_once(
        Ballot,
        pgettext("deliberation", "You have already voted in this poll."),
        poll=poll,
        user=user,
    )
    Vote.objects.bulk_create([Vote(ballot=ballot, option=o) for o in options])
    return ballot


# --- outcomes -----------------------------------------------------------------------


def held_sessions(topic: Topic, now: datetime.datetime | None = None):
    """Sessions that had this topic on their agenda and have begun, latest first."""
    now = now or timezone.now()
    return topic.sessions.filter(starts_at__lte=now).order_by("-starts_at", "-pk")


def closed_polls(topic: Topic, now: datetime.datetime | None = None):
    """Polls on this topic that have closed, latest first."""
    now = now or timezone.now()
    return topic.polls.filter(closes_at__lte=now).order_by("-closes_at", "-pk")


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
    topic = _lock(Topic, topic.pk)
    permissions.require(user, "deliberation.manage", topic.community)
    if topic.status in (Topic.Status.DECLINED, Topic.Status.DECIDED, Topic.Status.DONE):
        raise ValidationError(
            pgettext("deliberation", "This topic already has an outcome or was declined.")
        )
    decision = clean_text(decision)
    if not decision:
        raise ValidationError(pgettext("deliberation", "Write the decision."))
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
    _tell_followers(
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
    action = clean_text(action, max_length=200)
    responsible = clean_text(responsible, max_length=120)
    if not action or not responsible or not due_date:
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
    permissions.require(user, "deliberation.manage", outcome.topic.community)
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
    permissions.require(user, "deliberation.manage", topic.community)
    if status not in FollowUp.Status.values:
        raise ValidationError(pgettext("deliberation", "Unknown status."))
    if status == followup.status:
        return followup
    followup.status = status
    followup.save(update_fields=["status", "updated_at"])
    _tell_followers(
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
        _tell_followers(
            topic,
            event="done",
            title=pgettext("deliberation", "Done: %(title)s") % {"title": topic.title},
        )
    return followup
