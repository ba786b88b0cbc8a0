import io

import pytest
from django.core import mail
from django.urls import reverse

from deliberation import services
from deliberation.models import Registration
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
        "another session" in response.content.decode() or "另一场活动" in response.content.decode()
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
    html = client.get(reverse("deliberation_admin:home")).content.decode()
    assert "垃圾分类" in html and "不当言论" in html
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
    assert len(rows) == 2 and rows[1][0] == resident.public_name and rows[1][3]
    wb = load_workbook(
        io.BytesIO(client.get(reverse("deliberation_admin:poll_xlsx", args=[p.pk])).content)
    )
    rows = list(wb.active.values)
    assert ("同意", 1) in rows
    assert resident.phone not in str(rows) if resident.phone else True
