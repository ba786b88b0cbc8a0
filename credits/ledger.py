"""The moral bank's ledger engine: amounts, idempotency keys, locks, posting.

Double-entry, append-only and idempotent; no rule of any use case lives here (caps, who
may, what an hour pays: `credits.services`).  What the use cases call:

- `money()`, `fingerprint()`, `check_key()`: an amount, the hash of a request, a key;
- `LedgerError` (every refusal, translated), `IdempotencyConflictError`,
  `InsufficientCreditsError`, `conflict_error()`;
- `account_for()`, `issuance_account()`: the accounts of a resident and of a community;
- `lock_accounts()`, `lock_and_find()`, `lock_owned()`, `already_posted()`, `post()`:
  lock (by id, or a community's issuance account and a resident's account by owner), look
  the key up, write one balanced transaction;
- `reverse()` (a correction), a whole ledger write.

Ledger writes go through `post()`, which is only ever called with the accounts already
locked by `lock_accounts()` (ascending primary key: invariant 7).  Every ledger write
carries an idempotency key; the request it stands for is hashed into a fingerprint, so
a retry with the same key returns the first transaction and a different request with a
used key is refused (invariant 5).  On PostgreSQL `post()` writes the transaction, its
entries and the balances in one prepared statement (`_post_pg`).

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
   (`lock_accounts`, `lock_and_find`, `lock_owned`); a use case that writes several
   ledger transactions locks the union of their accounts up front.  Floating accounts
   (`FLOATING`: a community's issuance account, which may go below zero and on whose
   balance nothing is decided) are read, not locked, here;
3. after the accounts, only writes to rows already locked, and inserts;
4. last, at COMMIT, the deferred trigger `credits_entry_float` takes the floating
   accounts' row locks as it adds their entries to them.  A transaction waiting there
   is committing and asks for nothing more, so it cannot close a cycle with the one it
   waits for.  (A transaction touching two floating accounts, which no use case does,
   would take them in the order of its entries.)

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

import functools
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.backends.postgresql.base import ServerBindingCursor
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.models import Area, User
from portal.versions import bump_user_versions

from .models import CENT, ZERO, Account, Entry, Transaction

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


def check_key(key: str) -> str:
    key = (key or "").strip()
    if not key or len(key) > 200:
        raise LedgerError(_("Every ledger write needs an idempotency key."), code="key_missing")
    return key


def conflict_error() -> IdempotencyConflictError:
    return IdempotencyConflictError(
        _("This request key was already used for a different request."),
        code="idempotency_conflict",
    )


# Every concrete column in model order, so a row becomes an Account by the positional
# (fast) path of `Model.from_db`, as a queryset would build it.
_ACCOUNT_SELECT = (
    "SELECT " + ", ".join(f.column for f in Account._meta.concrete_fields) + " FROM credits_account"
)

# Accounts that may go below zero (a community's issuance account, the source of every
# coin) are never locked by the use cases: nothing is decided on their balance.  On
# PostgreSQL their entries carry no running balance and a deferred trigger adds them to
# the account at COMMIT (migration 0006), so the row is held only while the transaction
# commits, as pgbench's branch row is.  Every earning and redemption of a community goes
# through that one row: held from the first lock to the commit, it made the community's
# writes queue behind each other (bench/ledger.py: most backends waited on it at 8
# clients).  SQLite runs one writer at a time and keeps the ORM path.
FLOATING = (Account.Kind.ISSUANCE,)
# The same set in SQL, for the lock statements here and the reconcile check that only
# these kinds may leave an entry's running balance to the trigger.
FLOATING_SQL = "kind IN ({})".format(", ".join(f"'{kind.value}'" for kind in FLOATING))


def _lock_sql(where: str) -> str:
    """Two statements, one round trip: the accounts `where` names that `post()` decides
    on, locked in ascending id (invariant 7), then the floating ones, read unlocked.
    The caller passes `where`'s parameters twice."""
    return (
        f"{_ACCOUNT_SELECT} WHERE ({where}) AND NOT ({FLOATING_SQL})"
        f" ORDER BY id FOR NO KEY UPDATE; "
        f"{_ACCOUNT_SELECT} WHERE ({where}) AND {FLOATING_SQL} ORDER BY id"
    )


_LOCK_SQL = _lock_sql("id = ANY(%s)")


def _locked_rows(cursor) -> list:
    """The rows of a `_lock_sql` pair: the locked set, then the floating set."""
    rows = cursor.fetchall()
    cursor.nextset()
    return [*rows, *cursor.fetchall()]


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
    connection.ensure_connection()
    connection.validate_thread_sharing()
    with connection.wrap_database_errors:
        cursor = ServerBindingCursor(connection.connection)
    if connection.queries_logged:
        return connection.make_debug_cursor(cursor)
    return connection.make_cursor(cursor)


_KEY_SQL = "SELECT id, fingerprint FROM credits_transaction WHERE idempotency_key = %s"


def already_posted(key: str, fp: str) -> Transaction | None:
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
        raise conflict_error()
    return Transaction.objects.get(pk=row[0])


def _all_known(accounts: dict[int, Account], ids: list[int]) -> dict[int, Account]:
    if len(accounts) != len(ids):
        raise LedgerError(_("Unknown account."), code="account_unknown")
    return accounts


def lock_accounts(ids: Iterable[int]) -> dict[int, Account]:
    """Lock accounts in ascending primary-key order, so two writers never deadlock."""
    ids = sorted(set(ids))
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(_LOCK_SQL, [ids, ids])
            return _all_known({r[0]: _account_from_row(r) for r in _locked_rows(cursor)}, ids)
    # SQLite: writers are serialised by the database lock (IMMEDIATE transactions)
    locked = Account.objects.select_for_update(no_key=True).filter(pk__in=ids).order_by("pk")
    return _all_known({a.pk: a for a in locked}, ids)


def lock_and_find(ids: Iterable[int], key: str, fp: str):
    """Lock the accounts, then look the key up: one round trip on PostgreSQL.

    The look-up runs after the locks are held, so it sees a twin request that committed
    while this one waited (READ COMMITTED takes a fresh snapshot per statement).
    """
    ids = sorted(set(ids))
    if connection.vendor != "postgresql":
        accounts = lock_accounts(ids)
        return accounts, already_posted(key, fp)
    with connection.cursor() as cursor:
        cursor.execute(f"{_LOCK_SQL}; {_KEY_SQL}", [ids, ids, key])
        rows = _locked_rows(cursor)
        cursor.nextset()
        found = cursor.fetchone()
    return _all_known({row[0]: _account_from_row(row) for row in rows}, ids), _keyed(found, fp)


@dataclass
class Locked:
    """What `lock_owned` locked and found."""

    accounts: dict[int, Account]
    resident: Account | None
    issuer: Account | None
    existing: Transaction | None = None
    rows: list = field(default_factory=list)  # the rows of its `then` statement


_OWNED_WHERE = f"(kind = '{Account.Kind.ISSUANCE.value}' AND community_id = %s)"
_RESIDENT_WHERE = " OR (kind = 'resident' AND community_id = %s AND user_id = %s)"


def _owned_sql(with_user: bool, with_ids: bool) -> str:
    where = _OWNED_WHERE + (_RESIDENT_WHERE if with_user else "")
    if with_ids:
        where += " OR id = ANY(%s)"
    return _lock_sql(where)


def lock_owned(
    *,
    community: Area,
    user: User | None = None,
    also: Iterable[int] = (),
    key: str | None = None,
    fp: str = "",
    then: tuple[str, list] | None = None,
) -> Locked:
    """Lock the community's issuance account, `user`'s account there (if `user`) and the
    accounts `also`, by owner rather than by id: one statement, ascending id (invariant 7).

    The key is looked up after the locks, as in `lock_and_find`.  On PostgreSQL the
    look-up and `then`, a read the caller needs (sql, params; PostgreSQL only), go in the
    same round trip, so an earning locks, finds its key and reads its rule at once.
    A missing account is created first (a resident's first coins), then all are locked
    again by id.
    """
    also = sorted(set(also))
    params: list = [community.pk]
    if user is not None:
        params += [community.pk, user.pk]
    if also:
        params.append(also)
    params += params  # `_lock_sql`: the locked accounts, then the floating ones
    sql, rows, found, extra = _owned_sql(user is not None, bool(also)), [], None, []
    looked_up = connection.vendor == "postgresql" and key is not None
    if connection.vendor == "postgresql":
        if key is not None:
            sql, params = f"{sql}; {_KEY_SQL}", [*params, key]
        if then is not None:
            sql, params = f"{sql}; {then[0]}", [*params, *then[1]]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = _locked_rows(cursor)
            if key is not None:
                cursor.nextset()
                found = cursor.fetchone()
            if then is not None:
                cursor.nextset()
                extra = cursor.fetchall()
        accounts = {row[0]: _account_from_row(row) for row in rows}
    else:
        owned = Q(kind=Account.Kind.ISSUANCE, community=community) | Q(pk__in=also)
        if user is not None:
            owned |= Q(kind=Account.Kind.RESIDENT, community=community, user=user)
        locked = Account.objects.select_for_update(no_key=True).filter(owned).order_by("pk")
        accounts = {a.pk: a for a in locked}
        if then is not None:
            raise ValueError("`then` is for PostgreSQL: SQLite's raw rows are not converted")
    issuer = next((a for a in accounts.values() if a.kind == Account.Kind.ISSUANCE), None)
    resident = None
    if user is not None:
        mine = (a for a in accounts.values() if a.kind == Account.Kind.RESIDENT)
        resident = next((a for a in mine if a.user_id == user.pk), None)
    if issuer is None or (user is not None and resident is None) or not set(also) <= set(accounts):
        # A first earning: make the missing accounts, then lock them all by id.
        issuer = issuance_account(community=community)
        ids = [issuer.pk, *also]
        if user is not None:
            resident = account_for(user=user, community=community)
            ids.append(resident.pk)
        accounts = lock_accounts(ids)
        issuer = accounts[issuer.pk]
        resident = accounts[resident.pk] if resident is not None else None
        looked_up = False  # look again, under these locks
    existing = None
    if key is not None:
        existing = _keyed(found, fp) if looked_up else already_posted(key, fp)
    return Locked(accounts, resident, issuer, existing, extra)


def _insufficient(available: Decimal) -> InsufficientCreditsError:
    return InsufficientCreditsError(
        _("Not enough coins: %(available)s available.") % {"available": available},
        code="insufficient",
    )


def post(
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
    # The residents' home panels show their coins: one bump per resident account.
    bump_user_versions(
        "coins",
        *(accounts[pk].user_id for pk in balances if accounts[pk].kind == Account.Kind.RESIDENT),
    )
    if connection.vendor == "postgresql":
        return _post_pg(kind, key, fp, lines, after, accounts, balances, reserved, now, fields)
    try:
        tx = Transaction.objects.create(
            kind=kind, idempotency_key=key, fingerprint=fp, created_at=now, **fields
        )
    except IntegrityError:
        raise conflict_error() from None
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
def _post_sql(n_entries: int, n_locked: int) -> str:
    """The single statement of `_post_pg`: one text per shape, so the server prepares it.

    `u` writes the balances `post()` decided for the locked accounts.  A floating
    account's entry goes in with no running balance, and the deferred trigger
    `credits_entry_float` (migration 0006) adds it to the account's balance at COMMIT.
    """
    # Every posting has a resident or an organisation on one side, locked and written here.
    assert n_locked, "a posting with only floating accounts"
    entry_rows = ", ".join(["(%s::bigint, %s::numeric, %s::numeric, %s::int)"] * n_entries)
    account_rows = ", ".join(["(%s::bigint, %s::numeric, %s::numeric)"] * n_locked)
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
            FROM (VALUES {account_rows}) AS v(id, balance, reserved)
            WHERE a.id = v.id
            RETURNING 1
        )
        SELECT t.id, (SELECT count(*) FROM e), (SELECT count(*) FROM u) FROM t
    """


def _post_pg(kind, key, fp, lines, after, accounts, balances, reserved, now, fields) -> Transaction:
    """The same writes as the ORM path, in one round trip (data-modifying CTEs).

    Earnings, redemptions and reversals: the transaction row, its entries and the new
    account balances go to PostgreSQL as one prepared statement, after the caller has
    locked the accounts it decides on.  A floating account (`FLOATING`, neither locked
    nor written here) takes its amounts at COMMIT, from the deferred trigger.
    """
    floating = {pk for pk in balances if accounts[pk].kind in FLOATING}
    locked = [pk for pk in balances if pk not in floating]
    row = _tx_row(kind, key, fp, now, fields)
    params = [*row.values(), now]
    for n, ((pk, amount), bal) in enumerate(zip(lines, after, strict=True)):
        params += [pk, amount, None if pk in floating else bal, n]
    for pk in locked:
        params += [pk, balances[pk], reserved[pk]]
    try:
        with _prepared_cursor() as cursor:
            cursor.execute(_post_sql(len(lines), len(locked)), params)
            row["id"], _n_entries, _n_accounts = cursor.fetchone()
    except IntegrityError:
        # The enclosing atomic block (every caller has one) must not go on after this.
        transaction.set_rollback(True)
        raise conflict_error() from None
    for pk in locked:
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


# --- accounts -----------------------------------------------------------------------


def account_for(*, user: User, community: Area) -> Account:
    account, created = Account.objects.get_or_create(
        kind=Account.Kind.RESIDENT, user=user, community=community
    )
    if created:  # a first account shows the coins panel to someone with no community
        bump_user_versions("coins", user.pk)
    return account


def issuance_account(*, community: Area) -> Account:
    account, _created = Account.objects.get_or_create(
        kind=Account.Kind.ISSUANCE, community=community
    )
    return account


# --- ledger writes --------------------------------------------------------------------


# What a correction reads, in the lock order, in one round trip on PostgreSQL: the
# original transaction (locked first), the key, whether it was already corrected, its
# entries, and then their accounts (locked in ascending id).
_REVERSE_SQL = (
    "SELECT kind FROM credits_transaction WHERE id = %s FOR NO KEY UPDATE; "
    + _KEY_SQL
    + "; SELECT EXISTS (SELECT 1 FROM credits_transaction WHERE reverses_id = %s); "
    "SELECT account_id, amount FROM credits_entry WHERE transaction_id = %s ORDER BY id; "
    + _lock_sql("id IN (SELECT account_id FROM credits_entry WHERE transaction_id = %s)")
)


def _reverse_reads(original: Transaction, key: str, fp: str):
    """(kind, existing, already reversed, entries, accounts) as `reverse` needs them."""
    pk = original.pk
    if connection.vendor != "postgresql":
        kind = (
            Transaction.objects.select_for_update(no_key=True)
            .values_list("kind", flat=True)
            .get(pk=pk)
        )
        existing = already_posted(key, fp)
        if existing is not None:
            return kind, existing, False, [], {}
        reversed_ = Transaction.objects.filter(reverses_id=pk).exists()
        lines = list(
            Entry.objects.filter(transaction_id=pk)
            .order_by("pk")
            .values_list("account_id", "amount")
        )
        return kind, None, reversed_, lines, lock_accounts(acc for acc, _ in lines)
    with connection.cursor() as cursor:
        cursor.execute(_REVERSE_SQL, [pk, key, pk, pk, pk, pk])
        row = cursor.fetchone()
        if row is None:
            raise Transaction.DoesNotExist
        (kind,) = row
        cursor.nextset()
        existing = _keyed(cursor.fetchone(), fp)
        cursor.nextset()
        (reversed_,) = cursor.fetchone()
        cursor.nextset()
        lines = cursor.fetchall()
        cursor.nextset()
        accounts = {row[0]: _account_from_row(row) for row in _locked_rows(cursor)}
    return kind, existing, reversed_, lines, accounts


@transaction.atomic
def reverse(
    *,
    original: Transaction,
    reason: str,
    actor: User | None = None,
    idempotency_key: str | None = None,
) -> Transaction:
    """Correct a transaction by posting its mirror image, pointing back at it."""
    key = check_key(idempotency_key or f"reverse:{original.pk}")
    fp = fingerprint(kind="reversal", of=original.pk)
    kind, existing, reversed_, lines, accounts = _reverse_reads(original, key, fp)
    if existing is not None:
        return existing
    if kind == Transaction.Kind.REVERSAL:
        raise LedgerError(_("A correction cannot itself be reversed."), code="reverse_reversal")
    if reversed_:
        raise LedgerError(_("This transaction has already been reversed."), code="already_reversed")
    try:
        return post(
            kind=Transaction.Kind.REVERSAL,
            key=key,
            fp=fp,
            lines=[(acc, -amount) for acc, amount in lines],
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
