"""Dashboard benchmark (#15): the district dashboard from the daily counts vs a full pass.

    .venv/bin/python bench/dashboard.py --requests 200000          # SQLite file in /tmp
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python bench/dashboard.py --requests 1000000      # PostgreSQL

1. Makes its own database (`bench_dashboard` on PostgreSQL, a temporary SQLite file
   otherwise) and migrates it; dropped at the end.
2. Bulk-generates N requests like bench/triage.py (PostgreSQL: one INSERT … SELECT over
   generate_series; SQLite: executemany) over a district of 40 communities, two years,
   then fills the daily counts with `triage.daily_counts.rebuild()` (bulk inserts bypass
   `Request.save`, which keeps the counts on every ordinary write).
3. Times, `--runs` times each: the dashboard's figures (`selectors.dashboard_stats`, which
   reads the daily counts), its trends (`dashboard_trends`), and the old full pass over the
   requests (`dashboard_stats_scan`); prints p50/p95 in ms and the ratio old/new.

Goal: the district dashboard ≤ 50 ms at 1,000,000 requests.  The last line is
machine-readable: dashboard_p50_ms=… dashboard_p95_ms=… trends_p50_ms=… scan_p50_ms=…
speedup=… count_rows=…
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

BASE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE))

from bench import triage as triage_bench  # noqa: E402  (the generators and the tree)

triage_bench.DB_NAME = "bench_dashboard"


def make_tree(streets: int = 4, communities: int = 10):
    """A district of `streets` × `communities` communities, two grids each."""
    from portal import services as ps
    from portal.models import Organisation

    city = ps.area_create(parent=None, kind="city", name="基准市", code="d-city")
    district = ps.area_create(parent=city, kind="district", name="基准区", code="d-district")
    dept = Organisation.objects.create(area=district, kind="department", name="基准城管局")
    grids, orgs = [], []
    for s in range(streets):
        street = ps.area_create(parent=district, kind="street", name=f"街道{s}", code=f"d-s{s}")
        for c in range(communities):
            com = ps.area_create(
                parent=street, kind="community", name=f"社区{s}-{c}", code=f"d-c{s}-{c}"
            )
            orgs.append(Organisation.objects.create(area=com, kind="committee", name=f"两委{s}{c}"))
            for g in range(2):
                grids.append(
                    ps.area_create(parent=com, kind="grid", name=f"网格{g}", code=f"d-g{s}-{c}-{g}")
                )
    return district, grids, orgs, dept


def timed(fn, runs: int) -> tuple[float, float]:
    fn()  # warm
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    return statistics.median(times), times[max(0, int(len(times) * 0.95) - 1)]


def main() -> None:
    url = os.environ.get("DATABASE_URL", "")
    pg = url if url.startswith(("postgres://", "postgresql://")) else None
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=1_000_000 if pg else 200_000)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    sqlite_path = triage_bench.setup(pg)
    try:
        from triage import daily_counts
        from triage.models import RequestDailyCount
        from triage.selectors import dashboard_stats, dashboard_stats_scan
        from triage.selectors_dashboard import dashboard_trends

        district, grids, orgs, dept = make_tree()
        t0 = time.perf_counter()
        (triage_bench.generate_pg if pg else triage_bench.generate_sqlite)(
            args.requests, grids, orgs, dept
        )
        engine = "PostgreSQL" if pg else "SQLite"
        print(
            f"generated {args.requests:,} requests on {engine} in {time.perf_counter() - t0:.1f} s"
        )
        t0 = time.perf_counter()
        rows = daily_counts.rebuild()
        if pg:
            from django.db import connection

            with connection.cursor() as cur:
                cur.execute("ANALYZE triage_requestdailycount")
        print(f"daily counts rebuilt: {rows:,} rows in {time.perf_counter() - t0:.1f} s")
        assert RequestDailyCount.objects.count() == rows

        new = dashboard_stats(district)
        old = dashboard_stats_scan(district)
        same = all(new[k] == old[k] for k in ("total", "closed", "completion_rate", "rated"))
        print(f"figures agree with the full pass: {same} (total {new['total']:,})")
        d50, d95 = timed(lambda: dashboard_stats(district), args.runs)
        t50, t95 = timed(lambda: dashboard_trends(district), args.runs)
        s50, s95 = timed(lambda: dashboard_stats_scan(district), max(3, args.runs // 6))
        from triage.selectors_dashboard import not_yet_escalated

        n_overdue = new["overdue"]
        o50, o95 = timed(lambda: not_yet_escalated(district).count(), args.runs)
        print(
            f"of which overdue now: {n_overdue:,} open requests that missed a deadline; the "
            f"count of those the escalation beat has not reached yet (read from the requests "
            f"through an expression index): p50 {o50:.1f} ms, p95 {o95:.1f} ms"
        )
        print(f"district dashboard (daily counts): p50 {d50:.1f} ms, p95 {d95:.1f} ms")
        print(f"district trends (daily counts):    p50 {t50:.1f} ms, p95 {t95:.1f} ms")
        print(f"district full pass (before):       p50 {s50:.1f} ms, p95 {s95:.1f} ms")
        print(f"speedup: {s50 / d50:.1f}x (goal: dashboard <= 50 ms at 1,000,000 requests)")
    finally:
        from django.db import connections

        connections.close_all()
        if pg:
            triage_bench.admin_sql(
                pg, f'DROP DATABASE IF EXISTS "{triage_bench.DB_NAME}" WITH (FORCE)'
            )
        elif sqlite_path:
            for suffix in ("", "-wal", "-shm"):
                Path(sqlite_path + suffix).unlink(missing_ok=True)
    print(
        f"dashboard_p50_ms={d50:.1f} dashboard_p95_ms={d95:.1f} trends_p50_ms={t50:.1f} "
        f"scan_p50_ms={s50:.1f} overdue_p50_ms={o50:.1f} speedup={s50 / d50:.1f} "
        f"count_rows={rows}"
    )


if __name__ == "__main__":
    main()
