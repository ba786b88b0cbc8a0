"""Thin Celery wrappers around services."""

from celery import shared_task

from .services.sessions import session_reminders_send


@shared_task(name="deliberation.send_session_reminders")
def send_session_reminders() -> int:
    return session_reminders_send()
