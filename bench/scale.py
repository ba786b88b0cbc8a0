#!/usr/bin/env python
"""Growth table: every page of bench/pages.py, the triage dashboard and the searches, at
three sizes of city on PostgreSQL — the demo, a tenth of the city, the whole city — each
as its ratio to /healthz measured in the same run.  `make bench-scale` runs it.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/scale.py
    ... bench/scale.py --fractions 0,0.01,0.1 --seconds 3      # a quicker table

For each size: a fresh database copied from one migrated with the demo content,
`bench/city.py --fraction F` on top (the demo community takes its share of residents,
requests and topics), then gunicorn serving it and the same clients as bench/pages.py.
A page's growth is its demo ratio divided by its ratio at the largest size: 1.0 is flat,
and the goal is no page above 1.5.  The last line is name=value pairs.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.benchlib import admin_sql, with_db  # noqa: E402

TEMPLATE = "bench_scale_demo"
WORK = "bench_scale"
SIZE_NAMES = {0.0: "demo", 0.1: "tenth", 1.0: "city"}


def env_for(url: str, var_dir: str) -> dict:
    return {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "portal.settings.dev",
        "DJANGO_DEBUG": "0",
        "PORTAL_VAR_DIR": var_dir,
        "CELERY_TASK_ALWAYS_EAGER": "1",
        "LOG_LEVEL": "WARNING",
    }


def run(args: list[str], env: dict) -> str:
    done = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"{' '.join(args)} failed:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}")
    return done.stdout


def measure_here(seconds: float, clients: int) -> dict:
    """In a child process whose DATABASE_URL is the size being measured."""
    import django

    django.setup()
    from django.db import connections

    from bench import pages
    from portal.models import Area

    targets = pages.page_targets()
    city = Area.objects.get(code="qingdao")
    targets += [
        ("search_anon", "/search/?q=路灯", False),
        ("search_user", "/search/?q=路灯", True),
        ("triage_list_user", "/triage/", True),
    ]
    staff_targets = [("dashboard_city_staff", f"/triage/dashboard/?area={city.pk}")]
    cookie = pages.session_cookie()
    staff = pages.session_cookie("hotline01")
    connections.close_all()
    results = {}
    with pages.serve({k: os.environ[k] for k in ("DATABASE_URL", "PORTAL_VAR_DIR")}) as port:
        for name, path, signed_in in targets:
            results[name] = pages.measure(port, path, cookie if signed_in else "", seconds, clients)
        for name, path in staff_targets:
            results[name] = pages.measure(port, path, staff, seconds, clients)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--fractions", default="0,0.1,1", help="city sizes, shares of the city")
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    opts = parser.parse_args()
    if opts.measure:
        print("RESULT " + json.dumps(measure_here(opts.seconds, opts.clients)))
        return
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit("bench/scale.py needs DATABASE_URL=postgres://user@host:port/db (PostgreSQL)")
    fractions = [float(f) for f in opts.fractions.split(",")]
    var_dir = tempfile.mkdtemp(prefix="bench-scale-")
    py = sys.executable

    t = time.perf_counter()
    admin_sql(
        url, f'DROP DATABASE IF EXISTS "{TEMPLATE}" WITH (FORCE)', f'CREATE DATABASE "{TEMPLATE}"'
    )
    tpl_env = env_for(with_db(url, TEMPLATE), var_dir)
    run([py, "manage.py", "migrate", "--verbosity", "0"], tpl_env)
    run([py, "manage.py", "load_demo"], tpl_env)
    print(f"demo database ready in {time.perf_counter() - t:.0f} s", flush=True)

    table: dict[float, dict] = {}
    generated: dict[float, float] = {}
    try:
        for f in fractions:
            admin_sql(
                url,
                f'DROP DATABASE IF EXISTS "{WORK}" WITH (FORCE)',
                f'CREATE DATABASE "{WORK}" TEMPLATE "{TEMPLATE}"',
            )
            env = env_for(with_db(url, WORK), var_dir)
            if f > 0:
                out = run([py, "bench/city.py", "--fraction", str(f)], env)
                print(out.strip().splitlines()[-2], flush=True)
                generated[f] = float(out.strip().rsplit("=", 1)[-1])
            out = run(
                [
                    py,
                    "bench/scale.py",
                    "--measure",
                    "--seconds",
                    str(opts.seconds),
                    "--clients",
                    str(opts.clients),
                ],
                env,
            )
            line = next(x for x in out.splitlines() if x.startswith("RESULT "))
            table[f] = json.loads(line[len("RESULT ") :])
            base = table[f]["healthz"]["rps"]
            print(f"size {SIZE_NAMES.get(f, f)}: healthz {base:.0f} req/s", flush=True)
    finally:
        admin_sql(
            url,
            f'DROP DATABASE IF EXISTS "{WORK}" WITH (FORCE)',
            f'DROP DATABASE IF EXISTS "{TEMPLATE}" WITH (FORCE)',
        )

    names = [n for n in table[fractions[0]] if n != "healthz"]
    heads = [SIZE_NAMES.get(f, f"x{f:g}") for f in fractions]
    print()
    print(
        f"{'page (ratio to /healthz)':<34}"
        + "".join(f"{h:>9}" for h in heads)
        + f"{'growth':>9}{'p99 ms':>9}"
    )
    pairs, worst = [], ("", 0.0)
    last = fractions[-1]
    for name in names:
        ratios = [table[f][name]["rps"] / table[f]["healthz"]["rps"] for f in fractions]
        growth = ratios[0] / ratios[-1] if ratios[-1] else float("inf")
        p99 = table[last][name]["p99_ms"]
        errors = sum(table[f][name]["errors"] for f in fractions)
        print(
            f"{name:<34}"
            + "".join(f"{r:>9.2f}" for r in ratios)
            + f"{growth:>9.2f}"
            + f"{p99:>9.1f}"
            + (f"  ({errors} errors)" if errors else "")
        )
        pairs.append(f"{name}_growth={growth:.2f}")
        if growth > worst[1]:
            worst = (name, growth)
    for f, s in generated.items():
        pairs.append(f"generate_{SIZE_NAMES.get(f, f)}_s={s:.0f}")
    print(f"worst growth: {worst[0]} {worst[1]:.2f} (goal ≤ 1.5)")
    print(" ".join([f"worst_growth={worst[1]:.2f}", *pairs]))


if __name__ == "__main__":
    main()
