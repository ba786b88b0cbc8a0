"""Thin Celery wrappers around triage.services."""

from celery import shared_task


@shared_task(name="triage.escalate_overdue")
def escalate_overdue() -> int:
    from .services import escalate_overdue as run

    return run()


@shared_task(name="triage.retrain")
def retrain(target: str = "class") -> int | None:
    from .services import model_retrain

    record = model_retrain(target)
    return record.version if record else None
