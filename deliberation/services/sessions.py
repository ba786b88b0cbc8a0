"""Sessions: the committee creates them and sets their agenda; residents register, past
capacity onto a waiting list whose first person takes a freed seat; a reminder goes out the
day before.  Checking in at the door is `checkin`."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import pgettext

from portal.models import Area
from portal.notifications import notify
from portal.text import clean_text

from ..models import Registration, Session, Topic
from ..permissions import require_cancel_registration, require_manage, require_register
from ._notify import CAT_REGISTRATION, tell_followers
from ._rows import lock
from .topics import format_for


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
    """The committee schedules a session (with its agenda, if `topics` are given)."""
    require_manage(user, community)
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
        title=clean_text(title, limit=120),
        description=clean_text(description, limit=5000),
        starts_at=starts_at,
        ends_at=ends_at,
        capacity=capacity,
        place=clean_text(place, limit=200),
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
    require_manage(user, session.community)
    if topic.community_id != session.community_id:
        raise ValidationError(pgettext("deliberation", "The topic belongs to another community."))
    if topic.is_closed:
        raise ValidationError(pgettext("deliberation", "This topic is closed."))
    session.topics.add(topic)
    if topic.status != Topic.Status.ON_AGENDA:
        Topic.objects.filter(pk=topic.pk).update(status=Topic.Status.ON_AGENDA)
        topic.status = Topic.Status.ON_AGENDA
        tell_followers(
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
    session = lock(Session, session.pk)
    now = now or timezone.now()
    require_register(user, session)
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
    session = lock(Session, registration.session_id)
    reg = lock(Registration, registration.pk)
    reg.session = session
    require_cancel_registration(user, reg)
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
