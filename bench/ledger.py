"""Moral-bank ledger benchmark (PostgreSQL only; DATABASE_URL names the server).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/ledger.py
    ... bench/ledger.py --scale        # 1M accounts, 10M entries (make bench-scale)

1. Creates its own databases (`bench_ledger`, `bench_pgbench`) and drops them at the end.
2. Generates a ledger with SQL (generate_series): accounts, balanced earn transactions,
   entries whose balance_after is the running total, stored balances equal to the sums.
3. The product's own ledger writes per second, in the mix a community makes them, at 1, 4
   and 8 concurrent clients (one process and one connection each), beside `pgbench`
   tpcb-like at the same client counts against the same server in the same run:
   `--rounds` rounds of `--seconds` each, ledger and pgbench alternating, the ratio taken
   of the totals.  The mix (`MIX`), each through the service the page or task calls:
   attendance paid at check-in (`deed_award`), hours logged and approved by a committee
   member (`service_log_create` + `service_log_approve`), a reward reserved
   (`redemption_reserve`), handed over at the desk (`redemption_fulfil`) or cancelled
   (`redemption_cancel`), and an award corrected (`ledger.reverse`).  After the rounds,
   `credits_reconcile` must find every account equal to its entries.  Beside the ratio,
   the CPU the PostgreSQL server itself spent (read from /proc when it runs here) per
   product write and per pgbench transaction: the clients share this machine's cores
   with the server, and the product's clients (Django) spend far more than pgbench's.
4. At that ledger size: a balance read, the first statement page, a full
   `credits_reconcile`.

The last line is machine-readable:
ledger_mix_vs_pgbench_1=… ledger_mix_vs_pgbench_4=… ledger_mix_vs_pgbench_8=…
server_cpu_vs_pgbench_1=… server_cpu_vs_pgbench_4=… server_cpu_vs_pgbench_8=…
balance_ms=… statement_ms=… reconcile_s=…  (all on one line)
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import random
import re
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlparse

BASE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE))

from bench.benchlib import admin_sql, with_db  # noqa: E402

LEDGER_DB = "bench_ledger"
PGBENCH_DB = "bench_pgbench"
CLIENTS = (1, 4, 8)


def server_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit("bench/ledger.py needs DATABASE_URL=postgres://user@host:port/db (PostgreSQL)")
    return url


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = with_db(url, LEDGER_DB)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.test")
    os.environ.setdefault("DATABASE_CONN_MAX_AGE", "600")
    # Notices are queued as in production (a broker this bench does not drain), not sent
    # inside the write: sending them is the worker's job, not the ledger's.
    os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "0")
    os.environ.setdefault("CELERY_BROKER_URL", "memory://")
    import django

    django.setup()


# --- ledger generation ------------------------------------------------------------------


def user_insert_sql(n: int) -> str:
    """INSERT of `n` users, built from the model so it follows schema changes."""
    from django.db import models

    from portal.models import User

    cols, exprs = [], []
    for f in User._meta.concrete_fields:
        if f.primary_key:
            continue
        cols.append(f'"{f.column}"')
        if f.name == "username":
            exprs.append("'bench' || g")
        elif f.null:
            exprs.append("NULL")
        elif f.name == "password":
            exprs.append("'!'")
        elif f.name == "is_active":
            exprs.append("true")
        elif isinstance(f, models.BooleanField):
            exprs.append("false")
        elif isinstance(f, models.DateTimeField):
            exprs.append("now()")
        elif isinstance(f, (models.IntegerField, models.DecimalField)):
            exprs.append("0")
        else:
            exprs.append("''")
    return (
        f"INSERT INTO portal_user ({', '.join(cols)}) "
        f"SELECT {', '.join(exprs)} FROM generate_series(1, {n}) g"
    )


def generate(n_accounts: int, n_entries: int) -> dict:
    """Accounts and balanced earn transactions (issuer → resident), by SQL."""
    from django.db import connection

    from bench.benchlib import community_chain

    community = community_chain()
    n_tx = n_entries // 2
    t0 = time.perf_counter()
    with connection.cursor() as c:
        c.execute("SET synchronous_commit = off")
        c.execute("ALTER TABLE credits_entry DISABLE TRIGGER USER")
        c.execute("ALTER TABLE credits_transaction DISABLE TRIGGER USER")
        c.execute(user_insert_sql(n_accounts))
        c.execute(
            "INSERT INTO credits_account (kind, community_id, balance, reserved, created_at) "
            "VALUES ('issuance', %s, 0, 0, now()) RETURNING id",
            [community.pk],
        )
        (issuer,) = c.fetchone()
        c.execute(
            "INSERT INTO credits_account"
            " (kind, community_id, user_id, balance, reserved, created_at) "
            "SELECT 'resident', %s, id, 0, 0, now() FROM portal_user "
            "WHERE username LIKE 'bench%%' ORDER BY id",
            [community.pk],
        )
        c.execute("SELECT min(id), max(id) FROM credits_account WHERE kind = 'resident'")
        lo, hi = c.fetchone()
        c.execute(
            "INSERT INTO credits_transaction"
            " (kind, idempotency_key, fingerprint, deed, source, memo, cap, created_at) "
            "SELECT 'earn', 'bench:' || g, 'bench', 'public_welfare', '', '', '', now() "
            "FROM generate_series(1, %s) g",
            [n_tx],
        )
        c.execute("SELECT min(id) FROM credits_transaction")
        (tx0,) = c.fetchone()
        # Transaction k pays ((k % 7) + 1) coins to resident account lo + (k % n_accounts).
        c.execute(
            """
            INSERT INTO credits_entry
                (transaction_id, account_id, amount, balance_after, created_at)
            SELECT tid, acc, amount,
                   SUM(amount) OVER (PARTITION BY acc ORDER BY tid, side
                                     ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW),
                   now()
            FROM (
                SELECT t.id AS tid, 0 AS side, %(issuer)s::bigint AS acc,
                       -(((t.id - %(tx0)s) %% 7) + 1)::numeric(12,2) AS amount
                FROM credits_transaction t
                UNION ALL
                SELECT t.id, 1, %(lo)s + ((t.id - %(tx0)s) %% %(n)s),
                       (((t.id - %(tx0)s) %% 7) + 1)::numeric(12,2)
                FROM credits_transaction t
            ) x
            ORDER BY tid, side
            """,
            {"issuer": issuer, "tx0": tx0, "lo": lo, "n": n_accounts},
        )
        c.execute(
            "UPDATE credits_account a SET balance = s.total FROM "
            "(SELECT account_id, SUM(amount) AS total FROM credits_entry GROUP BY account_id) s "
            "WHERE a.id = s.account_id"
        )
        c.execute("ALTER TABLE credits_entry ENABLE TRIGGER USER")
        c.execute("ALTER TABLE credits_transaction ENABLE TRIGGER USER")
        c.execute("ANALYZE")
    return {
        "community": community.pk,
        "issuer": issuer,
        "lo": lo,
        "hi": hi,
        "seconds": time.perf_counter() - t0,
    }


# --- payments --------------------------------------------------------------------------


# Share of each product write in the mix (a check-in day: attendance most of all).
MIX = (
    ("attendance", 40),
    ("hours", 15),
    ("reserve", 20),
    ("fulfil", 12),
    ("cancel", 8),
    ("reverse", 5),
)


def prepare_mix(info: dict, residents: int) -> dict:
    """What the product's writes need: residents who belong to the community, a committee
    member who verifies and hands over, earning rules, rewards, and coins to spend."""
    from decimal import Decimal

    from django.db import connection

    from credits.models import Deed, EarningRule, Reward
    from portal import services as portal_services
    from portal.models import Area, Role, User

    community = Area.objects.get(pk=info["community"])
    grid = community.get_children().first()
    with connection.cursor() as c:
        c.execute(
            "INSERT INTO portal_membership (user_id, role, area_id, status, address, "
            "decision_note, created_at) "
            "SELECT user_id, 'resident', %s, 'active', '', '', now() FROM credits_account "
            "WHERE kind = 'resident' AND id BETWEEN %s AND %s",
            [grid.pk, info["lo"], info["lo"] + residents - 1],
        )
    staff = User.objects.create(username="bench-committee", display_name="基准社区委员")
    portal_services.membership_grant(user=staff, role=Role.COMMITTEE, area=community)
    for deed, amount in (
        (Deed.SESSION_ATTENDANCE, "5.00"),
        (Deed.VOLUNTEER_HOUR, "10.00"),
    ):
        EarningRule.objects.create(community=community, deed=deed, amount=Decimal(amount))
    rewards = [
        Reward.objects.create(
            community=community,
            kind=Reward.Kind.GOODS,
            name=name,
            cost=Decimal(cost),
            stock=None,
        ).pk
        for name, cost in (("环保购物袋", "5.00"), ("理发服务", "8.00"), ("大米五斤", "12.00"))
    ]
    return {
        "community": community.pk,
        "staff": staff.pk,
        "rewards": rewards,
        "lo": info["lo"],
        "hi": info["lo"] + residents - 1,
    }


def mix_ops(setup: dict) -> tuple[dict, dict, list]:
    """The product writes of the mix, by name, each taking a resident: (ops, the residents
    by account id, their account ids).  Django must be set up."""
    import datetime as dt

    from django.utils import timezone

    from credits import ledger
    from credits.models import Account, Deed, Redemption, Reward
    from credits.services import awards, hours, redemptions
    from portal.models import Area, User

    rng = random.Random(os.getpid())
    community = Area.objects.get(pk=setup["community"])
    staff = User.objects.get(pk=setup["staff"])
    rewards = list(Reward.objects.filter(pk__in=setup["rewards"]))
    users = {
        a.pk: a.user
        for a in Account.objects.filter(pk__range=(setup["lo"], setup["hi"])).select_related("user")
    }
    account_ids = list(users)
    reserved: list[Redemption] = []
    awarded: list = []
    today = timezone.localdate()
    slot = [0]

    def attendance(user):
        tx = awards.deed_award(
            user=user,
            community=community,
            deed=Deed.SESSION_ATTENDANCE,
            idempotency_key=f"attend:{uuid.uuid4().hex}",
            source="bench session",
        )
        if tx is not None:
            awarded.append(tx)

    def log_hours(user):
        slot[0] += 1
        # One hour a slot, eight slots a day, walking back from yesterday: no overlaps.
        day = today - dt.timedelta(days=1 + slot[0] // 8 % 300)
        start = dt.time(8 + slot[0] % 8)
        log = hours.service_log_create(
            volunteer=user,
            community=community,
            date=day,
            start=start,
            end=dt.time(start.hour + 1),
            activity="楼道清扫",
            place="基准社区三号楼",
        )
        hours.service_log_approve(actor=staff, log=log)

    def reserve(user):
        reserved.append(
            redemptions.redemption_reserve(
                user=user, reward=rng.choice(rewards), idempotency_key=uuid.uuid4().hex
            )
        )

    def fulfil(_user):
        if not reserved:
            return reserve(_user)
        r = reserved.pop(rng.randrange(len(reserved)))
        redemptions.redemption_fulfil(actor=staff, community=community, code=r.code)

    def cancel(_user):
        if not reserved:
            return reserve(_user)
        r = reserved.pop(rng.randrange(len(reserved)))
        redemptions.redemption_cancel(actor=r.user, redemption=r)

    def correct(user):
        if not awarded:
            return attendance(user)
        ledger.reverse(
            original=awarded.pop(rng.randrange(len(awarded))), reason="重复签到", actor=staff
        )

    ops = {
        "attendance": attendance,
        "hours": log_hours,
        "reserve": reserve,
        "fulfil": fulfil,
        "cancel": cancel,
        "reverse": correct,
    }
    return ops, users, account_ids


def mix_worker(setup: dict, barrier, commands, results) -> None:
    """One client: a process and a connection, running one timed round per command and
    counting the product writes it completed (a refusal the product gives a resident,
    such as too few coins, counts as refused, not as done)."""
    import django

    django.setup()
    from django.db import connection

    from credits import ledger

    ops, users, account_ids = mix_ops(setup)
    rng = random.Random(os.getpid() + 1)
    names = [n for n, _ in MIX]
    weights = [w for _, w in MIX]
    connection.ensure_connection()
    while (seconds := commands.get()) is not None:
        barrier.wait()
        done = errors = 0
        cpu = time.process_time()
        deadline = time.perf_counter() + seconds
        while time.perf_counter() < deadline:
            op = rng.choices(names, weights)[0]
            try:
                ops[op](users[rng.choice(account_ids)])
                done += 1
            except ledger.LedgerError:
                errors += 1
        results.put((done, errors, time.process_time() - cpu))
    connection.close()


class PaymentClients:
    """`clients` worker processes kept alive across rounds, so rounds can alternate."""

    def __init__(self, clients: int, setup: dict) -> None:
        ctx = mp.get_context("spawn")
        self.clients = clients
        self.commands = ctx.Queue()
        self.results = ctx.Queue()
        # Held here: the children unpickle it after start(), so it must outlive __init__.
        self.barrier = ctx.Barrier(clients)
        self.procs = [
            ctx.Process(target=mix_worker, args=(setup, self.barrier, self.commands, self.results))
            for _ in range(clients)
        ]
        for p in self.procs:
            p.start()

    def run(self, seconds: float) -> tuple[int, int, float]:
        """Writes made and refused by all clients in one round of `seconds`, and the CPU
        seconds the clients spent."""
        for _ in self.procs:
            self.commands.put(seconds)
        outcomes = [self.results.get(timeout=seconds + 300) for _ in self.procs]
        return tuple(sum(o[i] for o in outcomes) for i in range(3))

    def close(self) -> None:
        for _ in self.procs:
            self.commands.put(None)
        for p in self.procs:
            p.join()


def server_cpu_seconds() -> float | None:
    """CPU seconds the PostgreSQL server's processes on this machine have used so far:
    each live process's own, and (through the postmaster's children's times) those of
    backends that have exited, as pgbench's do at the end of a run.  None when no server
    process is visible here (a server on another machine)."""
    tick = os.sysconf("SC_CLK_TCK")
    total, found = 0, False
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        if stat[stat.index("(") + 1 : stat.rindex(")")] not in ("postgres", "postmaster"):
            continue
        found = True
        fields = stat[stat.rindex(")") + 2 :].split()
        total += sum(int(v) for v in fields[11:15])  # utime, stime, cutime, cstime
    return total / tick if found else None


def compare(url: str, clients: int, setup: dict, seconds: float, rounds: int) -> dict:
    """Product ledger writes and pgbench transactions in alternating rounds of equal length.

    The machine's speed drifts (shared cores, the disk's fsync time), so the two are
    interleaved, the order flipping each round, and the ratio is of the totals.
    """
    pool = PaymentClients(clients, setup)
    paid = refused = 0
    tpcb = 0.0
    per_round = []
    server = {"ledger": 0.0, "pgbench": 0.0}
    client_cpu = 0.0
    try:
        for r in range(rounds):
            order = ("ledger", "pgbench") if r % 2 == 0 else ("pgbench", "ledger")
            got = {}
            for what in order:
                before = server_cpu_seconds()
                if what == "ledger":
                    got["ledger"], errors, cpu = pool.run(seconds)
                    refused += errors
                    client_cpu += cpu
                else:
                    got["pgbench"] = pgbench_tps(url, clients, seconds) * seconds
                after = server_cpu_seconds()
                if before is not None and after is not None:
                    server[what] += after - before
            paid += got["ledger"]
            tpcb += got["pgbench"]
            per_round.append(got["ledger"] / got["pgbench"] if got["pgbench"] else 0.0)
    finally:
        pool.close()
    elapsed = seconds * rounds
    # The server's CPU per product write and per pgbench transaction: what the database
    # itself spends, whatever the clients beside it on this machine spend.
    per_write = server["ledger"] / paid if paid else 0.0
    per_tx = server["pgbench"] / tpcb if tpcb else 0.0
    return {
        "client_ms_per_write": client_cpu / paid * 1000 if paid else 0.0,
        "server_ms_per_write": per_write * 1000,
        "server_ms_per_tx": per_tx * 1000,
        "server_ratio": per_tx / per_write if per_write else 0.0,
        "payments": paid / elapsed,
        "refused": refused,
        "tps": tpcb / elapsed,
        "ratio": paid / tpcb if tpcb else 0.0,
        "rounds": per_round,
    }


def pgbench(url: str, *args: str) -> str:
    """Run pgbench against the server `url` names, on the pgbench database; its stdout."""
    u = urlparse(url)
    env = dict(os.environ)
    if u.password:
        env["PGPASSWORD"] = u.password
    server = ["-h", u.hostname or "127.0.0.1", "-p", str(u.port or 5432)]
    server += ["-U", u.username or "postgres"]
    return subprocess.run(
        ["pgbench", *server, *args, PGBENCH_DB],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def pgbench_tps(url: str, clients: int, seconds: float) -> float:
    n = str(clients)
    out = pgbench(url, "-n", "-c", n, "-j", n, "-T", str(round(seconds)))
    match = re.search(
        r"tps = ([\d.]+) \((?:without initial connection time"
        r"|excluding connections establishing)\)",
        out,
    )
    if match is None:
        match = re.search(r"tps = ([\d.]+)", out)
    return float(match.group(1))


def pgbench_init(url: str) -> None:
    pgbench(url, "-i", "-q", "-s", "1")


# --- reads ----------------------------------------------------------------------------------


def time_reads(lo: int, hi: int) -> tuple[float, float, float]:
    from django.core.management import call_command

    from credits import selectors
    from credits.models import Account

    rng = random.Random(7)
    balance, statement = [], []
    for _ in range(200):
        pk = rng.randint(lo, hi)
        t = time.perf_counter()
        acc = Account.objects.only("balance", "reserved", "kind").get(pk=pk)
        _ = acc.balance - acc.reserved
        balance.append(time.perf_counter() - t)
        t = time.perf_counter()
        rows, _next = selectors.statement_page(acc)
        statement.append(time.perf_counter() - t)
    t = time.perf_counter()
    call_command("credits_reconcile")
    reconcile_s = time.perf_counter() - t
    return statistics.median(balance) * 1000, statistics.median(statement) * 1000, reconcile_s


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", action="store_true", help="1M accounts and 10M entries")
    parser.add_argument("--seconds", type=int, default=5, help="length of each timed round")
    parser.add_argument(
        "--rounds", type=int, default=3, help="alternating ledger/pgbench rounds per client count"
    )
    parser.add_argument("--keep", action="store_true", help="keep the bench databases")
    parser.add_argument(
        "--residents", type=int, default=2000, help="residents taking part in the mix"
    )
    opts = parser.parse_args()
    url = server_url()
    n_accounts, n_entries = (1_000_000, 10_000_000) if opts.scale else (10_000, 100_000)

    for db in (LEDGER_DB, PGBENCH_DB):
        admin_sql(url, f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
        admin_sql(url, f'CREATE DATABASE "{db}"')
    try:
        setup_django(url)
        from django.core.management import call_command
        from django.db import connection

        call_command("migrate", verbosity=0, skip_checks=True)
        from credits.reconcile import reconcile

        info = generate(n_accounts, n_entries)
        print(
            f"generated {n_accounts:,} accounts and {n_entries:,} entries "
            f"in {info['seconds']:.1f} s"
        )
        setup = prepare_mix(info, min(n_accounts, opts.residents))
        connection.close()

        pgbench_init(url)
        ratios, server_ratios = {}, {}
        for clients in CLIENTS:
            got = compare(url, clients, setup, opts.seconds, opts.rounds)
            ratios[clients] = got["ratio"]
            server_ratios[clients] = got["server_ratio"]
            problems = reconcile()
            if problems:
                sys.exit(f"after {clients} clients the ledger does not reconcile: {problems[:5]}")
            print(
                f"clients={clients}: ledger {got['payments']:,.0f} product writes/s "
                f"({got['refused']} refused), pgbench tpcb-like {got['tps']:,.0f} tps, "
                f"ratio {got['ratio']:.2f}, reconciled (rounds: "
                + ", ".join(f"{r:.2f}" for r in got["rounds"])
                + ")"
            )
            print(
                f"  the server's CPU: {got['server_ms_per_write']:.2f} ms a product write, "
                f"{got['server_ms_per_tx']:.2f} ms a pgbench transaction "
                f"(ratio {got['server_ratio']:.2f}); the clients' "
                f"{got['client_ms_per_write']:.2f} ms a product write"
            )
        balance_ms, statement_ms, reconcile_s = time_reads(info["lo"], info["hi"])
        print(
            f"at {n_accounts:,} accounts / {n_entries:,}+ entries: "
            f"balance read {balance_ms:.2f} ms, "
            f"first statement page {statement_ms:.2f} ms, full reconcile {reconcile_s:.2f} s"
        )
        connection.close()
    finally:
        if not opts.keep:
            for db in (LEDGER_DB, PGBENCH_DB):
                admin_sql(url, f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
    print(
        " ".join(
            [*(f"ledger_mix_vs_pgbench_{c}={ratios[c]:.2f}" for c in CLIENTS)]
            + [f"server_cpu_vs_pgbench_{c}={server_ratios[c]:.2f}" for c in CLIENTS]
            + [
                f"balance_ms={balance_ms:.2f}",
                f"statement_ms={statement_ms:.2f}",
                f"reconcile_s={reconcile_s:.2f}",
            ]
        )
    )


if __name__ == "__main__":
    main()
