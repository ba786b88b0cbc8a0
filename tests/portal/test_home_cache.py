"""The signed-in home page's personal panels are kept rendered (issue #15): a repeat
visit draws them from the cache without a query, and every write that changes what a
panel shows (a request handled, a registration, a check-in, coins earned or reserved, a
residency confirmed or ended) shows on the very next visit.  A panel is its reader's
alone, in their language."""

from __future__ import annotations

import datetime
import re
import types

import pytest
from django.core.cache.backends import locmem
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from credits import services as credits_services
from credits.models import Deed
from deliberation import services as delib_services
from deliberation.models import Registration
from portal import services as portal_services
from portal.models import Membership, Role, User
from tests import factories
from tests.credits import factories as cf
from tests.deliberation import factories as df
from triage import services as triage_services

pytestmark = pytest.mark.django_db

# What a panel reads: none of these tables is touched when every panel comes from the cache.
PANEL_TABLES = ("credits_account", "triage_request", "deliberation_registration")


def home(client) -> str:
    response = client.get("/")
    assert response.status_code == 200
    return response.content.decode()


def visit(client) -> tuple[str, list[str]]:
    """The home page and the SQL it ran."""
    with CaptureQueriesContext(connection) as ctx:
        html = home(client)
    return html, [q["sql"] for q in ctx.captured_queries]


def panel_queries(sql: list[str]) -> list[str]:
    return [q for q in sql if any(table in q for table in PANEL_TABLES)]


def report(w, text, reporter=None, **kw):
    """A 小事 in the committee's inbox, confirmed by the committee if the classifier waits."""
    req = triage_services.request_submit(
        channel="web", text=text, area=w["tree"]["grid"], reporter=reporter, **kw
    )
    if req.status == "triaged":
        req = triage_services.request_confirm(
            request=req, actor=w["people"]["committee"], request_class="community"
        )
    return req


def coins(html: str) -> str:
    marker = 'data-testid="home-coins">'
    start = html.index(marker) + len(marker)
    return html[start : html.index("<", start)]


@pytest.fixture
def resident(w):
    return factories.resident(w["tree"]["grid"], display_name="王秀英")


def test_the_demo_residents_repeat_visit_reads_no_panel_row(client):
    call_command("load_demo", stdout=open("/dev/null", "w"))
    client.force_login(User.objects.get(username="13900000001"))
    first, _sql = visit(client)
    again, sql = visit(client)
    assert panel_queries(sql) == []
    assert len(sql) == REPEAT_QUERIES
    assert _tokenless(again) == _tokenless(first)  # the same page, drawn from the cache


def _tokenless(html: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="\w+"', "", html)


def _token(html: str) -> str:
    marker = 'name="csrfmiddlewaretoken" value="'
    if marker not in html:
        return ""
    start = html.index(marker) + len(marker)
    return html[start : html.index('"', start)]


# Session, user, page and the fragments come from the cache; the one query is the person's
# memberships, which are read from the database inside a transaction (every test runs in
# one) and from the cache when served (bench/pages_cpu.py: 0 queries).
REPEAT_QUERIES = 1


def test_repeat_visit_queries_stay_the_same_as_the_resident_does_more(client, w, community):
    resident = factories.resident(w["tree"]["grid"])
    committee = w["people"]["committee"]
    cf.fund(resident, community, amount="10.00")
    client.force_login(resident)

    def repeat() -> list[str]:
        visit(client)  # the writes moved the resident's versions: drawn once …
        _html, sql = visit(client)  # … then kept
        return sql

    few = repeat()
    for i in range(4):
        df.topic(community, title=f"议题{i}", support_count=i)
        s = df.session(
            community, committee, title=f"议事会{i}", starts_in=datetime.timedelta(hours=3 + i)
        )
        delib_services.registration_create(user=resident, session=s)
        report(w, f"第{i}号楼门口的路灯坏了，晚上看不见路", reporter=resident)
        cf.fund(resident, community, amount="1.00")
    many = repeat()
    assert panel_queries(few) == panel_queries(many) == []
    assert len(few) == len(many) == REPEAT_QUERIES


def test_a_request_handled_by_staff_shows_at_once(client, w, resident):
    req = report(w, "小区门口马路上的井盖丢了，晚上很危险", reporter=resident)
    client.force_login(resident)
    html = home(client)
    assert req.number in html and req.get_status_display() in html
    handler = w["people"]["chengguan"] if req.organisation == w["orgs"]["chengguan"] else None
    handler = handler or w["people"]["committee"]
    req = triage_services.request_start(request=req, actor=handler)
    assert req.status == "in_progress"
    html = home(client)
    assert req.get_status_display() in html

    # The escalation beat moves a late request up with a new deadline: shown at once too.
    late = timezone.now() + datetime.timedelta(days=60)
    assert triage_services.escalate_overdue(now=late) == 1
    req.refresh_from_db()
    assert req.escalation_level == 1
    html = home(client)
    assert "已超期" not in html  # the new deadline lies ahead
    # A new request of the resident's shows on the next visit.
    other = report(w, "楼道的灯坏了好几天了", reporter=resident)
    assert other.number in home(client)


def test_a_deadline_passing_shows_without_any_write(settings, monkeypatch, client, w, resident):
    """Time alone turns an open request overdue: the panel is kept no longer than the
    first deadline it shows (a local-memory cache, whose clock the test moves on)."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    req = report(w, "小区门口马路上的井盖丢了，晚上很危险", reporter=resident)
    assert req.is_open
    req.deadline = timezone.now() + datetime.timedelta(minutes=10)  # well within the hour
    req.save(update_fields=["deadline"])
    client.force_login(resident)
    assert "已超期" not in home(client)
    assert "已超期" not in home(client)  # kept

    move_clock_to(monkeypatch, req.deadline + datetime.timedelta(minutes=1))
    assert "已超期" in home(client)


def test_registration_closing_shows_without_any_write(settings, monkeypatch, client, w, community):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    resident = factories.resident(w["tree"]["grid"])
    closes = timezone.now() + datetime.timedelta(minutes=10)
    session = df.session(community, w["people"]["committee"], registration_closes=closes)
    register = reverse("deliberation:session_register", args=[session.pk])
    client.force_login(resident)
    assert f'action="{register}"' in home(client)
    assert f'action="{register}"' in home(client)  # kept
    move_clock_to(monkeypatch, closes + datetime.timedelta(minutes=1))
    assert f'action="{register}"' not in home(client)


def move_clock_to(monkeypatch, moment) -> None:
    """Django's clock and the local-memory cache's expiry clock, moved on to `moment`."""
    shift = (moment - timezone.now()).total_seconds()
    real_time, real_now = locmem.time.time, timezone.now
    monkeypatch.setattr(locmem, "time", types.SimpleNamespace(time=lambda: real_time() + shift))
    monkeypatch.setattr(timezone, "now", lambda: real_now() + datetime.timedelta(seconds=shift))


def test_registering_cancelling_and_the_waiting_list_show_at_once(client, w, community, resident):
    committee = w["people"]["committee"]
    session = df.session(community, committee, title="有话大声说：停车难怎么办", capacity=1)
    register = reverse("deliberation:session_register", args=[session.pk])
    client.force_login(resident)
    html = home(client)
    assert f'action="{register}"' in html  # 报名 button

    neighbour = factories.resident(w["tree"]["grid"])
    first = delib_services.registration_create(user=neighbour, session=session)
    mine = delib_services.registration_create(user=resident, session=session)
    assert mine.status == Registration.Status.WAITING
    html = home(client)
    assert f'action="{register}"' not in html and "候补中" in html

    delib_services.registration_cancel(user=neighbour, registration=first)  # I move up
    html = home(client)
    assert "已报名" in html and "候补中" not in html

    delib_services.registration_cancel(user=resident, registration=mine)
    html = home(client)
    assert "已报名" not in html and f'action="{register}"' in html


def test_the_register_form_carries_this_visits_csrf_token(w, community, resident):
    """The kept panel holds a placeholder: each visit's form posts with its own token."""
    session = df.session(community, w["people"]["committee"])
    client = Client(enforce_csrf_checks=True)
    client.force_login(resident)
    home(client)
    client.logout()
    client.force_login(resident)  # a new session: the panel comes from the cache
    html = home(client)
    assert "portal-shared-fragment-csrf" not in html
    register = reverse("deliberation:session_register", args=[session.pk])
    response = client.post(register, {"csrfmiddlewaretoken": _token(html)})
    assert response.status_code == 302
    assert Registration.objects.filter(session=session, user=resident).exists()


def test_a_check_in_pays_and_the_coins_show_at_once(client, w, community, resident):
    committee = w["people"]["committee"]
    cf.rule(community, deed=Deed.SESSION_ATTENDANCE, amount="5.00")
    session = df.session(community, committee, starts_in=datetime.timedelta(minutes=30))
    reg = delib_services.registration_create(user=resident, session=session)
    client.force_login(resident)
    assert coins(home(client)) == "0.00"
    delib_services.checkin(by=committee, session=session, code=reg.code)
    assert coins(home(client)) == "5.00"


def test_awards_and_redemptions_show_at_once(client, w, community, resident):
    cf.fund(resident, community, amount="35.00")
    client.force_login(resident)
    html = home(client)
    assert coins(html) == "35.00" and "冻结" not in html
    cf.fund(resident, community, amount="5.00")  # an award
    assert coins(home(client)) == "40.00"

    prize = cf.reward(community, cost="20.00")
    held = credits_services.redemption_reserve(user=resident, reward=prize, idempotency_key="r1")
    html = home(client)
    assert coins(html) == "20.00" and "20.00" in html[html.index("home-coins") :][:300]
    credits_services.redemption_cancel(actor=resident, redemption=held)
    html = home(client)
    assert coins(html) == "40.00"

    held = credits_services.redemption_reserve(user=resident, reward=prize, idempotency_key="r2")
    assert coins(home(client)) == "20.00"
    credits_services.redemption_fulfil(
        actor=w["people"]["committee"], community=community, code=held.code
    )
    assert coins(home(client)) == "20.00"  # handed over: 20 spent, none reserved
    html = home(client)
    assert "冻结" not in html[html.index("home-coins") :][:300]


def test_a_residency_confirmed_and_ended_shows_at_once(client, w, community):
    user = factories.UserFactory()
    claim = portal_services.residency_declare(
        user=user, grid=w["tree"]["grid"], community=community
    )
    client.force_login(user)
    html = home(client)
    raise_url = reverse("deliberation:topic_raise", args=[community.code])
    assert 'data-testid="residency-pending"' in html and raise_url not in html
    assert 'data-testid="home-coins"' not in html

    committee = w["people"]["committee"]
    portal_services.residency_decide(membership=claim, decided_by=committee, confirm=True)
    html = home(client)
    assert raise_url in html and 'id="home-delib-h"' in html and 'data-testid="home-coins"' in html

    portal_services.membership_revoke(membership=claim, ended_by=committee, note="搬走了")
    html = home(client)
    assert raise_url not in html and 'id="home-delib-h"' not in html
    assert reverse("portal:residency") in html  # asked where they live again


def test_a_role_granted_shows_at_once(client, w, community):
    """A committee seat granted to a resident brings the committee's queues."""
    user = factories.resident(w["tree"]["grid"])
    client.force_login(user)
    assert 'id="queues-h"' not in home(client)
    portal_services.membership_grant(
        user=user, role=Role.COMMITTEE, area=community, organisation=w["orgs"]["committee"]
    )
    assert Membership.objects.filter(user=user, role=Role.COMMITTEE).exists()
    assert 'id="queues-h"' in home(client)


def test_one_person_never_sees_anothers_panels(client, w, community):
    a = factories.resident(w["tree"]["grid"], display_name="甲")
    b = factories.resident(w["tree"]["grid"], display_name="乙")
    cf.fund(a, community, amount="35.00")
    cf.fund(b, community, amount="7.00")
    req_a = report(w, "甲家楼下的井盖丢了，晚上很危险", reporter=a)
    req_b = report(w, "乙家楼道的灯坏了好几天了", reporter=b)
    client.force_login(a)
    html_a = home(client)
    assert coins(html_a) == "35.00" and req_a.number in html_a
    home(client)  # a's panels are kept
    client.force_login(b)
    html_b = home(client)
    assert coins(html_b) == "7.00" and req_b.number in html_b and req_a.number not in html_b
    html_b = home(client)  # b's kept panels, still b's
    assert coins(html_b) == "7.00" and req_a.number not in html_b
    client.force_login(a)
    html_a = home(client)
    assert coins(html_a) == "35.00" and req_b.number not in html_a


def test_switching_language_shows_the_panels_in_it(client, w, community, resident):
    cf.fund(resident, community, amount="35.00")
    report(w, "小区门口马路上的井盖丢了，晚上很危险", reporter=resident)
    client.force_login(resident)
    html = home(client)
    assert "我的道德币" in html and "我的诉求" in html
    home(client)
    client.cookies["django_language"] = "en"
    html = home(client)
    assert "My coins" in html and "My requests" in html and "我的道德币" not in html
    client.cookies["django_language"] = "zh-hans"
    assert "我的道德币" in home(client)
