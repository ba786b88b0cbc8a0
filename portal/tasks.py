"""Portal-wide tasks, and `enqueue()`, the one way to send a task after commit."""

from celery import shared_task
from django.core.mail import send_mail
from django.db import connection, transaction


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


@shared_task(name="portal.send_mail", autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_mail_task(subject: str, body: str, to: list[str], html: str | None = None) -> int:
    return send_mail(subject, body, None, to, html_message=html)


@shared_task(
    name="portal.send_notification_email",
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
)
def send_notification_email(notification_id: int) -> int:
    from .models import Notification
    from .notifications import email_for

    n = Notification.objects.select_related("user").filter(pk=notification_id).first()
    if n is None or not n.user.email:
        return 0
    subject, body = email_for(n)
    return send_mail(subject, body, None, [n.user.email])


@shared_task(name="portal.send_sms", autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_sms_task(number: str, text: str) -> str:
    from .sms import send_sms

    return send_sms(number, text).number
