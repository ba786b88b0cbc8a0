#!/usr/bin/env python
"""In-process CPU time and query count of each signed-in page in bench/pages.py.

The gunicorn bench (bench/pages.py) gives throughput against /healthz but shares the
machine's cores with its own clients; this one drives the same pages through Django's
test client in one process and reports CPU milliseconds (process time, median of
--runs) and queries per request, signed in as the demo resident, on the database the
settings name (migrate + load_demo first, as `make setup` does):

    DJANGO_SETTINGS_MODULE=portal.settings.dev DJANGO_DEBUG=0 \\
        .venv/bin/python bench/pages_cpu.py [--runs 30] [--profile home_user]

--profile NAME prints the cProfile top functions (cumulative, or PROFILE_SORT=tottime) of
that page; --queries NAME prints its SQL.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def targets() -> list[tuple[str, str, bool]]:
    from bench.pages import page_targets

    return page_targets()


def measure(client, path: str, runs: int, fresh: bool = True) -> tuple[float, int, int]:
    from django.db import connection, connections
    from django.test.utils import CaptureQueriesContext

    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    client.get(path)
    cpu = []
    for _ in range(runs):
        if fresh:  # as served: SQLite connections are not kept between requests
            connections.close_all()
        t0 = time.process_time()
        client.get(path)
        cpu.append((time.process_time() - t0) * 1000)
    with CaptureQueriesContext(connection) as q:
        response = client.get(path)
    return statistics.median(cpu), len(q.captured_queries), len(response.content)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--profile", default="")
    parser.add_argument("--queries", default="", help="print the SQL of this page")
    parser.add_argument("--user", default="13900000001")
    parser.add_argument(
        "--keep-connection",
        action="store_true",
        help="reuse the database connection (the default opens one per request, as served)",
    )
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.dev")
    os.environ.setdefault("DJANGO_DEBUG", "0")
    import django

    django.setup()
    from django.test import Client

    from portal.models import User

    pages = targets()
    anon, user_client = Client(), Client()
    user_client.force_login(User.objects.get(username=args.user))
    print(f"{'page':<34}{'cpu ms':>9}{'queries':>9}{'bytes':>9}")
    for name, path, signed_in in pages:
        client = user_client if signed_in else anon
        cpu, queries, size = measure(client, path, args.runs, fresh=not args.keep_connection)
        print(f"{name:<34}{cpu:>9.2f}{queries:>9}{size:>9}")
        if name == args.profile:
            import cProfile
            import pstats

            prof = cProfile.Profile()
            prof.enable()
            for _ in range(10):
                client.get(path)
            prof.disable()
            order = os.environ.get("PROFILE_SORT", "cumulative")  # or tottime
            pstats.Stats(prof).sort_stats(order).print_stats(60)
        if name == args.queries:
            from django.db import connection
            from django.test.utils import CaptureQueriesContext

            with CaptureQueriesContext(connection) as q:
                client.get(path)
            for query in q.captured_queries:
                print("   ", query["sql"][:300])


if __name__ == "__main__":
    main()
