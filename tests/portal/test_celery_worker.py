"""A task really travels broker → worker → result backend (not eager mode).

On SQLite the broker is the embedded filesystem transport; in CI's second run
CELERY_BROKER_URL points at Redis, so the same test proves the production path.
"""

import os
import subprocess
import sys
import uuid

import pytest
from django.conf import settings
from django.db import connection

from portal.celery import app
from portal.tasks import ping


@pytest.mark.worker
@pytest.mark.django_db
def test_ping_goes_through_a_real_worker(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings.test",
        "CELERY_TASK_ALWAYS_EAGER": "0",
    }
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        env["DATABASE_URL"] = (
            f"postgres://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"
        )
    else:
        env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'worker.sqlite3'}"
    queue = f"test-{uuid.uuid4().hex[:8]}"
    log = open(tmp_path / "worker.log", "w+")
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "portal",
            "worker",
            "--pool=solo",
            "-Q",
            queue,
            "-n",
            f"{queue}@%h",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--loglevel=INFO",
        ],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    app.conf.task_always_eager = False
    try:
        result = ping.apply_async(queue=queue)
        assert result.get(timeout=90) == {"pong": True, "db": True}
        log.seek(0)
        assert "portal.ping" in log.read()  # it was this worker that ran it
    finally:
        app.conf.task_always_eager = True
        worker.terminate()
        worker.wait(timeout=30)
        log.close()
    broker = app.conf.broker_url
    assert broker.startswith(("filesystem", "redis"))
    if os.environ.get("CELERY_BROKER_URL", "").startswith("redis"):
        assert broker.startswith("redis")


def test_every_task_goes_to_a_queue_the_make_run_worker_serves():
    """Each workload has its own queue (settings.CELERY_TASK_ROUTES); a task routed to a
    queue no worker serves would never run, so `make run`'s worker serves every one."""

    app.loader.import_default_modules()  # every app's tasks.py, as a worker loads them
    names = sorted(n for n in app.tasks if not n.startswith("celery."))
    assert {"portal.send_notification_email", "triage.classify", "credits.reconcile"} <= set(names)
    queues = {n: app.amqp.router.route({}, n)["queue"].name for n in names}
    assert set(queues.values()) <= set(settings.PORTAL_QUEUES)
    assert queues["portal.send_notification_sms"] == "notifications"
    assert queues["triage.retrain"] == "classification"
    assert queues["credits.expire_redemptions"] == "ledger"
    assert queues["triage.escalate_overdue"] == "celery"
    # The worker `make run` starts consumes all of them.
    from pathlib import Path

    from portal.management.commands.serve import child_commands

    worker = child_commands("127.0.0.1", "8000", "2", Path("var"))["worker+beat"]
    assert worker[worker.index("-Q") + 1].split(",") == settings.PORTAL_QUEUES
