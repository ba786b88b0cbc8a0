import pytest
from django.apps import apps
from django.core.management import call_command


def snapshot():
    return {m._meta.label: m.objects.count() for m in apps.get_models() if not m._meta.proxy}


@pytest.mark.django_db
def test_load_demo_builds_a_site_and_a_second_run_changes_nothing(client):
    call_command("load_demo", stdout=open("/dev/null", "w"))
    first = snapshot()
    assert first["cms.CommunityPage"] == 4 and first["cms.NewsPage"] >= 8
    assert first["portal.User"] >= 20 and first["wagtailimages.Image"] >= 8
    call_command("load_demo", stdout=open("/dev/null", "w"))
    second = snapshot()
    changed = {k: (first[k], second[k]) for k in first if first[k] != second[k]}
    assert changed == {}
    body = client.get("/").content.decode()
    assert "三事分流" in body and "新湛社区" in body


@pytest.mark.django_db
def test_load_demo_refuses_without_demo_settings_and_writes_nothing(settings):
    from django.core.management.base import CommandError

    settings.PORTAL_ALLOW_DEMO_CONTENT = False
    before = snapshot()
    with pytest.raises(CommandError, match="refuses"):
        call_command("load_demo", stdout=open("/dev/null", "w"))
    assert snapshot() == before


def test_load_demo_refuses_under_production_settings(tmp_path):
    """Issue 9, finding 11: production settings, a fresh database: exit 1, no table made."""
    import os
    import sqlite3
    import subprocess
    import sys

    from django.conf import settings as django_settings

    db = tmp_path / "prod.sqlite3"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings.production",
        "DJANGO_SECRET_KEY": "x" * 60,
        "DJANGO_ALLOWED_HOSTS": "example.cn",
        "DATABASE_URL": f"sqlite:///{db}",
        "REDIS_URL": "redis://127.0.0.1:6379/9",
    }
    done = subprocess.run(
        [sys.executable, "manage.py", "load_demo"],
        cwd=django_settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0
    assert "load_demo refuses" in done.stderr
    tables = sqlite3.connect(db).execute("select name from sqlite_master").fetchall()
    assert tables == []
