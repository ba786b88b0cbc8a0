"""Triage's Celery tasks by name, and how a use case sends one after its transaction.

`triage.tasks` defines the tasks (thin wrappers that call `triage.services`); the services
send them through `send()` by name, so neither module imports the other's: the tasks
depend on the services, never the reverse.  `TriageConfig.ready()` imports
`triage.tasks`, so every process (web, worker, tests) knows the tasks by these names;
`triage/beat.py` schedules them by the same names.
"""

from __future__ import annotations

from django.db import transaction

from portal.celery import app

CLASSIFY = "triage.classify"
RETRAIN = "triage.retrain"
ESCALATE_OVERDUE = "triage.escalate_overdue"


def send(name: str, *args) -> None:
    """Send the task `name` once the current transaction commits (at once outside one),
    as `portal.tasks.enqueue` does for a task object: a rolled-back write sends nothing."""
    transaction.on_commit(lambda: app.signature(name, args=args).delay())
