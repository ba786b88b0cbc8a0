#!/usr/bin/env python
"""Page throughput against /healthz, measured in the same run.

Builds a fresh database with the demo content (SQLite in a temporary folder, or the
database named by BENCH_DATABASE_URL), serves it with gunicorn (2 workers, production-
like: DEBUG off), and drives each page with keep-alive HTTP clients in two processes.
Prints requests/s, p50 and p99 per page, each page's ratio to /healthz, and a last line
of name=value pairs.

    python bench/pages.py [--seconds 6] [--clients 8]
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import importlib
import multiprocessing as mp
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _client(port: int, path: str, cookie: str, deadline: float, conns: int, out):
    """One process: `conns` keep-alive connections round-robin until the deadline."""
    import threading

    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()

    def run():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        headers = {"Cookie": cookie} if cookie else {}
        mine = []
        while time.perf_counter() < deadline:
            t0 = time.perf_counter()
            try:
                conn.request("GET", path, headers=headers)
                resp = conn.getresponse()
                resp.read()
                if resp.status != 200:
                    errors[0] += 1
            except (OSError, http.client.HTTPException):
                errors[0] += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                continue
            mine.append(time.perf_counter() - t0)
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=run) for _ in range(conns)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    out.put((latencies, errors[0]))


def measure(port: int, path: str, cookie: str, seconds: float, clients: int) -> dict:
    path = quote(path, safe="/?=&%")
    # Warm up (templates, caches, renditions) before timing.
    _warm = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    for _ in range(5):
        _warm.request("GET", path, headers={"Cookie": cookie} if cookie else {})
        _warm.getresponse().read()
    _warm.close()
    procs, queue = [], mp.Queue()
    deadline = time.perf_counter() + seconds
    for _ in range(2):
        p = mp.Process(target=_client, args=(port, path, cookie, deadline, clients // 2, queue))
        p.start()
        procs.append(p)
    lat, errors = [], 0
    for _ in procs:
        part, err = queue.get()
        lat.extend(part)
        errors += err
    for p in procs:
        p.join()
    lat.sort()
    return {
        "rps": len(lat) / seconds,
        "p50_ms": statistics.median(lat) * 1000 if lat else float("nan"),
        "p99_ms": lat[int(len(lat) * 0.99) - 1] * 1000 if lat else float("nan"),
        "errors": errors,
    }


def prepare(env: dict) -> list[tuple[str, str, bool]]:
    """Migrate, load demo data and return (name, path, logged_in) targets."""
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("load_demo", stdout=open(os.devnull, "w"))
    return page_targets()


def page_targets() -> list[tuple[str, str, bool]]:
    """The pages measured, as (name, path, signed in): the database is ready."""
    targets = [
        ("healthz", "/healthz", False),
        ("home_anon", "/", False),
        ("community_anon", "/xinzhan/", False),
        ("home_user", "/", True),
        ("community_user", "/xinzhan/", True),
    ]
    # Other apps add their pages in bench/<app>_pages.py: prepare() -> [(name, path)].
    for module_name in ("bench.deliberation_pages",):
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError:
            continue
        for name, path in module.prepare():
            targets.append((f"{name}_anon", path, False))
            targets.append((f"{name}_user", path, True))
    return targets


def session_cookie(username: str = "13900000001") -> str:
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from portal.models import User

    user = User.objects.get(username=username)
    s = SessionStore()
    s[SESSION_KEY] = str(user.pk)
    s[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    s[HASH_SESSION_KEY] = user.get_session_auth_hash()
    s.create()
    return f"{settings.SESSION_COOKIE_NAME}={s.session_key}"


@contextlib.contextmanager
def serve(env: dict):
    """gunicorn (2 workers, production-like) on the database `env` names; yields its port."""
    port = free_port()
    gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent)) or "gunicorn"
    server = subprocess.Popen(
        [gunicorn, "portal.wsgi", "-w", "2", "-b", f"127.0.0.1:{port}"]
        + ["--log-level", "warning", "--keep-alive", "30", "--timeout", "120"],
        cwd=ROOT,
        env={**os.environ, **env},
        start_new_session=True,
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.2)
        yield port
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=6.0)
    parser.add_argument("--clients", type=int, default=8)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="bench-pages-"))
    env = {
        "DJANGO_SETTINGS_MODULE": "portal.settings.dev",
        "DJANGO_DEBUG": "0",
        "PORTAL_VAR_DIR": str(workdir),
        "CELERY_TASK_ALWAYS_EAGER": "1",
        "LOG_LEVEL": "WARNING",
    }
    if os.environ.get("BENCH_DATABASE_URL"):
        env["DATABASE_URL"] = os.environ["BENCH_DATABASE_URL"]
    targets = prepare(env)
    cookie = session_cookie()
    from django.db import connections

    connections.close_all()

    try:
        with serve(env) as port:
            results = {}
            for name, path, logged_in in targets:
                results[name] = measure(
                    port, path, cookie if logged_in else "", args.seconds, args.clients
                )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    base = results["healthz"]["rps"]
    print(f"{'page':<28}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}{'vs healthz':>12}")
    for name, r in results.items():
        ratio = r["rps"] / base
        print(
            f"{name:<28}{r['rps']:>9.0f}{r['p50_ms']:>9.1f}{r['p99_ms']:>9.1f}"
            f"{r['errors']:>8}{ratio:>12.2f}"
        )
    pairs = [f"healthz_rps={base:.0f}"]
    for name, r in results.items():
        if name != "healthz":
            pairs.append(f"{name}_vs_healthz={r['rps'] / base:.2f}")
            pairs.append(f"{name}_p99_ms={r['p99_ms']:.1f}")
    print(" ".join(pairs))


if __name__ == "__main__":
    main()
