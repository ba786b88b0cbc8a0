"""Issue 9, finding 10: inputs that answered 500 (and mailed the admins) now get a clear
refusal and change nothing.  One test per crash found by hand; the hypothesis-driven
sweep over every endpoint is in test_hostile_input.py."""

import datetime

import pytest
from django.test import Client
from django.urls import resolve, reverse
from django.utils import timezone

from deliberation.models import Format, Outcome, Session, Topic
from portal.inputs import BIGINT_MAX, parse_datetime_param, parse_id, parse_ids
from portal.models import Membership
from tests import factories
from tests.deliberation.factories import poll as make_poll
from tests.deliberation.factories import session as make_session
from tests.deliberation.factories import topic as make_topic
from triage.models import ApiKey, Request

pytestmark = pytest.mark.django_db

O311 = "/triage/open311/v2"
HUGE_ID = "1234567890123456789012345"


@pytest.fixture(autouse=True)
def _no_staff_mfa(settings):
    settings.PORTAL_REQUIRE_STAFF_MFA = False


@pytest.fixture
def c():
    """A client that answers 500 like the server does instead of raising."""
    return Client(raise_request_exception=False)


# --- Open311 dates ------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "2026-02-30T10:00:00Z",  # 30 February
        "2026-13-01T00:00:00Z",
        "0001-01-01T00:00:00+14:00",  # before year 1 in UTC
        "9999-12-31T23:59:59-14:00",  # after year 9999 in UTC
        "2026-01-01T25:00:00Z",
    ],
)
def test_open311_impossible_dates_are_an_open311_400(c, tree, value):
    for key in ("start_date", "end_date"):
        r = c.get(f"{O311}/requests.json", {key: value})
        assert r.status_code == 400
        assert r.json()[0]["code"] == 400 and key in r.json()[0]["description"]
        x = c.get(f"{O311}/requests.xml", {key: value})
        assert x.status_code == 400 and b"<errors><error><code>400</code>" in x.content


def test_open311_valid_dates_still_filter(c, tree):
    r = c.get(f"{O311}/requests.json", {"start_date": "2026-02-28T10:00:00+08:00"})
    assert r.status_code == 200 and r.json() == []


def test_parse_datetime_param():
    assert parse_datetime_param("2026-02-28T10:00:00Z") == datetime.datetime(
        2026, 2, 28, 10, tzinfo=datetime.UTC
    )
    assert timezone.is_aware(parse_datetime_param("2026-02-28T10:00:00"))
    for bad in ("2026-02-30T10:00:00Z", "", "x", "2026-02-28T10:00:00Z\x00", "0001-01-01T00:00"):
        assert parse_datetime_param(bad) is None


# --- NUL bytes ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/search/?q=a%00b",
        "/deliberation/?q=%00",
        "/triage/?area=1%00",
        "/me/%00/",
        "/search/?%00=1",
    ],
)
def test_nul_in_query_or_path_is_a_translated_400(c, tree, url):
    r = c.get(url)
    assert r.status_code == 400
    assert "请求中含有不允许的字符" in r.content.decode()


def test_nul_in_query_of_open311_is_an_open311_error_in_the_asked_format(c, tree):
    r = c.get(f"{O311}/requests.json", {"service_code": "a\x00b"})
    assert r.status_code == 400 and r.json()[0]["code"] == 400
    x = c.get(f"{O311}/requests.xml", {"status": "\x00"})
    assert x.status_code == 400 and x["Content-Type"] == "text/xml; charset=utf-8"
    assert b"<errors><error><code>400</code>" in x.content


def test_nul_in_posted_form_changes_nothing(c, tree, resident):
    c.force_login(resident)
    community = tree["community"]
    url = reverse("deliberation:topic_raise", args=[community.code])
    r = c.post(url, {"format": "roundtable", "title": "电梯\x00", "body": "加装电梯"})
    assert r.status_code == 400
    assert not Topic.objects.exists()


def test_nul_in_open311_post_is_refused(c, tree):
    _key, raw = ApiKey.issue("city app")
    r = c.post(
        f"{O311}/requests.json",
        {
            "api_key": raw,
            "service_code": "road",
            "description": "井盖\x00",
            "address_id": tree["grid"].code,
        },
    )
    assert r.status_code == 400 and r.json()[0]["code"] == 400
    assert not Request.objects.exists()


def test_nul_in_a_cookie_is_ignored(c, tree):
    c.cookies["sessionid"] = "\x00abcdefghijklmnop"
    c.cookies["django_language"] = "\x00"
    assert c.get("/deliberation/").status_code == 200


# --- Search syntax ------------------------------------------------------------------


HOSTILE_QUERIES = ['"', 'a"b', '"漏水', "*", "(", ")", "NEAR", "NEAR(a b)", "-", ":", "a:b", "^a"]
HOSTILE_QUERIES += ["OR", "AND NOT", "'", "\\", "漏" * 1000, "x" * 1000, "", " ", "_", "☃"]


@pytest.mark.parametrize("q", HOSTILE_QUERIES)
def test_site_search_survives_search_syntax(c, tree, q):
    r = c.get(reverse("cms:search"), {"q": q})
    assert r.status_code == 200


@pytest.mark.parametrize("q", HOSTILE_QUERIES)
def test_deliberation_search_survives_search_syntax(c, tree, q):
    make_topic(tree["community"], title="电梯加装")
    url = reverse("deliberation:community", args=[tree["community"].code])
    assert c.get(url, {"q": q}).status_code == 200


def test_quoted_words_still_find_the_page():
    from cms.selectors import search_pages
    from tests.cms.test_search import add_news

    add_news("居民求助", "<p>家中漏水该找谁？</p>")
    assert [p.title for p in search_pages('"漏水"')] == ["居民求助"]
    assert [p.title for p in search_pages("(漏水* -:")] == ["居民求助"]
    assert list(search_pages('"')) == []


# --- Integers beyond their column ---------------------------------------------------


def test_session_capacity_beyond_the_column_is_a_form_error(c, community, committee_member):
    c.force_login(committee_member)
    now = timezone.localtime() + datetime.timedelta(days=3)
    data = {
        "community": community.pk,
        "format": Format.objects.get(code="roundtable", community=None).pk,
        "title": "圆桌",
        "starts_at": now.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (now + datetime.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        "place": "党群服务中心",
        "capacity": str(2**31),
    }
    r = c.post(reverse("wagtailsnippets_deliberation_session:add"), data)
    assert r.status_code == 200  # the form again, with the error
    assert "2147483647" in r.content.decode()
    assert not Session.objects.exists()
    data["capacity"] = "30"
    r = c.post(reverse("wagtailsnippets_deliberation_session:add"), data)
    assert r.status_code == 302, [str(m) for m in r.context["messages"]]
    assert Session.objects.get().capacity == 30


def test_session_dates_beyond_what_the_database_holds_are_a_form_error(
    c, community, committee_member
):
    c.force_login(committee_member)
    data = {
        "community": community.pk,
        "format": Format.objects.get(code="roundtable", community=None).pk,
        "title": "圆桌",
        "starts_at": "0001-01-01T00:00",
        "ends_at": "9999-12-31T23:59",
        "capacity": "30",
    }
    r = c.post(reverse("wagtailsnippets_deliberation_session:add"), data)
    assert r.status_code == 200 and not Session.objects.exists()


@pytest.mark.parametrize("votes", [str(2**31), "1" + "0" * 24, str(2**63)])
def test_huge_vote_counts_are_refused(c, community, committee_member, votes):
    t = make_topic(community)
    c.force_login(committee_member)
    r = c.post(
        reverse("deliberation:topic_outcome", args=[t.pk]),
        {"decision": "通过", "votes_for": votes, "votes_against": "1"},
    )
    assert r.status_code == 200  # the topic page again, with the decision kept
    assert "通过</textarea>" in r.content.decode()
    assert not Outcome.objects.exists()


def test_ids_beyond_a_bigint_do_not_resolve():
    # No match for the topic view (the Wagtail page catch-all then answers 404).
    assert resolve(f"/deliberation/t/{HUGE_ID}/").view_name != "deliberation:topic"
    assert resolve(f"/deliberation/t/{BIGINT_MAX + 1}/").view_name != "deliberation:topic"
    assert resolve(f"/deliberation/t/{BIGINT_MAX}/").kwargs == {"pk": BIGINT_MAX}
    assert reverse("deliberation:topic", args=[7]) == "/deliberation/t/7/"


@pytest.mark.parametrize(
    "url",
    [
        f"/deliberation/t/{HUGE_ID}/",
        f"/credits/redemptions/{HUGE_ID}/",
        f"/triage/r/{HUGE_ID}/",
        f"{O311}/requests/{HUGE_ID}.json",
        f"/admin/deliberation/polls/{HUGE_ID}/",
    ],
)
def test_25_digit_ids_in_urls_are_404(c, community, committee_member, url):
    c.force_login(committee_member)
    assert c.get(url).status_code == 404


@pytest.mark.parametrize("value", [HUGE_ID, str(2**63), "²", "٣", "-1", "1.5", "0x10"])
def test_ids_in_query_strings_and_lists(c, tree, value):
    r = c.get(f"{O311}/requests.json", {"service_request_id": f"1,{value}"})
    assert r.status_code == 200 and r.json() == []
    assert c.get(reverse("triage:index"), {"area": value}).status_code == 200


@pytest.mark.parametrize("value", [HUGE_ID, "²"])
def test_ids_in_posted_lists(c, community, committee_member, resident, value):
    from credits.models import ServiceLog

    p = make_poll(community, committee_member)
    c.force_login(resident)
    r = c.post(reverse("deliberation:poll", args=[p.pk]), {"option": [value]})
    assert r.status_code == 302 and not p.ballots.exists()
    c.force_login(committee_member)
    r = c.post(reverse("credits:verify"), {"log": [value], "action": "approve"})
    assert r.status_code in (200, 302) and not ServiceLog.objects.exists()
    t = make_topic(community)
    make_session(community, committee_member)
    r = c.post(reverse("deliberation_admin:add_to_session", args=[t.pk]), {"session": value})
    assert r.status_code == 404


def test_parse_id():
    assert parse_id("42") == 42 and parse_id(" 42 ") == 42 and parse_id(7) == 7
    for bad in ("", "0", "-1", "²", "٣", HUGE_ID, str(2**63), "1e3", None, True, 2**63, [1]):
        assert parse_id(bad) is None
    assert parse_ids(["3", "x", "3", "2", HUGE_ID]) == [3, 2]


def test_open311_post_with_nan_coordinates_is_a_400(c, tree):
    _key, raw = ApiKey.issue("city app")
    for lat, lon in (("NaN", "120"), ("36", "nan"), ("Infinity", "1"), ("1e999999", "1")):
        r = c.post(
            f"{O311}/requests.json",
            {
                "api_key": raw,
                "service_code": "road",
                "description": "井盖丢了",
                "address_id": tree["grid"].code,
                "lat": lat,
                "long": lon,
            },
        )
        assert r.status_code == 400, (lat, lon)
    assert not Request.objects.exists()


def test_model_fields_refuse_values_beyond_their_columns(community):
    from django.core.exceptions import ValidationError

    s = Session(
        community=community,
        title="t",
        starts_at=timezone.now(),
        ends_at=timezone.now(),
        capacity=2**31,
    )
    with pytest.raises(ValidationError) as exc:
        s.full_clean(exclude=["format"])
    assert "capacity" in exc.value.message_dict


# --- "go back to where you were" ----------------------------------------------------------

OFFSITE_OR_BROKEN_NEXT = [
    "https://evil.example/phish",
    "//evil.example/phish",
    "/\\evil.example",
    "javascript:alert(1)",
    "å",  # a bare word was taken for a URL name: NoReverseMatch, a 500
    "deliberation:index\x00",
]


@pytest.mark.parametrize("target", OFFSITE_OR_BROKEN_NEXT)
def test_a_refused_action_never_redirects_off_site_or_crashes(c, tree, resident, target):
    topic = make_topic(tree["community"], raised_by=resident)
    c.force_login(resident)
    # A resident may not moderate: refused, and sent back to a page of ours.
    url = reverse("deliberation:topic_status", args=[topic.pk])
    r = c.post(url, {"status": "closed", "next": target}, HTTP_REFERER=target)
    assert r.status_code in (302, 400), r.status_code
    if r.status_code == 302:
        assert r["Location"].startswith("/") and not r["Location"].startswith("//")
        assert "evil" not in r["Location"]


@pytest.mark.parametrize("target", OFFSITE_OR_BROKEN_NEXT)
def test_preferences_never_redirect_off_site(c, tree, target):
    r = c.post(reverse("portal:preferences"), {"language": "en", "next": target})
    assert r.status_code in (302, 400)
    if r.status_code == 302:
        assert r["Location"] == "/"


def test_a_path_on_the_site_is_still_where_you_go_back_to(c, tree, resident):
    topic = make_topic(tree["community"], raised_by=resident)
    c.force_login(resident)
    url = reverse("deliberation:topic_status", args=[topic.pk])
    r = c.post(url, {"status": "closed", "next": topic.get_absolute_url()})
    assert r["Location"] == topic.get_absolute_url()


@pytest.mark.parametrize("value", [HUGE_ID, str(2**63), "²", "٣", "-1", "1.5", "0x10"])
def test_area_filters_of_every_list_and_dashboard_take_any_value(c, tree, committee_member, value):
    """Every area picker (the lists', the dashboard's) reads its value with parse_id."""
    c.force_login(committee_member)
    for name in ("triage:index", "triage:queue", "triage:dashboard", "triage:directory"):
        assert c.get(reverse(name), {"area": value}).status_code == 200, name


@pytest.mark.parametrize("value", ["²", "٣", HUGE_ID])
def test_a_grid_posted_as_a_strange_number_is_a_form_error(c, tree, value):
    worker = factories.member("grid_worker", tree["grid"])
    Membership.objects.filter(user=worker).update(status="active")
    c.force_login(worker)
    r = c.post(
        reverse("triage:intake"),
        {"channel": "grid_worker", "grid": value, "text": "楼道声控灯坏了", "contact": "site"},
    )
    assert r.status_code == 200 and not Request.objects.exists()
