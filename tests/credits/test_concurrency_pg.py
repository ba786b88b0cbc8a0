"""What only a real multi-connection database can show (CI runs these on PostgreSQL)."""

import os
import subprocess
import sys
import threading
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, connections, transaction

from credits import ledger, services
from credits.models import Account, Deed, Entry, Redemption, Reward, ServiceLog, Transaction
from credits.reconcile import reconcile
from tests import factories as base
from tests.credits import payments

from .factories import fund, log, reward, rule

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def run_concurrently(n, target):
    """Start `n` threads at once (each with its own connection) and collect outcomes."""
    barrier = threading.Barrier(n)
    results = [None] * n

    def worker(i):
        try:
            barrier.wait()
            results[i] = ("ok", target(i))
        except Exception as exc:  # noqa: BLE001 - the outcome is what we test
            results[i] = ("error", exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def test_fifty_concurrent_redemptions_exactly_ten_succeed(tree):
    community = tree["community"]
    resident = base.resident(tree["grid"])
    fund(resident, community, "200.00")
    item = reward(community, cost="20.00", stock=50)

    results = run_concurrently(
        50,
        lambda i: (
            services.redemption_reserve(user=resident, reward=item, idempotency_key=f"c{i}").pk
        ),
    )
    ok = [r for r in results if r[0] == "ok"]
    errors = [r[1] for r in results if r[0] == "error"]
    assert len(ok) == 10
    assert all(isinstance(e, services.InsufficientCreditsError) for e in errors), errors
    acc = Account.objects.get(user=resident)
    assert (acc.balance, acc.reserved) == (Decimal("200.00"), Decimal("200.00"))
    assert Reward.objects.get(pk=item.pk).stock == 40
    assert Redemption.objects.filter(status="reserved").count() == 10
    assert reconcile() == []


def test_concurrent_redemptions_never_oversell_stock(tree):
    community = tree["community"]
    residents = [base.resident(tree["grid"]) for _ in range(12)]
    for r in residents:
        fund(r, community, "50.00")
    item = reward(community, cost="10.00", stock=5)
    results = run_concurrently(
        12,
        lambda i: services.redemption_reserve(
            user=residents[i], reward=item, idempotency_key=f"s{i}"
        ),
    )
    assert sum(1 for r in results if r[0] == "ok") == 5
    assert Reward.objects.get(pk=item.pk).stock == 0
    assert reconcile() == []


def test_same_log_approved_twice_at_once_pays_once(tree):
    community = tree["community"]
    rule(community, amount="10.00")
    volunteer = base.resident(tree["grid"])
    entry = log(volunteer, community)
    verifiers = [base.member("committee", community) for _ in range(2)]
    results = run_concurrently(
        2, lambda i: services.service_log_approve(actor=verifiers[i], log=entry).status
    )
    assert [r[0] for r in results] == ["ok", "ok"], results
    assert Transaction.objects.filter(kind="earn").count() == 1
    assert Account.objects.get(user=volunteer).balance == Decimal("20.00")
    assert ServiceLog.objects.get(pk=entry.pk).status == "approved"
    assert reconcile() == []


def test_same_key_twice_at_once_pays_once(tree):
    community = tree["community"]
    rule(community, deed=Deed.SESSION_ATTENDANCE, amount="3.00")
    resident = base.resident(tree["grid"])
    results = run_concurrently(
        4,
        lambda i: (
            services.deed_award(
                user=resident,
                community=community,
                deed=Deed.SESSION_ATTENDANCE,
                idempotency_key="attendance:42",
            ).pk
        ),
    )
    assert len({r[1] for r in results if r[0] == "ok"}) == 1, results
    assert Account.objects.get(user=resident).balance == Decimal("3.00")


def test_transfers_in_opposite_directions_do_not_deadlock(tree):
    community = tree["community"]
    a, b = base.resident(tree["grid"]), base.resident(tree["grid"])
    fund(a, community, "100")
    fund(b, community, "100")
    acc_a, acc_b = Account.objects.get(user=a), Account.objects.get(user=b)

    def move(i):
        src, dst = (acc_a, acc_b) if i % 2 else (acc_b, acc_a)
        for j in range(10):
            payments.transfer(
                from_account=src, to_account=dst, amount="1", idempotency_key=f"m{i}:{j}"
            )

    results = run_concurrently(6, move)
    assert all(r[0] == "ok" for r in results), results
    total = Account.objects.filter(pk__in=[acc_a.pk, acc_b.pk]).values_list("balance", flat=True)
    assert sum(total) == Decimal("200")
    assert reconcile() == []


def test_concurrent_payments_never_overdraw(tree):
    community = tree["community"]
    payer = base.resident(tree["grid"])
    fund(payer, community, "100.00")
    src = Account.objects.get(user=payer)
    payees = [
        ledger.account_for(user=base.resident(tree["grid"]), community=community) for _ in range(25)
    ]
    results = run_concurrently(
        25,
        lambda i: (
            payments.transfer(
                from_account=src, to_account=payees[i], amount="10", idempotency_key=f"p{i}"
            ).pk
        ),
    )
    ok = [r for r in results if r[0] == "ok"]
    errors = [r[1] for r in results if r[0] == "error"]
    assert len(ok) == 10, results
    assert all(isinstance(e, services.InsufficientCreditsError) for e in errors), errors
    assert Account.objects.get(pk=src.pk).balance == Decimal("0.00")
    assert Transaction.objects.filter(kind="transfer").count() == 10
    assert reconcile() == []


def payer_and_payee(tree, funds):
    """Two residents' accounts in one community, the payer funded with `funds`."""
    community = tree["community"]
    payer, payee = base.resident(tree["grid"]), base.resident(tree["grid"])
    fund(payer, community, funds)
    return Account.objects.get(user=payer), ledger.account_for(user=payee, community=community)


def test_one_payment_sent_many_times_at_once_pays_once(tree):
    src, dst = payer_and_payee(tree, "15.00")
    results = run_concurrently(
        8,
        lambda i: (
            payments.transfer(
                from_account=src, to_account=dst, amount="10", idempotency_key="pay:once"
            ).pk
        ),
    )
    # Every retry gets the first payment back, even those that found the balance spent.
    assert [r[0] for r in results] == ["ok"] * 8, results
    assert len({r[1] for r in results}) == 1
    assert Account.objects.get(pk=src.pk).balance == Decimal("5.00")
    assert Account.objects.get(pk=dst.pk).balance == Decimal("10.00")
    assert reconcile() == []


def test_one_key_for_different_payments_at_once_pays_one(tree):
    src, dst = payer_and_payee(tree, "100.00")
    results = run_concurrently(
        6,
        lambda i: (
            payments.transfer(
                from_account=src, to_account=dst, amount=str(i + 1), idempotency_key="pay:shared"
            ).pk
        ),
    )
    ok = [r for r in results if r[0] == "ok"]
    errors = [r[1] for r in results if r[0] == "error"]
    assert len(ok) == 1, results
    assert all(isinstance(e, services.IdempotencyConflictError) for e in errors), errors
    paid = Transaction.objects.get(idempotency_key="pay:shared").entries.get(amount__gt=0).amount
    assert Account.objects.get(pk=dst.pk).balance == paid
    assert reconcile() == []


def test_payment_inside_a_rolled_back_transaction_leaves_nothing(tree):
    src, dst = payer_and_payee(tree, "20.00")
    with transaction.atomic():
        payments.transfer(from_account=src, to_account=dst, amount="5", idempotency_key="in-tx")
        transaction.set_rollback(True)
    assert not Transaction.objects.filter(idempotency_key="in-tx").exists()
    assert Account.objects.get(pk=src.pk).balance == Decimal("20.00")
    assert reconcile() == []


CRASH_SCRIPT = """
import os, django
django.setup()
from decimal import Decimal
from credits import ledger, services
from portal.models import Area, User

original = ledger._post_pg

def crash(*args, **kwargs):
    original(*args, **kwargs)   # transaction, entries and balances are written ...
    os._exit(9)                 # ... and the worker dies before COMMIT

ledger._post_pg = crash
services.deed_award(
    user=User.objects.get(pk={user}), community=Area.objects.get(pk={community}),
    deed="public_welfare", quantity=Decimal("4"), idempotency_key="payment:crash",
)
"""


def test_worker_killed_mid_payment_then_retried_pays_once(tree):
    community = tree["community"]
    resident = base.resident(tree["grid"])
    rule(community, deed=Deed.PUBLIC_WELFARE, amount="2.50")
    env = dict(os.environ)
    db = connection.settings_dict
    login = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    host = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    env["DATABASE_URL"] = f"postgres://{login}@{host}/{db['NAME']}"
    proc = subprocess.run(
        [sys.executable, "-c", CRASH_SCRIPT.format(user=resident.pk, community=community.pk)],
        env=env,
        cwd=os.getcwd(),
        capture_output=True,
        timeout=120,
    )
    assert proc.returncode == 9, proc.stderr.decode()[-2000:]
    assert not Transaction.objects.filter(idempotency_key="payment:crash").exists()
    assert not Entry.objects.exists()
    tx = services.deed_award(
        user=resident,
        community=community,
        deed=Deed.PUBLIC_WELFARE,
        quantity=Decimal("4"),
        idempotency_key="payment:crash",
    )
    again = services.deed_award(
        user=resident,
        community=community,
        deed=Deed.PUBLIC_WELFARE,
        quantity=Decimal("4"),
        idempotency_key="payment:crash",
    )
    assert tx.pk == again.pk
    assert Account.objects.get(user=resident).balance == Decimal("10.00")
    assert Entry.objects.count() == 2
    assert reconcile() == []


def test_database_refuses_entry_update_and_delete(tree):
    community = tree["community"]
    resident = base.resident(tree["grid"])
    tx = fund(resident, community, "10")
    entry_id = tx.entries.first().pk
    for sql in (
        "UPDATE credits_entry SET amount = 1 WHERE id = %s",
        "DELETE FROM credits_entry WHERE id = %s",
    ):
        with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [entry_id])


def test_database_refuses_unbalanced_transaction_at_commit(tree):
    community = tree["community"]
    resident = base.resident(tree["grid"])
    acc = ledger.account_for(user=resident, community=community)
    with pytest.raises(IntegrityError), transaction.atomic():
        tx = Transaction.objects.create(kind="earn", idempotency_key="bad", fingerprint="x")
        Entry.objects.create(
            transaction=tx, account=acc, amount=Decimal("5"), balance_after=Decimal("5")
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Transaction.objects.create(kind="earn", idempotency_key="empty", fingerprint="x")
    assert not Transaction.objects.exists()


def test_an_award_does_not_wait_for_another_residents_award_to_decide(tree):
    """The community's issuance account is not locked while a use case decides: one
    resident's award, paused between its locks and its posting (a slow check-in desk),
    does not hold up a neighbour's award in the same community, and once both commit
    the issuance account holds both and the ledger reconciles."""
    community = tree["community"]
    rule(community, deed=Deed.SESSION_ATTENDANCE, amount="5.00")
    first, neighbour = base.resident(tree["grid"]), base.resident(tree["grid"])
    for user in (first, neighbour):  # both accounts exist, as after a first earning
        ledger.account_for(user=user, community=community)
    ledger.issuance_account(community=community)
    locked, release, outcome = threading.Event(), threading.Event(), {}

    def slow_award():
        try:
            with transaction.atomic():
                ledger.lock_owned(community=community, user=first)
                locked.set()
                release.wait(30)
                outcome["first"] = services.deed_award(
                    user=first,
                    community=community,
                    deed=Deed.SESSION_ATTENDANCE,
                    idempotency_key="attendance:slow",
                )
        except Exception as exc:  # noqa: BLE001 - the outcome is what we test
            outcome["first"] = exc
        finally:
            connections.close_all()

    thread = threading.Thread(target=slow_award)
    thread.start()
    try:
        assert locked.wait(30)
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '2s'")
            paid = services.deed_award(
                user=neighbour,
                community=community,
                deed=Deed.SESSION_ATTENDANCE,
                idempotency_key="attendance:neighbour",
            )
    finally:
        release.set()
        thread.join(60)
    assert paid is not None
    assert isinstance(outcome["first"], Transaction), outcome
    issuer = Account.objects.get(kind=Account.Kind.ISSUANCE, community=community)
    assert issuer.balance == Decimal("-10.00")
    # Its entries leave the running balance to the trigger that added them at COMMIT.
    assert list(Entry.objects.filter(account=issuer).values_list("balance_after", flat=True)) == [
        None,
        None,
    ]
    assert reconcile() == []
