"""Random sequences of earn, pay, reserve, fulfil, cancel, expire and reverse, checked
step by step against an independent model of every balance, reservation and stock level.

Every write goes through `ledger.post` (a payment is the tests' own two-account write,
tests/credits/payments.py): on PostgreSQL its single prepared statement, on SQLite the ORM.
CI runs this on both, so the same model checks both implementations."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from credits import ledger, services
from credits.models import Account, Deed, EarningRule, Redemption, Reward
from credits.reconcile import reconcile
from tests import factories as base
from tests.credits import payments

RATE = Decimal("2.50")
COSTS = [Decimal("5.00"), Decimal("12.50"), Decimal("30.00")]


class LedgerMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        # Each example runs in a savepoint that is rolled back at teardown.
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        tree = base.city_tree()
        self.community = tree["community"]
        self.committee = base.member("committee", self.community)
        self.users = [base.resident(tree["grid"]) for _ in range(3)]
        EarningRule.objects.create(community=self.community, deed=Deed.PUBLIC_WELFARE, amount=RATE)
        self.rewards = [
            Reward.objects.create(
                community=self.community, kind="goods", name=f"奖品{i}", cost=c, stock=3
            )
            for i, c in enumerate(COSTS)
        ]
        self.balance = {u.pk: Decimal("0") for u in self.users}
        self.reserved = {u.pk: Decimal("0") for u in self.users}
        self.issued = Decimal("0")
        self.stock = {r.pk: 3 for r in self.rewards}
        self.open: list[tuple[int, int, int, Decimal]] = []  # (redemption, user, reward, cost)
        self.earnings: list[tuple[int, int, Decimal, str]] = []  # (tx, user, amount, key)
        self.payments: list[tuple[int, Account, Account, Decimal, str]] = []
        self.n = 0

    def teardown(self):
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    def key(self, prefix):
        self.n += 1
        return f"{prefix}:{self.n}"

    @rule(who=st.integers(0, 2), qty=st.integers(1, 8))
    def earn(self, who, qty):
        user = self.users[who]
        key = self.key("earn")
        tx = services.deed_award(
            user=user,
            community=self.community,
            deed=Deed.PUBLIC_WELFARE,
            quantity=Decimal(qty),
            idempotency_key=key,
        )
        amount = RATE * qty
        self.balance[user.pk] += amount
        self.issued += amount
        self.earnings.append((tx.pk, user.pk, amount, key))

    @rule(data=st.data())
    def earn_retried(self, data):
        if not self.earnings:
            return
        tx_pk, user_pk, amount, key = data.draw(st.sampled_from(self.earnings))
        user = next(u for u in self.users if u.pk == user_pk)
        tx = services.deed_award(
            user=user,
            community=self.community,
            deed=Deed.PUBLIC_WELFARE,
            quantity=amount / RATE,
            idempotency_key=key,
        )
        assert tx.pk == tx_pk  # the first result, no second payment

    @rule(src=st.integers(0, 2), dst=st.integers(0, 2), cents=st.integers(1, 4000))
    def pay(self, src, dst, cents):
        if src == dst:
            return
        payer, payee = self.users[src], self.users[dst]
        amount = Decimal(cents) / 100
        accounts = [ledger.account_for(user=u, community=self.community) for u in (payer, payee)]
        key = self.key("pay")
        should = self.balance[payer.pk] - self.reserved[payer.pk] >= amount
        try:
            tx = payments.transfer(
                from_account=accounts[0], to_account=accounts[1], amount=amount, idempotency_key=key
            )
        except services.InsufficientCreditsError:
            assert not should
            return
        assert should
        self.balance[payer.pk] -= amount
        self.balance[payee.pk] += amount
        self.payments.append((tx.pk, *accounts, amount, key))

    @rule(data=st.data())
    def pay_retried(self, data):
        if not self.payments:
            return
        tx_pk, src, dst, amount, key = data.draw(st.sampled_from(self.payments))
        again = payments.transfer(
            from_account=src, to_account=dst, amount=amount, idempotency_key=key
        )
        assert again.pk == tx_pk  # the first result, whatever the balance is now
        with pytest.raises(services.IdempotencyConflictError):
            payments.transfer(
                from_account=src, to_account=dst, amount=amount + 1, idempotency_key=key
            )

    @rule(who=st.integers(0, 2), which=st.integers(0, len(COSTS) - 1))
    def reserve(self, who, which):
        user, item = self.users[who], self.rewards[which]
        should = (
            self.balance[user.pk] - self.reserved[user.pk] >= item.cost and self.stock[item.pk] > 0
        )
        try:
            r = services.redemption_reserve(user=user, reward=item, idempotency_key=self.key("res"))
        except services.LedgerError:
            assert not should
            return
        assert should
        self.reserved[user.pk] += item.cost
        self.stock[item.pk] -= 1
        self.open.append((r.pk, user.pk, item.pk, item.cost))

    def _take_open(self, data):
        if not self.open:
            return None
        i = data.draw(st.integers(0, len(self.open) - 1))
        return self.open.pop(i)

    @rule(data=st.data())
    def fulfil(self, data):
        taken = self._take_open(data)
        if taken is None:
            return
        pk, user_pk, _reward, cost = taken
        code = Redemption.objects.get(pk=pk).code
        services.redemption_fulfil(actor=self.committee, community=self.community, code=code)
        self.balance[user_pk] -= cost
        self.reserved[user_pk] -= cost
        self.issued -= cost

    @rule(data=st.data())
    def cancel(self, data):
        taken = self._take_open(data)
        if taken is None:
            return
        pk, user_pk, reward_pk, cost = taken
        user = next(u for u in self.users if u.pk == user_pk)
        services.redemption_cancel(actor=user, redemption=Redemption.objects.get(pk=pk))
        self.reserved[user_pk] -= cost
        self.stock[reward_pk] += 1

    @rule(data=st.data())
    def expire(self, data):
        taken = self._take_open(data)
        if taken is None:
            return
        pk, user_pk, reward_pk, cost = taken
        past = timezone.now() - dt.timedelta(seconds=1)
        Redemption.objects.filter(pk=pk).update(expires_at=past)
        assert services.redemption_expire_due() == 1
        self.reserved[user_pk] -= cost
        self.stock[reward_pk] += 1

    @rule(data=st.data())
    def reverse(self, data):
        if not self.earnings:
            return
        i = data.draw(st.integers(0, len(self.earnings) - 1))
        tx_pk, user_pk, amount, _key = self.earnings[i]
        from credits.models import Transaction

        should = self.balance[user_pk] - self.reserved[user_pk] >= amount
        try:
            ledger.reverse(original=Transaction.objects.get(pk=tx_pk), reason="更正")
        except services.InsufficientCreditsError:
            assert not should
            return
        assert should
        self.earnings.pop(i)
        self.balance[user_pk] -= amount
        self.issued -= amount

    @invariant()
    def matches_model_and_reconciles(self):
        for user in self.users:
            acc = Account.objects.filter(user=user).first()
            balance = acc.balance if acc else Decimal("0")
            reserved = acc.reserved if acc else Decimal("0")
            assert balance == self.balance[user.pk]
            assert reserved == self.reserved[user.pk]
            assert balance - reserved >= 0
        issuer = Account.objects.filter(kind="issuance", community=self.community).first()
        assert (issuer.balance if issuer else 0) == -self.issued
        for item in self.rewards:
            assert Reward.objects.get(pk=item.pk).stock == self.stock[item.pk]
        assert reconcile() == []


@pytest.mark.django_db
def test_ledger_state_machine():
    run_state_machine_as_test(
        LedgerMachine,
        settings=settings(
            max_examples=30,
            stateful_step_count=20,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        ),
    )
