"""Attendance and poll XLSX: resident and committee text is never a formula (issue 9, 7)."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from deliberation import services
from tests.deliberation.factories import poll as make_poll
from tests.deliberation.factories import session as make_session

pytestmark = pytest.mark.django_db


def test_poll_and_attendance_exports_hold_hostile_text_as_text(
    client, community, committee_member, resident
):
    p = make_poll(
        community,
        committee_member,
        question="加装电梯\x07?",
        options=['=HYPERLINK("http://x","y")', "+1", "-2+3", "@SUM(A1)"],
    )
    services.poll_vote(user=resident, poll=p, option_ids=[p.options.first().pk])
    resident.first_name = '=HYPERLINK("http://x","y")'
    resident.save()
    s = make_session(community, committee_member)
    reg = services.registration_create(user=resident, session=s)
    services.checkin(by=committee_member, session=s, code=reg.code)
    client.force_login(committee_member)
    x = client.get(reverse("deliberation_admin:poll_xlsx", args=[p.pk]))
    assert x.status_code == 200
    ws = load_workbook(io.BytesIO(x.content)).active
    cells = [c for row in ws.iter_rows() for c in row if c.value is not None]
    assert all(c.data_type != "f" for c in cells)
    values = [c.value for c in cells]
    assert "加装电梯?" in values and '\'=HYPERLINK("http://x","y")' in values
    assert {"'+1", "'-2+3", "'@SUM(A1)"} <= set(values)
    x = client.get(reverse("deliberation_admin:attendance_xlsx", args=[s.pk]))
    ws = load_workbook(io.BytesIO(x.content)).active
    rows = list(ws.iter_rows(values_only=True))
    assert not str(rows[1][0]).startswith("=")
