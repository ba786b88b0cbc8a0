#!/usr/bin/env python
"""`make bench`: run every bench script and end with one combined name=value line.

Each script prints its own table and ends with a `name=value ...` line; scripts that
need PostgreSQL are skipped (and say so) when BENCH_PG_URL is not reachable.
"""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = ["pages.py", "ledger.py", "triage.py", "search.py"]


def main() -> int:
    combined, failed = [], []
    for name in SCRIPTS:
        path = ROOT / "bench" / name
        if not path.exists():
            continue
        if name == "ledger.py" and not os.environ.get("DATABASE_URL", "").startswith("postgres"):
            print(
                "== bench/ledger.py skipped: it compares with pgbench and needs "
                "DATABASE_URL=postgres://… (see README)",
                flush=True,
            )
            continue
        print(f"== bench/{name}", flush=True)
        proc = subprocess.run([sys.executable, str(path)], cwd=ROOT, capture_output=True, text=True)
        sys.stdout.write(proc.stdout)
        if proc.returncode != 0:
            sys.stdout.write(proc.stderr[-3000:])
            failed.append(name)
            continue
        lines = [line for line in proc.stdout.strip().splitlines() if "=" in line]
        if lines:
            combined.append(lines[-1])
    print(" ".join(combined))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
