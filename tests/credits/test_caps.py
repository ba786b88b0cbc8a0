"""Caps count by the day of service and ignore reversed earnings (issue 12).

The two cases the issue reports, rebuilt from the demo data (credits/demo.py): the
新湛 rule pays 10 coins an hour with a daily cap of 80.  The demo loader approves every
demo log on the day it runs, so under the old rule (cap counted by the day the committee
verifies) the verifier's day was already full.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from credits import services
from credits.models import Account, Deed, ServiceLog

from .factories import log, rule

pytestmark = pytest.mark.django_db


def days_ago(n: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=n)


def paid(entry) -> Decimal:
    entry = ServiceLog.objects.get(pk=entry.pk)
    if entry.payment is None:
        return Decimal("0")
    return entry.payment.entries.get(account__kind=Account.Kind.RESIDENT).amount


@pytest.fixture
def xinzhan_rule(community):
    return rule(community, amount="10.00", daily_cap=Decimal("80.00"), monthly_cap=Decimal("600"))


def approve(actor, entry):
    return services.service_log_approve(actor=actor, log=entry)


def test_chen_ayi_gets_45_coins_for_4_5_hours(volunteer, community, committee_member, xinzhan_rule):
    # 陈阿姨's demo hours: 3 h, 3 h and 2 h on three different days, all verified today.
    for ago, start, end in [(20, "08:30", "11:30"), (13, "14:00", "17:00"), (6, "09:00", "11:00")]:
        approve(
            committee_member, log(volunteer, community, date=days_ago(ago), start=start, end=end)
        )
    # Then 4.5 h of service on another day, verified today as well: was 0 coins.
    entry = approve(
        committee_member,
        log(volunteer, community, date=days_ago(2), start="13:00", end="17:30"),
    )
    assert entry.hours == Decimal("4.50")
    assert paid(entry) == Decimal("45.00")
    assert Account.objects.get(user=volunteer).balance == Decimal("125.00")


def test_ma_daye_gets_60_coins_for_6_hours(volunteer, community, committee_member, xinzhan_rule):
    # 马大爷: 3 h verified then revoked (duplicate), 3 h verified, 2 h verified: all today.
    revoked = approve(committee_member, log(volunteer, community, date=days_ago(30), end="12:00"))
    services.service_log_revoke(actor=committee_member, log=revoked, reason="与另一条记录重复")
    approve(committee_member, log(volunteer, community, date=days_ago(10), end="12:00"))
    approve(
        committee_member, log(volunteer, community, date=days_ago(3), start="14:00", end="16:00")
    )
    # 6 h on another day: was 30 coins (80 minus the 50 verified earlier today).
    entry = approve(
        committee_member, log(volunteer, community, date=days_ago(1), start="08:00", end="14:00")
    )
    assert paid(entry) == Decimal("60.00")


def test_cap_counts_the_service_day(volunteer, community, committee_member, xinzhan_rule):
    day = days_ago(4)
    first = approve(
        committee_member, log(volunteer, community, date=day, start="08:00", end="14:00")
    )
    second = approve(
        committee_member, log(volunteer, community, date=day, start="15:00", end="19:00")
    )
    assert (paid(first), paid(second)) == (Decimal("60.00"), Decimal("20.00"))
    third = approve(
        committee_member, log(volunteer, community, date=day, start="19:00", end="20:00")
    )
    assert third.payment is None and paid(third) == 0


def test_a_reversed_earning_frees_its_days_cap(
    volunteer, community, committee_member, xinzhan_rule
):
    day = days_ago(5)
    full = approve(
        committee_member, log(volunteer, community, date=day, start="08:00", end="16:00")
    )
    assert paid(full) == Decimal("80.00")
    services.service_log_revoke(actor=committee_member, log=full, reason="登记错了日期")
    again = approve(
        committee_member, log(volunteer, community, date=day, start="08:00", end="16:00")
    )
    assert paid(again) == Decimal("80.00")
    assert Account.objects.get(user=volunteer).balance == Decimal("80.00")


def test_monthly_cap_counts_the_service_month(volunteer, community, committee_member):
    rule(community, amount="10.00", monthly_cap=Decimal("50"))
    today = timezone.localdate()
    last_month = today.replace(day=1) - dt.timedelta(days=1)
    old = approve(
        committee_member, log(volunteer, community, date=last_month, start="08:00", end="13:00")
    )
    assert paid(old) == Decimal("50.00")
    # Last month's hours do not use up this month's cap (verified the same day or not).
    day = today.replace(day=1) if today.day > 1 else today
    new = approve(committee_member, log(volunteer, community, date=day, start="08:00", end="12:00"))
    assert paid(new) == Decimal("40.00")


def test_deed_award_takes_a_service_date(resident, community):
    rule(community, deed=Deed.NEIGHBOUR_HELP, amount="10.00", daily_cap=Decimal("10.00"))
    one = services.deed_award(
        user=resident,
        community=community,
        deed=Deed.NEIGHBOUR_HELP,
        idempotency_key="help:a",
        service_date=days_ago(1),
    )
    two = services.deed_award(
        user=resident, community=community, deed=Deed.NEIGHBOUR_HELP, idempotency_key="help:b"
    )
    assert one.service_date == days_ago(1) and two.service_date == timezone.localdate()
    assert one is not None and two is not None


# --- the verifier sees what approving pays; a capped award says why ----------------------


def test_verify_queue_shows_what_approval_pays(
    client, volunteer, community, committee_member, xinzhan_rule, tree, django_assert_num_queries
):
    from django.urls import reverse

    from tests import factories as base

    day = days_ago(2)
    approve(committee_member, log(volunteer, community, date=day, start="08:00", end="14:00"))
    capped = log(volunteer, community, date=day, start="15:00", end="19:00")  # 40 asked, 20 left
    full = log(volunteer, community, date=days_ago(3), start="09:00", end="11:30")  # 25
    client.force_login(committee_member)
    url = reverse("credits:verify")
    with translation.override("zh-hans"):
        page = client.get(url)
    html = page.content.decode()
    quotes = {row.pk: row.quote for row in page.context["queue"]}
    assert (quotes[capped.pk].amount, quotes[full.pk].amount) == (
        Decimal("20.00"),
        Decimal("25.00"),
    )
    assert "当日上限 80.00 币，已得 60.00 币" in html
    # The quote comes from the same calculation as the payment: approving pays it.
    assert paid(approve(committee_member, capped)) == Decimal("20.00")
    assert paid(approve(committee_member, full)) == Decimal("25.00")
    # One page costs the same queries for 2 pending logs as for 8 (no query per row).
    for n in range(2):
        other = base.resident(tree["grid"])
        base.portal_services.membership_grant(user=other, role="volunteer", area=community)
        log(other, community, date=days_ago(2))
        log(other, community, date=days_ago(40 + n), start="13:00", end="15:00")
    small = client.get(url)
    assert len(small.context["queue"]) == 4
    for n in range(2):
        other = base.resident(tree["grid"])
        base.portal_services.membership_grant(user=other, role="volunteer", area=community)
        log(other, community, date=days_ago(70 + n))
        approve(
            committee_member,
            log(other, community, date=days_ago(70 + n), start="12:00", end="13:00"),
        )
        log(other, community, date=days_ago(5), start="13:00", end="15:00")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as first:
        client.get(url)
    with django_assert_num_queries(len(first.captured_queries)):
        assert len(client.get(url).context["queue"]) == 8


def test_verify_queue_says_when_no_rule_pays(client, volunteer, community, committee_member):
    from django.urls import reverse

    log(volunteer, community)
    client.force_login(committee_member)
    with translation.override("zh-hans"):
        html = client.get(reverse("credits:verify")).content.decode()
    assert "没有积分规则" in html


def test_capped_award_notice_and_statement_say_why(
    client, volunteer, community, committee_member, xinzhan_rule
):
    from django.urls import reverse

    day = days_ago(2)
    with translation.override("zh-hans"):
        approve(committee_member, log(volunteer, community, date=day, start="08:00", end="14:00"))
        capped = approve(
            committee_member, log(volunteer, community, date=day, start="15:00", end="19:00")
        )
        none_left = approve(
            committee_member, log(volunteer, community, date=day, start="19:00", end="20:00")
        )
    bodies = {n.event_key: n.body for n in volunteer.notifications.filter(category="credits.hours")}
    why = "当日上限 80.00 币，已得 60.00 币"
    assert why in bodies[f"credits-log-approved:{capped.pk}"]
    assert "20.00" in bodies[f"credits-log-approved:{capped.pk}"]
    assert "当日上限 80.00 币，已得 80.00 币" in bodies[f"credits-log-approved:{none_left.pk}"]
    tx = ServiceLog.objects.get(pk=capped.pk).payment
    assert (tx.cap, tx.capped_from, tx.service_date) == ("daily", Decimal("40.00"), day)
    client.force_login(volunteer)
    with translation.override("zh-hans"):
        html = client.get(reverse("credits:statement"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert why in html.content.decode()
    body = b"".join(client.get(reverse("credits:statement_csv")).streaming_content).decode()
    assert "当日上限 80.00 币" in body or "Daily cap 80.00 coins" in body


def test_uncapped_notice_says_the_coins(volunteer, community, committee_member, xinzhan_rule):
    entry = approve(committee_member, log(volunteer, community, start="09:00", end="11:00"))
    body = volunteer.notifications.get(event_key=f"credits-log-approved:{entry.pk}").body
    assert "20.00" in body and "80.00" not in body


def test_attendance_counts_the_sessions_day(resident, community, committee_member):
    """A late check-in pays under the cap of the session's day (deliberation → deed_award)."""
    from deliberation.services import award_attendance

    rule(community, deed=Deed.SESSION_ATTENDANCE, amount="5.00", daily_cap=Decimal("5.00"))
    services.deed_award(
        user=resident,
        community=community,
        deed=Deed.SESSION_ATTENDANCE,
        idempotency_key="today",
    )

    class Session:
        title = "有话大声说"
        starts_at = timezone.now() - dt.timedelta(days=2)

    Session.community = community

    class Registration:
        pk = 999
        user = resident
        session = Session

    tx = award_attendance(Registration)
    assert tx is not None and tx.service_date == days_ago(2)
