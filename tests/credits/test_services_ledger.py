from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from credits import ledger, services
from credits.models import Account, AppendOnlyError, Deed, Entry, Transaction
from credits.reconcile import reconcile
from tests.credits import payments

from .factories import fund, rule

pytestmark = pytest.mark.django_db


def test_deed_award_pays_from_issuance_and_records_rule(resident, community):
    r = rule(community, deed=Deed.SESSION_ATTENDANCE, amount="5.00")
    tx = services.deed_award(
        user=resident,
        community=community,
        deed=Deed.SESSION_ATTENDANCE,
        idempotency_key="attendance:1",
    )
    assert tx.rule == r and tx.kind == Transaction.Kind.EARN
    acc = Account.objects.get(user=resident)
    issuer = Account.objects.get(kind="issuance", community=community)
    assert acc.balance == Decimal("5.00") and issuer.balance == Decimal("-5.00")
    assert sorted(e.amount for e in tx.entries.all()) == [Decimal("-5.00"), Decimal("5.00")]
    assert reconcile() == []


def test_deed_award_same_key_pays_once(resident, community):
    rule(community, deed=Deed.SESSION_ATTENDANCE, amount="5.00")
    kwargs = dict(
        user=resident,
        community=community,
        deed=Deed.SESSION_ATTENDANCE,
        idempotency_key="attendance:7",
    )
    first = services.deed_award(**kwargs)
    second = services.deed_award(**kwargs)
    assert first.pk == second.pk
    assert Account.objects.get(user=resident).balance == Decimal("5.00")


def test_same_key_different_request_is_refused(resident, community):
    rule(community, deed=Deed.SESSION_ATTENDANCE, amount="5.00")
    services.deed_award(
        user=resident, community=community, deed=Deed.SESSION_ATTENDANCE, idempotency_key="k"
    )
    with pytest.raises(services.IdempotencyConflictError):
        services.deed_award(
            user=resident,
            community=community,
            deed=Deed.SESSION_ATTENDANCE,
            idempotency_key="k",
            quantity=Decimal("2"),
        )
    assert Transaction.objects.count() == 1


def test_no_rule_pays_nothing(resident, community):
    assert (
        services.deed_award(
            user=resident, community=community, deed=Deed.NEIGHBOUR_HELP, idempotency_key="help:1"
        )
        is None
    )
    assert not Transaction.objects.exists()


def test_rule_outside_its_dates_does_not_pay(resident, community):
    from .factories import yesterday

    rule(community, deed=Deed.NEIGHBOUR_HELP, valid_to=yesterday())
    assert (
        services.deed_award(
            user=resident, community=community, deed=Deed.NEIGHBOUR_HELP, idempotency_key="help:2"
        )
        is None
    )


def test_daily_and_monthly_caps(resident, community):
    rule(
        community,
        deed=Deed.NEIGHBOUR_HELP,
        amount="10.00",
        daily_cap=Decimal("25.00"),
        monthly_cap=Decimal("100"),
    )
    paid = [
        services.deed_award(
            user=resident, community=community, deed=Deed.NEIGHBOUR_HELP, idempotency_key=f"h{i}"
        )
        for i in range(4)
    ]
    amounts = [p.entries.get(account__kind="resident").amount if p else None for p in paid]
    assert amounts == [Decimal("10.00"), Decimal("10.00"), Decimal("5.00"), None]


def test_deed_award_accepts_grid_and_rejects_unknown_deed(resident, grid, community):
    rule(community, deed=Deed.PUBLIC_WELFARE, amount="3.00")
    tx = services.deed_award(
        user=resident, community=grid, deed=Deed.PUBLIC_WELFARE, idempotency_key="g"
    )
    assert tx.entries.get(amount__gt=0).account.community == community
    with pytest.raises(services.LedgerError):
        services.deed_award(
            user=resident, community=community, deed="stealing", idempotency_key="x"
        )


@pytest.mark.parametrize("amount", ["0", "-5", "1.001", "abc", "NaN", "1e20"])
def test_transfer_refuses_bad_amounts(resident, community, amount):
    fund(resident, community, "50")
    src = Account.objects.get(user=resident)
    dst = ledger.issuance_account(community=community)
    before = Entry.objects.count()
    with pytest.raises(services.LedgerError):
        payments.transfer(from_account=src, to_account=dst, amount=amount, idempotency_key="t")
    assert Entry.objects.count() == before


def test_transfer_beyond_balance_refused(resident, community, tree):
    fund(resident, community, "10")
    other = ledger.account_for(user=resident, community=tree["other_community"])
    src = Account.objects.get(user=resident, community=community)
    with pytest.raises(services.InsufficientCreditsError):
        payments.transfer(from_account=src, to_account=other, amount="10.01", idempotency_key="t1")
    tx = payments.transfer(from_account=src, to_account=other, amount="10.00", idempotency_key="t2")
    assert [e.balance_after for e in tx.entries.order_by("pk")] == [
        Decimal("0.00"),
        Decimal("10.00"),
    ]
    assert reconcile() == []


def test_reverse_mirrors_and_points_back(resident, community):
    tx = fund(resident, community, "30")
    rev = ledger.reverse(original=tx, reason="录入错误")
    assert rev.reverses == tx and rev.kind == Transaction.Kind.REVERSAL
    assert Account.objects.get(user=resident).balance == 0
    assert ledger.reverse(original=tx, reason="again").pk == rev.pk  # same key → same result
    with pytest.raises(services.LedgerError):
        ledger.reverse(original=tx, reason="x", idempotency_key="other-key")
    with pytest.raises(services.LedgerError):
        ledger.reverse(original=rev, reason="x")
    assert reconcile() == []


def test_reverse_refused_once_spent(resident, community, tree):
    tx = fund(resident, community, "30")
    src = Account.objects.get(user=resident)
    dst = ledger.account_for(user=resident, community=tree["other_community"])
    payments.transfer(from_account=src, to_account=dst, amount="20", idempotency_key="spend")
    with pytest.raises(services.InsufficientCreditsError):
        ledger.reverse(original=tx, reason="x")
    assert Account.objects.get(pk=src.pk).balance == Decimal("10.00")


def test_entries_are_append_only(resident, community):
    tx = fund(resident, community, "30")
    entry = tx.entries.first()
    entry.amount = Decimal("1")
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        Entry.objects.filter(pk=entry.pk).update(amount=1)
    with pytest.raises(AppendOnlyError):
        Entry.objects.all().delete()


def test_database_refuses_negative_available_for_residents(resident, community):
    fund(resident, community, "10")
    with pytest.raises(IntegrityError), transaction.atomic():
        Account.objects.filter(user=resident).update(reserved=Decimal("10.01"))
    # The issuance account may go negative: that is the coins in circulation.
    assert Account.objects.get(kind="issuance").balance == Decimal("-10.00")


def test_database_refuses_duplicate_idempotency_key(resident, community):
    tx = fund(resident, community, "10")
    with pytest.raises(IntegrityError), transaction.atomic():
        Transaction.objects.create(kind="earn", idempotency_key=tx.idempotency_key, fingerprint="x")


def test_reconcile_names_accounts_with_wrong_balance(resident, community):
    fund(resident, community, "10")
    acc = Account.objects.get(user=resident)
    Account.objects.filter(pk=acc.pk).update(balance=Decimal("11.00"))
    problems = reconcile()
    checks = {p.check for p in problems}
    assert "balance_mismatch" in checks and "ledger_total" in checks
    assert acc.pk in {p.account_id for p in problems}


def test_reconcile_command_exit_code(resident, community):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    fund(resident, community, "10")
    call_command("credits_reconcile")
    acc = Account.objects.get(user=resident)
    Account.objects.filter(pk=acc.pk).update(reserved=Decimal("5"))
    with pytest.raises(CommandError, match=str(acc.pk)):
        call_command("credits_reconcile")


def test_nightly_reconcile_alerts_site_admins(
    resident, community, mailoutbox, django_capture_on_commit_callbacks
):
    from credits.tasks import reconcile as task
    from tests.factories import member

    admin = member("site_admin", community)
    fund(resident, community, "10")
    assert task() == 0
    Account.objects.filter(user=resident).update(balance=Decimal("9"))
    with django_capture_on_commit_callbacks(execute=True):
        assert task() > 0
    assert [m.to for m in mailoutbox] == [[admin.email]]


def test_payment_interrupted_inside_its_transaction_then_retried_pays_once(
    resident, community, monkeypatch
):
    rule(community, deed=Deed.PUBLIC_WELFARE, amount="2.00")
    original = ledger.post

    def crash(**kwargs):
        original(**kwargs)  # everything written, not yet committed ...
        raise RuntimeError("worker lost")  # ... when the worker dies

    monkeypatch.setattr(ledger, "post", crash)
    kwargs = dict(
        user=resident, community=community, deed=Deed.PUBLIC_WELFARE, idempotency_key="pay:1"
    )
    with pytest.raises(RuntimeError):
        services.deed_award(**kwargs)
    assert not Transaction.objects.exists() and not Entry.objects.exists()
    monkeypatch.setattr(ledger, "post", original)
    first, second = services.deed_award(**kwargs), services.deed_award(**kwargs)
    assert first.pk == second.pk
    assert Account.objects.get(user=resident).balance == Decimal("2.00")
    assert reconcile() == []
