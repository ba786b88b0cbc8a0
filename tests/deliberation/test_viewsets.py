"""Issue 16: sessions, polls and formats on Wagtail viewsets.

A committee of community A lists, exports, opens and edits A's rows and never B's (index,
edit, inspect, history, export); creation goes through the services; the exports are
formula-safe; grid workers read the session list (for check-in) and nothing else;
residents get no menu entry.
"""

from __future__ import annotations

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from deliberation import services
from deliberation.models import Format, Poll, Session, Topic
from tests import factories
from tests.deliberation.factories import poll as make_poll
from tests.deliberation.factories import session as make_session
from tests.deliberation.factories import topic as make_topic

pytestmark = pytest.mark.django_db

FORMULA = '=HYPERLINK("http://evil.example","x")'


@pytest.fixture
def rows(tree, committee_member):
    """A's and B's session, poll and community format; B's committee made B's."""
    other = factories.member("committee", tree["other_community"])
    a, b = tree["community"], tree["other_community"]
    return {
        "other_committee": other,
        "session": (
            make_session(a, committee_member, title="A社区议事会"),
            make_session(b, other, title="B社区议事会"),
        ),
        "poll": (
            make_poll(a, committee_member, question="A社区投票？"),
            make_poll(b, other, question="B社区投票？"),
        ),
        "format": (
            services.format_create(
                user=committee_member, community=a, code="a-fmt", name="A楼长会"
            ),
            services.format_create(user=other, community=b, code="b-fmt", name="B楼长会"),
        ),
    }


def ns(model):
    return f"wagtailsnippets_deliberation_{model._meta.model_name}"


MODELS = {"session": Session, "poll": Poll, "format": Format}
LABEL = {"session": "社区议事会", "poll": "社区投票", "format": "楼长会"}


@pytest.mark.parametrize("kind", ["session", "poll", "format"])
def test_a_committee_lists_and_exports_only_its_own_communitys_rows(
    client, committee_member, rows, kind
):
    from openpyxl import load_workbook

    mine, theirs = rows[kind]
    client.force_login(committee_member)
    index = client.get(reverse(f"{ns(MODELS[kind])}:list"))
    assert index.status_code == 200
    html = index.content.decode()
    assert str(mine) in html and str(theirs) not in html
    xlsx = client.get(reverse(f"{ns(MODELS[kind])}:list") + "?export=xlsx")
    assert xlsx.status_code == 200
    cells = [c for row in load_workbook(io.BytesIO(xlsx.content)).active.values for c in row]
    assert str(mine) in cells and str(theirs) not in cells
    body = b"".join(
        client.get(reverse(f"{ns(MODELS[kind])}:list") + "?export=csv").streaming_content
    )
    text = body.decode("utf-8-sig")
    assert str(mine) in text and str(theirs) not in text


@pytest.mark.parametrize("kind", ["session", "poll", "format"])
@pytest.mark.parametrize("view", ["edit", "inspect", "history", "usage"])
def test_another_communitys_row_is_not_found_on_any_view(
    client, committee_member, rows, kind, view
):
    _mine, theirs = rows[kind]
    client.force_login(committee_member)
    response = client.get(reverse(f"{ns(MODELS[kind])}:{view}", args=[theirs.pk]))
    assert response.status_code == 404
    assert str(theirs) not in response.content.decode()


@pytest.mark.parametrize("kind", ["session", "poll", "format"])
def test_a_forged_edit_of_another_communitys_row_changes_nothing(
    client, committee_member, rows, kind
):
    _mine, theirs = rows[kind]
    field = {"session": "title", "poll": "question", "format": "name"}[kind]
    client.force_login(committee_member)
    response = client.post(reverse(f"{ns(MODELS[kind])}:edit", args=[theirs.pk]), {field: "改了"})
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert getattr(theirs, field) != "改了"


@pytest.mark.parametrize("kind", ["session", "poll", "format"])
def test_the_committee_opens_its_own_rows(client, committee_member, rows, kind):
    mine, _theirs = rows[kind]
    client.force_login(committee_member)
    for view in ("edit", "inspect", "history"):
        response = client.get(reverse(f"{ns(MODELS[kind])}:{view}", args=[mine.pk]))
        assert response.status_code == 200, view


def test_sessions_and_polls_are_never_deleted_from_the_admin(client, committee_member, rows):
    client.force_login(committee_member)
    for kind in ("session", "poll", "format"):
        mine, _ = rows[kind]
        client.post(reverse(f"{ns(MODELS[kind])}:delete", args=[mine.pk]))
        assert MODELS[kind].objects.filter(pk=mine.pk).exists(), kind


def test_the_export_is_formula_safe_and_in_beijing_time(client, community, committee_member):
    from openpyxl import load_workbook

    s = make_session(community, committee_member, title=FORMULA, place="+1+1")
    client.force_login(committee_member)
    url = reverse(f"{ns(Session)}:list")
    sheet = load_workbook(io.BytesIO(client.get(url + "?export=xlsx").content)).active
    header, row = list(sheet.values)
    assert header[0] == "标题"
    assert row[0] == "'" + FORMULA
    assert row[header.index("地点")] == "'+1+1"
    from django.utils import timezone

    assert row[header.index("开始时间")] == timezone.localtime(s.starts_at).replace(
        tzinfo=None, microsecond=0
    ) or row[header.index("开始时间")].replace(microsecond=0) == timezone.localtime(
        s.starts_at
    ).replace(tzinfo=None, microsecond=0)
    body = b"".join(client.get(url + "?export=csv").streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    header, row = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert row[0] == "'" + FORMULA and row[header.index("地点")] == "'+1+1"
    assert row[header.index("开始时间")].endswith("+08:00")


def test_a_poll_export_shows_the_kind_by_its_label(client, community, committee_member):
    make_poll(community, committee_member)
    client.force_login(committee_member)
    body = b"".join(
        client.get(reverse(f"{ns(Poll)}:list") + "?export=csv").streaming_content
    ).decode("utf-8-sig")
    assert "单选" in body and ",single," not in body


def test_a_new_session_goes_through_the_service_and_tells_the_topics_followers(
    client, community, committee_member, resident
):
    from portal.models import Notification

    t = make_topic(community, resident, title="停车难")
    client.force_login(committee_member)
    response = client.post(
        reverse(f"{ns(Session)}:add"),
        {
            "community": community.pk,
            "format": Format.objects.get(code="speakup", community=None).pk,
            "title": "有话大声说：停车",
            "starts_at": "2030-05-01 19:00",
            "ends_at": "2030-05-01 21:00",
            "place": "社区议事厅",
            "capacity": 20,
            "topics": [t.pk],
        },
    )
    assert response.status_code == 302
    session = Session.objects.get(title="有话大声说：停车")
    assert session.created_by == committee_member
    t.refresh_from_db()
    assert t.status == Topic.Status.ON_AGENDA
    assert Notification.objects.filter(user=resident, event_key__contains="agenda").exists()


def test_a_refusal_of_the_service_shows_on_the_form_and_saves_nothing(
    client, community, committee_member
):
    """format_create refuses a code a format offered everywhere already has."""
    client.force_login(committee_member)
    before = Format.objects.count()
    response = client.post(
        reverse(f"{ns(Format)}:add"),
        {"community": community.pk, "code": "speakup", "name": "又一个", "description": ""},
    )
    assert response.status_code == 200
    assert "本社区已有相同代码的议事形式。" in response.content.decode()
    assert Format.objects.count() == before


def test_a_committee_cannot_create_for_another_community(client, tree, committee_member):
    client.force_login(committee_member)
    response = client.post(
        reverse(f"{ns(Format)}:add"),
        {
            "community": tree["other_community"].pk,
            "code": "x-fmt",
            "name": "越权",
            "description": "",
        },
    )
    assert response.status_code == 200
    assert not Format.objects.filter(code="x-fmt").exists()


def test_the_create_form_offers_only_the_committees_communities_and_topics(
    client, tree, committee_member, resident, outsider
):
    mine = make_topic(tree["community"], resident, title="我们的议题")
    make_topic(tree["other_community"], outsider, title="别人的议题")
    client.force_login(committee_member)
    html = client.get(reverse(f"{ns(Session)}:add")).content.decode()
    assert tree["community"].name in html and tree["other_community"].name not in html
    assert mine.title in html and "别人的议题" not in html


def test_editing_a_session_keeps_the_services_rules(client, community, committee_member):
    s = make_session(community, committee_member)
    client.force_login(committee_member)
    url = reverse(f"{ns(Session)}:edit", args=[s.pk])
    data = {
        "title": "改期：停车议事会",
        "description": "",
        "starts_at": "2030-05-01 19:00",
        "ends_at": "2030-05-01 18:00",
        "place": "社区议事厅",
        "online_url": "",
    }
    response = client.post(url, data)
    assert response.status_code == 200
    assert "活动结束时间必须晚于开始时间。" in response.content.decode()
    s.refresh_from_db()
    assert s.title != "改期：停车议事会"
    data["ends_at"] = "2030-05-01 21:00"
    assert client.post(url, data).status_code == 302
    s.refresh_from_db()
    assert s.title == "改期：停车议事会"


def test_the_session_list_links_check_in_and_attendance(client, community, committee_member):
    s = make_session(community, committee_member)
    client.force_login(committee_member)
    html = client.get(reverse(f"{ns(Session)}:list")).content.decode()
    assert reverse("deliberation_admin:checkin", args=[s.pk]) in html
    assert reverse("deliberation_admin:attendance_xlsx", args=[s.pk]) in html


def test_staff_without_the_role_get_no_screen_and_no_menu_entry(client, tree, committee_member):
    """A grid worker who has the Wagtail admin (given by hand) still manages nothing."""
    from django.contrib.auth.models import Permission

    mine = make_session(tree["community"], committee_member, title="本社区活动")
    worker = factories.member("grid_worker", tree["grid"])
    worker.user_permissions.add(
        Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin")
    )
    client.force_login(worker)
    admin_home = client.get("/admin/")
    assert admin_home.status_code == 200
    for model in (Session, Poll, Format):
        assert client.get(reverse(f"{ns(model)}:list")).status_code in (302, 403)
        assert reverse(f"{ns(model)}:list") not in admin_home.content.decode()
    assert client.get(reverse(f"{ns(Session)}:inspect", args=[mine.pk])).status_code in (
        302,
        403,
        404,
    )
    assert client.get(reverse("deliberation_admin:home")).status_code in (302, 403)
    assert reverse("deliberation_admin:home") not in admin_home.content.decode()


def test_the_committee_sees_the_menu_entries_and_a_resident_none(
    client, committee_member, resident
):
    client.force_login(committee_member)
    admin_home = client.get("/admin/").content.decode()
    for url in (
        reverse(f"{ns(Session)}:list"),
        reverse(f"{ns(Poll)}:list"),
        reverse(f"{ns(Format)}:list"),
        reverse("deliberation_admin:home"),
    ):
        assert url in admin_home, url
    client.force_login(resident)
    for model in (Session, Poll, Format):
        assert client.get(reverse(f"{ns(model)}:list")).status_code in (302, 403)


def test_the_session_list_costs_the_same_queries_for_more_rows(client, community, committee_member):
    client.force_login(committee_member)
    url = reverse(f"{ns(Session)}:list")
    make_session(community, committee_member)
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for i in range(5):
        make_session(community, committee_member, title=f"第{i}场")
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few)


def test_the_search_finds_chinese_inside_a_title(client, community, committee_member):
    make_session(community, committee_member, title="加装电梯议事")
    make_session(community, committee_member, title="停车位分配议事")
    client.force_login(committee_member)
    html = client.get(reverse(f"{ns(Session)}:list") + "?q=电梯").content.decode()
    assert "加装电梯议事" in html and "停车位分配议事" not in html


def test_poll_screens_name_the_list_in_chinese(client, community, committee_member):
    """Poll's Meta has no plural: Django would print "投票s" in titles and breadcrumbs."""
    p = make_poll(community, committee_member)
    client.force_login(committee_member)
    for url in (
        reverse(f"{ns(Poll)}:list"),
        reverse(f"{ns(Poll)}:edit", args=[p.pk]),
        reverse(f"{ns(Poll)}:inspect", args=[p.pk]),
        reverse(f"{ns(Poll)}:add"),
    ):
        html = client.get(url).content.decode()
        assert "投票s" not in html and "投票" in html, url
