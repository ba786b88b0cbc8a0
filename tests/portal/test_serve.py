"""`make run`'s supervisor stops web, worker and beat together and never runs two beats."""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _processes():
    """(pid, parent pid, process group, state) of every process, from /proc."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        yield int(stat.parent.name), int(fields[1]), int(fields[2]), fields[0]


def _groups_alive(pgids: set[int]) -> set[int]:
    """Process-group ids from `pgids` that still have a live (non-zombie) member."""
    return {pgid for _pid, _ppid, pgid, state in _processes() if pgid in pgids and state != "Z"}


def _children_of(pid: int) -> set[int]:
    return {child for child, ppid, _pgid, _state in _processes() if ppid == pid}


def _serve(var: Path, port: int, log) -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings.dev",
        "PORTAL_VAR_DIR": str(var),
        "DATABASE_URL": f"sqlite:///{var / 'db.sqlite3'}",
        "CELERY_BROKER_URL": "filesystem://",
        "CELERY_RESULT_BACKEND": f"file://{var / 'results'}",
    }
    env.pop("REDIS_URL", None)
    return subprocess.Popen(
        [sys.executable, "manage.py", "serve", "--port", str(port), "--concurrency", "1"],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


@pytest.mark.worker
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_one_sigterm_stops_web_worker_and_beat_and_a_second_run_is_refused(tmp_path):
    port = _free_port()
    log = open(tmp_path / "serve.log", "w+")
    first = _serve(tmp_path, port, log)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.5)
        else:
            log.seek(0)
            pytest.fail("the web server never listened:\n" + log.read())
        children = _children_of(first.pid)
        assert len(children) == 2  # web, worker+beat (each its own process group)

        second_log = open(tmp_path / "second.log", "w+")
        second = _serve(tmp_path, _free_port(), second_log)
        assert second.wait(timeout=60) != 0
        second_log.seek(0)
        assert "already serving" in second_log.read()
        assert _groups_alive(children) == children  # the refusal touched nothing

        first.send_signal(signal.SIGTERM)
        assert first.wait(timeout=30) == 0
        assert _groups_alive(children) == set()
    finally:
        if first.poll() is None:
            first.kill()
