"""Thin Celery wrappers around triage.services (sent by name through `triage.jobs`)."""

from celery import shared_task

from . import jobs
from .models import Request
from .services.classification import request_classify
from .services.followup import escalate_overdue as run_escalation
from .services.training import model_retrain


@shared_task(name=jobs.ESCALATE_OVERDUE)
def escalate_overdue() -> int:
    return run_escalation()


@shared_task(name=jobs.RETRAIN)
def retrain(target: str = "class") -> int | None:
    record = model_retrain(target)
    return record.version if record else None


@shared_task(name=jobs.CLASSIFY)
def classify(request_id: int) -> str:
    req = Request.objects.filter(pk=request_id).first()
    return request_classify(request=req).status if req else ""
