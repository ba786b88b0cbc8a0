"""Thin Celery wrappers around services."""

from celery import shared_task


@shared_task(name="deliberation.send_session_reminders")
def send_session_reminders() -> int:
    from .services import session_reminders_send

    return session_reminders_send()
