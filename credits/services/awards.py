"""What a good deed earns: the community's earning rule, cut to the daily and monthly
caps, paid once per idempotency key.

`award_for` is the one calculation behind both the payment (`deed_award`, which
deliberation's check-in calls for attendance and `services.hours` for verified hours)
and the figure a verifier sees before approving (`service_log_quotes`).  Caps count the
day the deed was done, not the day it was verified or paid.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.models import Area, User
from portal.scoping import community_of

from .. import ledger
from ..models import (
    CENT,
    ZERO,
    Account,
    Deed,
    EarningRule,
    Entry,
    ServiceLog,
    Transaction,
    cap_note,
    cents,
)


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
            cap, limit, earned = kind, cap_amount, cents(already)
    return Award(
        rule=rule,
        service_date=service_date,
        asked=asked,
        amount=amount,
        cap=cap,
        cap_limit=limit,
        cap_earned=earned,
    )


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


# The community's rule for a deed on a day: the newest valid one, as
# `EarningRule.objects.active_on(day).filter(...).order_by("-valid_from", "-pk")` orders
# it on each database; plain SQL so it rides in the ledger's lock round trip.
_RULE_SQL = (
    "SELECT "
    + ", ".join(f.column for f in EarningRule._meta.concrete_fields)
    + " FROM credits_earningrule WHERE community_id = %s AND deed = %s AND is_active"
    " AND (valid_from IS NULL OR valid_from <= %s) AND (valid_to IS NULL OR valid_to >= %s)"
    " ORDER BY valid_from DESC, id DESC LIMIT 1"
)


def _rule_from(rows) -> EarningRule | None:
    return EarningRule.from_db(connection.alias, None, rows[0]) if rows else None


def _rule_for(community: Area, deed: str, day: dt.date) -> EarningRule | None:
    """The same rule through the ORM (SQLite: its raw rows are not converted)."""
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
    return deed_payment(
        user=user,
        community=community,
        deed=deed,
        idempotency_key=idempotency_key,
        quantity=quantity,
        source=source,
        note=note,
        service_date=service_date,
    )[0]


def deed_payment(
    *, user, community, deed, idempotency_key, quantity, source, note, service_date
) -> tuple[Transaction | None, Award]:
    """`deed_award`'s work, with the `Award` it made (what was asked, paid, and why it was
    cut) for the approval notice.  The caller holds the database transaction."""
    key = ledger.check_key(idempotency_key)
    if deed not in Deed.values:
        raise ledger.LedgerError(_("Unknown kind of deed."), code="deed_unknown")
    quantity = ledger.money(quantity)
    community = community_of(community)
    today = timezone.localdate()
    day = service_date or today
    fp = ledger.fingerprint(
        kind="earn", user=user.pk, community=community.pk, deed=deed, qty=quantity, source=source
    )
    # One round trip on PostgreSQL: lock the resident's and the issuance accounts, look
    # the key up under those locks (a twin that committed while we waited), read the rule.
    pg = connection.vendor == "postgresql"
    locked = ledger.lock_owned(
        community=community,
        user=user,
        key=key,
        fp=fp,
        then=(_RULE_SQL, [community.pk, deed, today, today]) if pg else None,
    )
    if locked.existing is not None:
        return locked.existing, _award_from(locked.existing)
    rule = _rule_from(locked.rows) if pg else _rule_for(community, deed, today)
    if rule is None:
        return None, Award(rule=None, service_date=day)
    resident, issuer, accounts = locked.resident, locked.issuer, locked.accounts
    earned = (ZERO, ZERO)
    if rule.daily_cap is not None or rule.monthly_cap is not None:
        earned = _earned(_earned_by_day([resident.pk], deed, *_month(day)), resident.pk, day)
    award = award_for(rule, quantity, day, *earned)
    if award.amount <= 0:
        return None, award
    tx = ledger.post(
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
