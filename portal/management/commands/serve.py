"""`make run`'s supervisor: the web server, one Celery worker and one beat, stopped together.

A shell `trap 'kill 0'` re-entered itself on every signal it sent and left the worker and
beat running; a second `make run` then started a second beat (duplicate reminders and
escalations).  This command instead:

- holds an exclusive lock on `var/serve.lock` for as long as it runs, so a second `make run`
  in the same folder refuses to start instead of starting another beat;
- starts each child in its own session, so a terminal's Ctrl-C reaches only this process,
  which then stops every child's whole process group (Celery's pool included): SIGTERM, and
  SIGKILL for whatever is still alive after a grace period;
- stops everything as soon as any child dies, and exits non-zero in that case.
"""

from __future__ import annotations

import fcntl
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

GRACE_SECONDS = 8


def child_commands(host: str, port: str, concurrency: str, var: Path) -> dict[str, list[str]]:
    """The two children: one Celery worker (serving every queue, with the beat inside it)
    and the web server."""
    bindir = Path(sys.executable).parent
    celery = str(bindir / "celery") if (bindir / "celery").exists() else "celery"
    commands = {
        "worker+beat": [
            celery, "-A", "portal", "worker", "--beat", "--loglevel=INFO",
            "-Q", ",".join(settings.PORTAL_QUEUES),
            f"--concurrency={concurrency}", f"--schedule={var / 'celerybeat-schedule'}",
        ],
        "web": [
            sys.executable, "manage.py", "runserver", f"{host}:{port}", "--noreload",
        ],
    }  # fmt: skip
    return commands


class Command(BaseCommand):
    help = "Serve the site with its Celery worker and beat; Ctrl-C or SIGTERM stops all three."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", default="8000")
        parser.add_argument("--concurrency", default="2")

    def handle(self, *args, host, port, concurrency, **options):
        var = Path(settings.VAR_DIR)
        var.mkdir(parents=True, exist_ok=True)
        lock = open(var / "serve.lock", "a+")  # noqa: SIM115 - held for the whole run
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock.seek(0)
            other = lock.read().strip() or "?"
            raise CommandError(
                f"Another `make run` (pid {other}) is already serving from {var}; "
                "stop it first, so that only one Celery beat runs."
            ) from None
        lock.seek(0)
        lock.truncate()
        lock.write(str(os.getpid()))
        lock.flush()

        commands = child_commands(host, port, concurrency, var)
        children: dict[str, subprocess.Popen] = {}
        stopping = False

        def stop(signum=None, frame=None):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGHUP, stop)

        self.stdout.write(f"Serving on http://{host}:{port}/  (Ctrl-C stops web, worker and beat)")
        for name, cmd in commands.items():
            children[name] = subprocess.Popen(cmd, start_new_session=True)

        failed = None
        while not stopping:
            for name, child in children.items():
                if child.poll() is not None:
                    failed = name
                    stopping = True
            time.sleep(0.2)

        self._stop_all(children)
        if failed:
            raise CommandError(f"{failed} exited with status {children[failed].returncode}")
        self.stdout.write("Stopped web, worker and beat.")

    def _stop_all(self, children: dict[str, subprocess.Popen]) -> None:
        for child in children.values():
            _signal_group(child, signal.SIGTERM)
        deadline = time.monotonic() + GRACE_SECONDS
        for child in children.values():
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
        # The group may outlive its leader (Celery's pool processes): kill what is left.
        for child in children.values():
            _signal_group(child, signal.SIGKILL)
            child.wait()


def _signal_group(child: subprocess.Popen, sig: int) -> None:
    try:
        os.killpg(child.pid, sig)
    except (ProcessLookupError, PermissionError):
        pass
