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


@pytest.mark.django_db
def test_the_demo_shows_everything(client, settings):
    """Issue 12: a street and a district supervisor who can 督办, a volunteer a few hours
    below a star, enough confirmed neighbours to carry a topic past its threshold (and a
    topic at 8 of 10), every request state and every deliberation format; and
    demo_credentials names them."""
    import io
    from decimal import Decimal

    from credits.models import ServiceLog, next_star_threshold, star_level
    from credits.selectors import verified_hours
    from deliberation import services as deliberation
    from deliberation.models import Format, Session, Topic
    from portal.models import Area, Membership, Organisation, Role, User
    from triage import services as triage
    from triage.models import Request

    settings.PORTAL_REQUIRE_STAFF_MFA = False  # the request page, not the MFA set-up
    call_command("load_demo", stdout=io.StringIO())
    user = {u.username: u for u in User.objects.all()}
    open_requests = Request.objects.filter(status__in=triage.OPEN_HANDLING).select_related(
        "organisation__parent", "area"
    )

    # 督办: the district presses a department's open request, the street a committee's.
    district_gov = Organisation.objects.get(name="市南区人民政府")
    departments = [
        r
        for r in open_requests
        if r.organisation.kind == Organisation.Kind.DEPARTMENT
        and r.organisation.parent_id == district_gov.pk
    ]
    assert any("暖气片冰凉" in r.text for r in departments)  # as demo_credentials says
    assert all(triage.can_supervise(user["shinan01"], r) for r in departments)
    # A 小事 in the street, with its committee or (a 物业 matter) the compound's property
    # company: the street presses them all.
    badahu_path = Area.objects.get(code="badahu").path
    committees = [
        r
        for r in open_requests
        if r.area_path.startswith(badahu_path)
        and r.organisation.kind != Organisation.Kind.DEPARTMENT
    ]
    assert any("电梯又坏了" in r.text for r in committees)
    assert all(triage.can_supervise(user["badahu01"], r) for r in committees)
    # 联合督办 (issue 10): the street presses any request in its street, a district
    # department's too, but none elsewhere; 虎山路街道 presses 李沧区's, not 市南区's.
    badahu = Area.objects.get(code="badahu")
    in_street = [r for r in departments if r.area_path.startswith(badahu.path)]
    assert in_street and all(triage.can_supervise(user["badahu01"], r) for r in in_street)
    licang_path = Area.objects.get(code="licang").path
    licang = [r for r in open_requests if r.area_path.startswith(licang_path)]
    assert licang and not any(triage.can_supervise(user["badahu01"], r) for r in licang)
    assert all(triage.can_supervise(user["hushanlu01"], r) for r in licang)
    assert not any(triage.can_supervise(user["hushanlu01"], r) for r in departments)
    # …and the request page offers them the button, which records the supervision.
    for username, req in (("shinan01", departments[0]), ("badahu01", committees[0])):
        client.force_login(user[username])
        page = client.get(f"/triage/r/{req.pk}/").content.decode()
        assert f"/triage/r/{req.pk}/supervise/" in page
        triage.request_supervise(request=req, actor=user[username], note="请加快办理并答复。")

    # A volunteer 4 verified hours below the first star, with 4 more awaiting verification.
    volunteer = user["13900000011"]
    hours = verified_hours(volunteer)
    assert hours == Decimal("96") and star_level(hours) == 0 and next_star_threshold(hours) == 100
    pending = ServiceLog.objects.get(volunteer=volunteer, status=ServiceLog.Status.PENDING)
    assert star_level(hours + pending.hours) == 1

    # A topic at 8 of 10, and enough confirmed neighbours to carry it over.
    xinzhan = Area.objects.get(code="xinzhan")
    topic = Topic.objects.get(title="小区健身器材老化，申请更换")
    assert (topic.support_count, topic.format.support_threshold) == (8, 10)
    assert topic.status == Topic.Status.PROPOSED
    residents = Membership.objects.filter(
        role=Role.RESIDENT, status=Membership.Status.ACTIVE, area__path__startswith=xinzhan.path
    )
    assert residents.count() >= 11
    for username in ("13900000015", "13900000016"):
        assert residents.filter(user=user[username]).exists()
        deliberation.topic_support(user=user[username], topic=topic)
    topic.refresh_from_db()
    assert topic.status == Topic.Status.UNDER_DISCUSSION

    # Every request state and every deliberation format, with a topic and a session.
    assert set(Request.objects.values_list("status", flat=True)) == set(Request.Status.values)
    for fmt in Format.objects.filter(community=None):
        assert Topic.objects.filter(format=fmt).exists(), fmt.code
        assert Session.objects.filter(format=fmt).exists(), fmt.code

    # demo_credentials names every one of them, grouped.
    out = io.StringIO()
    call_command("demo_credentials", stdout=out)
    text = out.getvalue()
    for needle in ("督办", "shinan01", "badahu01", "13900000011", "13900000015", "志愿者"):
        assert needle in text
