#!/usr/bin/env python
"""A city, not a demo: bulk-generate communities, grids, residents, requests, topics and
ledger entries on PostgreSQL, beside the demo content, so pages and dashboards can be
measured at the size a real city gives them.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/<db> \
        .venv/bin/python bench/city.py --fraction 0.1

At `--fraction 1` (the whole city): 1,000 communities, 10,000 grids, 1,000,000 residents
(each an active resident of one grid, with a moral-bank account), 1,000,000 requests over
two years, 100,000 topics and 10,000,000 ledger entries (5,000,000 balanced earnings).

How it stays fast: every table is filled by one `INSERT … SELECT … FROM generate_series`
built from the model's own fields (`rows_sql`), so it follows schema changes; no password
is hashed (residents get an unusable password); the ledger's append-only and balance
triggers are switched off while it is written and the stored balances are set from the
entries' sums afterwards, so `credits_reconcile` finds nothing wrong.

The city hangs under the demo's city (or a new root) as ten districts; the demo's own
community (`--attach`, default `xinzhan`) takes its share of residents, requests and topics
like any other, so its pages grow as a real community's would.  Everything generated has
`bench-city` in its code or username, and `--drop` removes it again.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

FULL = {
    "communities": 1_000,
    "grids_per_community": 10,
    "residents": 1_000_000,
    "requests": 1_000_000,
    "topics": 100_000,
    "entries": 10_000_000,
}
PREFIX = "bench-city"

# Names and texts written for this bench (our own words, not residents' messages).
DISTRICTS = ["江滨", "城南", "城北", "河西", "湖东", "高新", "新港", "山前", "望海", "云台"]
STREETS = ["和平", "兴隆", "育才", "春晖", "民主", "长青", "福安", "建设", "临江", "朝阳"]
COMMUNITIES = ["幸福里", "桂花苑", "紫荆", "枫林", "清水湾", "翠竹", "金桥", "柳岸", "松鹤", "芳草"]
PLACES = [
    "3号楼楼道",
    "小区东门",
    "健身广场",
    "地下车库入口",
    "12栋单元门口",
    "幼儿园门口路段",
    "菜市场后巷",
    "老年活动室",
    "垃圾分类亭旁",
    "南侧人行道",
]
PROBLEMS = [
    "路灯坏了好几天，晚上出门看不清台阶",
    "下水道反味，夏天尤其严重，希望尽快疏通",
    "电动车在楼道里充电，担心出事",
    "井盖松动，车辆经过声音很大",
    "垃圾清运不及时，堆到了路边",
    "广场舞音响太响，晚上九点后还在放",
    "楼顶漏水，雨天家里墙皮发霉",
    "树枝挡住了监控摄像头",
    "共享单车乱停，挡住了盲道",
    "外墙瓷砖有脱落的迹象，怕砸到行人",
]
TOPICS = [
    ("加装电梯的费用怎么分摊", "老旧楼栋加装电梯，低层和高层住户出资比例需要大家一起商量。"),
    ("小区停车位如何分配更公平", "车位紧张，是摇号、轮换还是按需分配？请居民提出建议。"),
    ("楼道杂物清理方案", "消防通道堆放杂物问题反复出现，需要议定清理时间和保管办法。"),
    ("口袋公园改造征集意见", "闲置空地拟改造为口袋公园，座椅、绿化和儿童设施怎么安排？"),
    ("垃圾分类督导员排班", "早晚高峰需要志愿者督导，排班和积分奖励需要讨论。"),
]


# Two in five requests are placed on the map ("use my location", the grid workers' app),
# somewhere in the city (g numbers the requests; bigint: g * 104729 overflows an int).
PLACED_LAT = "CASE WHEN g % 5 < 2 THEN round(36.0 + g::bigint * 7919 % 2000 / 1e4, 6) END"
PLACED_LON = "CASE WHEN g % 5 < 2 THEN round(120.2 + g::bigint * 104729 % 4000 / 1e4, 6) END"


def rows_sql(model, n: int, given: dict[str, str], source: str | None = None) -> str:
    """`INSERT INTO <table> (…) SELECT … FROM generate_series(1, n) g` for `model`.

    `given` maps field names to SQL expressions (over `g`, 1…n, and whatever `source`
    joins in); every other column gets its model default, NULL, or the empty value of its
    type.  A required foreign key that is not given is a mistake and raises."""
    import json

    from django.db import models
    from django.db.models.fields import NOT_PROVIDED

    cols, exprs = [], []
    for f in model._meta.concrete_fields:
        if f.primary_key and f.name not in given:
            continue
        cols.append(f'"{f.column}"')
        if f.name in given:
            exprs.append(given[f.name])
        elif getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            exprs.append("now()")
        elif f.null:
            exprs.append("NULL")
        elif f.is_relation:
            raise ValueError(f"{model.__name__}.{f.name} must be given")
        elif f.default is not NOT_PROVIDED and not callable(f.default):
            value = f.default
            if isinstance(f, models.JSONField):
                exprs.append(f"'{json.dumps(value)}'::jsonb")
            elif isinstance(value, bool):
                exprs.append("true" if value else "false")
            elif isinstance(value, int | float):
                exprs.append(str(value))
            else:
                exprs.append("'" + str(value).replace("'", "''") + "'")
        elif isinstance(f, models.JSONField):
            default = f.get_default()
            exprs.append(f"'{json.dumps(default if default is not None else {})}'::jsonb")
        elif isinstance(f, models.BooleanField):
            exprs.append("false")
        elif isinstance(f, models.DateTimeField):
            exprs.append("now()")
        elif isinstance(f, models.DateField):
            exprs.append("current_date")
        elif isinstance(f, models.IntegerField | models.DecimalField | models.FloatField):
            exprs.append("0")
        elif isinstance(f, models.UUIDField):
            exprs.append("gen_random_uuid()")
        else:
            exprs.append("''")
    source = source or f"generate_series(1, {int(n)}) g"
    return (
        f"INSERT INTO {model._meta.db_table} ({', '.join(cols)}) "
        f"SELECT {', '.join(exprs)} FROM {source}"
    )


def sql_array(items) -> str:
    quoted = ", ".join("'" + s.replace("'", "''") + "'" for s in items)
    return f"(ARRAY[{quoted}])"


def pick(items, index_sql: str) -> str:
    """The SQL for items[index % len(items)]."""
    return f"{sql_array(items)}[1 + (({index_sql}) % {len(items)})]"


def sizes(fraction: float) -> dict[str, int]:
    got = {k: max(1, round(v * fraction)) for k, v in FULL.items()}
    got["grids_per_community"] = FULL["grids_per_community"]
    return got


def make_areas(n_communities: int, per_community: int, attach: str | None):
    """Districts → streets → communities → grids under the demo's city (or a new root),
    paths written directly (treebeard's materialised path, codes in sibling order)."""
    from portal.models import Area

    parent = Area.objects.filter(code=attach).first() if attach else None
    city = parent.get_root() if parent else Area.get_root_nodes().first()
    if city is None:
        city = Area.add_root(name="基准市", kind="city", code=f"{PREFIX}")
    city = Area.objects.get(pk=city.pk)
    last = city.get_last_child()
    start = Area._str2int(last.path[-Area.steplen :]) if last else 0

    rows, step = [], Area._int2str

    def path(parent_path: str, i: int) -> str:
        return parent_path + step(i).rjust(Area.steplen, "0")

    n_streets = -(-n_communities // 10)
    n_districts = min(10, -(-n_streets // 10))
    districts, streets, communities, grids = [], [], [], []
    for d in range(n_districts):
        p = path(city.path, start + d + 1)
        districts.append(p)
        rows.append(
            Area(
                name=f"{DISTRICTS[d]}区",
                kind="district",
                code=f"{PREFIX}-{d:02d}",
                path=p,
                depth=2,
                numchild=0,
            )
        )
    for s in range(n_streets):
        d = s % n_districts
        p = path(districts[d], s // n_districts + 1)
        streets.append(p)
        rows.append(
            Area(
                name=f"{STREETS[(s // n_districts) % 10]}街道{s // 100 or ''}",
                kind="street",
                code=f"{PREFIX}-{d:02d}-{s:03d}",
                path=p,
                depth=3,
            )
        )
    for c in range(n_communities):
        s = c % n_streets
        p = path(streets[s], c // n_streets + 1)
        communities.append(p)
        name = f"{COMMUNITIES[(c // n_streets) % 10]}{'' if c < 100 else c // 100}社区"
        rows.append(Area(name=name, kind="community", code=f"{PREFIX}-c{c:04d}", path=p, depth=4))
        for g in range(per_community):
            gp = path(p, g + 1)
            grids.append(gp)
            rows.append(
                Area(
                    name=f"第{g + 1}网格",
                    kind="grid",
                    code=f"{PREFIX}-c{c:04d}-g{g}",
                    path=gp,
                    depth=5,
                    households=300,
                )
            )
    children: dict[str, int] = {}
    for a in rows:
        parent_path = a.path[: -Area.steplen]
        children[parent_path] = children.get(parent_path, 0) + 1
    for a in rows:
        a.numchild = children.get(a.path, 0)
    Area.objects.bulk_create(rows, batch_size=2000)
    Area.objects.filter(pk=city.pk).update(numchild=city.numchild + n_districts)
    return city


def generate(fraction: float, attach: str | None = "xinzhan", log=print) -> dict:
    from django.db import connection, transaction

    from credits.models import Entry, Transaction
    from deliberation.models import Format, Topic
    from portal.models import Area, Membership, Organisation, User
    from triage.models import Request

    n = sizes(fraction)
    t_all = time.perf_counter()
    timings = {}

    def step(name):
        timings[name] = time.perf_counter()
        log(f"  {name}…")

    with transaction.atomic(), connection.cursor() as c:
        c.execute("SET LOCAL synchronous_commit = off")
        # Foreign keys checked at each statement, not queued to the commit: the ledger's
        # triggers can then be switched off and on again inside this transaction.
        c.execute("SET CONSTRAINTS ALL IMMEDIATE")
        step("areas")
        make_areas(n["communities"], n["grids_per_community"], attach)
        # Every grid of the city (the attached community's among them) by number.
        c.execute("DROP TABLE IF EXISTS city_grid")
        c.execute(
            "CREATE TEMP TABLE city_grid AS SELECT row_number() OVER (ORDER BY a.path) - 1 AS i,"
            " a.id, a.path, (SELECT p.id FROM portal_area p WHERE p.depth = 4"
            "  AND p.path = substr(a.path, 1, 16)) AS community_id"
            " FROM portal_area a WHERE a.kind = 'grid' AND (a.code LIKE %s OR a.path LIKE %s)",
            [
                f"{PREFIX}-%",
                (Area.objects.get(code=attach).path + "%")
                if attach and Area.objects.filter(code=attach).exists()
                else "-",
            ],
        )
        c.execute("CREATE UNIQUE INDEX ON city_grid (i)")
        c.execute("SELECT count(*) FROM city_grid")
        (n_grids,) = c.fetchone()
        c.execute("DROP TABLE IF EXISTS city_community")
        c.execute(
            "CREATE TEMP TABLE city_community AS SELECT row_number() OVER (ORDER BY community_id)"
            " - 1 AS i, community_id AS id FROM (SELECT DISTINCT community_id FROM city_grid) x"
        )
        c.execute("CREATE UNIQUE INDEX ON city_community (i)")
        c.execute("SELECT count(*) FROM city_community")
        (n_comms,) = c.fetchone()

        step("residents")
        c.execute(
            rows_sql(
                User,
                n["residents"],
                {
                    "username": f"'{PREFIX}-' || g",
                    "password": "'!'",
                    "is_active": "true",
                    "date_joined": "now() - (g % 900) * interval '1 day'",
                },
            )
        )
        c.execute("SELECT min(id) FROM portal_user WHERE username LIKE %s", [f"{PREFIX}-%"])
        (u0,) = c.fetchone()
        # Resident k (0-based: id u0 + k) lives in grid k mod n_grids.
        c.execute(
            rows_sql(
                Membership,
                n["residents"],
                {
                    "user": f"{u0} + g - 1",
                    "role": "'resident'",
                    "area": "cg.id",
                    "status": "'active'",
                    "address": "''",
                    "created_at": "now()",
                },
                source=f"generate_series(1, {n['residents']}) g"
                f" JOIN city_grid cg ON cg.i = (g - 1) % {n_grids}",
            )
        )

        step("requests")
        org = Organisation.objects.order_by("pk").values_list("pk", flat=True).first()
        status = (
            "CASE WHEN g % 20 < 14 THEN 'closed' WHEN g % 20 = 14 THEN 'resolved'"
            " WHEN g % 20 IN (15, 16) THEN 'triaged' WHEN g % 20 = 17 THEN 'referred'"
            f" WHEN g % 20 = 18 THEN '{'in_progress' if org else 'triaged'}'"
            " ELSE 'submitted' END"
        )
        day = (
            "(now() - ((g::bigint * 7919) % 730) * interval '1 day'"
            " - (g % 86400) * interval '1 second')"
        )
        cls = (
            "CASE WHEN g % 20 = 17 THEN 'private'"
            " WHEN g % 3 = 0 THEN 'government' ELSE 'community' END"
        )
        handled = "g % 20 < 15 OR g % 20 = 18"
        late = f"g % 20 IN (14, 18) AND {day} + interval '7 days' < now()"
        c.execute(
            rows_sql(
                Request,
                n["requests"],
                {
                    "channel": pick(["web", "web", "grid_worker", "hotline", "api"], "g"),
                    "text": f"{pick(PLACES, 'g / 7')} || {pick(PROBLEMS, 'g')} || '。'",
                    "reporter": f"{u0} + ((g - 1) % {n['residents']})",
                    "area": "cg.id",
                    "area_path": "cg.path",
                    "lat": PLACED_LAT,
                    "lon": PLACED_LON,
                    "request_class": cls,
                    "suggested_class": cls,
                    "confidence": "0.9",
                    "status": status,
                    "organisation": f"CASE WHEN g % 20 = 18 THEN {org or 'NULL'}::bigint END",
                    "created_at": day,
                    "assigned_at": f"CASE WHEN {handled} THEN {day} + interval '2 hours' END",
                    # As the escalation beat leaves them: an open request past its first
                    # deadline has gone up a level or more and has a fresh deadline.
                    "deadline": (
                        f"CASE WHEN {late} THEN now() + (1 + g % 5) * interval '1 day'"
                        f" WHEN {handled} THEN {day} + interval '7 days' END"
                    ),
                    "escalation_level": f"CASE WHEN {late} THEN 1 + g % 3 ELSE 0 END",
                    "closed_at": (
                        f"CASE WHEN g % 20 < 14 THEN {day} + ((g % 12) + 1) * interval '1 day' END"
                    ),
                    "satisfaction": "CASE WHEN g % 20 < 14 AND g % 3 > 0 THEN 1 + g % 5 END",
                    "reply": "CASE WHEN g % 20 < 15 THEN '已安排人员处理，感谢您的反映。' ELSE '' END",  # noqa: E501
                },
                source=f"generate_series(1, {n['requests']}) g"
                f" JOIN city_grid cg ON cg.i = (g - 1) % {n_grids}",
            )
        )

        step("topics")
        fmt = Format.objects.filter(community__isnull=True).order_by("order", "pk").first()
        if fmt is None:
            fmt = Format.objects.create(code="roundtable", name="圆桌话题")
        titles, bodies = zip(*TOPICS, strict=True)
        c.execute(
            rows_sql(
                Topic,
                n["topics"],
                {
                    "community": "cc.id",
                    "format": str(fmt.pk),
                    "title": f"{pick(titles, 'g')} || '（' || g || '）'",
                    "body": pick(bodies, "g"),
                    "raised_by": f"{u0} + ((g * 13) % {n['residents']})",
                    "status": pick(
                        ["proposed", "discussion", "discussion", "agenda", "decided", "done"], "g"
                    ),
                    "support_count": "g % 30",
                    "created_at": "now() - (g % 500) * interval '1 day'",
                },
                source=f"generate_series(1, {n['topics']}) g"
                f" JOIN city_community cc ON cc.i = (g - 1) % {n_comms}",
            )
        )

        step("ledger")
        c.execute("ALTER TABLE credits_entry DISABLE TRIGGER USER")
        c.execute("ALTER TABLE credits_transaction DISABLE TRIGGER USER")
        c.execute("ALTER TABLE credits_account DISABLE TRIGGER USER")
        c.execute(
            "INSERT INTO credits_account (kind, community_id, balance, reserved, created_at)"
            " SELECT 'issuance', cc.id, 0, 0, now() FROM city_community cc"
            " WHERE NOT EXISTS (SELECT 1 FROM credits_account a WHERE a.kind = 'issuance'"
            " AND a.community_id = cc.id)"
        )
        c.execute(
            "INSERT INTO credits_account"
            " (kind, community_id, user_id, balance, reserved, created_at)"
            " SELECT 'resident', cg.community_id, m.user_id, 0, 0, now()"
            " FROM portal_membership m JOIN city_grid cg ON cg.id = m.area_id"
            " WHERE m.user_id >= %s ORDER BY m.user_id",
            [u0],
        )
        c.execute("DROP TABLE IF EXISTS city_account")
        c.execute(
            "CREATE TEMP TABLE city_account AS SELECT row_number() OVER (ORDER BY a.id) - 1 AS i,"
            " a.id, i.id AS issuer FROM credits_account a JOIN credits_account i"
            " ON i.kind = 'issuance' AND i.community_id = a.community_id"
            " WHERE a.kind = 'resident' AND a.user_id >= %s",
            [u0],
        )
        c.execute("CREATE UNIQUE INDEX ON city_account (i)")
        n_tx = n["entries"] // 2
        c.execute(
            rows_sql(
                Transaction,
                n_tx,
                {
                    "kind": "'earn'",
                    "idempotency_key": f"'{PREFIX}:' || g",
                    "fingerprint": "'bench'",
                    "deed": pick(["session_attendance", "public_welfare", "volunteer_hour"], "g"),
                    "created_at": "now() - (g % 700) * interval '1 day'",
                },
            )
        )
        c.execute(
            "SELECT min(id) FROM credits_transaction WHERE idempotency_key LIKE %s", [f"{PREFIX}:%"]
        )
        (tx0,) = c.fetchone()
        n_acc = n["residents"]
        c.execute(
            f"""
            INSERT INTO {Entry._meta.db_table}
                (transaction_id, account_id, amount, balance_after, created_at)
            SELECT y.tid, y.acc, y.amount, b.balance + y.running, now()
            FROM (
                SELECT tid, side, acc, amount,
                       SUM(amount) OVER (PARTITION BY acc ORDER BY tid, side
                                         ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
                           AS running
                FROM (
                    SELECT t.id AS tid, s.side,
                           CASE WHEN s.side = 0 THEN ca.issuer ELSE ca.id END AS acc,
                           (CASE WHEN s.side = 0 THEN -1 ELSE 1 END
                            * (((t.id - {tx0}) % 7) + 1))::numeric(12, 2) AS amount
                    FROM credits_transaction t
                    JOIN city_account ca ON ca.i = (t.id - {tx0}) % {n_acc}
                    CROSS JOIN (VALUES (0), (1)) s(side)
                    WHERE t.id >= {tx0}
                ) x
            ) y
            JOIN credits_account b ON b.id = y.acc  -- each account goes on from its balance
            ORDER BY y.tid, y.side
            """
        )
        c.execute(
            "UPDATE credits_account a SET balance = s.total FROM"
            " (SELECT account_id, SUM(amount) AS total FROM credits_entry GROUP BY account_id) s"
            " WHERE a.id = s.account_id AND a.balance <> s.total"
        )
        c.execute("ALTER TABLE credits_entry ENABLE TRIGGER USER")
        c.execute("ALTER TABLE credits_transaction ENABLE TRIGGER USER")
        c.execute("ALTER TABLE credits_account ENABLE TRIGGER USER")
        step("end")
    after_generation(log)
    with connection.cursor() as c:
        c.execute("ANALYZE")
    names = list(timings)
    took = {a: timings[b] - timings[a] for a, b in zip(names, names[1:], strict=False)}
    return {"sizes": n, "seconds": time.perf_counter() - t_all, "steps": took}


def after_generation(log=print) -> None:
    """What the product keeps beside its rows (caches keyed by content versions, summary
    tables) is brought up to date the way an operator would after a bulk import."""
    from django.core.management import call_command, get_commands

    commands = get_commands()
    for name in ("triage_rebuild_counts", "rebuild_daily_counts", "triage_daily_counts"):
        if name in commands:
            log(f"  {name}…")
            call_command(name, verbosity=0)
    from django.core.cache import cache

    cache.clear()


def drop() -> None:
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as c:
        c.execute("ALTER TABLE credits_entry DISABLE TRIGGER USER")
        c.execute("ALTER TABLE credits_transaction DISABLE TRIGGER USER")
        c.execute(
            "DELETE FROM credits_entry WHERE transaction_id IN (SELECT id FROM credits_transaction"
            " WHERE idempotency_key LIKE %s)",
            [f"{PREFIX}:%"],
        )
        c.execute("DELETE FROM credits_transaction WHERE idempotency_key LIKE %s", [f"{PREFIX}:%"])
        c.execute("ALTER TABLE credits_entry ENABLE TRIGGER USER")
        c.execute("ALTER TABLE credits_transaction ENABLE TRIGGER USER")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--fraction", type=float, default=0.01, help="share of the whole city")
    parser.add_argument(
        "--attach", default="xinzhan", help="the demo community that takes its share"
    )
    opts = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit("bench/city.py needs DATABASE_URL=postgres://… (PostgreSQL)")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.dev")
    import django

    django.setup()
    got = generate(opts.fraction, opts.attach)
    print(
        "generated "
        + ", ".join(f"{k}={v:,}" for k, v in got["sizes"].items())
        + f" in {got['seconds']:.0f} s ("
        + ", ".join(f"{k} {v:.0f} s" for k, v in got["steps"].items())
        + ")"
    )
    print(f"city_generate_s={got['seconds']:.1f}")


if __name__ == "__main__":
    main()
