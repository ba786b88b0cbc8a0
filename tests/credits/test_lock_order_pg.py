"""One lock order across the ledger and its callers (issue 9, finding 9).

Door check-in (which pays attendance through `credits.services.deed_award`), the same
resident's redemption (reserve and fulfil) and the approval of the same resident's service
hours, raced round after round on PostgreSQL, one connection per thread: no deadlock, no
other error, every attendance paid exactly once, and the ledger reconciles.
"""

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.db import connections

from credits import services
from credits.models import Account, Deed, Redemption, ServiceLog, Transaction
from credits.reconcile import reconcile
from deliberation import services as deliberation
from deliberation.models import Registration
from tests import factories as base
from tests.deliberation.factories import session as make_session

from .factories import fund, reward, rule

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

ROUNDS = 30


def race(*jobs):
    """Run every job at once, each in its own thread and connection; return outcomes."""
    barrier = threading.Barrier(len(jobs))
    results = [None] * len(jobs)

    def worker(i):
        try:
            barrier.wait()
            results[i] = ("ok", jobs[i]())
        except Exception as exc:  # noqa: BLE001 - the outcome is what we test
            results[i] = ("error", exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(jobs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def test_checkin_redemption_and_hours_of_one_resident_never_deadlock(tree):
    community = tree["community"]
    rule(community, deed=Deed.SESSION_ATTENDANCE, amount="5.00")
    rule(community, deed=Deed.VOLUNTEER_HOUR, amount="10.00")
    resident = base.resident(tree["grid"])
    base.portal_services.membership_grant(user=resident, role="volunteer", area=community)
    door = base.member("committee", community)
    verifier = base.member("committee", community)
    desk = base.member("committee", community)
    fund(resident, community, "1000.00")
    item = reward(community, cost="1.00", stock=None)

    errors, registrations = [], []
    for n in range(ROUNDS):
        session = make_session(community, door, title=f"有话大声说 第{n}场")
        reg = deliberation.registration_create(user=resident, session=session)
        registrations.append(reg)
        hours = services.service_log_create(
            volunteer=resident,
            community=community,
            date=dt.date.today() - dt.timedelta(days=n + 1),
            start=dt.time(9),
            end=dt.time(10),
            activity="垃圾分类宣传",
            place="湛山花园广场",
        )
        held = services.redemption_reserve(user=resident, reward=item, idempotency_key=f"h{n}")
        results = race(
            lambda session=session, reg=reg: deliberation.checkin(
                by=door, session=session, code=reg.code
            ),
            lambda n=n: services.redemption_reserve(
                user=resident, reward=item, idempotency_key=f"r{n}"
            ),
            lambda hours=hours: services.service_log_approve(actor=verifier, log=hours),
            lambda held=held: services.redemption_fulfil(
                actor=desk, community=community, code=held.code
            ),
        )
        errors += [(n, r[1]) for r in results if r[0] != "ok"]

    assert errors == []
    for reg in registrations:
        assert Registration.objects.get(pk=reg.pk).checked_in_at is not None
        paid = Transaction.objects.filter(idempotency_key=f"attendance:{reg.pk}")
        assert paid.count() == 1, f"attendance of registration {reg.pk} not paid exactly once"
    assert ServiceLog.objects.filter(status="approved", payment__isnull=False).count() == ROUNDS
    assert Redemption.objects.filter(status="fulfilled").count() == ROUNDS
    assert Redemption.objects.filter(status="reserved").count() == ROUNDS
    account = Account.objects.get(user=resident)
    # 1000 funded + 5 per attendance + 10 per hour - 1 per fulfilled redemption
    assert account.balance == Decimal("1000.00") + ROUNDS * Decimal("14.00")
    assert account.reserved == ROUNDS * Decimal("1.00")
    assert reconcile() == []


def test_a_failed_attendance_payment_undoes_the_checkin(tree, monkeypatch):
    """A payment that fails is never silently skipped: the check-in fails with it, so the
    door desk sees the error and scans again, and that scan pays."""
    community = tree["community"]
    rule(community, deed=Deed.SESSION_ATTENDANCE, amount="5.00")
    resident = base.resident(tree["grid"])
    door = base.member("committee", community)
    session = make_session(community, door)
    reg = deliberation.registration_create(user=resident, session=session)

    from django.db import OperationalError

    real = services.deed_award

    def broken(**kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(services, "deed_award", broken)
    with pytest.raises(OperationalError):
        deliberation.checkin(by=door, session=session, code=reg.code)
    assert Registration.objects.get(pk=reg.pk).checked_in_at is None
    assert not Transaction.objects.filter(idempotency_key=f"attendance:{reg.pk}").exists()

    monkeypatch.setattr(services, "deed_award", real)
    _reg, new = deliberation.checkin(by=door, session=session, code=reg.code)
    assert new
    assert Transaction.objects.filter(idempotency_key=f"attendance:{reg.pk}").count() == 1
    assert reconcile() == []
