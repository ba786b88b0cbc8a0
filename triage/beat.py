"""Periodic tasks of this app, merged into CELERY_BEAT_SCHEDULE by portal/settings/base.py.

Plain data only (no Django imports): settings import this module.
"""

from celery.schedules import crontab

SCHEDULE: dict = {
    # Overdue requests go one level up every quarter of an hour (working or not: a
    # deadline already counts working hours only).
    "triage-escalate-overdue": {"task": "triage.escalate_overdue", "schedule": 900.0},
    # Staff corrections become training data every night.
    "triage-retrain-class": {
        "task": "triage.retrain",
        "schedule": crontab(hour=2, minute=30),
        "args": ("class",),
    },
    "triage-retrain-department": {
        "task": "triage.retrain",
        "schedule": crontab(hour=2, minute=45),
        "args": ("department",),
    },
}
