"""The Celery app.  Tasks are thin wrappers around services; enqueue them with
`portal.tasks.enqueue()` so nothing is sent for a transaction that rolls back.
"""

import os

from celery import Celery, Task
from django.db import InterfaceError, OperationalError

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.dev")

# What a task retries on: a dropped or killed database connection (Django wraps the
# driver's errors in these two), a deadlock or serialisation failure (OperationalError
# too), and network trouble with the mail server or another service (OSError, which
# smtplib's errors subclass).  A refusal by a service is not retried: it would refuse again.
RETRY_ON = (OperationalError, InterfaceError, OSError)


class PortalTask(Task):
    """The base of every task of the site (the app's `task_cls`, so `@shared_task` in
    any app gets it without naming it).

    - Retried on `RETRY_ON` with exponential backoff and full jitter (1, 2, 4 … seconds,
      at most `retry_backoff_max`), `max_retries` times.
    - Acknowledged only after it ran (`acks_late`), and requeued when the worker process
      dies under it (`reject_on_worker_lost`): with the broker's visibility timeout
      (settings: `CELERY_BROKER_TRANSPORT_OPTIONS`), a killed worker's task runs again
      within minutes.  A task may therefore run more than once: every task is idempotent.
    - The backoff stays well below the visibility timeout, so a retry waiting in a worker
      is not handed to a second worker as well.
    """

    autoretry_for = RETRY_ON
    retry_backoff = True
    retry_backoff_max = 120
    retry_jitter = True
    max_retries = 8
    acks_late = True
    reject_on_worker_lost = True


app = Celery("portal", task_cls=PortalTask)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_finalize.connect
def _ensure_broker_dirs(sender, **kwargs):
    """The filesystem broker needs its folders before the first message."""
    opts = sender.conf.broker_transport_options or {}
    for key in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder"):
        if opts.get(key):
            os.makedirs(opts[key], exist_ok=True)
    backend = sender.conf.result_backend or ""
    if backend.startswith("file://"):
        os.makedirs(backend[len("file://") :], exist_ok=True)
