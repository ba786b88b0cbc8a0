"""Periodic tasks of this app, merged into CELERY_BEAT_SCHEDULE by portal/settings/base.py.

Plain data only (no Django imports): settings import this module.
"""

SCHEDULE: dict = {
    # Every 15 minutes: sessions starting within 24 hours get one reminder each.
    "deliberation-session-reminders": {
        "task": "deliberation.send_session_reminders",
        "schedule": 900.0,
    },
}
