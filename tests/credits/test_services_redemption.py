import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from credits import services
from credits.models import Account, Redemption, Reward, Transaction
from credits.reconcile import reconcile
from tests import factories as base

from .factories import fund, reward, yesterday

pytestmark = pytest.mark.django_db


def account(user):
    return Account.objects.get(user=user)


def test_reserve_holds_coins_and_stock(resident, community):
    fund(resident, community, "50")
    item = reward(community, cost="20", stock=3)
    r = services.redemption_reserve(user=resident, reward=item, idempotency_key="r1")
    assert len(r.code) == 6 and r.code.isdigit()
    acc = account(resident)
    assert (acc.balance, acc.reserved, acc.available) == (
        Decimal("50"),
        Decimal("20"),
        Decimal("30"),
    )
    assert Reward.objects.get(pk=item.pk).stock == 2
    assert services.redemption_reserve(user=resident, reward=item, idempotency_key="r1").pk == r.pk
    assert Reward.objects.get(pk=item.pk).stock == 2
    assert reconcile() == []


def test_fulfil_moves_coins_back_to_issuance(resident, community, committee_member):
    fund(resident, community, "50")
    r = services.redemption_reserve(
        user=resident, reward=reward(community, cost="20"), idempotency_key="r"
    )
    done = services.redemption_fulfil(actor=committee_member, community=community, code=r.code)
    assert (
        done.status == Redemption.Status.FULFILLED and done.payment.kind == Transaction.Kind.REDEEM
    )
    acc = account(resident)
    assert (acc.balance, acc.reserved) == (Decimal("30"), Decimal("0"))
    with pytest.raises(services.LedgerError, match="already|已"):
        services.redemption_fulfil(actor=committee_member, community=community, code=r.code)
    assert reconcile() == []


def test_provider_staff_may_fulfil_their_rewards(resident, community, tree):
    provider = base.organisation(tree["district"], kind="provider", name="巧手家政")
    staff = base.member("volunteer", tree["district"], organisation=provider)
    fund(resident, community, "50")
    r = services.redemption_reserve(
        user=resident, reward=reward(community, provider=provider), idempotency_key="p"
    )
    services.redemption_fulfil(actor=staff, community=community, code=r.code)
    other = services.redemption_reserve(
        user=resident, reward=reward(community), idempotency_key="q"
    )
    with pytest.raises(PermissionDenied):
        services.redemption_fulfil(actor=staff, community=community, code=other.code)


@pytest.mark.parametrize("code", ["", "12345", "abcdef", "1234567"])
def test_malformed_code(committee_member, community, code):
    with pytest.raises(services.LedgerError):
        services.redemption_fulfil(actor=committee_member, community=community, code=code)


def test_strangers_code_not_found(resident, community, tree):
    fund(resident, community, "50")
    r = services.redemption_reserve(user=resident, reward=reward(community), idempotency_key="s")
    other_committee = base.member("committee", tree["other_community"])
    with pytest.raises(services.LedgerError):
        services.redemption_fulfil(
            actor=other_committee, community=tree["other_community"], code=r.code
        )
    with pytest.raises(PermissionDenied):
        services.redemption_fulfil(actor=other_committee, community=community, code=r.code)
    assert Redemption.objects.get(pk=r.pk).status == "reserved"


def test_beyond_balance_stock_and_limit(resident, community):
    fund(resident, community, "30")
    with pytest.raises(services.InsufficientCreditsError):
        services.redemption_reserve(
            user=resident, reward=reward(community, cost="31"), idempotency_key="a"
        )
    with pytest.raises(services.LedgerError, match="stock|兑完"):
        services.redemption_reserve(
            user=resident, reward=reward(community, stock=0), idempotency_key="b"
        )
    limited = reward(community, cost="5", per_resident_limit=1)
    services.redemption_reserve(user=resident, reward=limited, idempotency_key="c")
    with pytest.raises(services.LedgerError):
        services.redemption_reserve(user=resident, reward=limited, idempotency_key="d")
    inactive = reward(community, cost="5", active_to=yesterday())
    with pytest.raises(services.LedgerError):
        services.redemption_reserve(user=resident, reward=inactive, idempotency_key="e")
    acc = account(resident)
    assert acc.reserved == Decimal("5")
    assert Redemption.objects.count() == 1


def test_only_residents_of_the_community_redeem(tree, community):
    outsider = base.resident(tree["other_grid"])
    with pytest.raises(PermissionDenied):
        services.redemption_reserve(user=outsider, reward=reward(community), idempotency_key="o")


def test_cancel_releases_coins_and_stock(resident, community):
    fund(resident, community, "50")
    item = reward(community, stock=1)
    r = services.redemption_reserve(user=resident, reward=item, idempotency_key="c")
    services.redemption_cancel(actor=resident, redemption=r)
    assert account(resident).reserved == 0 and Reward.objects.get(pk=item.pk).stock == 1
    services.redemption_cancel(actor=resident, redemption=r)  # repeated: no change
    assert Reward.objects.get(pk=item.pk).stock == 1
    with pytest.raises(PermissionDenied):
        services.redemption_cancel(actor=base.resident(tree_grid(community)), redemption=r)


def tree_grid(community):
    return community.get_children().first()


def test_expiry_releases(resident, community, mailoutbox, django_capture_on_commit_callbacks):
    fund(resident, community, "50")
    item = reward(community, stock=1)
    r = services.redemption_reserve(user=resident, reward=item, idempotency_key="x")
    assert services.redemption_expire_due() == 0
    later = timezone.now() + dt.timedelta(days=8)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.redemption_expire_due(now=later) == 1
    r.refresh_from_db()
    assert r.status == Redemption.Status.EXPIRED
    assert account(resident).reserved == 0 and Reward.objects.get(pk=item.pk).stock == 1
    assert len(mailoutbox) == 1
    assert reconcile() == []


def test_expired_code_cannot_be_fulfilled(resident, community, committee_member):
    fund(resident, community, "50")
    r = services.redemption_reserve(user=resident, reward=reward(community), idempotency_key="e")
    Redemption.objects.filter(pk=r.pk).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    with pytest.raises(services.LedgerError):
        services.redemption_fulfil(actor=committee_member, community=community, code=r.code)


def test_honours_appear_on_profile(resident, community, committee_member):
    from credits import selectors

    fund(resident, community, "50")
    honour = reward(community, kind=Reward.Kind.HONOUR, stock=None, name="月度好邻居")
    r = services.redemption_reserve(user=resident, reward=honour, idempotency_key="h")
    assert list(selectors.honours_of(resident)) == []
    services.redemption_fulfil(actor=committee_member, community=community, code=r.code)
    assert [h.reward.name for h in selectors.honours_of(resident)] == ["月度好邻居"]
