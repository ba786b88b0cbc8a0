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


@shared_task(name="triage.classify")
def classify(request_id: int) -> str:
    from .models import Request
    from .services import request_classify

    req = Request.objects.filter(pk=request_id).first()
    return request_classify(request=req).status if req else ""
