"""A two-account payment for the ledger engine's own tests.

The product has no resident-to-resident payment (every write is an award, a redemption or
a correction, `credits.services`), so this lives with the tests: the smallest whole write
through the engine's general path (`lock_and_find` then `post`), which the concurrency,
idempotency and state-machine tests drive from both directions at once.
"""

from django.db import transaction

from credits import ledger
from credits.models import Transaction


def transfer(*, from_account, to_account, amount, idempotency_key, memo="", actor=None):
    key = ledger.check_key(idempotency_key)
    amount = ledger.money(amount)
    if from_account.pk == to_account.pk:
        raise ledger.LedgerError("same account", code="same_account")
    fp = ledger.fingerprint(kind="transfer", src=from_account.pk, dst=to_account.pk, amount=amount)
    with transaction.atomic():
        accounts, existing = ledger.lock_and_find([from_account.pk, to_account.pk], key, fp)
        if existing is not None:
            return existing
        return ledger.post(
            kind=Transaction.Kind.TRANSFER,
            key=key,
            fp=fp,
            lines=[(from_account.pk, -amount), (to_account.pk, amount)],
            accounts=accounts,
            memo=memo[:200],
            created_by=actor,
        )
