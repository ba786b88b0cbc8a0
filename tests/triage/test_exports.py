"""Triage XLSX export and Open311 XML survive hostile request text (issue 9, finding 7)."""

import io
import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from triage import services
from triage.models import Request
from triage.open311 import formats, rows
from triage.selectors import with_places

pytestmark = pytest.mark.django_db

HOSTILE = ['=HYPERLINK("http://x","y")', "+1", "-2+3", "@SUM(A1)"]


def _request(w, text):
    return services.request_submit(
        channel="hotline",
        text=text,
        area=w["tree"]["grid"],
        reporter=w["resident"],
        entered_by=w["people"]["hotline"],
        service_type=w["types"]["road"],
    )


def test_export_with_a_control_character_and_formulas_opens_as_text(client, w):
    reqs = [_request(w, "马路井盖丢了\x07很危险")] + [_request(w, t) for t in HOSTILE]
    client.force_login(w["people"]["committee"])
    x = client.get(reverse("triage:export") + f"?area={w['tree']['community'].pk}")
    assert x.status_code == 200
    wb = load_workbook(io.BytesIO(x.content))
    texts = {row[0]: row[-1] for row in wb.worksheets[1].iter_rows(min_row=2, values_only=True)}
    assert texts[reqs[0].number] == "马路井盖丢了很危险"
    for req, text in zip(reqs[1:], HOSTILE, strict=True):
        assert texts[req.number] == "'" + text
    assert all(c.data_type != "f" for row in wb.worksheets[1].iter_rows() for c in row)


def test_open311_xml_stays_well_formed_with_control_characters(client, w):
    road = w["types"]["road"]
    road.description = "道路\x07设施\x1b"
    road.save()
    body = client.get("/triage/open311/v2/services.xml").content
    services_xml = ET.fromstring(body)
    assert "道路设施" in [e.text for e in services_xml.iter("description")]
    req = _request(w, "马路井盖丢了\x07很危险")
    (req,) = with_places([Request.objects.get(pk=req.pk)])
    tree = ET.fromstring(formats.to_xml("service_requests", "request", [rows.request_row(req)]))
    assert any("马路井盖丢了很危险" in (e.text or "") for e in tree.iter())
