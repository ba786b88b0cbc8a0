"""Portal-wide tasks, and `enqueue()`, the one way to send a task after commit."""

from celery import shared_task
from django.core.mail import send_mail
from django.db import connection, transaction

from . import emails
from .models import Notification
from .sms import send_sms


def enqueue(task, *args, **kwargs) -> None:
    """Send `task` once the current transaction commits (at once outside one)."""
    transaction.on_commit(lambda: task.delay(*args, **kwargs))


@shared_task(name="portal.ping")
def ping() -> dict:
    """Round trip through broker, worker and database: used by health checks and CI."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        (one,) = cursor.fetchone()
    return {"pong": True, "db": one == 1}


# Every task here and in the other apps gets portal.celery.PortalTask as its base: retried
# on database and network errors with backoff, acknowledged late, requeued if its worker
# dies.  So each must be idempotent: running it twice does what running it once does.


@shared_task(name="portal.send_notification_email")
def send_notification_email(notification_id: int) -> int:
    """Email one notification, once: `emailed` is set after the mail server took it, and a
    rerun (a retry, a redelivery) of a notification already emailed sends nothing."""
    n = Notification.objects.select_related("user").filter(pk=notification_id).first()
    if n is None or n.emailed or not n.user.email:
        return 0
    subject, body = emails.email_for(n)
    sent = send_mail(subject, body, None, [n.user.email])
    Notification.objects.filter(pk=n.pk).update(emailed=True)
    return sent


@shared_task(name="portal.send_notification_sms")
def send_notification_sms(notification_id: int) -> int:
    """Text one notification to its recipient's verified number, once (`texted`).  A
    provider that does not answer is retried (SMSProviderUnreachableError is an OSError,
    portal.celery.RETRY_ON); a refusal is not: it would refuse again."""
    n = Notification.objects.select_related("user").filter(pk=notification_id).first()
    if n is None or n.texted or not (n.user.phone_verified and n.user.phone):
        return 0
    text = n.title
    if n.url:
        from django.conf import settings

        base = settings.WAGTAILADMIN_BASE_URL.rstrip("/")
        text = f"{text} {base}{n.url}" if n.url.startswith("/") else f"{text} {n.url}"
    send_sms(n.user.phone, text)
    Notification.objects.filter(pk=n.pk).update(texted=True)
    return 1


@shared_task(name="portal.send_sms")
def send_sms_task(number: str, text: str) -> str:
    """Retries on database and network errors come from PortalTask, the app's task base.
    A text that was sent but whose acknowledgement was lost may go twice: SMS providers
    offer no idempotency key, and a repeated claim link is harmless."""
    return send_sms(number, text).number
