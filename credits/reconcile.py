"""Check every ledger invariant over the whole ledger, in a few set-based queries.

Each check is one SQL statement that the database answers with a scan or a grouped
aggregate, so a full run stays linear in the number of entries (bench/ledger.py times it
at 10M entries).  Plain SQL that SQLite and PostgreSQL both understand.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection

from .ledger import FLOATING_SQL


@dataclass(frozen=True)
class Problem:
    check: str
    account_id: int | None
    detail: str

    def __str__(self) -> str:
        who = f"account {self.account_id}" if self.account_id is not None else "ledger"
        return f"[{self.check}] {who}: {self.detail}"


CHECKS = [
    (
        "unbalanced_transaction",
        # Invariant 1: entries of each transaction sum to zero, two or more of them.
        """
        SELECT e.account_id, b.id, b.total, b.n FROM (
            SELECT t.id, COALESCE(s.total, 0) AS total, COALESCE(s.n, 0) AS n
            FROM credits_transaction t
            LEFT JOIN (SELECT transaction_id, SUM(amount) AS total, COUNT(*) AS n
                       FROM credits_entry GROUP BY transaction_id) s ON s.transaction_id = t.id
            WHERE s.transaction_id IS NULL OR ROUND(s.total, 2) <> 0 OR s.n < 2) b
        LEFT JOIN credits_entry e ON e.transaction_id = b.id
        """,
        "transaction {1} sums to {2} over {3} entries",
    ),
    (
        "balance_mismatch",
        # Invariant 2: the stored balance is the sum of the account's entries.
        """
        SELECT a.id, a.balance, COALESCE(s.total, 0)
        FROM credits_account a
        LEFT JOIN (SELECT account_id, SUM(amount) AS total
                   FROM credits_entry GROUP BY account_id) s ON s.account_id = a.id
        WHERE ROUND(a.balance, 2) <> ROUND(COALESCE(s.total, 0), 2)
        """,
        "stored balance {1} but entries sum to {2}",
    ),
    (
        "statement_chain",
        # Each entry's balance_after is the running total of its account (where
        # there is one: a floating account's entries leave it NULL).
        """
        SELECT account_id, id, balance_after, running FROM (
            SELECT account_id, id, balance_after,
                   SUM(amount) OVER (PARTITION BY account_id ORDER BY id
                                     ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS running
            FROM credits_entry) c
        WHERE ROUND(balance_after, 2) <> ROUND(running, 2)
        """,
        "entry {1} says balance {2}, running total is {3}",
    ),
    (
        "running_balance_missing",
        # Only a community's issuance account may leave the running balance to the
        # deferred trigger (credits.ledger.FLOATING, migration 0006).
        f"""
        SELECT e.account_id, e.id FROM credits_entry e
        JOIN credits_account a ON a.id = e.account_id
        WHERE e.balance_after IS NULL AND NOT (a.{FLOATING_SQL})
        """,
        "entry {1} has no running balance",
    ),
    (
        "negative_available",
        # Invariant 3 (also a CHECK constraint): residents never below zero available.
        """
        SELECT id, balance, reserved FROM credits_account
        WHERE (kind = 'resident' AND balance < reserved) OR reserved < 0
        """,
        "balance {1} with {2} reserved",
    ),
    (
        "reservation_mismatch",
        # Invariant 6: what an account holds back equals its open redemptions.
        """
        SELECT a.id, a.reserved, COALESCE(r.total, 0)
        FROM credits_account a
        LEFT JOIN (SELECT account_id, SUM(cost) AS total FROM credits_redemption
                   WHERE status = 'reserved' GROUP BY account_id) r ON r.account_id = a.id
        WHERE ROUND(a.reserved, 2) <> ROUND(COALESCE(r.total, 0), 2)
        """,
        "reserved {1} but open redemptions hold {2}",
    ),
    (
        "fulfilled_without_payment",
        """
        SELECT r.account_id, r.id, r.cost, COALESCE(SUM(-e.amount), 0)
        FROM credits_redemption r
        LEFT JOIN credits_entry e ON e.transaction_id = r.payment_id AND e.account_id = r.account_id
        WHERE r.status = 'fulfilled'
        GROUP BY r.account_id, r.id, r.cost
        HAVING ROUND(COALESCE(SUM(-e.amount), 0), 2) <> ROUND(r.cost, 2)
        """,
        "redemption {1} costs {2} but its payment took {3}",
    ),
    (
        "reversal_mismatch",
        # A correction mirrors the transaction it reverses, account by account.
        """
        SELECT x.account_id, x.tid, x.total FROM (
            SELECT e.account_id, t.id AS tid, SUM(e.amount) AS total
            FROM credits_transaction t
            JOIN credits_entry e ON e.transaction_id = t.id OR e.transaction_id = t.reverses_id
            WHERE t.reverses_id IS NOT NULL
            GROUP BY e.account_id, t.id) x
        WHERE ROUND(x.total, 2) <> 0
        """,
        "correction {1} leaves {2} on this account",
    ),
]


def reconcile() -> list[Problem]:
    problems: list[Problem] = []
    with connection.cursor() as cursor:
        for name, sql, detail in CHECKS:
            cursor.execute(sql)
            for row in cursor.fetchall():
                problems.append(Problem(name, row[0], detail.format(*row)))
        cursor.execute("SELECT ROUND(COALESCE(SUM(balance), 0), 2) FROM credits_account")
        (total,) = cursor.fetchone()
        if total != 0:
            problems.append(Problem("ledger_total", None, f"all balances sum to {total}, not 0"))
    return problems
