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
