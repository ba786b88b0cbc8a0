"""Triage benchmark: classification latency and dashboard queries over many requests.

    .venv/bin/python bench/triage.py                      # SQLite file in /tmp, 200,000 requests
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/triage.py
                                                          # PostgreSQL, 1,000,000 requests
    ... --size N --classify 2000

1. Makes its own database (`bench_triage` on PostgreSQL, a temporary SQLite file
   otherwise), migrates it (which trains the shipped model) and drops it at the end.
2. Classification: `triage.services.classify()` (model + keyword rules, as intake calls
   it) on the held-out seed texts, repeated; p50 and p99 in milliseconds.
3. Generates `--size` requests (PostgreSQL: one INSERT … SELECT over generate_series;
   SQLite: executemany) spread over 4 communities and 8 grids, every class, channel and
   state, then times `dashboard_stats()` for the whole district (median of 5) and for one
   community.

The last line is machine-readable (dashboard_vs_count: the dashboard's time over a plain
count(*) of the same rows, measured in the same run):
classify_p50_ms=… classify_p99_ms=… dashboard_ms=… dashboard_vs_count=…
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

BASE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE))

from bench.benchlib import admin_sql, with_db  # noqa: E402

DB_NAME = "bench_triage"


def setup(pg_url: str | None) -> str | None:
    sqlite_path = None
    if pg_url:
        admin_sql(pg_url, f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        admin_sql(pg_url, f'CREATE DATABASE "{DB_NAME}"')
        os.environ["DATABASE_URL"] = with_db(pg_url, DB_NAME)
    else:
        fd, sqlite_path = tempfile.mkstemp(prefix="bench_triage_", suffix=".sqlite3")
        os.close(fd)
        os.environ["DATABASE_URL"] = f"sqlite:///{sqlite_path}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "portal.settings.test"
    os.environ["DATABASE_CONN_MAX_AGE"] = "600"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return sqlite_path


def make_tree():
    from portal import services as ps
    from portal.models import Organisation

    city = ps.area_create(parent=None, kind="city", name="基准市", code="b-city")
    district = ps.area_create(parent=city, kind="district", name="基准区", code="b-district")
    grids, communities, orgs = [], [], []
    dept = Organisation.objects.create(area=district, kind="department", name="基准城管局")
    for s in range(2):
        street = ps.area_create(parent=district, kind="street", name=f"街道{s}", code=f"b-s{s}")
        for c in range(2):
            com = ps.area_create(
                parent=street, kind="community", name=f"社区{s}{c}", code=f"b-c{s}{c}"
            )
            communities.append(com)
            orgs.append(Organisation.objects.create(area=com, kind="committee", name=f"两委{s}{c}"))
            for g in range(2):
                grids.append(
                    ps.area_create(parent=com, kind="grid", name=f"网格{g}", code=f"b-g{s}{c}{g}")
                )
    return district, communities, grids, orgs, dept


def bench_classify(n: int) -> tuple[float, float]:
    from triage import classifier, services

    texts, _labels = classifier.read_csv(classifier.DATA_DIR / "seed_class_holdout.csv")
    services.classify(texts[0])  # load the model once
    times = []
    for i in range(n):
        t0 = time.perf_counter()
        services.classify(texts[i % len(texts)])
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.99) - 1]


COLUMNS = (
    "channel, text, reporter_name, reporter_phone, contact, area_id, area_path, address, "
    "suggested_class, confidence, model_version, suggested_department, request_class, "
    "organisation_id, status, deadline, escalation_level, reply, mediation, satisfaction, "
    "reopened, created_at, assigned_at, closed_at, updated_at, sensitive"
)


def generate_pg(size, grids, orgs, dept):
    from django.db import connection

    grid_ids = ",".join(str(g.pk) for g in grids)
    paths = ",".join(f"'{g.path}'" for g in grids)
    committee_of = ",".join(str(orgs[i // 2].pk) for i in range(len(grids)))
    n = len(grids)
    sql = f"""
    INSERT INTO triage_request ({COLUMNS})
    SELECT
      (ARRAY['web','grid_worker','hotline','api'])[1 + (g % 4)],
      '基准请求 ' || g, '', '', 'site',
      (ARRAY[{grid_ids}])[1 + (g % {n})], (ARRAY[{paths}])[1 + (g % {n})], '',
      cls, 0.9, 'bench', '', cls,
      CASE WHEN cls = 'government' THEN {dept.pk}
           ELSE (ARRAY[{committee_of}])[1 + (g % {n})] END,
      st,
      -- As the escalation beat leaves them: an open request past its first deadline has
      -- gone up a level and has a fresh deadline.
      CASE WHEN late THEN now() + (1 + g % 3) * interval '1 day'
           ELSE created + interval '3 days' END,
      CASE WHEN late THEN 1 ELSE (g % 7 = 0)::int END,
      CASE WHEN st = 'closed' THEN '已办结' ELSE '' END,
      CASE WHEN g % 50 = 0 AND st = 'closed'
           THEN (ARRAY['success','failed'])[1 + (g % 3 = 0)::int] ELSE '' END,
      CASE WHEN st = 'closed' AND g % 3 <> 0 THEN 1 + (g % 5) END,
      0, created, created,
      CASE WHEN st = 'closed' THEN created + (g % 5) * interval '1 day' END,
      created, false
    FROM (
      SELECT *, st IN ('assigned', 'in_progress', 'resolved')
                AND created < now() - interval '3 days' AS late
      FROM (
      SELECT g,
        (ARRAY['government','government','government','community','community','private'])
          [1 + (g % 6)] AS cls,
        (ARRAY['closed','closed','closed','closed','closed','closed','assigned','in_progress',
               'resolved','triaged'])[1 + (g % 10)] AS st,
        now() - (g % 730) * interval '1 day' - (g % 1440) * interval '1 minute' AS created
      FROM generate_series(1, {size}) AS g
      ) s0
    ) s
    """
    with connection.cursor() as cur:
        cur.execute(sql)
        cur.execute("ANALYZE triage_request")


def generate_sqlite(size, grids, orgs, dept):
    from datetime import timedelta

    from django.db import connection, transaction
    from django.utils import timezone

    now = timezone.now()
    classes = ["government"] * 3 + ["community"] * 2 + ["private"]
    states = ["closed"] * 6 + ["assigned", "in_progress", "resolved", "triaged"]
    sql = f"INSERT INTO triage_request ({COLUMNS}) VALUES ({','.join(['%s'] * 26)})"
    batch = []
    with transaction.atomic(), connection.cursor() as cur:
        for g in range(1, size + 1):
            grid = grids[g % len(grids)]
            cls, st = classes[g % 6], states[g % 10]
            created = now - timedelta(days=g % 730, minutes=g % 1440)
            closed = st == "closed"
            late = st in ("assigned", "in_progress", "resolved") and created < now - timedelta(
                days=3
            )
            batch.append(
                (
                    ["web", "grid_worker", "hotline", "api"][g % 4],
                    f"基准请求 {g}",
                    "",
                    "",
                    "site",
                    grid.pk,
                    grid.path,
                    "",
                    cls,
                    0.9,
                    "bench",
                    "",
                    cls,
                    dept.pk if cls == "government" else orgs[(g % len(grids)) // 2].pk,
                    st,
                    # As the escalation beat leaves them (see generate_pg).
                    now + timedelta(days=1 + g % 3) if late else created + timedelta(days=3),
                    1 if late else int(g % 7 == 0),
                    "已办结" if closed else "",
                    (["success", "failed"][g % 3 == 0] if closed and g % 50 == 0 else ""),
                    (1 + g % 5) if closed and g % 3 else None,
                    0,
                    created,
                    created,
                    created + timedelta(days=g % 5) if closed else None,
                    created,
                    False,
                )
            )
            if len(batch) >= 5000:
                cur.executemany(sql, batch)
                batch.clear()
        if batch:
            cur.executemany(sql, batch)
        cur.execute("ANALYZE")


def bench_dashboard(district, community) -> tuple[float, float, float]:
    """Median ms of `dashboard_stats()` for the district and one community, and of the
    baseline: a plain count over the same district rows, the least a pass over them costs."""
    from triage.models import Request
    from triage.selectors import dashboard_stats

    def timed(fn):
        runs = []
        for _ in range(5):
            t0 = time.perf_counter()
            fn()
            runs.append((time.perf_counter() - t0) * 1000)
        return statistics.median(runs)

    dashboard_stats(district)  # warm the cache of pages
    count = timed(lambda: Request.objects.filter(area_path__startswith=district.path).count())
    return (
        timed(lambda: dashboard_stats(district)),
        timed(lambda: dashboard_stats(community)),
        count,
    )


def main() -> None:
    url = os.environ.get("DATABASE_URL", "")
    pg = url if url.startswith(("postgres://", "postgresql://")) else None
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=1_000_000 if pg else 200_000)
    parser.add_argument("--classify", type=int, default=2000)
    args = parser.parse_args()
    sqlite_path = setup(pg)
    try:
        p50, p99 = bench_classify(args.classify)
        print(f"classify: {args.classify} requests, p50 {p50:.2f} ms, p99 {p99:.2f} ms")
        district, communities, grids, orgs, dept = make_tree()
        t0 = time.perf_counter()
        (generate_pg if pg else generate_sqlite)(args.size, grids, orgs, dept)
        engine = "PostgreSQL" if pg else "SQLite"
        print(f"generated {args.size:,} requests on {engine} in {time.perf_counter() - t0:.1f} s")
        whole, one, count = bench_dashboard(district, communities[0])
        print(
            f"dashboard: district ({args.size:,} requests) {whole:.1f} ms, "
            f"one community (~{args.size // 4:,}) {one:.1f} ms; "
            f"baseline count(*) over the district {count:.1f} ms, "
            f"ratio {whole / count:.2f}"
        )
    finally:
        from django.db import connections

        connections.close_all()
        if pg:
            admin_sql(pg, f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        elif sqlite_path:
            for suffix in ("", "-wal", "-shm"):
                Path(sqlite_path + suffix).unlink(missing_ok=True)
    print(
        f"classify_p50_ms={p50:.2f} classify_p99_ms={p99:.2f} dashboard_ms={whole:.1f} "
        f"dashboard_vs_count={whole / count:.2f}"
    )


if __name__ == "__main__":
    main()
