"""Notifications, in-app and by email, with a per-category opt-out, and by text message
for the categories a resident opted into (only to a verified mobile number).

Apps declare their categories once (`register_category`) and call `notify()` from a
service.  `notify()` is idempotent by `event_key`: a retried service or task never
notifies anyone twice.  Email goes out through Django's mail API from a Celery task
enqueued on commit, so a rolled-back write sends nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone, translation

from .models import Notification, NotificationOptIn, NotificationOptOut
from .tasks import enqueue, send_notification_email, send_notification_sms


@dataclass(frozen=True)
class Category:
    key: str
    label: str  # a lazy translation
    description: str = ""


CATEGORIES: dict[str, Category] = {}


def register_category(key: str, label, description="") -> None:
    CATEGORIES[key] = Category(key, label, description)


def opted_out(user_ids: Iterable[int], category: str, channel: str) -> set[int]:
    return set(
        NotificationOptOut.objects.filter(
            user_id__in=list(user_ids), category=category, channel=channel
        ).values_list("user_id", flat=True)
    )


def opted_in(user_ids: Iterable[int], category: str, channel: str) -> set[int]:
    return set(
        NotificationOptIn.objects.filter(
            user_id__in=list(user_ids), category=category, channel=channel
        ).values_list("user_id", flat=True)
    )


def notify(
    *, users, category: str, event_key: str, title: str, body: str = "", url: str = ""
) -> list[Notification]:
    """Tell `users` about an event.  Returns the notifications created now (not repeats)."""
    return notice_for(users=users, category=category, event_key=event_key).send(
        title=title, body=body, url=url
    )


@dataclass
class Notice:
    """A notice whose recipients were read (`notice_for`) and that is not yet sent: a
    service that holds a busy lock reads them before taking it and sends after."""

    users: list
    category: str
    event_key: str
    already: set
    no_app: set
    no_email: set
    sms_on: set

    # No savepoint inside a caller's transaction (two round trips per notice): every
    # caller is a service whose own transaction fails with it, and none catches a failure.
    @transaction.atomic(savepoint=False)
    def send(self, *, title, body="", url: str = "") -> list[Notification]:
        created = []
        for user in self.users:
            if user.pk in self.already:
                continue
            wants_email = user.pk not in self.no_email and bool(user.email)
            wants_sms = user.pk in self.sms_on and user.phone_verified and bool(user.phone)
            if user.pk in self.no_app and not wants_email and not wants_sms:
                continue
            # In the recipient's language: a lazy string or a callable
            # (`lambda: _("…") % {…}`) is rendered per person; a plain string is kept.
            with translation.override(user.language or settings.LANGUAGE_CODE):
                title_text, body_text = _text(title)[:200], _text(body)
            n = Notification.objects.create(
                user=user,
                category=self.category,
                event_key=self.event_key,
                title=title_text,
                body=body_text,
                url=url,
                # An opted-out in-app notice is stored read, so it never shows as new.
                read_at=timezone.now() if user.pk in self.no_app else None,
                emailed=False,  # set by send_notification_email once the mail is sent
            )
            created.append(n)
            if wants_email:
                enqueue(send_notification_email, n.pk)
            if wants_sms:
                enqueue(send_notification_sms, n.pk)
        return created


def notice_for(*, users, category: str, event_key: str) -> Notice:
    """Who gets the notice of `event_key` and how (one query); `.send()` sends it."""
    if category not in CATEGORIES:
        raise KeyError(f"Unknown notification category {category!r}")
    # The same person may be reached twice (two grid memberships, follower and author):
    # they get one notice.
    users = list({u.pk: u for u in users if u is not None and u.is_active}.values())
    state = _recipients_state([u.pk for u in users], category, event_key) if users else ()
    return Notice(users, category, event_key, *(state or (set(), set(), set(), set())))


def _recipients_state(ids: list[int], category: str, event_key: str) -> tuple[set, ...]:
    """(already told of `event_key`, opted out in-app, opted out of email, opted into
    text messages) among `ids`: one query (a UNION), as every notice asks all four.
    Plain SQL: composing the ORM's union cost more CPU than the rest of a notice."""
    out = NotificationOptOut.Channel
    marks = ", ".join(["%s"] * len(ids))
    sql = (
        f"SELECT 'notified', user_id FROM {Notification._meta.db_table}"
        f" WHERE event_key = %s AND user_id IN ({marks})"
        f" UNION ALL SELECT channel, user_id FROM {NotificationOptOut._meta.db_table}"
        f" WHERE category = %s AND channel IN (%s, %s) AND user_id IN ({marks})"
        f" UNION ALL SELECT 'sms_in', user_id FROM {NotificationOptIn._meta.db_table}"
        f" WHERE category = %s AND channel = %s AND user_id IN ({marks})"
    )
    params = [event_key, *ids, category, out.IN_APP, out.EMAIL, *ids]
    params += [category, NotificationOptIn.Channel.SMS, *ids]
    found: dict[str, set[int]] = {"notified": set(), out.IN_APP: set(), out.EMAIL: set()}
    found["sms_in"] = set()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for tag, user_id in cursor.fetchall():
            found[tag].add(user_id)
    return found["notified"], found[out.IN_APP], found[out.EMAIL], found["sms_in"]


def _text(value) -> str:
    return str(value() if callable(value) else value)


def unread_count(user) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


@transaction.atomic
def mark_read(*, user, ids: Iterable[int] | None = None) -> int:
    qs = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    return qs.update(read_at=timezone.now())


@transaction.atomic
def preferences_set(*, user, off: set[tuple[str, str]], sms: set[str] | None = None) -> None:
    """Replace the user's opt-outs with exactly `off` (category, channel) pairs, and, when
    `sms` is given, the categories they get by text message with exactly `sms` (none
    without a verified mobile number)."""
    valid = {(c, ch) for c in CATEGORIES for ch in NotificationOptOut.Channel.values}
    off = off & valid
    NotificationOptOut.objects.filter(user=user).delete()
    NotificationOptOut.objects.bulk_create(
        [NotificationOptOut(user=user, category=c, channel=ch) for c, ch in sorted(off)]
    )
    if sms is None:
        return
    sms = set(sms) & set(CATEGORIES) if user.phone_verified else set()
    NotificationOptIn.objects.filter(user=user, channel=NotificationOptIn.Channel.SMS).delete()
    NotificationOptIn.objects.bulk_create(
        [
            NotificationOptIn(user=user, category=c, channel=NotificationOptIn.Channel.SMS)
            for c in sorted(sms)
        ]
    )
