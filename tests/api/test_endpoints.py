"""The public API read from its spec (issue 11): what each endpoint publishes, filters,
pagination, errors as JSON, caching and the rate limit."""

import datetime

import pytest

from portal.models import Area

pytestmark = pytest.mark.django_db

API = "/api/v1"


def get(client, url, **params):
    response = client.get(url, params)
    assert response["Content-Type"].startswith("application/json"), response.content[:200]
    return response


def test_areas_list_every_area_with_its_parent_and_full_name(client, tree):
    data = get(client, f"{API}/areas/").json()
    assert data["count"] == Area.objects.count() == 8
    by_code = {a["code"]: a for a in data["results"]}
    grid = by_code[tree["grid"].code]
    assert grid["parent"] == tree["community"].code
    assert grid["kind"] == "grid"
    assert grid["full_name"] == "市南区八大湖街道新湛社区第一网格"
    assert by_code[tree["city"].code]["parent"] is None


def test_areas_filter_by_kind_and_parent(client, tree):
    kids = get(client, f"{API}/areas/", parent=tree["community"].code).json()["results"]
    assert {a["code"] for a in kids} == {tree["grid"].code, tree["grid2"].code}
    grids = get(client, f"{API}/areas/", kind="grid").json()
    assert grids["count"] == 3
    one = get(client, f"{API}/areas/{tree['street'].code}/").json()
    assert one["name"] == "八大湖街道" and one["parent"] == tree["district"].code


def test_communities_are_the_community_areas(client, tree):
    data = get(client, f"{API}/communities/").json()
    assert [c["code"] for c in data["results"]] == [
        tree["community"].code,
        tree["other_community"].code,
    ]
    assert get(client, f"{API}/communities/{tree['community'].code}/").json()["name"] == "新湛社区"
    # a grid is an area but not a community
    assert get(client, f"{API}/communities/{tree['grid'].code}/").status_code == 404


def test_topics_with_status_tags_and_outcome(client, deliberation_data):
    d = deliberation_data
    data = get(client, f"{API}/topics/").json()
    assert data["count"] == 2
    decided = next(t for t in data["results"] if t["id"] == d["decided"].pk)
    assert decided["community"] == d["community"].code
    assert decided["status"] == "decided"
    assert decided["tags"] == ["电梯"]
    assert decided["outcome"] == d["outcome"].pk
    assert decided["format"]["code"] == "roundtable"
    assert "raised_by" not in decided
    only_open = get(client, f"{API}/topics/", status="proposed").json()["results"]
    assert [t["id"] for t in only_open] == [d["open_topic"].pk]
    tagged = get(client, f"{API}/topics/", tag="电梯").json()["results"]
    assert [t["id"] for t in tagged] == [d["decided"].pk]
    assert get(client, f"{API}/topics/{d['open_topic'].pk}/").json()["outcome"] is None


def test_topics_filter_by_community_and_dates(client, deliberation_data, tree):
    d = deliberation_data
    assert (
        get(client, f"{API}/topics/", community=tree["other_community"].code).json()["count"] == 0
    )
    assert get(client, f"{API}/topics/", community=d["community"].code).json()["count"] == 2
    today = datetime.date.today()
    future = (today + datetime.timedelta(days=3)).isoformat()
    assert get(client, f"{API}/topics/", created_after=future).json()["count"] == 0
    assert get(client, f"{API}/topics/", created_before=future).json()["count"] == 2


def test_sessions_and_outcomes_with_followups(client, deliberation_data):
    d = deliberation_data
    sessions = get(client, f"{API}/sessions/").json()["results"]
    assert [s["id"] for s in sessions] == [d["session"].pk]
    assert sessions[0]["topics"] == [d["decided"].pk]
    assert "created_by" not in sessions[0]
    outcome = get(client, f"{API}/outcomes/{d['outcome'].pk}/").json()
    assert outcome["topic"] == {"id": d["decided"].pk, "title": "加装电梯"}
    assert outcome["session"] == d["session"].pk
    assert (outcome["votes_for"], outcome["votes_against"], outcome["votes_abstain"]) == (20, 3, 1)
    assert [f["action"] for f in outcome["followups"]] == ["公示分摊方案", "申请加装电梯补贴"]
    assert outcome["followups"][0]["status"] == "planned"
    assert outcome["followups"][0]["overdue"] is False
    assert "decided_by" not in outcome
    listed = get(client, f"{API}/outcomes/", community=d["community"].code).json()
    assert listed["count"] == 1


def test_moral_bank_totals_per_community(client, moral_bank_data, tree):
    rows = {r["community"]: r for r in get(client, f"{API}/moral-bank/").json()["results"]}
    mine = rows[tree["community"].code]
    assert mine["issued"] == 100.0
    assert mine["redeemed"] == 20.0
    assert mine["outstanding"] == 80.0
    assert mine["held_by_residents"] == 80.0
    assert mine["resident_accounts"] == 1
    assert mine["verified_hours"] == 2.0
    assert mine["volunteers"] == 1
    empty = rows[tree["other_community"].code]
    assert (empty["issued"], empty["resident_accounts"], empty["verified_hours"]) == (0, 0, 0)
    one = get(client, f"{API}/moral-bank/{tree['community'].code}/").json()
    assert one == mine


# --- pagination ---------------------------------------------------------------------


def test_lists_are_paginated(client, tree):
    first = get(client, f"{API}/areas/", page_size=3).json()
    assert first["count"] == 8 and len(first["results"]) == 3
    assert "page=2" in first["next"] and first["previous"] is None
    last = get(client, f"{API}/areas/", page_size=3, page=3).json()
    assert len(last["results"]) == 2 and last["next"] is None


@pytest.mark.parametrize(
    ("params", "status", "field"),
    [
        ({"page": "0"}, 400, "page"),
        ({"page": "-1"}, 400, "page"),
        ({"page": "abc"}, 400, "page"),
        ({"page": "99999999999999999999999"}, 400, "page"),
        ({"page_size": "0"}, 400, "page_size"),
        ({"page_size": "201"}, 400, "page_size"),
        ({"page_size": "x"}, 400, "page_size"),
        ({"page": "9"}, 404, None),
    ],
)
def test_bad_pages_are_clear_json_errors(client, tree, params, status, field):
    response = get(client, f"{API}/areas/", **params)
    assert response.status_code == status
    body = response.json()
    assert body["status"] == status
    assert body["detail"]
    if field:
        assert body["code"] == "invalid" and field in body["errors"]
    else:
        assert body["code"] == "not_found" and "last page" in body["detail"]


# --- bad input --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "params", "field"),
    [
        ("topics", {"created_after": "2026-13-01"}, "created_after"),
        ("topics", {"created_before": "yesterday"}, "created_before"),
        (
            "topics",
            {"created_after": "2026-05-02", "created_before": "2026-05-01"},
            "created_before",
        ),  # noqa: E501
        ("topics", {"status": "bogus"}, "status"),
        ("topics", {"community": "no-such-community"}, "community"),
        ("topics", {"community": "不是代码"}, "community"),
        ("sessions", {"starts_after": "2026-02-30"}, "starts_after"),
        ("outcomes", {"decided_before": "0"}, "decided_before"),
        ("areas", {"kind": "planet"}, "kind"),
        ("outcomes", {"community": ""}, "community"),
        ("outcomes", {"decided_before": ""}, "decided_before"),
        ("request-statistics", {"month_from": ""}, "month_from"),
        ("areas", {"parent": "nowhere"}, "parent"),
        ("request-statistics", {"month_from": "2026-13"}, "month_from"),
        ("request-statistics", {"month_to": "2026-1"}, "month_to"),
        ("request-statistics", {"month_from": "0000-01"}, "month_from"),
        ("request-statistics", {"month_from": "2026-05", "month_to": "2026-04"}, "month_to"),
        ("request-statistics", {"level": "grid"}, "level"),
        ("request-statistics", {"area": "nowhere"}, "area"),
    ],
)
def test_malformed_filters_are_400_naming_the_parameter(client, tree, url, params, field):
    response = get(client, f"{API}/{url}/", **params)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and list(body["errors"]) == [field], body


def test_level_above_the_area_is_refused(client, tree):
    response = get(
        client, f"{API}/request-statistics/", area=tree["community"].code, level="district"
    )
    assert response.status_code == 400 and "level" in response.json()["errors"]


@pytest.mark.parametrize(
    "path",
    [
        "topics/999999/",
        "topics/99999999999999999999999999/",
        "sessions/0/",
        "outcomes/424242/",
        "areas/nowhere/",
        "communities/nowhere/",
        "moral-bank/nowhere/",
        "topics/abc/",
        "nothing-here/",
        "areas/a%0Ab/",
        "v2/",
    ],
)
def test_unknown_ids_and_paths_are_json_404(client, tree, path):
    url = f"{API}/{path}" if not path.startswith("v2") else f"/api/{path}"
    response = get(client, url)
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_a_nul_byte_is_refused_as_json(client, tree):
    response = client.get(f"{API}/topics/", {"tag": "a\x00b"})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"


def test_writes_are_refused_as_json(client, tree):
    response = client.post(f"{API}/topics/", {"title": "x"})
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


# --- caching and rate limit ---------------------------------------------------------------


def test_etag_and_if_none_match_give_304(client, tree):
    first = get(client, f"{API}/areas/")
    etag = first["ETag"]
    assert etag.startswith('"') and first["Cache-Control"] == "public, max-age=60"
    again = client.get(f"{API}/areas/", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again["ETag"] == etag
    assert client.get(f"{API}/areas/", headers={"If-None-Match": f"W/{etag}"}).status_code == 304
    # a change to the data is a new body, a new tag: the old one no longer matches
    Area.objects.filter(pk=tree["grid"].pk).update(name="第一网格（新）")
    changed = client.get(f"{API}/areas/", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed["ETag"] != etag


def test_errors_are_not_cached(client, tree):
    response = get(client, f"{API}/topics/424242/")
    assert response["Cache-Control"] == "no-store"
    assert not response.has_header("ETag")


def test_rate_limit_per_client_address_is_a_429_json(client, tree, settings):
    settings.PUBLIC_API_RATE = "3/min"
    for _ in range(3):
        assert client.get(f"{API}/communities/", REMOTE_ADDR="10.0.0.1").status_code == 200
    refused = client.get(f"{API}/communities/", REMOTE_ADDR="10.0.0.1")
    assert refused.status_code == 429
    body = refused.json()
    assert body["status"] == 429 and body["code"] == "throttled"
    assert int(refused["Retry-After"]) > 0
    # another address has its own allowance
    assert client.get(f"{API}/communities/", REMOTE_ADDR="10.0.0.2").status_code == 200


def test_the_api_ignores_the_session_and_needs_no_sign_in(client, tree, deliberation_data):
    client.force_login(deliberation_data["committee"])
    assert get(client, f"{API}/topics/").status_code == 200
    assert "csrftoken" not in client.cookies


def test_a_missing_final_slash_is_redirected_not_refused(client, tree):
    response = client.get(f"{API}/topics", {"status": "decided"})
    assert response.status_code == 301
    assert response["Location"] == f"{API}/topics/?status=decided"
    assert client.get(f"{API}/nothing").status_code == 404
