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
