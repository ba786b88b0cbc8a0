"""Each reconciliation check catches the fault it is for, and names the account."""

from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from credits import ledger, services
from credits.models import Account, Entry, Transaction
from credits.reconcile import reconcile

from .factories import fund, reward

pytestmark = pytest.mark.django_db


def checks():
    return {(p.check, p.account_id) for p in reconcile()}


def test_clean_ledger_reconciles(resident, community, committee_member):
    fund(resident, community, "50")
    r = services.redemption_reserve(user=resident, reward=reward(community), idempotency_key="r")
    services.redemption_fulfil(actor=committee_member, community=community, code=r.code)
    services.redemption_reserve(user=resident, reward=reward(community), idempotency_key="s")
    assert reconcile() == []
    call_command("credits_reconcile")


def test_unbalanced_transaction_is_named(resident, community, is_postgres):
    if is_postgres:
        pytest.skip("PostgreSQL refuses this at commit (test_concurrency_pg covers it)")
    # SQLite has no deferred trigger: there this check is what catches it.
    acc = ledger.account_for(user=resident, community=community)
    tx = Transaction.objects.create(kind="earn", idempotency_key="bad", fingerprint="x")
    Entry.objects.create(transaction=tx, account=acc, amount=Decimal("5"), balance_after=5)
    Account.objects.filter(pk=acc.pk).update(balance=5)
    found = checks()
    assert ("unbalanced_transaction", acc.pk) in found
    Transaction.objects.create(kind="earn", idempotency_key="empty", fingerprint="x")
    assert ("unbalanced_transaction", None) in checks()


def test_broken_statement_chain_is_named(resident, community):
    fund(resident, community, "10")
    acc = Account.objects.get(user=resident)
    issuer = Account.objects.get(kind="issuance")
    tx = Transaction.objects.create(kind="transfer", idempotency_key="t", fingerprint="x")
    Entry.objects.create(
        transaction=tx, account=acc, amount=Decimal("-1"), balance_after=Decimal("8")
    )
    Entry.objects.create(
        transaction=tx, account=issuer, amount=Decimal("1"), balance_after=Decimal("-9")
    )
    Account.objects.filter(pk=acc.pk).update(balance=9)
    Account.objects.filter(pk=issuer.pk).update(balance=-9)
    assert checks() == {("statement_chain", acc.pk)}


def test_reservation_without_open_redemption_is_named(resident, community):
    fund(resident, community, "10")
    acc = Account.objects.get(user=resident)
    Account.objects.filter(pk=acc.pk).update(reserved=3)
    assert checks() == {("reservation_mismatch", acc.pk)}
    with pytest.raises(CommandError, match=str(acc.pk)):
        call_command("credits_reconcile")
