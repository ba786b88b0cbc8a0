import io

import pytest
from django.core import mail
from django.urls import reverse

from deliberation import services
from deliberation.models import Registration
from tests.deliberation.factories import held_session
from tests.deliberation.factories import poll as make_poll
from tests.deliberation.factories import session as make_session
from tests.deliberation.factories import topic as make_topic

pytestmark = pytest.mark.django_db


def test_checkin_desk_types_code_and_is_idempotent(client, community, committee_member, resident):
    s = make_session(community, committee_member)
    reg = services.registration_create(user=resident, session=s)
    client.force_login(committee_member)
    url = reverse("deliberation_admin:checkin", args=[s.pk])
    assert client.get(url).status_code == 200
    client.post(url, {"code": reg.code})
    client.post(url, {"code": reg.code})
    reg.refresh_from_db()
    assert reg.checked_in_at and reg.checked_in_by == committee_member
    other = make_session(community, committee_member, title="另一场")
    response = client.post(
        reverse("deliberation_admin:checkin", args=[other.pk]), {"code": reg.code}, follow=True
    )
    assert (
        "another session" in response.content.decode()
        or "不属于本场活动，请核对活动" in response.content.decode()
    )


def test_residents_cannot_use_committee_tools(client, community, committee_member, resident):
    s = make_session(community, committee_member)
    client.force_login(resident)
    response = client.post(reverse("deliberation_admin:checkin", args=[s.pk]), {"code": "X"})
    assert response.status_code in (302, 403)
    assert not Registration.objects.filter(checked_in_at__isnull=False).exists()


def test_home_shows_queues(client, community, committee_member, resident, neighbours, settings):
    settings.DELIBERATION_REPORTS_TO_HIDE = 1
    t = make_topic(community, resident, title="垃圾分类")
    services.topic_status_set(user=committee_member, topic=t, status="discussion")
    c = services.contribution_add(user=neighbours[0], topic=t, text="不当言论", stance="oppose")
    services.contribution_report(user=neighbours[1], contribution=c)
    client.force_login(committee_member)
    s = make_session(community, committee_member, title="院议说：垃圾分类")
    html = client.get(reverse("deliberation_admin:home")).content.decode()
    assert "垃圾分类" in html and "不当言论" in html
    assert reverse("wagtailsnippets_deliberation_session:add") in html
    assert (
        reverse("deliberation_admin:add_to_session", args=[t.pk]) in html
        and f'value="{s.pk}"' in html
    )
    mail.outbox.clear()


def test_xlsx_exports(client, community, committee_member, resident):
    from openpyxl import load_workbook

    s = make_session(community, committee_member)
    reg = services.registration_create(user=resident, session=s)
    services.checkin(by=committee_member, session=s, code=reg.code)
    p = make_poll(community, committee_member)
    services.poll_vote(user=resident, poll=p, option_ids=[p.options.first().pk])
    client.force_login(committee_member)
    wb = load_workbook(
        io.BytesIO(client.get(reverse("deliberation_admin:attendance_xlsx", args=[s.pk])).content)
    )
    rows = list(wb.active.values)
    assert len(rows) == 2 and rows[1][0] == resident.get_full_name() and rows[1][3]
    wb = load_workbook(
        io.BytesIO(client.get(reverse("deliberation_admin:poll_xlsx", args=[p.pk])).content)
    )
    rows = list(wb.active.values)
    assert ("同意", 1) in rows
    assert resident.phone not in str(rows) if resident.phone else True


def test_committee_creates_session_poll_and_format_in_admin(
    client, community, committee_member, resident
):
    from deliberation.models import Format, Poll, Session

    t = make_topic(community, resident, title="停车难")
    client.force_login(committee_member)
    assert client.get(reverse("wagtailsnippets_deliberation_session:add")).status_code == 200
    response = client.post(
        reverse("wagtailsnippets_deliberation_session:add"),
        {
            "community": community.pk,
            "format": Format.objects.get(code="speakup", community=None).pk,
            "title": "有话大声说：停车",
            "starts_at": "2030-05-01T19:00",
            "ends_at": "2030-05-01T21:00",
            "place": "社区议事厅",
            "capacity": 20,
            "topics": [t.pk],
        },
    )
    assert response.status_code == 302
    session = Session.objects.get(title="有话大声说：停车")
    t.refresh_from_db()
    assert t.status == "agenda" and list(session.topics.all()) == [t]
    response = client.post(
        reverse("wagtailsnippets_deliberation_poll:add"),
        {
            "community": community.pk,
            "question": "停车位怎么分配？",
            "options": "抽签\n按楼栋轮换\n",
            "kind": "single",
            "opens_at": "2030-05-01T19:00",
            "closes_at": "2030-05-02T19:00",
        },
    )
    assert response.status_code == 302
    assert list(Poll.objects.get().options.values_list("label", flat=True)) == [
        "抽签",
        "按楼栋轮换",
    ]
    client.post(
        reverse("wagtailsnippets_deliberation_format:add"),
        {
            "community": community.pk,
            "code": "louzhang",
            "name": "楼长议事会",
            "description": "楼长每月碰头",
        },
    )
    assert Format.objects.filter(community=community, code="louzhang").exists()


def test_bad_session_input_changes_nothing(client, community, committee_member):
    from deliberation.models import Format, Session

    client.force_login(committee_member)
    response = client.post(
        reverse("wagtailsnippets_deliberation_session:add"),
        {
            "community": community.pk,
            "format": Format.objects.get(code="speakup", community=None).pk,
            "title": "x",
            "starts_at": "2030-05-01T19:00",
            "ends_at": "2030-05-01T18:00",
            "capacity": 20,
        },
    )
    assert response.status_code == 200 and not Session.objects.exists()


def test_queue_topic_added_to_session(client, community, committee_member, resident):
    t = make_topic(community, resident)
    services.topic_status_set(user=committee_member, topic=t, status="discussion")
    s = make_session(community, committee_member)
    client.force_login(committee_member)
    client.post(reverse("deliberation_admin:add_to_session", args=[t.pk]), {"session": s.pk})
    t.refresh_from_db()
    assert t.status == "agenda" and s.topics.filter(pk=t.pk).exists()


def test_followup_status_from_topic_page(client, community, committee_member, resident):
    import datetime

    t = make_topic(community, resident)
    held_session(community, committee_member, t)
    outcome = services.outcome_publish(
        user=committee_member,
        topic=t,
        decision="通过",
        followups=[
            {"action": "落实", "responsible": "物业", "due_date": datetime.date(2026, 12, 1)}
        ],
    )
    f = outcome.followups.get()
    client.force_login(resident)
    client.post(reverse("deliberation:followup_status", args=[f.pk]), {"status": "done"})
    f.refresh_from_db()
    assert f.status == "planned"
    client.force_login(committee_member)
    assert 'name="status"' in client.get(t.get_absolute_url()).content.decode()
    client.post(reverse("deliberation:followup_status", args=[f.pk]), {"status": "done"})
    f.refresh_from_db()
    t.refresh_from_db()
    assert f.status == "done" and t.status == "done"
