"""Redemptions: a resident reserves a reward (the coins and one item of stock are held
and a 6-digit pickup code issued), the committee or the reward's provider hands it over
(the coins leave for good, through the ledger), or the reservation is cancelled or
expires (coins and stock come back).

Lock order (credits.ledger): the `Reward` or the `Redemption` first, then the accounts.
"""

from __future__ import annotations

import datetime as dt
import secrets

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.models import Area, User
from portal.notifications import notify

from .. import ledger, permissions
from ..ledger import InsufficientCreditsError, LedgerError
from ..models import Account, Redemption, Reward, Transaction


def _new_code(community: Area) -> str:
    for _attempt in range(20):
        code = f"{secrets.randbelow(1_000_000):06d}"
        if not Redemption.objects.filter(
            community=community, code=code, status=Redemption.Status.RESERVED
        ).exists():
            return code
    raise LedgerError(_("Please try again."), code="code_exhausted")


@transaction.atomic
def redemption_reserve(*, user: User, reward: Reward, idempotency_key: str) -> Redemption:
    """Hold the coins and one item of stock; the resident gets a pickup code."""
    key = ledger.check_key(idempotency_key)
    reward = Reward.objects.select_for_update(no_key=True).get(pk=reward.pk)
    existing = Redemption.objects.filter(idempotency_key=key).first()
    if existing is not None:
        if existing.user_id != user.pk or existing.reward_id != reward.pk:
            raise ledger.conflict_error()
        return existing
    permissions.require_redeem(user, reward.community)
    today = timezone.localdate()
    if not reward.is_available_on(today):
        raise LedgerError(_("This reward is not available now."), code="reward_unavailable")
    if reward.stock is not None and reward.stock <= 0:
        raise LedgerError(_("This reward is out of stock."), code="out_of_stock")
    if reward.per_resident_limit is not None:
        taken = Redemption.objects.filter(
            reward=reward,
            user=user,
            status__in=[Redemption.Status.RESERVED, Redemption.Status.FULFILLED],
        ).count()
        if taken >= reward.per_resident_limit:
            raise LedgerError(
                _("You have reached the limit of %(n)s for this reward.")
                % {"n": reward.per_resident_limit},
                code="limit_reached",
            )
    account = ledger.account_for(user=user, community=reward.community)
    account = ledger.lock_accounts([account.pk])[account.pk]
    if account.balance - account.reserved < reward.cost:
        raise InsufficientCreditsError(
            _("Not enough coins: %(available)s available, %(cost)s needed.")
            % {"available": account.balance - account.reserved, "cost": reward.cost},
            code="insufficient",
        )
    account.reserved += reward.cost
    Account.objects.filter(pk=account.pk).update(reserved=account.reserved)
    if reward.stock is not None:
        reward.stock -= 1
        Reward.objects.filter(pk=reward.pk).update(stock=reward.stock)
    now = timezone.now()
    days = getattr(settings, "CREDITS_RESERVATION_DAYS", 7)
    return Redemption.objects.create(
        reward=reward,
        user=user,
        account=account,
        community=reward.community,
        cost=reward.cost,
        code=_new_code(reward.community),
        idempotency_key=key,
        reserved_at=now,
        expires_at=now + dt.timedelta(days=days),
    )


@transaction.atomic
def redemption_fulfil(*, actor: User, community: Area, code: str) -> Redemption:
    """Hand over the reward: the held coins leave the resident's account for good."""
    code = (code or "").strip()
    if not (len(code) == 6 and code.isdigit()):
        raise LedgerError(_("Enter the 6-digit pickup code."), code="code_format")
    redemption = (
        Redemption.objects.select_for_update(no_key=True)
        .filter(community=community, code=code, status=Redemption.Status.RESERVED)
        .first()
    )
    if redemption is None:
        if Redemption.objects.filter(
            community=community, code=code, status=Redemption.Status.FULFILLED
        ).exists():
            raise LedgerError(_("This pickup code has already been used."), code="code_used")
        raise LedgerError(
            _("No open reservation in this community has this pickup code."), code="code_unknown"
        )
    permissions.require_fulfil(actor, community, redemption)
    reward = redemption.reward
    if redemption.expires_at <= timezone.now():
        raise LedgerError(_("This reservation has expired."), code="code_expired")
    resident = redemption.account
    issuer = ledger.issuance_account(community=community)
    accounts = ledger.lock_accounts([resident.pk, issuer.pk])
    key = f"redemption:{redemption.pk}:fulfil"
    fp = ledger.fingerprint(kind="redeem", redemption=redemption.pk, cost=redemption.cost)
    tx = ledger.already_posted(key, fp) or ledger.post(
        kind=Transaction.Kind.REDEEM,
        key=key,
        fp=fp,
        lines=[(resident.pk, -redemption.cost), (issuer.pk, redemption.cost)],
        accounts=accounts,
        release={resident.pk: redemption.cost},
        source=f"redemption:{redemption.pk}",
        memo=reward.name[:200],
        created_by=actor,
    )
    redemption.status = Redemption.Status.FULFILLED
    redemption.payment = tx
    redemption.closed_at = timezone.now()
    redemption.closed_by = actor
    redemption.save(update_fields=["status", "payment", "closed_at", "closed_by"])
    return redemption


def _void(redemption: Redemption, status: str, actor: User | None) -> Redemption:
    """Release held coins and stock.  Caller holds the redemption's row lock."""
    reward = Reward.objects.select_for_update(no_key=True).get(pk=redemption.reward_id)
    account = ledger.lock_accounts([redemption.account_id])[redemption.account_id]
    account.reserved -= redemption.cost
    Account.objects.filter(pk=account.pk).update(reserved=account.reserved)
    if reward.stock is not None:
        Reward.objects.filter(pk=reward.pk).update(stock=reward.stock + 1)
    redemption.status = status
    redemption.closed_at = timezone.now()
    redemption.closed_by = actor
    redemption.save(update_fields=["status", "closed_at", "closed_by"])
    return redemption


@transaction.atomic
def redemption_cancel(*, actor: User, redemption: Redemption) -> Redemption:
    redemption = Redemption.objects.select_for_update(no_key=True).get(pk=redemption.pk)
    permissions.require_cancel(actor, redemption)
    if redemption.status == Redemption.Status.CANCELLED:
        return redemption
    if redemption.status != Redemption.Status.RESERVED:
        raise LedgerError(_("Only an open reservation can be cancelled."), code="not_open")
    return _void(redemption, Redemption.Status.CANCELLED, actor)


def redemption_expire_due(*, now: dt.datetime | None = None) -> int:
    """Void every reservation past its pickup deadline (Celery beat)."""
    now = now or timezone.now()
    due = Redemption.objects.filter(status=Redemption.Status.RESERVED, expires_at__lte=now)
    count = 0
    for pk in due.values_list("pk", flat=True):
        with transaction.atomic():
            r = (
                Redemption.objects.select_for_update(no_key=True)
                .filter(pk=pk, status=Redemption.Status.RESERVED, expires_at__lte=now)
                .first()
            )
            if r is None:
                continue
            _void(r, Redemption.Status.EXPIRED, None)
            notify(
                users=[r.user],
                category="credits.redemption",
                event_key=f"credits-redemption-expired:{r.pk}",
                title=_("Your reservation of %(reward)s expired") % {"reward": r.reward.name},
                body=_("The coins are available again."),
                url="/credits/redemptions/",
            )
            count += 1
    return count
