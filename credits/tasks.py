"""Thin Celery wrappers around credits.services (scheduled in credits/beat.py)."""

from celery import shared_task

from . import services


@shared_task(name="credits.expire_redemptions")
def expire_redemptions() -> int:
    return services.redemption_expire_due()


@shared_task(name="credits.reconcile")
def reconcile() -> int:
    return len(services.reconcile_and_alert())
