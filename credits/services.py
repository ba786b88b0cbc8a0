"""Every write of the moral bank.  One function per use case, keyword-only, atomic.

Ledger writes go through `_post()`, which is only ever called with the accounts already
locked by `_lock_accounts()` (ascending primary key: invariant 7).  The one exception is a
payment on PostgreSQL (`transfer` → `_transfer_pg`): it needs no decision between the lock
and the write, so the lock (same order), the balance check and the writes are a single
statement, checked by the same constraints and deferred triggers.  Every ledger write
carries an idempotency key; the request it stands for is hashed into a fingerprint, so
a retry with the same key returns the first transaction and a different request with a
used key is refused (invariant 5).

Lock order — the one order for the ledger and every caller of it (deliberation's door
check-in pays attendance through `deed_award` inside its own transaction).  Two database
transactions that take row locks in the same order cannot deadlock, so every path takes
them in this order and never goes back to an earlier level:

1. the one domain row the use case is about, locked first: the `Registration` being
   checked in, the `ServiceLog` being decided, the `Redemption` being fulfilled or voided
   (then its `Reward`), the `Reward` being reserved, the `Transaction` being reversed, or
   the volunteer's `User` row while logging hours (`service_log_record_bulk` locks all its
   attendees' rows in ascending id before anything else);
2. ledger accounts, all of a use case's accounts in one statement in ascending id
   (`_lock_accounts`, `_lock_and_find`, `_TRANSFER_SQL`); a use case that writes several
   ledger transactions locks the union of their accounts up front;
3. after the accounts, only writes to rows already locked, and inserts.

Every lock is `FOR NO KEY UPDATE` (`select_for_update(no_key=True)`, and `of=("self",)`
where rows are joined): no ledger path changes a key, and a plain `FOR UPDATE` also blocks
the `FOR KEY SHARE` lock that PostgreSQL's foreign-key check takes on the row an inserted
row refers to.  That hidden lock made a cycle (issue 9): check-in locked the resident's
`User` row (through a join) and waited for the account that a redemption held, while the
redemption, inserting a row that refers to that user, waited for the `User` row.
Inserting notifications or redemptions that refer to a user or an account after level 2
is safe only because no path holds a plain `FOR UPDATE` lock on them.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import hashlib
import json
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import nh3
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import permissions
from portal.models import Area, Membership, User
from portal.notifications import notify
from portal.uploads import clean_image

from .models import (
    CENT,
    ZERO,
    Account,
    Deed,
    EarningRule,
    Entry,
    HoursCertificate,
    Redemption,
    Reward,
    ServiceLog,
    Transaction,
    cap_note,
)

MAX_AMOUNT = Decimal("9999999999.99")


class LedgerError(ValidationError):
    """A refused ledger request: the message is translated and shown to the user."""


class IdempotencyConflictError(LedgerError):
    pass


class InsufficientCreditsError(LedgerError):
    pass


# --- helpers ------------------------------------------------------------------------


def money(value) -> Decimal:
    """A positive amount with at most two decimals, or LedgerError."""
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        raise LedgerError(_("Enter an amount as a number."), code="amount_invalid") from None
    if not amount.is_finite():
        raise LedgerError(_("Enter an amount as a number."), code="amount_invalid")
    if amount <= 0:
        raise LedgerError(_("The amount must be greater than zero."), code="amount_not_positive")
    if amount != amount.quantize(CENT):
        raise LedgerError(_("Amounts have at most two decimal places."), code="amount_precision")
    if amount > MAX_AMOUNT:
        raise LedgerError(_("The amount is too large."), code="amount_too_large")
    return amount.quantize(CENT)


def fingerprint(**request) -> str:
    blob = json.dumps(request, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()


def _check_key(key: str) -> str:
    key = (key or "").strip()
    if not key or len(key) > 200:
        raise LedgerError(_("Every ledger write needs an idempotency key."), code="key_missing")
    return key


def _conflict() -> IdempotencyConflictError:
    return IdempotencyConflictError(
        _("This request key was already used for a different request."),
        code="idempotency_conflict",
    )


# Every concrete column in model order, so a row becomes an Account by the positional
# (fast) path of `Model.from_db`, as a queryset would build it.
_LOCK_SQL = (
    "SELECT "
    + ", ".join(f.column for f in Account._meta.concrete_fields)
    + " FROM credits_account WHERE id = ANY(%s) ORDER BY id FOR NO KEY UPDATE"
)


def _account_from_row(row) -> Account:
    """An Account from a `_LOCK_SQL` row, marked as already saved."""
    return Account.from_db(connection.alias, None, row)


def _prepared_cursor():
    """A Django cursor that binds parameters on the server (PostgreSQL only).

    psycopg prepares a statement once this connection has run it `prepare_threshold`
    times (5), so PostgreSQL parses and plans the payment statement once per connection
    instead of once per payment: bench/ledger.py measured about a quarter less server CPU
    per payment.  The rest of the site keeps Django's client-side binding.  The cursor
    goes through Django's wrappers, so query logging and `assertNumQueries` see it.
    """
    from django.db.backends.postgresql.base import ServerBindingCursor

    connection.ensure_connection()
    connection.validate_thread_sharing()
    with connection.wrap_database_errors:
        cursor = ServerBindingCursor(connection.connection)
    if connection.queries_logged:
        return connection.make_debug_cursor(cursor)
    return connection.make_cursor(cursor)


_KEY_SQL = "SELECT id, fingerprint FROM credits_transaction WHERE idempotency_key = %s"


def _existing(key: str, fp: str) -> Transaction | None:
    # Plain SQL: this runs on every ledger write, and a hit (a retry) is the rare case.
    with connection.cursor() as cursor:
        cursor.execute(_KEY_SQL, [key])
        row = cursor.fetchone()
    return _keyed(row, fp)


def _keyed(row, fp: str) -> Transaction | None:
    """The transaction an (id, fingerprint) row names, if the fingerprint matches."""
    if row is None:
        return None
    if row[1] != fp:
        raise _conflict()
    return Transaction.objects.get(pk=row[0])


def _all_known(accounts: dict[int, Account], ids: list[int]) -> dict[int, Account]:
    if len(accounts) != len(ids):
        raise LedgerError(_("Unknown account."), code="account_unknown")
    return accounts


def _lock_accounts(ids: Iterable[int]) -> dict[int, Account]:
    """Lock accounts in ascending primary-key order, so two writers never deadlock."""
    ids = sorted(set(ids))
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(_LOCK_SQL, [ids])
            return _all_known({r[0]: _account_from_row(r) for r in cursor.fetchall()}, ids)
    # SQLite: writers are serialised by the database lock (IMMEDIATE transactions)
    locked = Account.objects.select_for_update(no_key=True).filter(pk__in=ids).order_by("pk")
    return _all_known({a.pk: a for a in locked}, ids)


def _lock_and_find(ids: Iterable[int], key: str, fp: str):
    """Lock the accounts, then look the key up: one round trip on PostgreSQL.

    The look-up runs after the locks are held, so it sees a twin request that committed
    while this one waited (READ COMMITTED takes a fresh snapshot per statement).
    """
    ids = sorted(set(ids))
    if connection.vendor != "postgresql":
        accounts = _lock_accounts(ids)
        return accounts, _existing(key, fp)
    with connection.cursor() as cursor:
        cursor.execute(f"{_LOCK_SQL}; {_KEY_SQL}", [ids, key])
        rows = cursor.fetchall()
        cursor.nextset()
        found = cursor.fetchone()
    return _all_known({row[0]: _account_from_row(row) for row in rows}, ids), _keyed(found, fp)


def _insufficient(available: Decimal) -> InsufficientCreditsError:
    return InsufficientCreditsError(
        _("Not enough coins: %(available)s available.") % {"available": available},
        code="insufficient",
    )


def _post(
    *,
    kind: str,
    key: str,
    fp: str,
    lines: list[tuple[int, Decimal]],
    accounts: dict[int, Account],
    release: dict[int, Decimal] | None = None,
    **fields,
) -> Transaction:
    """Write one balanced transaction against locked `accounts`.

    `release` lowers accounts' reservations in the same step (a fulfilled redemption).
    """
    if len(lines) < 2 or sum(amount for _, amount in lines) != 0:
        raise ValueError("A transaction needs two or more entries summing to zero.")
    release = release or {}
    balances = {pk: accounts[pk].balance for pk, _ in lines}
    reserved = {pk: accounts[pk].reserved - release.get(pk, ZERO) for pk in balances}
    after = []
    for pk, amount in lines:
        balances[pk] += amount
        after.append(balances[pk])
    for pk in balances:
        acc = accounts[pk]
        if acc.kind == Account.Kind.RESIDENT and balances[pk] - reserved[pk] < 0:
            raise _insufficient(acc.balance - acc.reserved)
    now = timezone.now()
    if connection.vendor == "postgresql":
        return _post_pg(kind, key, fp, lines, after, accounts, balances, reserved, now, fields)
    try:
        tx = Transaction.objects.create(
            kind=kind, idempotency_key=key, fingerprint=fp, created_at=now, **fields
        )
    except IntegrityError:
        raise _conflict() from None
    Entry.objects.bulk_create(
        [
            Entry(transaction=tx, account_id=pk, amount=amount, balance_after=bal, created_at=now)
            for (pk, amount), bal in zip(lines, after, strict=True)
        ]
    )
    for pk in balances:
        acc = accounts[pk]
        acc.balance, acc.reserved = balances[pk], reserved[pk]
        Account.objects.filter(pk=pk).update(balance=acc.balance, reserved=acc.reserved)
    return tx


_TX_FIELDS = (
    "rule",
    "deed",
    "quantity",
    "source",
    "memo",
    "created_by",
    "reverses",
    "service_date",
    "capped_from",
    "cap",
    "cap_limit",
    "cap_earned",
)
_TX_ATTNAMES = [f.attname for f in Transaction._meta.concrete_fields]


@functools.cache
def _post_sql(n_entries: int, n_accounts: int) -> str:
    """The single statement of `_post_pg`: one text per shape, so the server prepares it."""
    entry_rows = ", ".join(["(%s::bigint, %s::numeric, %s::numeric, %s::int)"] * n_entries)
    acc_rows = ", ".join(["(%s::bigint, %s::numeric, %s::numeric)"] * n_accounts)
    return f"""
        WITH t AS (
            INSERT INTO credits_transaction
                (kind, idempotency_key, fingerprint, created_at, rule_id, deed, quantity,
                 source, memo, created_by_id, reverses_id, service_date, capped_from, cap,
                 cap_limit, cap_earned)
            VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
            RETURNING id
        ), e AS (
            INSERT INTO credits_entry
                (transaction_id, account_id, amount, balance_after, created_at)
            SELECT t.id, v.acc, v.amount, v.bal, %s
            FROM t, (VALUES {entry_rows}) AS v(acc, amount, bal, n)
            ORDER BY v.n
            RETURNING 1
        ), u AS (
            UPDATE credits_account AS a SET balance = v.balance, reserved = v.reserved
            FROM (VALUES {acc_rows}) AS v(id, balance, reserved)
            WHERE a.id = v.id
            RETURNING 1
        )
        SELECT t.id, (SELECT count(*) FROM e), (SELECT count(*) FROM u) FROM t
    """


def _post_pg(kind, key, fp, lines, after, accounts, balances, reserved, now, fields) -> Transaction:
    """The same writes as the ORM path, in one round trip (data-modifying CTEs).

    Earnings, redemptions and reversals (payments have `_transfer_pg`): the transaction
    row, its entries and the new account balances go to PostgreSQL as one prepared
    statement, after the caller has locked the accounts and decided.
    """
    row = _tx_row(kind, key, fp, now, fields)
    params = [*row.values(), now]
    for n, ((pk, amount), bal) in enumerate(zip(lines, after, strict=True)):
        params += [pk, amount, bal, n]
    for pk in balances:
        params += [pk, balances[pk], reserved[pk]]
    try:
        with _prepared_cursor() as cursor:
            cursor.execute(_post_sql(len(lines), len(balances)), params)
            row["id"], _n_entries, _n_accounts = cursor.fetchone()
    except IntegrityError:
        # The enclosing atomic block (every caller has one) must not go on after this.
        transaction.set_rollback(True)
        raise _conflict() from None
    for pk in balances:
        accounts[pk].balance, accounts[pk].reserved = balances[pk], reserved[pk]
    return _saved_transaction(row, fields)


def _tx_row(kind, key, fp, now, fields) -> dict:
    """A transaction's column values by attname, in _post_sql's INSERT column order."""
    unknown = set(fields) - set(_TX_FIELDS)
    if unknown:
        raise TypeError(f"unknown transaction fields {unknown}")
    return {
        "kind": kind,
        "idempotency_key": key,
        "fingerprint": fp,
        "created_at": now,
        "rule_id": getattr(fields.get("rule"), "pk", None),
        "deed": fields.get("deed", ""),
        "quantity": fields.get("quantity"),
        "source": fields.get("source", ""),
        "memo": fields.get("memo", ""),
        "created_by_id": getattr(fields.get("created_by"), "pk", None),
        "reverses_id": getattr(fields.get("reverses"), "pk", None),
        "service_date": fields.get("service_date"),
        "capped_from": fields.get("capped_from"),
        "cap": fields.get("cap", ""),
        "cap_limit": fields.get("cap_limit"),
        "cap_earned": fields.get("cap_earned"),
    }


def _saved_transaction(row: dict, fields: dict) -> Transaction:
    """The Transaction a raw INSERT wrote, built as a queryset would (no query)."""
    tx = Transaction.from_db(connection.alias, None, [row[a] for a in _TX_ATTNAMES])
    for name in ("rule", "created_by", "reverses"):
        if fields.get(name) is not None:
            setattr(tx, name, fields[name])  # the caller's instance, as the ORM path keeps
    return tx


def acts_in(user: User, action: str, community: Area, **kwargs) -> bool:
    """May `user` take `action` somewhere in `community` (a resident's grid counts)?"""
    return permissions.can(user, action, community, within=True, **kwargs)


def require_in(user: User, action: str, community: Area, **kwargs) -> None:
    permissions.require(user, action, community, within=True, **kwargs)


# --- accounts -----------------------------------------------------------------------


def _community(area: Area) -> Area:
    community = area.community if area.kind != Area.Kind.COMMUNITY else area
    if community is None:
        raise LedgerError(_("Choose a community."), code="no_community")
    return community


def account_for(*, user: User, community: Area) -> Account:
    account, _created = Account.objects.get_or_create(
        kind=Account.Kind.RESIDENT, user=user, community=community
    )
    return account


def organisation_account(*, organisation, community: Area) -> Account:
    account, _created = Account.objects.get_or_create(
        kind=Account.Kind.ORGANISATION, organisation=organisation, community=community
    )
    return account


def issuance_account(*, community: Area) -> Account:
    account, _created = Account.objects.get_or_create(
        kind=Account.Kind.ISSUANCE, community=community
    )
    return account


# --- ledger writes --------------------------------------------------------------------


def transfer(
    *,
    from_account: Account,
    to_account: Account,
    amount,
    idempotency_key: str,
    memo: str = "",
    actor: User | None = None,
) -> Transaction:
    """Move coins between two accounts (a payment)."""
    key = _check_key(idempotency_key)
    amount = money(amount)
    if from_account.pk == to_account.pk:
        raise LedgerError(_("Choose two different accounts."), code="same_account")
    fp = fingerprint(kind="transfer", src=from_account.pk, dst=to_account.pk, amount=amount)
    if connection.vendor == "postgresql":
        return _transfer_pg(from_account.pk, to_account.pk, amount, key, fp, memo[:200], actor)
    with transaction.atomic():
        accounts, existing = _lock_and_find([from_account.pk, to_account.pk], key, fp)
        if existing is not None:
            return existing
        return _post(
            kind=Transaction.Kind.TRANSFER,
            key=key,
            fp=fp,
            lines=[(from_account.pk, -amount), (to_account.pk, amount)],
            accounts=accounts,
            memo=memo[:200],
            created_by=actor,
        )


# A payment as one statement: lock both accounts in ascending id order, check the payer
# can cover it, write the transaction, its two entries and both balances, or nothing.
# Run in autocommit it is its own database transaction, so a payment costs PostgreSQL
# one round trip; the deferred trigger checks the entries' sum at its commit as for
# every other write.  A used key makes the INSERT do nothing (ON CONFLICT sees keys
# committed after this statement's snapshot, which a SELECT would not); the caller then
# looks the key up in a fresh statement.
_TRANSFER_SQL = """
    WITH locked AS (
        SELECT id, kind, balance, reserved FROM credits_account
        WHERE id IN (%(src)s, %(dst)s) ORDER BY id FOR NO KEY UPDATE
    ), line (account_id, amount, n) AS (
        VALUES (%(src)s::bigint, -%(amount)s::numeric, 0), (%(dst)s::bigint, %(amount)s::numeric, 1)
    ), post AS (
        SELECT line.account_id, line.amount, line.n,
               locked.balance + line.amount AS after,
               locked.kind <> 'resident' OR locked.balance + line.amount >= locked.reserved
                   AS covered,
               locked.balance - locked.reserved AS available
        FROM line JOIN locked ON locked.id = line.account_id
    ), verdict AS (
        SELECT count(*) = 2 AND bool_and(covered) AS ok FROM post
    ), t AS (
        INSERT INTO credits_transaction
            (kind, idempotency_key, fingerprint, created_at, rule_id, deed, quantity,
             source, memo, created_by_id, reverses_id, service_date, capped_from, cap,
             cap_limit, cap_earned)
        SELECT %(kind)s, %(idempotency_key)s, %(fingerprint)s, %(created_at)s, %(rule_id)s,
               %(deed)s, %(quantity)s, %(source)s, %(memo)s, %(created_by_id)s, %(reverses_id)s,
               %(service_date)s, %(capped_from)s, %(cap)s, %(cap_limit)s, %(cap_earned)s
        FROM verdict WHERE ok
        ON CONFLICT (idempotency_key) DO NOTHING
        RETURNING id
    ), e AS (
        INSERT INTO credits_entry (transaction_id, account_id, amount, balance_after, created_at)
        SELECT t.id, post.account_id, post.amount, post.after, %(created_at)s
        FROM t, post ORDER BY post.n
        RETURNING 1
    ), u AS (
        UPDATE credits_account AS a SET balance = post.after
        FROM post, t WHERE a.id = post.account_id
        RETURNING 1
    )
    SELECT (SELECT id FROM t), (SELECT count(*) FROM post),
           (SELECT available FROM post WHERE n = 0), (SELECT count(*) FROM e),
           (SELECT count(*) FROM u)
"""


def _transfer_pg(src: int, dst: int, amount: Decimal, key, fp, memo, actor) -> Transaction:
    fields = {"memo": memo, "created_by": actor}
    row = _tx_row(Transaction.Kind.TRANSFER, key, fp, timezone.now(), fields)
    with _prepared_cursor() as cursor:
        cursor.execute(_TRANSFER_SQL, {"src": src, "dst": dst, "amount": amount, **row})
        row["id"], known, available, _entries, _balances = cursor.fetchone()
    if row["id"] is None:  # nothing was written: a retry, or a refusal
        existing = _existing(key, fp)
        if existing is not None:
            return existing
        if known != 2:
            raise LedgerError(_("Unknown account."), code="account_unknown")
        raise _insufficient(available)
    return _saved_transaction(row, fields)


@dataclass(frozen=True)
class Award:
    """What an earning pays: the rule's amount, cut to what the caps leave.

    The one calculation behind both the payment (`deed_award`) and the figure a verifier
    sees before approving (`service_log_quotes`).
    """

    rule: EarningRule | None
    service_date: dt.date
    asked: Decimal = ZERO  # the rule's amount times the quantity, before any cap
    amount: Decimal = ZERO  # what is paid (ZERO: nothing)
    cap: str = ""  # "daily" or "monthly" when a cap reduced the award
    cap_limit: Decimal | None = None
    cap_earned: Decimal | None = None

    @property
    def reduced(self) -> bool:
        return bool(self.cap)

    @property
    def cap_note(self) -> str:
        return cap_note(self.cap, self.cap_limit, self.cap_earned)

    def fields(self) -> dict:
        fields = {"service_date": self.service_date}
        if self.cap:
            fields.update(
                capped_from=self.asked,
                cap=self.cap,
                cap_limit=self.cap_limit,
                cap_earned=self.cap_earned,
            )
        return fields


def award_for(
    rule: EarningRule | None,
    quantity: Decimal,
    service_date: dt.date,
    earned_day: Decimal,
    earned_month: Decimal,
) -> Award:
    """The award under `rule`, given what was already earned that day and that month."""
    if rule is None:
        return Award(rule=None, service_date=service_date)
    asked = (rule.amount * quantity).quantize(CENT)
    amount, cap, limit, earned = asked, "", None, None
    for kind, cap_amount, already in (
        ("daily", rule.daily_cap, earned_day),
        ("monthly", rule.monthly_cap, earned_month),
    ):
        if cap_amount is not None and cap_amount - already < amount:
            amount = max(cap_amount - already, ZERO)
            cap, limit, earned = kind, cap_amount, _q(already)
    return Award(
        rule=rule,
        service_date=service_date,
        asked=asked,
        amount=amount,
        cap=cap,
        cap_limit=limit,
        cap_earned=earned,
    )


def _q(value) -> Decimal:
    return Decimal(value or 0).quantize(CENT)


def _month(day: dt.date) -> tuple[dt.date, dt.date]:
    first = day.replace(day=1)
    last = (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    return first, last


def _earned_by_day(account_ids, deed: str, first: dt.date, last: dt.date) -> dict:
    """{(account id, service date): coins earned} for `deed`, reversed earnings left out.

    Caps count the day the deed was done, not the day it was verified or paid (issue 12).
    """
    rows = (
        Entry.objects.filter(
            account_id__in=list(account_ids),
            transaction__kind=Transaction.Kind.EARN,
            transaction__deed=deed,
            transaction__service_date__range=(first, last),
            transaction__reversed_by__isnull=True,
        )
        .values_list("account_id", "transaction__service_date")
        .annotate(s=Sum("amount"))
    )
    return {(acc, day): total for acc, day, total in rows}


def _earned(by_day: dict, account_id: int, day: dt.date) -> tuple[Decimal, Decimal]:
    """(earned on `day`, earned in `day`'s month) from `_earned_by_day`'s answer."""
    first, last = _month(day)
    month = sum(
        (v for (acc, d), v in by_day.items() if acc == account_id and first <= d <= last), ZERO
    )
    return by_day.get((account_id, day), ZERO), month


def _rule_for(community: Area, deed: str, day: dt.date) -> EarningRule | None:
    return (
        EarningRule.objects.active_on(day)
        .filter(community=community, deed=deed)
        .order_by("-valid_from", "-pk")
        .first()
    )


def _award_from(tx: Transaction) -> Award:
    """The Award an earning already made stands for (a retried request)."""
    resident = tx.entries.filter(account__kind=Account.Kind.RESIDENT).first()
    return Award(
        rule=tx.rule,
        service_date=tx.service_date,
        asked=tx.capped_from or (resident.amount if resident else ZERO),
        amount=resident.amount if resident else ZERO,
        cap=tx.cap,
        cap_limit=tx.cap_limit,
        cap_earned=tx.cap_earned,
    )


@transaction.atomic
def deed_award(
    *,
    user: User,
    community: Area,
    deed: str,
    idempotency_key: str,
    quantity: Decimal = Decimal("1"),
    source: str = "",
    note: str = "",
    service_date: dt.date | None = None,
) -> Transaction | None:
    """Pay `user` for a good deed under the community's active earning rule.

    `service_date` is the day the deed was done (default today): the caps count that
    day and its month.  Returns the earning (or the one already made under this key), or
    None when no rule applies or the resident's cap for that day or month is used up.
    """
    return _deed_award(
        user=user,
        community=community,
        deed=deed,
        idempotency_key=idempotency_key,
        quantity=quantity,
        source=source,
        note=note,
        service_date=service_date,
    )[0]


def _deed_award(
    *, user, community, deed, idempotency_key, quantity, source, note, service_date
) -> tuple[Transaction | None, Award | None]:
    key = _check_key(idempotency_key)
    if deed not in Deed.values:
        raise LedgerError(_("Unknown kind of deed."), code="deed_unknown")
    quantity = money(quantity)
    community = _community(community)
    today = timezone.localdate()
    day = service_date or today
    fp = fingerprint(
        kind="earn", user=user.pk, community=community.pk, deed=deed, qty=quantity, source=source
    )
    existing = _existing(key, fp)
    if existing is not None:
        return existing, _award_from(existing)
    rule = _rule_for(community, deed, today)
    if rule is None:
        return None, Award(rule=None, service_date=day)
    resident = account_for(user=user, community=community)
    issuer = issuance_account(community=community)
    # A concurrent twin may have committed while we waited for the locks.
    accounts, existing = _lock_and_find([resident.pk, issuer.pk], key, fp)
    if existing is not None:
        return existing, _award_from(existing)
    earned = (ZERO, ZERO)
    if rule.daily_cap is not None or rule.monthly_cap is not None:
        earned = _earned(_earned_by_day([resident.pk], deed, *_month(day)), resident.pk, day)
    award = award_for(rule, quantity, day, *earned)
    if award.amount <= 0:
        return None, award
    tx = _post(
        kind=Transaction.Kind.EARN,
        key=key,
        fp=fp,
        lines=[(issuer.pk, -award.amount), (resident.pk, award.amount)],
        accounts=accounts,
        rule=rule,
        deed=deed,
        quantity=quantity,
        source=source[:200],
        memo=note[:200],
        **award.fields(),
    )
    return tx, award


@transaction.atomic
def reverse(
    *,
    original: Transaction,
    reason: str,
    actor: User | None = None,
    idempotency_key: str | None = None,
) -> Transaction:
    """Correct a transaction by posting its mirror image, pointing back at it."""
    key = _check_key(idempotency_key or f"reverse:{original.pk}")
    fp = fingerprint(kind="reversal", of=original.pk)
    original = Transaction.objects.select_for_update(no_key=True).get(pk=original.pk)
    existing = _existing(key, fp)
    if existing is not None:
        return existing
    if original.kind == Transaction.Kind.REVERSAL:
        raise LedgerError(_("A correction cannot itself be reversed."), code="reverse_reversal")
    if Transaction.objects.filter(reverses=original).exists():
        raise LedgerError(_("This transaction has already been reversed."), code="already_reversed")
    lines = [(e.account_id, -e.amount) for e in original.entries.order_by("pk")]
    accounts = _lock_accounts(pk for pk, _ in lines)
    try:
        return _post(
            kind=Transaction.Kind.REVERSAL,
            key=key,
            fp=fp,
            lines=lines,
            accounts=accounts,
            reverses=original,
            memo=(reason or "")[:200],
            created_by=actor,
        )
    except InsufficientCreditsError:
        raise InsufficientCreditsError(
            _("The coins have already been spent, so this cannot be reversed."),
            code="reverse_spent",
        ) from None


# --- redemptions ---------------------------------------------------------------------


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
    key = _check_key(idempotency_key)
    reward = Reward.objects.select_for_update(no_key=True).get(pk=reward.pk)
    existing = Redemption.objects.filter(idempotency_key=key).first()
    if existing is not None:
        if existing.user_id != user.pk or existing.reward_id != reward.pk:
            raise _conflict()
        return existing
    require_in(user, "credits.redeem", reward.community)
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
    account = account_for(user=user, community=reward.community)
    account = _lock_accounts([account.pk])[account.pk]
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


def can_fulfil(
    user: User, community: Area, reward: Reward | None = None, *, beneficiary=None
) -> bool:
    """The community's committee, or staff of the reward's provider; never for themselves."""
    if permissions.is_self_dealing(user, "credits.fulfil", beneficiary):
        return False
    if permissions.can(user, "credits.fulfil", community):
        return True
    if reward is not None and reward.provider_id:
        return (
            Membership.objects.active()
            .filter(user=user, organisation_id=reward.provider_id)
            .exists()
        )
    return False


def provider_ids_for(user: User) -> list[int]:
    return list(
        Membership.objects.active()
        .filter(user=user, organisation__isnull=False)
        .values_list("organisation_id", flat=True)
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
    reward = redemption.reward
    if permissions.is_self_dealing(actor, "credits.fulfil", redemption.user_id):
        raise PermissionDenied(permissions.SELF_DEALING_MESSAGE)
    if not can_fulfil(actor, community, reward):
        raise PermissionDenied(_("You do not have permission to do this here."))
    if redemption.expires_at <= timezone.now():
        raise LedgerError(_("This reservation has expired."), code="code_expired")
    resident = redemption.account
    issuer = issuance_account(community=community)
    accounts = _lock_accounts([resident.pk, issuer.pk])
    key = f"redemption:{redemption.pk}:fulfil"
    fp = fingerprint(kind="redeem", redemption=redemption.pk, cost=redemption.cost)
    tx = _existing(key, fp) or _post(
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
    account = _lock_accounts([redemption.account_id])[redemption.account_id]
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
    if actor.pk != redemption.user_id and not can_fulfil(
        actor, redemption.community, redemption.reward
    ):
        raise PermissionDenied(_("You do not have permission to do this here."))
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


# --- service hours -----------------------------------------------------------------------


def _hours(start: dt.time, end: dt.time) -> Decimal:
    seconds = (
        dt.datetime.combine(dt.date.min, end) - dt.datetime.combine(dt.date.min, start)
    ).total_seconds()
    return (Decimal(int(seconds)) / Decimal(3600)).quantize(CENT)


def validate_log(
    *, volunteer: User, date: dt.date, start: dt.time, end: dt.time, exclude_pk=None
) -> Decimal:
    errors = {}
    if date is None or start is None or end is None:
        raise LedgerError(_("Enter the date, start and end."), code="log_incomplete")
    if date > timezone.localdate():
        errors["date"] = _("Service hours cannot be logged for a future date.")
    if end <= start:
        errors["end"] = _("The end must be after the start (on the same day).")
    if errors:
        raise LedgerError(errors)
    hours = _hours(start, end)
    if hours > 24:  # unreachable for times of one day; kept as the rule the model states
        raise LedgerError({"end": _("No more than 24 hours in one day.")})
    overlapping = ServiceLog.objects.filter(
        volunteer=volunteer,
        date=date,
        status__in=[ServiceLog.Status.PENDING, ServiceLog.Status.APPROVED],
        start__lt=end,
        end__gt=start,
    ).exclude(pk=exclude_pk)
    if overlapping.exists():
        raise LedgerError(
            {"start": _("These hours overlap hours already logged on this day.")}, code="overlap"
        )
    return hours


def clean_text(text: str) -> str:
    return nh3.clean(text or "", tags=set()).strip()


@transaction.atomic
def service_log_create(
    *,
    volunteer: User,
    community: Area,
    date: dt.date,
    start: dt.time,
    end: dt.time,
    activity: str,
    place: str,
    description: str = "",
    photo=None,
    recorded_by: User | None = None,
) -> ServiceLog:
    community = _community(community)
    if recorded_by is None:
        require_in(volunteer, "credits.log_hours", community)
    # Serialise one volunteer's logging so two concurrent logs cannot overlap.
    User.objects.select_for_update(no_key=True).filter(pk=volunteer.pk).first()
    hours = validate_log(volunteer=volunteer, date=date, start=start, end=end)
    activity, place = clean_text(activity)[:120], clean_text(place)[:120]
    if not activity or not place:
        raise LedgerError(_("Enter the activity and the place."), code="log_incomplete")
    if photo:
        photo = clean_image(photo)  # store our re-encoding, never the client's bytes or name
    return ServiceLog.objects.create(
        volunteer=volunteer,
        community=community,
        date=date,
        start=start,
        end=end,
        hours=hours,
        activity=activity,
        place=place,
        description=clean_text(description),
        photo=photo or None,
        recorded_by=recorded_by,
    )


def _lock_for_decision(actor: User, log: ServiceLog) -> ServiceLog:
    """Lock the log and check that `actor` may verify it (never their own)."""
    # Community and volunteer are read by every decision (permission, payment, notice);
    # join them rather than fetch each per log in a bulk approval, locking only the log.
    log = (
        ServiceLog.objects.select_for_update(of=("self",), no_key=True)
        .select_related("community", "volunteer")
        .get(pk=log.pk)
    )
    permissions.require(actor, "credits.verify_hours", log.community, beneficiary=log.volunteer_id)
    return log


def _decision_reason(reason: str, missing: str) -> str:
    reason = clean_text(reason)[:200]
    if not reason:
        raise LedgerError({"reason": missing}, code="reason_missing")
    return reason


def _decide(log: ServiceLog, status: str, actor: User, **fields) -> None:
    log.status, log.decided_by, log.decided_at = status, actor, timezone.now()
    for name, value in fields.items():
        setattr(log, name, value)
    log.save(update_fields=["status", "decided_by", "decided_at", *fields])


@transaction.atomic
def service_log_approve(*, actor: User, log: ServiceLog) -> ServiceLog:
    """Verify the hours and pay for them, exactly once (key: the log)."""
    log = _lock_for_decision(actor, log)
    if log.status == ServiceLog.Status.APPROVED:
        return log  # a repeated click or a concurrent twin: already paid
    if log.status != ServiceLog.Status.PENDING:
        raise LedgerError(
            _("Only hours awaiting verification can be approved."), code="not_pending"
        )
    payment, award = _deed_award(
        user=log.volunteer,
        community=log.community,
        deed=Deed.VOLUNTEER_HOUR,
        idempotency_key=f"servicelog:{log.pk}",
        quantity=log.hours,
        source=f"servicelog:{log.pk}",
        note=log.activity,
        service_date=log.date,
    )
    _decide(log, ServiceLog.Status.APPROVED, actor, payment=payment)
    notify(
        users=[log.volunteer],
        category="credits.hours",
        event_key=f"credits-log-approved:{log.pk}",
        title=_("%(hours)s service hours verified") % {"hours": log.hours},
        body=award_text(award, log.activity),
        url="/credits/hours/",
    )
    return log


def award_text(award: Award, activity: str) -> str:
    """The approval notice: what the hours paid and, if a cap cut it, why."""
    if award.rule is None:
        return _("%(activity)s. This community pays no coins for service hours.") % {
            "activity": activity
        }
    if award.reduced:
        return _("%(activity)s: %(amount)s coins of %(asked)s (%(date)s: %(why)s).") % {
            "activity": activity,
            "amount": award.amount,
            "asked": award.asked,
            "date": award.service_date.isoformat(),
            "why": award.cap_note,
        }
    return _("%(activity)s: %(amount)s coins.") % {"activity": activity, "amount": award.amount}


def service_log_quotes(logs: Iterable[ServiceLog]) -> dict[int, Award]:
    """What approving each pending log would pay now, by log id (the verify queue).

    The same rule look-up and `award_for` as the payment; each log is quoted as if it
    were the next one approved.  Three queries whatever the number of logs.
    """
    logs = list(logs)
    if not logs:
        return {}
    today = timezone.localdate()
    rules = {}
    for rule in (
        EarningRule.objects.active_on(today)
        .filter(community__in={log.community_id for log in logs}, deed=Deed.VOLUNTEER_HOUR)
        .order_by("community", "-valid_from", "-pk")
    ):
        rules.setdefault(rule.community_id, rule)
    accounts = {
        (user_id, community_id): pk
        for pk, user_id, community_id in Account.objects.filter(
            kind=Account.Kind.RESIDENT,
            user__in={log.volunteer_id for log in logs},
            community__in={log.community_id for log in logs},
        ).values_list("pk", "user_id", "community_id")
    }
    days = [log.date for log in logs]
    by_day = {}
    if accounts and any(
        r.daily_cap is not None or r.monthly_cap is not None for r in rules.values()
    ):
        by_day = _earned_by_day(
            accounts.values(), Deed.VOLUNTEER_HOUR, _month(min(days))[0], _month(max(days))[1]
        )
    quotes = {}
    for log in logs:
        account_id = accounts.get((log.volunteer_id, log.community_id))
        earned = _earned(by_day, account_id, log.date) if account_id else (ZERO, ZERO)
        quotes[log.pk] = award_for(rules.get(log.community_id), log.hours, log.date, *earned)
    return quotes


@transaction.atomic
def service_log_reject(*, actor: User, log: ServiceLog, reason: str) -> ServiceLog:
    log = _lock_for_decision(actor, log)
    reason = _decision_reason(reason, _("Give a reason for the rejection."))
    if log.status == ServiceLog.Status.REJECTED:
        return log
    if log.status != ServiceLog.Status.PENDING:
        raise LedgerError(
            _("Only hours awaiting verification can be rejected."), code="not_pending"
        )
    _decide(log, ServiceLog.Status.REJECTED, actor, reason=reason)
    notify(
        users=[log.volunteer],
        category="credits.hours",
        event_key=f"credits-log-rejected:{log.pk}",
        title=_("Service hours not verified: %(activity)s") % {"activity": log.activity},
        body=reason,
        url="/credits/hours/",
    )
    return log


@transaction.atomic
def service_log_revoke(*, actor: User, log: ServiceLog, reason: str) -> ServiceLog:
    """Withdraw a verification; the payment is reversed (refused if already spent)."""
    log = _lock_for_decision(actor, log)
    reason = _decision_reason(reason, _("Give a reason for the revocation."))
    if log.status == ServiceLog.Status.REVOKED:
        return log
    if log.status != ServiceLog.Status.APPROVED:
        raise LedgerError(_("Only verified hours can be revoked."), code="not_approved")
    if log.payment_id:
        reverse(
            original=log.payment,
            reason=reason,
            actor=actor,
            idempotency_key=f"servicelog:{log.pk}:revoke",
        )
    _decide(log, ServiceLog.Status.REVOKED, actor, reason=reason)
    return log


def service_log_decide_bulk(
    *, actor: User, logs: Iterable[ServiceLog], approve: bool, reason: str = ""
) -> tuple[int, list[str]]:
    """Approve or reject many logs; each is its own transaction.  Returns (done, errors)."""
    done, errors = 0, []
    for log in logs:
        try:
            if approve:
                service_log_approve(actor=actor, log=log)
            else:
                service_log_reject(actor=actor, log=log, reason=reason)
            done += 1
        except (ValidationError, PermissionDenied) as exc:
            msg = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            errors.append(f"{log.volunteer.get_full_name()} {log.date}: {msg}")
    return done, errors


@transaction.atomic
def service_log_record_bulk(
    *,
    actor: User,
    community: Area,
    attendees: Iterable[User],
    date: dt.date,
    start: dt.time,
    end: dt.time,
    activity: str,
    place: str,
    description: str = "",
) -> list[ServiceLog]:
    """A committee records one activity's hours for every attendee, verified at once.

    Idempotent: an attendee who already has this very log is skipped.  The recorder's
    own hours (if they attended) stay pending for a colleague to verify.
    """
    community = _community(community)
    permissions.require(actor, "credits.verify_hours", community)
    attendees = list(attendees)
    # Lock order (module docstring): every attendee's row, then every account this one
    # transaction pays into, each level in ascending id, before the first payment.
    list(
        User.objects.select_for_update(no_key=True)
        .filter(pk__in=[u.pk for u in attendees])
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    paid = [account_for(user=u, community=community).pk for u in attendees if u.pk != actor.pk]
    if paid:
        _lock_accounts([*paid, issuance_account(community=community).pk])
    logs = []
    for user in attendees:
        same = ServiceLog.objects.filter(
            volunteer=user, date=date, start=start, end=end, activity=clean_text(activity)[:120]
        ).first()
        if same is not None:
            logs.append(same)
            continue
        try:
            log = service_log_create(
                volunteer=user,
                community=community,
                date=date,
                start=start,
                end=end,
                activity=activity,
                place=place,
                description=description,
                recorded_by=actor,
            )
        except LedgerError as exc:
            raise LedgerError(
                _("%(name)s: %(error)s")
                % {"name": user.get_full_name(), "error": "; ".join(exc.messages)}
            ) from None
        if permissions.can(actor, "credits.verify_hours", community, beneficiary=user):
            log = service_log_approve(actor=actor, log=log)
        logs.append(log)
    if not logs:
        raise LedgerError(_("Choose at least one attendee."), code="no_attendees")
    return logs


# --- reconciliation alert ------------------------------------------------------------------


def site_admins() -> list[User]:
    return list(
        User.objects.filter(is_active=True)
        .filter(
            Q(is_superuser=True) | Q(memberships__role="site_admin", memberships__status="active")
        )
        .distinct()
    )


def reconcile_and_alert() -> list:
    from .reconcile import reconcile

    problems = reconcile()
    if problems:
        lines = "\n".join(str(p) for p in problems[:200])
        notify(
            users=site_admins(),
            category="credits.reconcile",
            event_key=f"credits-reconcile:{timezone.localdate().isoformat()}",
            title=_("Moral bank reconciliation found %(n)s problems") % {"n": len(problems)},
            body=lines,
            url="/admin/",
        )
    return problems


# --- service-hours certificates --------------------------------------------------------------


def _serial() -> str:
    """16 random base32 characters in groups of four: 80 bits, not guessable."""
    raw = base64.b32encode(secrets.token_bytes(10)).decode()
    return "-".join(raw[i : i + 4] for i in range(0, 16, 4))


def certificate_issue(*, volunteer: User, community: Area) -> HoursCertificate | None:
    """The certificate for `volunteer`'s verified hours in `community` (None: no hours).

    Idempotent: the same verified logs give back the same certificate and serial.
    """
    community = _community(community)
    logs = list(
        ServiceLog.objects.filter(
            volunteer=volunteer, community=community, status=ServiceLog.Status.APPROVED
        ).values_list("pk", "hours", "date")
    )
    if not logs:
        return None
    ids = sorted(pk for pk, _hours, _date in logs)
    key = hashlib.sha256(",".join(map(str, ids)).encode()).hexdigest()
    found = HoursCertificate.objects.filter(
        volunteer=volunteer, community=community, logs_key=key
    ).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            cert = HoursCertificate.objects.create(
                serial=_serial(),
                volunteer=volunteer,
                community=community,
                logs_key=key,
                hours=sum((h for _pk, h, _date in logs), ZERO),
                first_date=min(d for _pk, _h, d in logs),
                last_date=max(d for _pk, _h, d in logs),
            )
            cert.logs.set(ids)
    except IntegrityError:  # a twin request issued it first
        return HoursCertificate.objects.get(volunteer=volunteer, community=community, logs_key=key)
    return cert
