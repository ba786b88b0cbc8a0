import json

import pytest

from triage.models import ApiKey, Request

pytestmark = pytest.mark.django_db
BASE = "/triage/open311/v2"


def test_services_in_json_and_xml(client, w):
    data = client.get(f"{BASE}/services.json").json()
    codes = {s["service_code"] for s in data}
    assert {"road", "water", "dispute", "repair"} <= codes
    xml = client.get(f"{BASE}/services.xml")
    assert xml["Content-Type"].startswith("application/xml")
    assert b"<service_code>road</service_code>" in xml.content
    one = client.get(f"{BASE}/services/road.json").json()
    assert one["service_code"] == "road"


def test_post_without_key_is_refused_with_an_open311_error(client, w):
    r = client.post(
        f"{BASE}/requests.json",
        {
            "service_code": "road",
            "description": "井盖丢了",
            "jurisdiction_id": w["tree"]["grid"].code,
        },
    )
    assert r.status_code == 403
    body = r.json()
    assert body[0]["code"] == 403 and body[0]["description"]
    assert Request.objects.count() == 0


def test_post_with_unknown_service_code_is_a_400_error_body(client, w):
    _key, raw = ApiKey.issue("city app")
    r = client.post(
        f"{BASE}/requests.json",
        {
            "api_key": raw,
            "service_code": "nope",
            "description": "井盖丢了",
            "jurisdiction_id": w["tree"]["grid"].code,
        },
    )
    assert r.status_code == 400
    assert r.json() == [{"code": 400, "description": "service_code nope is not a known service"}]
    xml = client.post(f"{BASE}/requests.xml", {"api_key": raw, "service_code": "nope"})
    assert b"<errors><error><code>400</code>" in xml.content
    assert Request.objects.count() == 0


def test_post_then_read_back_anonymised(client, w):
    _key, raw = ApiKey.issue("city app")
    r = client.post(
        f"{BASE}/requests.json",
        {
            "api_key": raw,
            "service_code": "road",
            "description": "路口井盖丢了，很危险",
            "lat": "36.06",
            "long": "120.39",
            "first_name": "伟",
            "last_name": "李",
            "phone": "13600000000",
            "address_string": "湛山花园3号楼",
        },
    )
    assert r.status_code == 201, r.content
    rid = r.json()[0]["service_request_id"]
    req = Request.objects.get(pk=rid)
    assert req.channel == "api" and req.reporter_name == "李 伟"
    one = client.get(f"{BASE}/requests/{rid}.json").json()[0]
    assert one["status"] == "open"
    assert one["agency_responsible"] == "市南区城市管理局"
    assert one["expected_datetime"]
    text = json.dumps(client.get(f"{BASE}/requests.json").json(), ensure_ascii=False)
    assert "13600000000" not in text and "李 伟" not in text and "湛山花园" not in text
    xml = client.get(f"{BASE}/requests/{rid}.xml").content.decode()
    assert "<status>open</status>" in xml and "<agency_responsible>" in xml


def test_closed_request_shows_closed_with_the_reply_as_notes(client, w):
    from triage import services

    req = services.request_submit(
        channel="web",
        text="路灯不亮好多天了",
        area=w["tree"]["grid"],
        reporter=w["resident"],
        service_type=w["types"]["road"],
    )
    services.request_reply(request=req, actor=w["people"]["chengguan"], reply="路灯已修复")
    one = client.get(f"{BASE}/requests/{req.pk}.json").json()[0]
    assert one["status"] == "closed" and one["status_notes"] == "路灯已修复"
    assert client.get(f"{BASE}/requests/999999.json").status_code == 404
