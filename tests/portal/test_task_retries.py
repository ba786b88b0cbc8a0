"""Lost work (issue 9, finding 12): a task whose database connection dies is retried,
and a task in flight when its worker dies runs again within minutes, exactly once."""

import importlib
import json
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core import mail
from django.db import InterfaceError, OperationalError
from django.utils.translation import gettext_lazy as _

from portal import emails, notifications
from portal.celery import RETRY_ON, PortalTask, app
from portal.models import Notification
from portal.tasks import send_notification_email

OUR_APPS = ("portal", "cms", "credits", "deliberation", "triage")


@pytest.fixture(autouse=True)
def category():
    notifications.register_category("test.tasks", _("News"))
    yield
    notifications.CATEGORIES.pop("test.tasks", None)


@pytest.fixture
def eager_retries():
    """Eager mode runs a retry inline, but only when it does not re-raise the first error."""
    before = app.conf.task_eager_propagates
    app.conf.task_eager_propagates = False
    yield
    app.conf.task_eager_propagates = before


@pytest.mark.django_db
@pytest.mark.parametrize(
    "error",
    [
        OperationalError("server closed the connection unexpectedly"),
        InterfaceError("connection already closed"),
        ConnectionResetError("mail server hung up"),
    ],
)
def test_notification_email_retried_after_a_lost_connection_and_sent_once(
    resident, monkeypatch, django_capture_on_commit_callbacks, error, eager_retries
):
    real = emails.email_for
    calls = []

    def first_call_fails(n):
        calls.append(n.pk)
        if len(calls) == 1:
            raise error
        return real(n)

    monkeypatch.setattr(emails, "email_for", first_call_fails)
    with django_capture_on_commit_callbacks(execute=True):
        (n,) = notifications.notify(
            users=[resident], category="test.tasks", event_key="lost", title="停水通知"
        )
    assert len(calls) == 2  # the first run failed, the retry sent it
    assert [m.to for m in mail.outbox] == [[resident.email]]
    assert Notification.objects.get(pk=n.pk).emailed

    # The broker delivers it again (a worker died before acknowledging): nothing more.
    send_notification_email.delay(n.pk)
    assert len(mail.outbox) == 1


def _our_tasks():
    for label in OUR_APPS:
        try:
            importlib.import_module(f"{label}.tasks")
        except ModuleNotFoundError:
            continue
    return {
        name: task for name, task in app.tasks.items() if task.__module__.split(".")[0] in OUR_APPS
    }


def test_every_task_retries_on_database_errors_and_is_acknowledged_late():
    tasks = _our_tasks()
    assert {
        "portal.send_notification_email",
        "credits.expire_redemptions",
        "deliberation.send_session_reminders",
        "triage.classify",
    } <= set(tasks)
    for name, task in tasks.items():
        assert isinstance(task, PortalTask), name
        assert set(RETRY_ON) <= set(task.autoretry_for), name
        assert {OperationalError, InterfaceError, OSError} <= set(task.autoretry_for), name
        assert hasattr(task, "_orig_run"), f"{name} has no autoretry wrapper"
        assert task.retry_backoff and task.retry_jitter and task.max_retries, name
        assert task.acks_late and task.reject_on_worker_lost, name


def test_broker_redelivers_a_killed_workers_task_within_minutes():
    assert app.conf.worker_prefetch_multiplier == 1
    assert app.conf.task_acks_late and app.conf.task_reject_on_worker_lost
    # The settings as a Redis deployment computes them (the test run may use another broker).
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings.base",
        "CELERY_BROKER_URL": "redis://127.0.0.1:6379/12",
    }
    env.pop("CELERY_VISIBILITY_TIMEOUT", None)
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            "import json, portal.settings.base as s; "
            "print(json.dumps(s.CELERY_BROKER_TRANSPORT_OPTIONS))",
        ],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    timeout = json.loads(out)["visibility_timeout"]
    assert 60 <= timeout <= 15 * 60
    # A retry waiting out its backoff must not be handed to a second worker meanwhile.
    assert PortalTask.retry_backoff_max < timeout
