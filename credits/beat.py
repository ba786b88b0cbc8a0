"""Periodic tasks of this app, merged into CELERY_BEAT_SCHEDULE by portal/settings/base.py.

Plain data only (no Django imports): settings import this module.
"""

from celery.schedules import crontab

SCHEDULE: dict = {
    # Release coins and stock of reservations nobody picked up in time.
    "credits-expire-redemptions": {"task": "credits.expire_redemptions", "schedule": 300.0},
    # Check every ledger invariant at night; site administrators are alerted on a problem.
    "credits-reconcile-nightly": {
        "task": "credits.reconcile",
        "schedule": crontab(hour=3, minute=17),
    },
}
