"""The six ledger writes of the bench's mix cost a pinned number of queries (#15).

Each write is called as its page or task calls it: with objects fresh from the database
(a request's user, whose memberships are not yet read), inside the test's transaction (so
the service's own transaction shows as SAVEPOINT and RELEASE).  The counts differ by
database: PostgreSQL locks, looks keys up and reads rules in shared round trips, SQLite
keeps the ORM's one query per step.  A count that grows is a regression to explain.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection

from credits import ledger
from credits.models import Account, Deed, Redemption, ServiceLog, Transaction
from credits.reconcile import reconcile
from credits.services import awards, hours, redemptions
from tests import factories as base

from .factories import fund, reward, rule

pytestmark = pytest.mark.django_db


def queries(postgresql: int, sqlite: int) -> int:
    return postgresql if connection.vendor == "postgresql" else sqlite


def fresh(obj):
    return type(obj).objects.get(pk=obj.pk)


@pytest.fixture
def bank(tree, committee_member):
    community = tree["community"]
    resident = base.resident(tree["grid"])
    rule(community, deed=Deed.SESSION_ATTENDANCE, amount="5.00")
    rule(community, deed=Deed.VOLUNTEER_HOUR, amount="10.00")
    fund(resident, community, "100.00")
    return {
        "community": community,
        "resident": resident,
        "staff": committee_member,
        "reward": reward(community, cost="5.00", stock=None),
        "stocked": reward(community, cost="8.00", stock=3),
    }


def attend(bank, key):
    return awards.deed_award(
        user=fresh(bank["resident"]),
        community=fresh(bank["community"]),
        deed=Deed.SESSION_ATTENDANCE,
        idempotency_key=key,
        source="deliberation",
    )


@pytest.mark.parametrize(
    ("retried", "postgresql", "sqlite"),
    [
        # savepoint; lock both accounts + key + rule; post; release
        (False, 4, 9),
        # A retried check-in finds the first payment under the locks and pays nothing more
        # (it reads that payment, its resident entry and its rule back).
        (True, 6, 7),
    ],
    ids=["first", "retried"],
)
def test_attendance_award(bank, retried, postgresql, sqlite, django_assert_num_queries):
    attend(bank, "attend:0")  # the resident's accounts exist, as for every later award
    user, community = fresh(bank["resident"]), fresh(bank["community"])

    def award():
        return awards.deed_award(
            user=user,
            community=community,
            deed=Deed.SESSION_ATTENDANCE,
            idempotency_key="attend:1",
            source="deliberation",
        )

    first = award() if retried else None
    with django_assert_num_queries(queries(postgresql=postgresql, sqlite=sqlite)):
        tx = award()
    assert tx.entries.get(account__kind=Account.Kind.RESIDENT).amount == Decimal("5.00")
    if retried:
        assert tx.pk == first.pk
    # 100 funded, 5 for attend:0 and 5 for attend:1, paid once however often it is asked.
    assert Account.objects.get(user=bank["resident"]).balance == Decimal("110.00")
    assert reconcile() == []


def test_first_award_opens_the_accounts(tree):
    """No account yet (a resident's first coins, a community's first issue): they are
    made, locked by id and paid into in the same write."""
    community = tree["community"]
    rule(community, deed=Deed.SESSION_ATTENDANCE, amount="5.00")
    user = base.resident(tree["grid"])
    tx = awards.deed_award(
        user=user, community=community, deed=Deed.SESSION_ATTENDANCE, idempotency_key="k"
    )
    assert Account.objects.get(user=user).balance == Decimal("5.00")
    assert Account.objects.get(kind=Account.Kind.ISSUANCE).balance == Decimal("-5.00")
    assert tx.entries.count() == 2
    assert reconcile() == []


def test_service_hours_logged_and_approved(bank, django_assert_num_queries):
    user, community = fresh(bank["resident"]), fresh(bank["community"])
    day = dt.date.today() - dt.timedelta(days=1)
    # savepoint; memberships; lock volunteer + overlap; insert; release
    with django_assert_num_queries(queries(postgresql=5, sqlite=6)):
        log = hours.service_log_create(
            volunteer=user,
            community=community,
            date=day,
            start=dt.time(8),
            end=dt.time(9),
            activity="楼道清扫",
            place="三号楼",
        )
    staff = fresh(bank["staff"])
    # savepoint; lock log (+ community, volunteer); memberships; lock accounts + key +
    # rule; post; update log; notice state (one union); notice; release
    with django_assert_num_queries(queries(postgresql=9, sqlite=14)):
        hours.service_log_approve(actor=staff, log=ServiceLog(pk=log.pk))
    log.refresh_from_db()
    assert log.status == ServiceLog.Status.APPROVED
    assert log.payment.entries.get(account__user=user).amount == Decimal("10.00")
    assert user.notifications.filter(category="credits.hours").count() == 1
    assert reconcile() == []


def test_reserve(bank, django_assert_num_queries):
    user, item = fresh(bank["resident"]), fresh(bank["stocked"])
    # savepoint; lock reward (+ community); key; memberships; hold coins (one UPDATE on
    # PostgreSQL); stock; pickup code; insert; release
    with django_assert_num_queries(queries(postgresql=9, sqlite=11)):
        r = redemptions.redemption_reserve(user=user, reward=item, idempotency_key="r1")
    account = Account.objects.get(user=user)
    assert (account.reserved, r.account_id) == (Decimal("8.00"), account.pk)
    assert fresh(bank["stocked"]).stock == 2
    assert reconcile() == []


def test_reserve_refused_says_what_is_available(bank):
    pricey = reward(bank["community"], cost="500.00", stock=None)
    with pytest.raises(ledger.InsufficientCreditsError) as refused:
        redemptions.redemption_reserve(
            user=fresh(bank["resident"]), reward=pricey, idempotency_key="r-too-much"
        )
    assert "100.00" in refused.value.messages[0]
    assert Account.objects.get(user=bank["resident"]).reserved == 0


def test_fulfil(bank, django_assert_num_queries):
    r = redemptions.redemption_reserve(
        user=bank["resident"], reward=bank["reward"], idempotency_key="r1"
    )
    staff, community = fresh(bank["staff"]), fresh(bank["community"])
    # savepoint; lock redemption (+ reward); memberships; lock accounts + key; post;
    # update redemption; release
    with django_assert_num_queries(queries(postgresql=7, sqlite=11)):
        redemptions.redemption_fulfil(actor=staff, community=community, code=r.code)
    account = Account.objects.get(user=bank["resident"])
    assert (account.balance, account.reserved) == (Decimal("95.00"), 0)
    assert reconcile() == []


def test_cancel(bank, django_assert_num_queries):
    r = redemptions.redemption_reserve(
        user=bank["resident"], reward=bank["stocked"], idempotency_key="r1"
    )
    user, redemption = fresh(bank["resident"]), Redemption.objects.get(pk=r.pk)
    # savepoint; lock redemption (+ reward); stock back; coins back; update; release
    with django_assert_num_queries(6):
        redemptions.redemption_cancel(actor=user, redemption=redemption)
    assert Account.objects.get(user=bank["resident"]).reserved == 0
    assert fresh(bank["stocked"]).stock == 3
    assert reconcile() == []


def test_reverse(bank, django_assert_num_queries):
    tx = attend(bank, "attend:1")
    staff, original = fresh(bank["staff"]), Transaction.objects.get(pk=tx.pk)
    # savepoint; lock original + key + corrected? + entries + lock accounts; post; release
    with django_assert_num_queries(queries(postgresql=4, sqlite=11)):
        correction = ledger.reverse(original=original, reason="重复签到", actor=staff)
    assert correction.reverses_id == tx.pk
    assert Account.objects.get(user=bank["resident"]).balance == Decimal("100.00")
    # Asked again: the same correction, nothing posted.
    with django_assert_num_queries(queries(postgresql=4, sqlite=5)):
        again = ledger.reverse(original=original, reason="重复签到", actor=staff)
    assert again.pk == correction.pk
    assert reconcile() == []
