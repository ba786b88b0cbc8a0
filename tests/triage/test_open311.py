"""Open311 GeoReport v2 to the letter: every body validated against the JSON Schemas in
open311_schemas/ (written from the spec's field lists), in JSON and in XML."""

import json
from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.triage.open311_helpers import validate, validate_xml
from triage.models import ApiKey, Open311Submission, Request, ServiceAttribute

pytestmark = pytest.mark.django_db
BASE = "/triage/open311/v2"
INSIDE = {"lat": "36.06", "long": "120.39"}  # inside w's grid outline


@pytest.fixture
def key():
    return ApiKey.issue("city app")[1]


@pytest.fixture
def english(client, settings):
    """Error descriptions in English: the language the client chose (the site's language
    cookie; like every page, the API ignores Accept-Language and speaks 简体中文 by default)."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def post(client, key, fmt="json", headers=None, **fields):
    data = {"api_key": key, "service_code": "road", "description": "路口井盖丢了，很危险"}
    data.update(INSIDE)
    data.update(fields)
    data = {k: v for k, v in data.items() if v is not None}
    return client.post(f"{BASE}/requests.{fmt}", data, headers=headers or {})


# --- discovery, services, definitions ------------------------------------------------


def test_discovery_in_json_and_xml(client, w):
    for path in ("/triage/open311/discovery", f"{BASE}/discovery"):
        body = client.get(f"{path}.json").json()
        validate("discovery.json", body)
        assert body["endpoints"][0]["url"].endswith("/triage/open311/v2")
        xml = client.get(f"{path}.xml")
        assert xml["Content-Type"] == "text/xml; charset=utf-8"
        assert validate_xml("discovery.json", xml.content) == body
        assert b"<formats><format>text/xml</format><format>application/json</format>" in (
            xml.content
        )


def test_services_and_definitions_with_attributes(client, w):
    road = w["types"]["road"]
    ServiceAttribute.objects.create(
        service_type=road,
        code="size",
        datatype="singlevaluelist",
        required=True,
        order=1,
        description="坑有多大？",
        values=[{"key": "s", "name": "小"}, {"key": "l", "name": "大"}],
    )
    data = client.get(f"{BASE}/services.json").json()
    validate("services.json", data)
    by_code = {s["service_code"]: s for s in data}
    assert {"road", "water", "dispute", "repair", "other"} <= set(by_code)
    assert by_code["road"]["metadata"] is True and by_code["water"]["metadata"] is False
    xml = client.get(f"{BASE}/services.xml")
    assert validate_xml("services.json", xml.content) == data

    one = client.get(f"{BASE}/services/road.json").json()
    validate("service_definition.json", one)
    assert one["attributes"][0]["code"] == "size"
    values = [{"key": "s", "name": "小"}, {"key": "l", "name": "大"}]
    assert one["attributes"][0]["values"] == values
    xml = client.get(f"{BASE}/services/road.xml").content
    assert validate_xml("service_definition.json", xml) == one
    assert b"<attributes><attribute><variable>true</variable>" in xml
    assert b"<values><value><key>s</key><name>" in xml
    validate("service_definition.json", client.get(f"{BASE}/services/other.json").json())


# --- errors on every path --------------------------------------------------------------


@pytest.mark.parametrize(
    "path,status",
    [
        ("/triage/open311/v2/nothing.json", 404),
        ("/triage/open311/v2/requests/abc.json", 404),
        ("/triage/open311/v2/requests/12", 404),
        ("/triage/open311/v2/services", 404),
        ("/triage/open311/v2/services.html", 404),
        ("/triage/open311/v2/services/nope.json", 404),
        ("/triage/open311/v2/tokens/unknown.json", 404),
        ("/triage/open311/v2/requests/999999.json", 404),
        ("/triage/open311/nothing", 404),
    ],
)
def test_every_error_is_an_open311_body(client, w, path, status):
    r = client.get(path)
    assert r.status_code == status
    assert r["Content-Type"] == "application/json; charset=utf-8"
    validate("errors.json", r.json())
    if not path.endswith(".json"):
        return
    xml = client.get(path.removesuffix(".json") + ".xml")
    assert xml.status_code == 404
    assert xml["Content-Type"] == "text/xml; charset=utf-8"
    validate_xml("errors.json", xml.content)


def test_wrong_method_and_hostile_input_are_open311_errors(client, w):
    r = client.delete(f"{BASE}/services.xml")
    assert r.status_code == 405
    assert validate_xml("errors.json", r.content)[0]["code"] == 405
    r = client.get(f"{BASE}/requests.json", {"service_code": "road\x00"})
    assert r.status_code == 400
    validate("errors.json", r.json())


def test_an_unexpected_failure_is_a_500_open311_body(client, w, monkeypatch):
    from triage.open311 import views

    def boom(*a, **k):
        raise RuntimeError("boom")

    monkeypatch.setattr(views.rows, "service_row", boom)
    r = client.get(f"{BASE}/services.xml")
    assert r.status_code == 500
    assert validate_xml("errors.json", r.content)[0]["code"] == 500


# --- POST: key, jurisdiction, place ----------------------------------------------------


def test_api_key_in_body_query_string_or_header(client, w, key):
    for kwargs in (
        {},
        {"api_key": None},
        {"api_key": None, "headers": {"X-Api-Key": key}},
    ):
        headers = kwargs.pop("headers", None)
        if kwargs.get("api_key", key) is None and headers is None:
            r = client.post(
                f"{BASE}/requests.json?api_key={key}",
                {"service_code": "road", "description": "井盖丢了", **INSIDE},
            )
        else:
            r = post(client, key, headers=headers, **kwargs)
        assert r.status_code == 201, r.content
        validate("post_response.json", r.json())
    assert Request.objects.filter(channel="api").count() == 3


def test_missing_or_wrong_key_is_403_and_saves_nothing(client, w):
    for raw in ("", "wrong"):
        r = post(client, raw)
        assert r.status_code == 403
        validate("errors.json", r.json())
        xml = post(client, raw, fmt="xml")
        assert validate_xml("errors.json", xml.content)[0]["code"] == 403
    assert Request.objects.count() == 0


def test_jurisdiction_is_the_deployments_own_id_and_optional(client, w, key, settings):
    settings.OPEN311_JURISDICTION_ID = "qingdao.example"
    assert post(client, key, jurisdiction_id="qingdao.example").status_code == 201
    assert post(client, key).status_code == 201
    r = post(client, key, jurisdiction_id=w["tree"]["grid"].code)
    assert r.status_code == 400 and "jurisdiction_id" in r.json()[0]["description"]
    assert client.get(f"{BASE}/services.json?jurisdiction_id=elsewhere").status_code == 400
    assert client.get(f"{BASE}/services.json?jurisdiction_id=qingdao.example").status_code == 200
    assert Request.objects.count() == 2


def test_lat_long_is_placed_by_point_in_polygon(client, w, key):
    r = post(client, key)
    req = Request.objects.get(pk=r.json()[0]["service_request_id"])
    assert req.area == w["tree"]["grid"] and str(req.lat) == "36.060000"


def test_point_outside_every_grid_is_refused(client, english, w, key):
    r = post(client, key, lat="30.0", long="110.0")
    assert r.status_code == 400
    assert r.json()[0]["description"] == "The point lies outside every grid of this jurisdiction"
    assert post(client, key, lat="abc", long="1").status_code == 400
    assert post(client, key, lat="nan", long="nan").status_code == 400
    assert Request.objects.count() == 0


def test_address_id_places_in_that_grid(client, w, key):
    grid2 = w["tree"]["grid2"]
    r = post(client, key, lat=None, long=None, address_id=grid2.code)
    assert r.status_code == 201
    assert Request.objects.get().area == grid2
    assert post(client, key, lat=None, long=None, address_id="nowhere").status_code == 400


def test_address_string_alone_goes_to_manual_placement(client, w, key, settings):
    settings.OPEN311_PLACEMENT_GRID = w["tree"]["grid2"].code
    r = post(client, key, lat=None, long=None, address_string="湛山花园3号楼")
    assert r.status_code == 201, r.content
    req = Request.objects.get()
    assert req.area == w["tree"]["grid2"] and req.address == "湛山花园3号楼"
    assert req.open311.needs_placement is True
    assert req.events.filter(kind="note", public=False, note__contains="湛山花园3号楼").exists()
    row = client.get(f"{BASE}/requests/{req.pk}.json").json()[0]
    assert row["address"] == "" and row["lat"] is None
    assert post(client, key, lat=None, long=None).status_code == 400


# --- POST: fields stored, returned, refused -------------------------------------------


def test_media_url_contact_and_attributes_are_stored_for_handlers(client, w, key):
    ServiceAttribute.objects.create(
        service_type=w["types"]["road"],
        code="size",
        datatype="singlevaluelist",
        required=True,
        description="多大",
        values=[{"key": "s", "name": "小"}, {"key": "l", "name": "大"}],
    )
    ServiceAttribute.objects.create(
        service_type=w["types"]["road"],
        code="where",
        datatype="multivaluelist",
        description="哪里",
        values=[{"key": "a", "name": "A"}, {"key": "b", "name": "B"}],
    )
    r = post(
        client,
        key,
        **{
            "attribute[size]": "l",
            "attribute[where][]": ["a", "b"],
            "email": "li@example.cn",
            "first_name": "伟",
            "last_name": "李",
            "phone": "13600000000",
            "device_id": "dev-1",
            "account_id": "acc-9",
            "media_url": "https://img.example.cn/p/1.jpg",
        },
    )
    assert r.status_code == 201, r.content
    assert r.json()[0]["account_id"] == "acc-9"
    req = Request.objects.get()
    sub = req.open311
    assert sub.attributes == {"size": "l", "where": ["a", "b"]}
    assert (sub.email, sub.phone, sub.device_id) == ("li@example.cn", "13600000000", "dev-1")
    assert req.reporter_name == "李 伟" and req.reporter_phone == "13600000000"
    public = json.dumps(client.get(f"{BASE}/requests/{req.pk}.json").json(), ensure_ascii=False)
    for secret in ("li@example.cn", "13600000000", "李 伟", "dev-1"):
        assert secret not in public
    Request.objects.filter(pk=req.pk).update(request_class="government", status="assigned")
    rows = client.get(f"{BASE}/requests.json").json()
    validate("requests.json", rows)
    assert [r["media_url"] for r in rows] == ["https://img.example.cn/p/1.jpg"]
    xml = validate_xml("requests.json", client.get(f"{BASE}/requests/{req.pk}.xml").content)
    assert xml[0]["media_url"] == "https://img.example.cn/p/1.jpg"
    client.force_login(w["people"]["chengguan"])
    page = client.get(f"/triage/r/{req.pk}/").content.decode()
    assert "li@example.cn" in page and "https://img.example.cn/p/1.jpg" in page
    assert 'data-testid="open311-attribute">l<' in page and "a, b" in page
    client.logout()
    public_page = client.get(f"/triage/r/{req.pk}/").content.decode()
    assert "li@example.cn" not in public_page and "open311-attribute" not in public_page


@pytest.mark.parametrize(
    "fields,message",
    [
        ({"service_code": "nope"}, "service_code nope is not a known service"),
        ({"service_code": ""}, "service_code is required"),
        ({"description": "长" * 2001}, "description is longer than 2000 characters"),
        ({"description": "<b></b>"}, "description shows no text"),
        ({"media_url": "javascript:alert(1)"}, "media_url must be an http or https URL"),
        ({"media_url": "ftp://x.example.cn/a.jpg"}, "media_url must be an http or https URL"),
        ({"media_url": "https://x.cn/" + "a" * 1000}, "media_url is longer than 1000 characters"),
        ({"email": "not-an-email"}, "email is not a valid address"),
        ({"attribute[size]": "xl"}, "attribute[size] must be one of s, l"),
        ({}, "attribute[size] is required"),
    ],
)
def test_bad_input_is_a_400_and_saves_nothing(client, english, w, key, fields, message):
    ServiceAttribute.objects.create(
        service_type=w["types"]["road"],
        code="size",
        datatype="singlevaluelist",
        required=True,
        description="多大",
        values=[{"key": "s"}, {"key": "l"}],
    )
    if "attribute[size]" not in fields and fields:
        fields = {"attribute[size]": "s", **fields}
    for fmt in ("json", "xml"):
        r = post(client, key, fmt=fmt, **fields)
        assert r.status_code == 400
        body = r.json() if fmt == "json" else validate_xml("errors.json", r.content)
        validate("errors.json", body)
        assert body[0]["description"] == message
    assert Request.objects.count() == 0 and Open311Submission.objects.count() == 0


def test_media_url_is_null_when_absent_and_service_code_never_empty(client, w, key):
    from triage import services

    services.request_submit(channel="web", text="路口井盖丢了，晚上很危险", area=w["tree"]["grid"])
    post(client, key, service_code="other", description="小区门口井盖丢了")
    rows = client.get(f"{BASE}/requests.json").json()
    validate("requests.json", rows)
    by_id = client.get(
        f"{BASE}/requests.json?service_request_id="
        + ",".join(str(pk) for pk in Request.objects.values_list("pk", flat=True))
    ).json()
    validate("requests.json", by_id)
    assert len(by_id) == 2
    assert all(row["media_url"] is None and row["service_code"] for row in rows + by_id)


def test_text_is_stored_as_typed_and_escaped_on_output(client, w, key):
    for text in ("室温<10度，井盖也丢了", "温度<a很低，路灯不亮"):
        r = post(client, key, description=text, address_string="<b>楼下</b>")
        rid = r.json()[0]["service_request_id"]
        req = Request.objects.get(pk=rid)
        assert req.text == text and req.address == "<b>楼下</b>"
        # Public once routed (a government matter with a confident class), or by id only.
        Request.objects.filter(pk=rid).update(
            request_class="government", status="assigned", organisation=w["orgs"]["chengguan"]
        )
        assert client.get(f"{BASE}/requests/{rid}.json").json()[0]["description"] == text
        xml = client.get(f"{BASE}/requests/{rid}.xml").content.decode()
        escaped = text.replace("<", "&lt;")
        assert f"<description>{escaped}</description>" in xml


# --- reads ---------------------------------------------------------------------------


def test_private_and_sensitive_requests_stay_retrievable_with_details_withheld(client, w, key):
    r = post(client, key, service_code="repair", description="钥匙锁家里了，找个开锁的")
    rid = r.json()[0]["service_request_id"]
    assert not Request.objects.public().filter(pk=rid).exists()
    one = client.get(f"{BASE}/requests/{rid}.json")
    assert one.status_code == 200
    row = one.json()[0]
    validate("requests.json", [row])
    assert row["description"] == "" and row["service_code"] == "repair"
    assert row["lat"] is None and row["media_url"] is None
    validate_xml("requests.json", client.get(f"{BASE}/requests/{rid}.xml").content)
    w["types"]["water"].sensitive = True
    w["types"]["water"].save()
    r = post(client, key, service_code="water", description="家里停水了")
    sid = r.json()[0]["service_request_id"]
    row = client.get(f"{BASE}/requests/{sid}.json").json()[0]
    assert row["service_code"] == "other" and row["description"] == ""
    listed = client.get(f"{BASE}/requests.json?service_request_id={rid},{sid}").json()
    assert {x["service_request_id"] for x in listed} == {rid, sid}
    assert rid not in {x["service_request_id"] for x in client.get(f"{BASE}/requests.json").json()}


def test_public_lat_long_is_the_grid_centre(client, w):
    from triage import services

    req = services.request_submit(
        channel="web",
        text="路口井盖丢了，晚上很危险",
        area=w["tree"]["grid"],
        lat="36.0512",
        lon="120.3811",
        service_type=w["types"]["road"],
    )
    Request.objects.filter(pk=req.pk).update(request_class="government", status="assigned")
    row = client.get(f"{BASE}/requests/{req.pk}.json").json()[0]
    assert (row["lat"], row["long"]) == (36.06, 120.39)
    assert row["address_id"] == w["tree"]["grid"].code
    other = services.request_submit(
        channel="web",
        text="路灯不亮了好几天",
        area=w["tree"]["grid2"],
        service_type=w["types"]["road"],
    )
    Request.objects.filter(pk=other.pk).update(request_class="government", status="assigned")
    row = client.get(f"{BASE}/requests/{other.pk}.json").json()[0]
    assert row["lat"] is None  # that grid has no outline at all


def _public(w, text, days_ago=0, closed=False):
    from triage import services

    req = services.request_submit(
        channel="web",
        text=text,
        area=w["tree"]["grid"],
        service_type=w["types"]["road"],
        now=timezone.now() - timedelta(days=days_ago),
    )
    Request.objects.filter(pk=req.pk).update(
        request_class="government", status="closed" if closed else "assigned"
    )
    return req


def test_filters_status_dates_and_id_override(client, english, w):
    open_one = _public(w, "路灯不亮了一个", days_ago=1)
    closed = _public(w, "井盖塌了一半", days_ago=2, closed=True)
    old = _public(w, "路面有个大坑", days_ago=120)
    ids = lambda r: {x["service_request_id"] for x in r.json()}  # noqa: E731
    assert ids(client.get(f"{BASE}/requests.json")) == {str(open_one.pk), str(closed.pk)}
    assert ids(client.get(f"{BASE}/requests.json?status=closed")) == {str(closed.pk)}
    assert ids(client.get(f"{BASE}/requests.json?status=open,closed")) == {
        str(open_one.pk),
        str(closed.pk),
    }
    # service_request_id overrides every other filter (status, dates, codes).
    r = client.get(
        f"{BASE}/requests.json",
        {
            "service_request_id": f"{old.pk},{open_one.pk}",
            "status": "closed",
            "service_code": "water",
            "start_date": "2001-01-01T00:00:00Z",
        },
    )
    assert ids(r) == {str(old.pk), str(open_one.pk)}
    start = (timezone.now() - timedelta(days=130)).isoformat()
    end = (timezone.now() - timedelta(days=60)).isoformat()
    assert ids(client.get(f"{BASE}/requests.json", {"start_date": start, "end_date": end})) == {
        str(old.pk)
    }
    # start_date alone: the 90 days from it; end_date alone: the 90 days up to it.
    assert ids(client.get(f"{BASE}/requests.json", {"start_date": start})) == {str(old.pk)}
    assert ids(client.get(f"{BASE}/requests.json", {"end_date": end})) == {str(old.pk)}
    for params, message in [
        ({"status": "bogus"}, "status must be open or closed (comma-separated)"),
        ({"start_date": "2026-02-30"}, "start_date must be a W3C datetime with a time zone"),
        ({"end_date": "yesterday"}, "end_date must be a W3C datetime with a time zone"),
        (
            {"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"},
            "The span of start_date and end_date is at most 90 days",
        ),
        (
            {"start_date": "2026-03-01T00:00:00Z", "end_date": "2026-01-01T00:00:00Z"},
            "start_date must be before end_date",
        ),
        ({"service_request_id": "abc"}, "service_request_id must be a comma-separated list of ids"),
    ]:
        for fmt in ("json", "xml"):
            r = client.get(f"{BASE}/requests.{fmt}", params)
            assert r.status_code == 400, params
            body = r.json() if fmt == "json" else validate_xml("errors.json", r.content)
            assert body == [{"code": 400, "description": message}]


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
    one = client.get(f"{BASE}/requests/{req.pk}.json").json()
    validate("requests.json", one)
    assert one[0]["status"] == "closed" and one[0]["status_notes"] == "路灯已修复"
    assert validate_xml("requests.json", client.get(f"{BASE}/requests/{req.pk}.xml").content)


def test_post_then_read_back_anonymised(client, w, key):
    r = post(
        client,
        key,
        first_name="伟",
        last_name="李",
        phone="13600000000",
        address_string="湛山花园3号楼",
    )
    assert r.status_code == 201, r.content
    assert validate_xml("post_response.json", post(client, key, fmt="xml").content)
    rid = r.json()[0]["service_request_id"]
    one = client.get(f"{BASE}/requests/{rid}.json").json()[0]
    assert one["status"] == "open"
    assert one["agency_responsible"] == "市南区城市管理局"
    assert one["expected_datetime"]
    text = json.dumps(client.get(f"{BASE}/requests.json").json(), ensure_ascii=False)
    assert "13600000000" not in text and "李 伟" not in text and "湛山花园" not in text


# --- idempotency and tokens ------------------------------------------------------------


def test_repeated_post_with_the_same_token_answers_the_first_answer(client, w, key):
    first = post(client, key, headers={"Idempotency-Key": "abc-1"})
    again = post(client, key, headers={"Idempotency-Key": "abc-1"})
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    same_in_body = post(client, key, idempotency_key="abc-1")
    assert same_in_body.json() == first.json()
    assert Request.objects.count() == 1
    changed = post(client, key, headers={"Idempotency-Key": "abc-1"}, description="另一件事")
    assert changed.status_code == 409
    validate("errors.json", changed.json())
    assert Request.objects.count() == 1
    other_key = ApiKey.issue("other app")[1]
    assert post(client, other_key, headers={"Idempotency-Key": "abc-1"}).status_code == 201
    assert Request.objects.count() == 2
    tok = client.get(f"{BASE}/tokens/abc-1.json").json()
    validate("token.json", tok)
    assert validate_xml("token.json", client.get(f"{BASE}/tokens/abc-1.xml").content)


# --- rate limits -----------------------------------------------------------------------


def test_rate_limit_per_key_is_a_429_open311_error(client, w, key, settings):
    settings.OPEN311_RATE_LIMIT_KEY = (2, 60)
    assert post(client, key).status_code == 201
    assert post(client, key).status_code == 201
    r = post(client, key, fmt="xml")
    assert r.status_code == 429 and int(r["Retry-After"]) >= 1
    assert validate_xml("errors.json", r.content)[0]["code"] == 429
    assert Request.objects.count() == 2
    assert post(client, ApiKey.issue("other")[1]).status_code == 201


def test_rate_limit_per_address(client, w, settings):
    settings.OPEN311_RATE_LIMIT_ADDRESS = (3, 60)
    for _ in range(3):
        assert client.get(f"{BASE}/services.json").status_code == 200
    r = client.get(f"{BASE}/services.json")
    assert r.status_code == 429
    validate("errors.json", r.json())
    assert client.get(f"{BASE}/services.json", REMOTE_ADDR="10.0.0.9").status_code == 200


def test_rate_limit_window_counts_in_the_cache():
    from triage.open311 import ratelimit

    assert ratelimit.hit("t", "x", 2, 60, now=1000) is None
    assert ratelimit.hit("t", "x", 2, 60, now=1001) is None
    assert ratelimit.hit("t", "x", 2, 60, now=1002) == 60 - 1002 % 60
    assert ratelimit.hit("t", "x", 2, 60, now=1080) is None  # the next window


def test_the_demo_validates_and_names_a_service_everywhere(client):
    """Issue 11: three demo rows had an empty service_code; every demo request, public or
    read by its id, now validates against the schema in JSON and XML."""
    from django.core.management import call_command

    call_command("load_demo", stdout=open("/dev/null", "w"))
    assert not Request.objects.filter(service_type__isnull=True).exists()
    ids = ",".join(str(pk) for pk in Request.objects.values_list("pk", flat=True))
    for query in ("", f"?service_request_id={ids}"):
        rows = client.get(f"{BASE}/requests.json{query}").json()
        validate("requests.json", rows)
        assert validate_xml("requests.json", client.get(f"{BASE}/requests.xml{query}").content)
        sensitive = {
            str(pk)
            for pk in Request.objects.filter(
                Q(sensitive=True) | Q(service_type__sensitive=True)
            ).values_list("pk", flat=True)
        }
        others = {row["service_request_id"] for row in rows if row["service_code"] == "other"}
        assert others <= sensitive  # a sensitive request does not say its service
    assert len(rows) == Request.objects.count()
    public = client.get(f"{BASE}/requests.json").json()
    assert public and all(row["lat"] is not None for row in public)


def test_request_list_query_count_does_not_grow_with_rows(client, w, django_assert_num_queries):
    _public(w, "路灯不亮了一个")
    client.get(f"{BASE}/requests.json")  # warm: one-off lookups of the first call
    with CaptureQueriesContext(connection) as one:
        assert len(client.get(f"{BASE}/requests.json").json()) == 1
    for i in range(5):
        _public(w, f"路面有个大坑{i}")
    with django_assert_num_queries(len(one.captured_queries)):
        assert len(client.get(f"{BASE}/requests.xml").content) > 0
    with django_assert_num_queries(len(one.captured_queries)):
        assert len(client.get(f"{BASE}/requests.json").json()) == 6


# --- languages: descriptions in the request's language -----------------------------------


def test_error_descriptions_are_simplified_chinese_by_default(client, w, key):
    r = post(client, key, lat="30.0", long="110.0")
    assert r.status_code == 400 and r["Content-Language"] == "zh-hans"
    assert r.json() == [{"code": 400, "description": "该位置不在本辖区的任何网格内"}]
    # Parameter names and values stay as sent, inside the Chinese sentence.
    r = post(client, key, fmt="xml", service_code="nope")
    body = validate_xml("errors.json", r.content)
    assert body == [{"code": 400, "description": "service_code nope 不是已知的服务"}]
    r = client.get(f"{BASE}/requests.json", {"end_date": "yesterday"})
    validate("errors.json", r.json())
    assert r.json()[0]["description"] == "end_date 必须是带时区的 W3C datetime"
    # Like every page, the API ignores a browser's Accept-Language.
    r = client.get(f"{BASE}/requests.json", {"status": "bogus"}, HTTP_ACCEPT_LANGUAGE="en")
    assert r.json()[0]["description"] == "status 必须是 open 或 closed（可用逗号分隔）"
    assert client.delete(f"{BASE}/services.json").json()[0]["description"] == "请使用 GET"
    assert client.get("/triage/open311/nothing").json()[0]["description"] == (
        "没有这个 Open311 资源，请查看 discovery.json"
    )
    assert Request.objects.count() == 0


def test_the_zh_hant_language_cookie_gives_traditional_chinese(client, w, key, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hant"
    r = post(client, key, lat="30.0", long="110.0")
    assert r.status_code == 400 and r["Content-Language"] == "zh-hant"
    assert r.json()[0]["description"] == "該位置不在本轄區的任何網格內"
    r = post(client, key, service_code="")
    assert r.json()[0]["description"] == "必須填寫 service_code"
    r = client.delete(f"{BASE}/requests.json")
    assert r.json()[0]["description"] == "請使用 GET 或 POST"


def test_refusals_before_the_locale_middleware_speak_the_chosen_language(client, w, settings):
    r = client.get(f"{BASE}/requests.json", {"service_code": "road\x00"})
    assert r.json() == [{"code": 400, "description": "请求中含有不允许的字符"}]
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    r = client.get(f"{BASE}/requests.xml", {"service_code": "road\x00"})
    assert validate_xml("errors.json", r.content)[0]["description"] == (
        "The request contains characters that are not allowed"
    )


def test_rate_limit_and_service_refusals_are_in_one_language(client, w, key, settings):
    settings.OPEN311_RATE_LIMIT_ADDRESS = (1, 60)
    assert client.get(f"{BASE}/services.json").status_code == 200
    r = client.get(f"{BASE}/services.json")
    assert r.status_code == 429
    wait = r["Retry-After"]
    assert r.json()[0]["description"] == f"请求过于频繁，请 {wait} 秒后再试。"
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    r = client.get(f"{BASE}/services.json")
    assert r.json()[0]["description"] == (
        f"Too many requests; try again in {r['Retry-After']} seconds."
    )


def test_the_placement_note_is_in_the_site_language_whatever_the_clients(
    client, english, w, key, settings
):
    settings.OPEN311_PLACEMENT_GRID = w["tree"]["grid2"].code
    r = post(client, key, lat=None, long=None, address_string="湛山花园3号楼")
    assert r.status_code == 201, r.content
    note = Request.objects.get().events.get(kind="note", public=False).note
    assert note == "仅有地址（湛山花园3号楼）：请核实所属网格。"
