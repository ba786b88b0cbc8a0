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
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.models import Area, User
from portal.notifications import notify
from portal.permissions import live_memberships
from portal.versions import bump_user_versions

from .. import ledger, permissions
from ..ledger import InsufficientCreditsError, LedgerError
from ..models import Account, Redemption, Reward, Transaction

_CODE_SQL = "SELECT 1 FROM credits_redemption WHERE community_id = %s AND code = %s AND status = %s"
_KEY_SQL = "SELECT id FROM credits_redemption WHERE idempotency_key = %s"


def _new_code(community_id: int) -> str:
    for _attempt in range(20):
        code = f"{secrets.randbelow(1_000_000):06d}"
        with connection.cursor() as cursor:  # plain SQL: once per reservation
            cursor.execute(_CODE_SQL, [community_id, code, Redemption.Status.RESERVED])
            if cursor.fetchone() is None:
                return code
    raise LedgerError(_("Please try again."), code="code_exhausted")


# Hold coins in one statement: the row lock, the check that enough are available and the
# new reservation at once (PostgreSQL; no row back: no account yet, or too few coins).
_HOLD_SQL = (
    "UPDATE credits_account SET reserved = reserved + %s WHERE kind = 'resident'"
    " AND community_id = %s AND user_id = %s AND balance - reserved >= %s RETURNING id"
)


def _hold(user: User, reward: Reward) -> int:
    """Hold `reward.cost` of `user`'s coins in the reward's community; the account id."""
    cost = reward.cost
    bump_user_versions("coins", user.pk)  # their home panel shows what is reserved
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(_HOLD_SQL, [cost, reward.community_id, user.pk, cost])
            row = cursor.fetchone()
        if row is not None:
            return row[0]
        # The refusal: read (or open) the account to say how many coins there are.
        account = ledger.account_for(user=user, community=reward.community)
    else:
        account = ledger.account_for(user=user, community=reward.community)
        account = ledger.lock_accounts([account.pk])[account.pk]
    if account.balance - account.reserved < cost:
        raise InsufficientCreditsError(
            _("Not enough coins: %(available)s available, %(cost)s needed.")
            % {"available": account.balance - account.reserved, "cost": cost},
            code="insufficient",
        )
    if connection.vendor == "postgresql":  # coins came in since the UPDATE: hold again
        return _hold(user, reward)
    account.reserved += cost
    Account.objects.filter(pk=account.pk).update(reserved=account.reserved)
    return account.pk


@transaction.atomic
def redemption_reserve(*, user: User, reward: Reward, idempotency_key: str) -> Redemption:
    """Hold the coins and one item of stock; the resident gets a pickup code."""
    key = ledger.check_key(idempotency_key)
    # Every reservation of this reward waits for its lock: read before taking it what
    # needs no lock, the resident's memberships (the permission check below) and a free
    # pickup code (the open-code unique constraint still guards the insert).
    if getattr(user, "is_authenticated", False):
        live_memberships(user)
    code = _new_code(reward.community_id)
    reward = (
        Reward.objects.select_for_update(no_key=True, of=("self",))
        .select_related("community")
        .get(pk=reward.pk)
    )
    with connection.cursor() as cursor:  # plain SQL: a hit (a retry) is the rare case
        cursor.execute(_KEY_SQL, [key])
        row = cursor.fetchone()
    if row is not None:
        existing = Redemption.objects.get(pk=row[0])
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
    account_id = _hold(user, reward)
    if reward.stock is not None:
        reward.stock -= 1
        Reward.objects.filter(pk=reward.pk).update(stock=reward.stock)
    now = timezone.now()
    days = getattr(settings, "CREDITS_RESERVATION_DAYS", 7)
    return Redemption.objects.create(
        reward=reward,
        user=user,
        account_id=account_id,
        community=reward.community,
        cost=reward.cost,
        code=code,
        idempotency_key=key,
        reserved_at=now,
        expires_at=now + dt.timedelta(days=days),
    )


@transaction.atomic
def redemption_fulfil(*, actor: User, community: Area, code: str) -> Redemption:
    """Hand over the reward: the held coins leave the resident's account for good."""
    code = (code or "").strip()
    if not (len(code) == 6 and code.isascii() and code.isdigit()):
        raise LedgerError(_("Enter the 6-digit pickup code."), code="code_format")
    redemption = (
        Redemption.objects.select_for_update(no_key=True, of=("self",))
        .select_related("reward")
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
    resident = redemption.account_id
    key = f"redemption:{redemption.pk}:fulfil"
    fp = ledger.fingerprint(kind="redeem", redemption=redemption.pk, cost=redemption.cost)
    # The resident's and the issuance accounts locked and the key looked up at once.
    locked = ledger.lock_owned(community=community, also=[resident], key=key, fp=fp)
    tx = locked.existing or ledger.post(
        kind=Transaction.Kind.REDEEM,
        key=key,
        fp=fp,
        lines=[(resident, -redemption.cost), (locked.issuer.pk, redemption.cost)],
        accounts=locked.accounts,
        release={resident: redemption.cost},
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
    """Release held coins and stock.  Caller holds the redemption's row lock and read its
    reward with it.  Each release is one UPDATE, which takes its row's lock itself (the
    reward's, then the account's: the ledger's order)."""
    if redemption.reward.stock is not None:
        Reward.objects.filter(pk=redemption.reward_id, stock__isnull=False).update(
            stock=F("stock") + 1
        )
    Account.objects.filter(pk=redemption.account_id).update(
        reserved=F("reserved") - redemption.cost
    )
    bump_user_versions("coins", redemption.user_id)
    redemption.status = status
    redemption.closed_at = timezone.now()
    redemption.closed_by = actor
    redemption.save(update_fields=["status", "closed_at", "closed_by"])
    return redemption


@transaction.atomic
def redemption_cancel(*, actor: User, redemption: Redemption) -> Redemption:
    redemption = (
        Redemption.objects.select_for_update(no_key=True, of=("self",))
        .select_related("reward")
        .get(pk=redemption.pk)
    )
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
                Redemption.objects.select_for_update(no_key=True, of=("self",))
                .select_related("reward")
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
