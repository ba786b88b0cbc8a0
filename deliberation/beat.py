"""Periodic tasks of this app, merged into CELERY_BEAT_SCHEDULE by portal/settings/base.py.

Plain data only (no Django imports): settings import this module.
"""

SCHEDULE: dict = {}
