"""Statement CSV: a memo is text, never a formula (issue 9, finding 7)."""

import csv
import io

import pytest
from django.urls import reverse

from credits import services
from credits.models import Deed

from .factories import rule

pytestmark = pytest.mark.django_db


def test_statement_memo_cannot_be_a_formula(client, resident, community):
    rule(community, deed=Deed.PUBLIC_WELFARE, amount="1.00")
    services.deed_award(
        user=resident,
        community=community,
        deed=Deed.PUBLIC_WELFARE,
        quantity=1,
        idempotency_key="memo-1",
        note='=HYPERLINK("http://x","y")\x07',
    )
    client.force_login(resident)
    body = b"".join(client.get(reverse("credits:statement_csv")).streaming_content)
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[1][2] == '\'=HYPERLINK("http://x","y")'
    assert rows[1][0].endswith("+08:00") and rows[1][3] == "1.00"


def test_statement_csv_writes_beijing_time(client, resident, community, monkeypatch):
    """An entry made at 23:30 UTC is 07:30 the next day in Beijing: the CSV says so."""
    import datetime as dt

    from django.utils import timezone

    late = dt.datetime(2026, 11, 30, 23, 30, tzinfo=dt.UTC)
    rule(community, deed=Deed.PUBLIC_WELFARE, amount="1.00")
    monkeypatch.setattr(timezone, "now", lambda: late)
    services.deed_award(
        user=resident, community=community, deed=Deed.PUBLIC_WELFARE, idempotency_key="late"
    )
    monkeypatch.undo()
    client.force_login(resident)
    body = b"".join(client.get(reverse("credits:statement_csv")).streaming_content)
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[1][0] == "2026-12-01T07:30:00+08:00"
    # The page shows the same local time as the export.
    html = client.get(reverse("credits:statement")).content.decode()
    assert "2026-12-01 07:30" in html and "2026-11-30 23:30" not in html
