"""The database settings a deployment picks from the environment (portal/settings/base.py):
PostgreSQL's prepared statements and PgBouncer's transaction mode."""

import json
import os
import subprocess
import sys

from django.conf import settings

READ = (
    "import json, django; django.setup(); from django.conf import settings as s; "
    "d = s.DATABASES['default']; "
    "print(json.dumps([d['ENGINE'], d.get('DISABLE_SERVER_SIDE_CURSORS', False), "
    "d.get('OPTIONS', {}).get('prepare_threshold', 'unset')]))"
)


def _database(**env) -> list:
    run_env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings.test",
        "DATABASE_URL": "postgres://portal@db.example:5432/portal",
        **env,
    }
    for name, value in env.items():
        if value is None:
            run_env.pop(name)
    out = subprocess.run(
        [sys.executable, "-c", READ],
        cwd=settings.BASE_DIR,
        env=run_env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_behind_pgbouncer_server_side_cursors_are_off_and_preparing_can_be_switched_off():
    engine, no_cursors, prepare = _database(DATABASE_BEHIND_PGBOUNCER=None)
    assert engine == "django.db.backends.postgresql" and no_cursors is False and prepare == 5
    _e, no_cursors, prepare = _database(
        DATABASE_BEHIND_PGBOUNCER="1", DATABASE_PREPARE_THRESHOLD=""
    )
    assert no_cursors is True and prepare is None
