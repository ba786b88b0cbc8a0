"""Site search benchmark: latency of one search page's queries over many documents.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/search.py
                                                  # PostgreSQL, 100,000 documents
    .venv/bin/python bench/search.py              # SQLite file in /tmp, 20,000 documents
    ... --size N --rounds 20

1. Makes its own database (`bench_search` on PostgreSQL, a temporary SQLite file
   otherwise), migrates it and drops it at the end.
2. Generates `--size` search documents (`cms.search_models.SearchDocument`, tokens made by
   `cms.search_documents.tokens_for`, as the signals write them) in bulk: Chinese
   sentences about street lights, lifts, parking, leaks, rubbish… over 8 communities and
   every type, 1 in 10 for signed-in users only.
3. Times `cms.search_site.site_search()` as the search page calls it (results page, count,
   both facets, snippets) for a mix of queries from very common to absent, with and
   without a type and area filter, `--rounds` times each: p50 and p95 in milliseconds.
   The baseline is a plain count(*) of the same matching rows (the least any search over
   them costs), measured in the same run; the ratio is search p50 over count p50.

The last line is machine-readable:
search_docs=… search_p50_ms=… search_p95_ms=… search_vs_count=…
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

BASE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE))

from bench.benchlib import admin_sql, with_db  # noqa: E402

DB_NAME = "bench_search"

SUBJECTS = [
    "小区路灯",
    "楼道声控灯",
    "老楼加装电梯",
    "地下车库停车位",
    "厨房水管漏水",
    "垃圾分类投放点",
    "广场舞噪音",
    "人行道井盖",
    "楼顶防水层",
    "快递柜",
    "电动车充电桩",
    "绿化带杂草",
    "下水道堵塞",
    "消防通道",
    "社区食堂",
    "老年人助餐",
    "物业服务费",
    "小区门禁",
    "宠物粪便",
    "高空抛物",
]
PROBLEMS = [
    "坏了好几天",
    "一直没人修",
    "影响老人出行",
    "晚上特别不安全",
    "希望尽快处理",
    "居民意见很大",
    "需要社区协调",
    "建议纳入议事会讨论",
    "已经反映过多次",
    "物业说不归他们管",
]
EXTRAS = ["wifi 信号差", "APP 无法登录", "12345 热线已登记", "", "", "", ""]
QUERIES = [
    "路灯",  # ~5% of the documents
    "漏水",
    "电梯维修",  # two words, one absent from most
    "垃圾分类投放",
    "坏了好几天",  # ~10%
    "社区",  # very common
    "wifi",
    "充电桩 尽快",
    "冰箱",  # absent
]


def setup(pg_url: str | None) -> str | None:
    sqlite_path = None
    if pg_url:
        admin_sql(pg_url, f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        admin_sql(pg_url, f'CREATE DATABASE "{DB_NAME}"')
        os.environ["DATABASE_URL"] = with_db(pg_url, DB_NAME)
    else:
        fd, sqlite_path = tempfile.mkstemp(prefix="bench_search_", suffix=".sqlite3")
        os.close(fd)
        os.environ["DATABASE_URL"] = f"sqlite:///{sqlite_path}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "portal.settings.test"
    os.environ["DATABASE_CONN_MAX_AGE"] = "600"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return sqlite_path


def make_communities():
    from portal import services as ps

    city = ps.area_create(parent=None, kind="city", name="基准市", code="s-city")
    district = ps.area_create(parent=city, kind="district", name="基准区", code="s-district")
    communities = []
    for s in range(2):
        street = ps.area_create(parent=district, kind="street", name=f"街道{s}", code=f"s-s{s}")
        for c in range(4):
            name, code = f"社区{s}{c}", f"s-c{s}{c}"
            communities.append(
                ps.area_create(parent=street, kind="community", name=name, code=code)
            )
    return communities


def generate(size: int, communities) -> None:
    from django.db import connection, transaction
    from django.utils import timezone

    from cms.search_documents import tokens_for
    from cms.search_models import SearchDocument

    rnd = random.Random(14)
    kinds = SearchDocument.Kind.values
    now = timezone.now()
    batch = []
    with transaction.atomic():
        for i in range(size):
            subject = rnd.choice(SUBJECTS)
            title = f"{subject}{rnd.choice(PROBLEMS)}"
            body = "，".join(
                [
                    f"{rnd.choice(communities).name}{subject}{rnd.choice(PROBLEMS)}",
                    rnd.choice(PROBLEMS),
                    f"{rnd.choice(SUBJECTS)}{rnd.choice(EXTRAS)}",
                ]
            )
            kind = kinds[i % len(kinds)]
            batch.append(
                SearchDocument(
                    kind=kind,
                    object_id=10_000_000 + i,  # clear of the community pages' own
                    title=title,
                    body=body,
                    url=f"/x/{i}/",
                    area=communities[i % len(communities)],
                    audience="members" if i % 10 == 0 else "public",
                    tokens=tokens_for(f"{title} {body}"),
                    updated_at=now - timezone.timedelta(minutes=i),
                )
            )
            if len(batch) >= 5000:
                SearchDocument.objects.bulk_create(batch)
                batch.clear()
        if batch:
            SearchDocument.objects.bulk_create(batch)
    with connection.cursor() as cur:
        cur.execute("ANALYZE" if connection.vendor == "sqlite" else "ANALYZE cms_searchdocument")


def percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p * (len(values) - 1))))]


def bench(rounds: int, communities) -> tuple[list[float], list[float], dict]:
    from django.contrib.auth.models import AnonymousUser

    from cms.search_site import _match, query_tokens, site_search, visible_documents

    anon = AnonymousUser()
    area = communities[0].code
    cases = [(q, "", "") for q in QUERIES] + [(q, "topic", area) for q in QUERIES[:4]]
    for q, kind, a in cases:  # warm the caches once
        site_search(query=q, user=anon, kind=kind, area=a)
    times, counts, per_query = [], [], {}
    for _ in range(rounds):
        for q, kind, a in cases:
            t0 = time.perf_counter()
            result = site_search(query=q, user=anon, kind=kind, area=a)
            ms = (time.perf_counter() - t0) * 1000
            times.append(ms)
            per_query.setdefault((q, kind), []).append((ms, result.total))
            t0 = time.perf_counter()
            visible_documents(anon).filter(_match(query_tokens(q))).count()
            counts.append((time.perf_counter() - t0) * 1000)
    return times, counts, per_query


def main() -> None:
    url = os.environ.get("DATABASE_URL", "")
    pg = url if url.startswith(("postgres://", "postgresql://")) else None
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=100_000 if pg else 20_000)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()
    sqlite_path = setup(pg)
    try:
        communities = make_communities()
        t0 = time.perf_counter()
        generate(args.size, communities)
        engine = "PostgreSQL" if pg else "SQLite"
        print(f"generated {args.size:,} documents on {engine} in {time.perf_counter() - t0:.1f} s")
        times, counts, per_query = bench(args.rounds, communities)
        print(f"{'query':<16}{'filter':<8}{'matches':>9}{'p50 ms':>9}{'p95 ms':>9}")
        for (q, kind), runs in per_query.items():
            ms = [r[0] for r in runs]
            print(
                f"{q:<16}{kind or '-':<8}{runs[0][1]:>9}"
                f"{statistics.median(ms):>9.1f}{percentile(ms, 0.95):>9.1f}"
            )
        p50, p95 = statistics.median(times), percentile(times, 0.95)
        base = statistics.median(counts)
        print(
            f"search page ({len(times)} searches): p50 {p50:.1f} ms, p95 {p95:.1f} ms; "
            f"baseline count(*) of the matches {base:.1f} ms, ratio {p50 / base:.2f}"
        )
    finally:
        from django.db import connections

        connections.close_all()
        if args.keep:
            print(f"kept: {os.environ['DATABASE_URL']}")
        elif pg:
            admin_sql(pg, f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        elif sqlite_path:
            for suffix in ("", "-wal", "-shm"):
                Path(sqlite_path + suffix).unlink(missing_ok=True)
    print(
        f"search_docs={args.size} search_p50_ms={p50:.1f} search_p95_ms={p95:.1f} "
        f"search_vs_count={p50 / base:.2f}"
    )


if __name__ == "__main__":
    main()
