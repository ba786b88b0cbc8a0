"""The moral bank (道德银行): a double-entry, append-only ledger of moral coins (道德币).

Credits are issued from a community's issuance account to residents for verified good
deeds, and flow back to it when a resident redeems a reward.  The invariants of
shared/DESIGN.md are held here by the database wherever it can hold them:

1. entries of a transaction sum to zero — a deferred constraint trigger on PostgreSQL
   (migration 0002), checked by `credits_reconcile` everywhere;
2. stored balance = sum of entries after every commit — written under a row lock by the
   ledger (an issuance account's by the deferred trigger), checked by `credits_reconcile`;
3. a resident's balance minus reserved never goes below zero — a CHECK constraint;
4. entries are append-only — `Entry.save()/delete()` refuse, the queryset refuses bulk
   update/delete, and on PostgreSQL a trigger raises on UPDATE or DELETE;
5. every transaction has a unique idempotency key and a fingerprint of its request;
6. a redemption reserves, then is fulfilled or voided (Redemption.Status);
7. accounts are locked in primary-key order (credits.ledger.lock_accounts); a community's
   issuance account, which may go below zero, is never locked by a use case: on
   PostgreSQL a deferred trigger adds its entries to it at COMMIT (migration 0006).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from wagtail.search import index

from cms.models import CJK_SEARCH_FIELDS, CJKSearchMixin
from portal.inputs import int_validators, validate_date_range
from portal.models import Area, Organisation
from portal.validators import validate_image_upload

ZERO = Decimal("0.00")
CENT = Decimal("0.01")


def cents(value) -> Decimal:
    """A sum of coins or hours with two decimals (None: zero).  Aggregates come back as
    2.5 on SQLite and 2.50 on PostgreSQL: shown and compared as 2.50 everywhere."""
    return Decimal(value or 0).quantize(CENT)


def money_field(verbose_name, **kwargs):
    return models.DecimalField(verbose_name, max_digits=12, decimal_places=2, **kwargs)


class Account(models.Model):
    class Kind(models.TextChoices):
        RESIDENT = "resident", _("resident")
        ORGANISATION = "organisation", _("organisation")
        ISSUANCE = "issuance", _("community issuance")

    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    community = models.ForeignKey(
        Area, verbose_name=_("community"), on_delete=models.PROTECT, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="credit_accounts",
    )
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    balance = money_field(_("balance"), default=ZERO)
    reserved = money_field(_("reserved"), default=ZERO)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("account")
        verbose_name_plural = _("accounts")
        constraints = [
            # Invariant 3: a resident can never spend more than they hold.
            models.CheckConstraint(
                condition=~Q(kind="resident") | Q(balance__gte=F("reserved")),
                name="credits_account_resident_available_nonnegative",
            ),
            models.CheckConstraint(
                condition=Q(reserved__gte=0), name="credits_account_reserved_nonnegative"
            ),
            models.CheckConstraint(
                condition=(
                    Q(kind="resident", user__isnull=False, organisation__isnull=True)
                    | Q(kind="organisation", user__isnull=True, organisation__isnull=False)
                    | Q(kind="issuance", user__isnull=True, organisation__isnull=True)
                ),
                name="credits_account_owner_matches_kind",
            ),
            models.UniqueConstraint(
                fields=["user", "community"],
                condition=Q(kind="resident"),
                name="credits_account_one_per_resident_community",
            ),
            models.UniqueConstraint(
                fields=["organisation", "community"],
                condition=Q(kind="organisation"),
                name="credits_account_one_per_org_community",
            ),
            models.UniqueConstraint(
                fields=["community"],
                condition=Q(kind="issuance"),
                name="credits_account_one_issuance_per_community",
            ),
        ]

    def __str__(self) -> str:
        owner = self.user or self.organisation or _("issuance")
        return f"#{self.pk} {owner} · {self.community}"

    @property
    def available(self) -> Decimal:
        return self.balance - self.reserved


class Deed(models.TextChoices):
    VOLUNTEER_HOUR = "volunteer_hour", _("verified volunteer hour")
    SESSION_ATTENDANCE = "session_attendance", _("attended session")
    NEIGHBOUR_HELP = "neighbour_help", _("helping a neighbour")
    PUBLIC_WELFARE = "public_welfare", _("public-welfare act")


class EarningRuleQuerySet(models.QuerySet):
    def active_on(self, day):
        return self.filter(is_active=True).filter(
            Q(valid_from__isnull=True) | Q(valid_from__lte=day),
            Q(valid_to__isnull=True) | Q(valid_to__gte=day),
        )


class EarningRule(models.Model):
    """How many coins a deed earns in one community, with caps per resident."""

    community = models.ForeignKey(
        Area,
        verbose_name=_("community"),
        on_delete=models.PROTECT,
        related_name="earning_rules",
        limit_choices_to={"kind": "community"},
    )
    deed = models.CharField(_("deed"), max_length=24, choices=Deed.choices)
    amount = money_field(
        _("coins per unit"),
        validators=[MinValueValidator(CENT)],
        help_text=_("Per verified hour, per attended session or per act."),
    )
    daily_cap = money_field(
        _("daily cap per resident"), null=True, blank=True, validators=[MinValueValidator(CENT)]
    )
    monthly_cap = money_field(
        _("monthly cap per resident"), null=True, blank=True, validators=[MinValueValidator(CENT)]
    )
    valid_from = models.DateField(
        _("valid from"), null=True, blank=True, validators=[validate_date_range]
    )
    valid_to = models.DateField(
        _("valid to"), null=True, blank=True, validators=[validate_date_range]
    )
    is_active = models.BooleanField(_("active"), default=True)

    objects = EarningRuleQuerySet.as_manager()

    class Meta:
        verbose_name = _("earning rule")
        verbose_name_plural = _("earning rules")
        ordering = ["community", "deed", "-valid_from"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="credits_rule_amount_positive"),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True)
                | Q(valid_from__isnull=True)
                | Q(valid_to__gte=F("valid_from")),
                name="credits_rule_dates_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.community} · {self.get_deed_display()} · {self.amount}"

    def clean(self):
        if self.valid_from and self.valid_to and self.valid_to < self.valid_from:
            raise ValidationError({"valid_to": _("The end date is before the start date.")})


class Transaction(models.Model):
    class Kind(models.TextChoices):
        EARN = "earn", _("earning")
        TRANSFER = "transfer", _("transfer")
        REDEEM = "redeem", _("redemption")
        REVERSAL = "reversal", _("correction")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    idempotency_key = models.CharField(max_length=200, unique=True)
    # sha256 of the request: the same key with a different request is refused.
    fingerprint = models.CharField(max_length=64)
    reverses = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reversed_by",
        help_text=_("The transaction this one corrects."),
    )
    rule = models.ForeignKey(
        EarningRule, null=True, blank=True, on_delete=models.PROTECT, related_name="earnings"
    )
    deed = models.CharField(max_length=24, blank=True, choices=Deed.choices)
    quantity = models.DecimalField(max_digits=9, decimal_places=2, null=True, blank=True)
    source = models.CharField(max_length=200, blank=True)
    memo = models.CharField(_("memo"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",  # nobody asks "which transactions did I key in" from the user
    )
    created_at = models.DateTimeField(default=timezone.now)
    # Earnings only: the day the deed was done (Asia/Shanghai).  Caps count by this day,
    # not by the day a committee verified it (issue 12).
    service_date = models.DateField(null=True, blank=True)
    # Earnings a cap reduced: what the rule would have paid, which cap, its limit and what
    # was already earned in that day or month, so notices and statements can say why.
    capped_from = money_field(_("before the cap"), null=True, blank=True)
    cap = models.CharField(
        max_length=8, blank=True, choices=[("daily", "daily"), ("monthly", "monthly")]
    )
    cap_limit = money_field(_("cap"), null=True, blank=True)
    cap_earned = money_field(_("earned before"), null=True, blank=True)

    class Meta:
        verbose_name = _("transaction")
        verbose_name_plural = _("transactions")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"

    @property
    def cap_note(self) -> str:
        """Why a cap reduced this earning ("" if none did), in the reader's language."""
        return cap_note(self.cap, self.cap_limit, self.cap_earned)


def cap_note(cap: str, limit, earned) -> str:
    if cap == "daily":
        text = gettext("Daily cap %(cap)s coins, %(earned)s already earned that day")
    elif cap == "monthly":
        text = gettext("Monthly cap %(cap)s coins, %(earned)s already earned that month")
    else:
        return ""
    return text % {"cap": limit, "earned": earned}


class AppendOnlyError(Exception):
    pass


class EntryQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("Ledger entries are never updated; post a reversal.")

    def delete(self):
        raise AppendOnlyError("Ledger entries are never deleted; post a reversal.")


class Entry(models.Model):
    transaction = models.ForeignKey(Transaction, on_delete=models.PROTECT, related_name="entries")
    # Indexed with id below (statement pages walk (account, id) backwards).
    account = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="entries", db_index=False
    )
    amount = money_field(_("amount"))
    # The account's running balance after this entry; NULL for a floating account's entry
    # on PostgreSQL (a community's issuance account: credits.ledger.FLOATING), which a
    # deferred trigger adds to the account at COMMIT (migration 0006).
    balance_after = money_field(_("balance after"), null=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = EntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("entry")
        verbose_name_plural = _("entries")
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="credits_entry_amount_nonzero"),
        ]
        indexes = [models.Index(fields=["account", "id"], name="credits_entry_account_id")]

    def __str__(self) -> str:
        return f"{self.account_id}: {self.amount}"

    def save(self, *args, **kwargs):
        if self.pk is not None or not self._state.adding:
            raise AppendOnlyError("Ledger entries are never updated; post a reversal.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Ledger entries are never deleted; post a reversal.")


# --- Service hours -----------------------------------------------------------------


class ServiceLog(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("awaiting verification")
        APPROVED = "approved", _("verified")
        REJECTED = "rejected", _("rejected")
        REVOKED = "revoked", _("verification revoked")

    volunteer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="service_logs"
    )
    community = models.ForeignKey(
        Area, verbose_name=_("community"), on_delete=models.PROTECT, related_name="+"
    )
    date = models.DateField(_("date"), validators=[validate_date_range])
    start = models.TimeField(_("start"))
    end = models.TimeField(_("end"))
    hours = models.DecimalField(_("hours"), max_digits=5, decimal_places=2)
    activity = models.CharField(_("activity"), max_length=120)
    place = models.CharField(_("place"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    photo = models.ImageField(
        _("photo"),
        upload_to="credits/logs/%Y/%m/",
        null=True,
        blank=True,
        validators=[validate_image_upload],
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    payment = models.ForeignKey(
        Transaction, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("service-hour log")
        verbose_name_plural = _("service-hour logs")
        ordering = ["-date", "-start"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gt=F("start")), name="credits_log_end_after_start"
            ),
            models.CheckConstraint(
                condition=Q(hours__gt=0) & Q(hours__lte=24), name="credits_log_hours_range"
            ),
            # Nobody verifies their own hours (the service checks too, with a message).
            models.CheckConstraint(
                condition=Q(decided_by__isnull=True) | ~Q(decided_by=F("volunteer")),
                name="credits_log_not_self_verified",
            ),
        ]
        indexes = [
            models.Index(fields=["community", "status"]),
            models.Index(fields=["volunteer", "date"]),
        ]

    def __str__(self) -> str:
        return f"{self.volunteer} · {self.date} · {self.activity}"


class HoursCertificate(models.Model):
    """A service-hours certificate a community committee issues, checkable by anyone.

    One certificate stands for one set of verified logs in one community: asking again
    for the same logs gives the same certificate (serial, issue date).  The serial is
    random (80 bits), so nobody finds certificates by counting.  It stays valid while every
    log on it is still verified; a revoked log makes the check page say so.
    """

    serial = models.CharField(_("serial number"), max_length=19, unique=True)
    volunteer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="hours_certificates"
    )
    community = models.ForeignKey(
        Area, verbose_name=_("issued by"), on_delete=models.PROTECT, related_name="+"
    )
    logs = models.ManyToManyField(ServiceLog, related_name="certificates")
    # sha256 of the sorted log ids: the same logs always map to the same certificate.
    logs_key = models.CharField(max_length=64)
    hours = models.DecimalField(_("hours"), max_digits=8, decimal_places=2)
    first_date = models.DateField(_("from"))
    last_date = models.DateField(_("to"))
    issued_at = models.DateTimeField(_("issued"), default=timezone.now)

    class Meta:
        verbose_name = _("service-hours certificate")
        verbose_name_plural = _("service-hours certificates")
        constraints = [
            models.UniqueConstraint(
                fields=["volunteer", "community", "logs_key"],
                name="credits_certificate_one_per_set_of_logs",
            ),
        ]

    def __str__(self) -> str:
        return self.serial


STAR_LEVELS = [(1500, 5), (1000, 4), (600, 3), (300, 2), (100, 1)]


def star_level(hours) -> int:
    """★ 100 h … ★★★★★ 1500 h of verified service."""
    for threshold, stars in STAR_LEVELS:
        if hours >= threshold:
            return stars
    return 0


def next_star_threshold(hours) -> int | None:
    for threshold, _stars in reversed(STAR_LEVELS):
        if hours < threshold:
            return threshold
    return None


# --- Rewards and redemptions ------------------------------------------------------------


class Reward(CJKSearchMixin, index.Indexed, models.Model):
    class Kind(models.TextChoices):
        HONOUR = "honour", _("honour")
        GOODS = "goods", _("goods")
        SERVICE = "service", _("service")

    community = models.ForeignKey(
        Area,
        verbose_name=_("community"),
        on_delete=models.PROTECT,
        related_name="rewards",
        limit_choices_to={"kind": "community"},
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    cost = money_field(_("cost in coins"), validators=[MinValueValidator(CENT)])
    stock = models.PositiveIntegerField(
        _("stock"),
        null=True,
        blank=True,
        validators=int_validators(),
        help_text=_("Leave empty for honours and unlimited rewards."),
    )
    provider = models.ForeignKey(
        Organisation,
        verbose_name=_("provider"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    image = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("image"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    active_from = models.DateField(
        _("available from"), null=True, blank=True, validators=[validate_date_range]
    )
    active_to = models.DateField(
        _("available until"), null=True, blank=True, validators=[validate_date_range]
    )
    per_resident_limit = models.PositiveIntegerField(
        _("limit per resident"), null=True, blank=True, validators=int_validators()
    )
    is_active = models.BooleanField(_("active"), default=True)

    search_fields = [
        index.SearchField("name"),
        index.SearchField("description"),
        *CJK_SEARCH_FIELDS,
    ]

    class Meta:
        verbose_name = _("reward")
        verbose_name_plural = _("rewards")
        ordering = ["community", "cost", "name"]
        constraints = [
            models.CheckConstraint(condition=Q(cost__gt=0), name="credits_reward_cost_positive"),
            models.CheckConstraint(
                condition=Q(stock__isnull=True) | Q(stock__gte=0),
                name="credits_reward_stock_nonnegative",
            ),
            models.UniqueConstraint(
                fields=["community", "name"], name="credits_reward_unique_name"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def search_text(self) -> str:
        return f"{self.name} {self.description}"

    def is_available_on(self, day) -> bool:
        return (
            self.is_active
            and (self.active_from is None or self.active_from <= day)
            and (self.active_to is None or self.active_to >= day)
        )


class Redemption(models.Model):
    class Status(models.TextChoices):
        RESERVED = "reserved", _("reserved, awaiting pickup")
        FULFILLED = "fulfilled", _("picked up")
        CANCELLED = "cancelled", _("cancelled")
        EXPIRED = "expired", _("expired")

    OPEN = (Status.RESERVED,)

    reward = models.ForeignKey(Reward, on_delete=models.PROTECT, related_name="redemptions")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="redemptions"
    )
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="redemptions")
    community = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    cost = money_field(_("cost"))
    code = models.CharField(_("pickup code"), max_length=6)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.RESERVED
    )
    idempotency_key = models.CharField(max_length=200, unique=True)
    reserved_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    payment = models.OneToOneField(
        Transaction, null=True, blank=True, on_delete=models.PROTECT, related_name="redemption"
    )

    class Meta:
        verbose_name = _("redemption")
        verbose_name_plural = _("redemptions")
        ordering = ["-reserved_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(cost__gt=0), name="credits_redemption_cost_positive"
            ),
            # An open pickup code identifies one redemption in its community.
            models.UniqueConstraint(
                fields=["community", "code"],
                condition=Q(status="reserved"),
                name="credits_redemption_open_code_unique",
            ),
            models.CheckConstraint(
                condition=~Q(status="fulfilled") | Q(payment__isnull=False),
                name="credits_redemption_fulfilled_has_payment",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "expires_at"]),
            models.Index(fields=["account", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.reward} · {self.user}"
