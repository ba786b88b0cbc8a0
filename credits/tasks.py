"""Thin Celery wrappers around credits.services (scheduled in credits/beat.py)."""

from celery import shared_task

from .services.alerts import reconcile_and_alert
from .services.redemptions import redemption_expire_due


@shared_task(name="credits.expire_redemptions")
def expire_redemptions() -> int:
    return redemption_expire_due()


@shared_task(name="credits.reconcile")
def reconcile() -> int:
    return len(reconcile_and_alert())
