"""三事分流: requests, their service types, the append-only timeline, classifier versions.

A request moves submitted → triaged → assigned → in_progress → resolved → closed.  Every
change of state is written by `triage.services` together with an `Event` row, so the
timeline a resident sees is the whole truth about their request.
"""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel

from portal.inputs import int_validators
from portal.models import Area, Organisation
from portal.scoping import ScopedQuerySet
from portal.validators import validate_image_upload
from portal.versions import bump_after_write, bump_user_versions

from . import daily_counts
from .daily_counts import RequestDailyCount  # noqa: F401  (the model lives with its upkeep)
from .geo import point_in_polygon

MAX_TEXT = 2000
MAX_PHOTOS = 9
REOPEN_DAYS = 7


class RequestClass(models.TextChoices):
    """The three matters; the CSV seed set labels them 大事/小事/私事 (see `CSV_LABELS`)."""

    GOVERNMENT = "government", _("government matter (大事)")
    COMMUNITY = "community", _("community matter (小事)")
    PRIVATE = "private", _("private matter (私事)")


CSV_LABELS = {"大事": "government", "小事": "community", "私事": "private"}
CLASS_TO_CSV = {v: k for k, v in CSV_LABELS.items()}


class ServiceType(models.Model):
    """One entry of the catalogue residents may pick from (optional for them)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=80)
    description = models.CharField(_("description"), max_length=300, blank=True)
    default_class = models.CharField(
        _("default class"), max_length=12, choices=RequestClass.choices
    )
    line = models.CharField(
        _("handling department"),
        max_length=40,
        blank=True,
        help_text=_(
            "For government matters, the line of work of the department that acts, such as "
            "城管 or 市场监管: the department of that line serving the request's area "
            "receives it.  Empty for community matters: the request's own committee."
        ),
    )
    deadline_hours = models.PositiveIntegerField(
        _("deadline (working hours)"),
        default=21,
        validators=int_validators(max_value=100_000, min_value=1),
        help_text=_(
            "Working hours: 9:00–12:00 and 13:30–17:30 on working days of China's official "
            "calendar (public holidays off, 调休 weekends worked, plus the workday overrides)."
        ),
    )
    keywords = models.CharField(
        _("keywords"),
        max_length=500,
        blank=True,
        help_text=_("Separated by spaces or commas; a match nudges the classifier."),
    )
    is_mediation = models.BooleanField(
        _("neighbour dispute (mediation)"),
        default=False,
        help_text=_("Handled by mediation; the reply records whether it succeeded."),
    )
    sensitive = models.BooleanField(
        _("sensitive"),
        default=False,
        help_text=_(
            "Violence, health, legal, wages, personal data: requests of this type are "
            "never public, and its keywords mark any request that uses them as sensitive."
        ),
    )
    is_active = models.BooleanField(_("active"), default=True)

    panels = [
        FieldPanel("code"),
        FieldPanel("name"),
        FieldPanel("description"),
        FieldPanel("default_class"),
        FieldPanel("line"),
        FieldPanel("deadline_hours"),
        FieldPanel("keywords"),
        FieldPanel("is_mediation"),
        FieldPanel("sensitive"),
        FieldPanel("is_active"),
    ]

    class Meta:
        verbose_name = _("service type")
        verbose_name_plural = _("service types")
        ordering = ["default_class", "name"]

    def __str__(self) -> str:
        return self.name

    def keyword_list(self) -> list[str]:
        return [k for k in self.keywords.replace("，", ",").replace(",", " ").split() if k]


class MatterType(models.Model):
    """One line of the 三事分流清单: a kind of matter, its class and who handles it.

    The list is the product's rule for the three classes (`shared/SANSHI.md`); city staff
    edit it in the Wagtail admin.  The classifier reads its keywords beside the model,
    routing reads who handles it, a 私事 referral reads its public channel, and the public
    page that explains 三事分流 is drawn from it.
    """

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=80)
    request_class = models.CharField(_("class"), max_length=12, choices=RequestClass.choices)
    handler_kind = models.CharField(
        _("handled by (kind)"),
        max_length=12,
        choices=Organisation.Kind.choices,
        blank=True,
        help_text=_("Empty for private matters: the resident arranges them."),
    )
    handler_line = models.CharField(
        _("handling department"),
        max_length=40,
        blank=True,
        help_text=_(
            "For government matters, the line of work of the department that acts, "
            "such as 城管 or 市场监管; the department of that line serving the request's "
            "area receives it."
        ),
    )
    keywords = models.CharField(
        _("keywords"),
        max_length=500,
        blank=True,
        help_text=_(
            "Separated by spaces, commas or |; the classifier reads them beside the model."
        ),
    )
    examples = models.TextField(
        _("examples"), blank=True, max_length=2000, help_text=_("One example per line.")
    )
    sensitive = models.BooleanField(
        _("sensitive"),
        default=False,
        help_text=_("Requests of this kind are never public."),
    )
    public_channel = models.CharField(
        _("public channel"),
        max_length=100,
        blank=True,
        help_text=_("Where a resident can also turn, such as 12315 or people's mediation."),
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    panels = [
        FieldPanel("code"),
        FieldPanel("name"),
        FieldPanel("request_class"),
        FieldPanel("handler_kind"),
        FieldPanel("handler_line"),
        FieldPanel("keywords"),
        FieldPanel("examples"),
        FieldPanel("sensitive"),
        FieldPanel("public_channel"),
        FieldPanel("order"),
        FieldPanel("is_active"),
    ]

    class Meta:
        verbose_name = _("matter type (三事分流清单)")
        verbose_name_plural = _("matter types (三事分流清单)")
        ordering = ["request_class", "order", "pk"]

    def __str__(self) -> str:
        return self.name

    def keyword_list(self) -> list[str]:
        text = self.keywords.replace("，", ",").replace("|", " ").replace(",", " ")
        return [k for k in text.split() if k]

    def example_list(self) -> list[str]:
        return [line.strip() for line in self.examples.splitlines() if line.strip()]


class ServiceDirectoryEntry(models.Model):
    """Market providers and volunteers offering help: what a 私事 reply points to."""

    class Kind(models.TextChoices):
        PROVIDER = "provider", _("market service")
        VOLUNTEER = "volunteer", _("volunteer")
        PUBLIC = "public", _("public service")

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    area = models.ForeignKey(
        Area, verbose_name=_("area served"), on_delete=models.PROTECT, related_name="+"
    )
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    volunteer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    services = models.CharField(
        _("services offered"),
        max_length=300,
        help_text=_("Keywords separated by spaces, e.g. 开锁 家电维修 保洁"),
    )
    phone = models.CharField(_("public phone"), max_length=30, blank=True)
    hours = models.CharField(_("opening hours"), max_length=60, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    # Where to find it, for the directory's map (WGS-84, as GPS gives it); optional: a
    # volunteer or a city-wide hotline has no door to point at.
    lat = models.DecimalField(
        _("latitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    lon = models.DecimalField(
        _("longitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )

    panels = [
        FieldPanel("name"),
        FieldPanel("kind"),
        FieldPanel("area"),
        FieldPanel("organisation"),
        FieldPanel("services"),
        FieldPanel("phone"),
        FieldPanel("hours"),
        FieldPanel("lat"),
        FieldPanel("lon"),
        FieldPanel("is_active"),
    ]

    class Meta:
        verbose_name = _("service directory entry")
        verbose_name_plural = _("service directory")
        ordering = ["kind", "name"]
        constraints = [
            models.CheckConstraint(
                name="directory_point_wgs84",
                condition=(Q(lat__isnull=True) & Q(lon__isnull=True))
                | (Q(lat__gte=-90, lat__lte=90) & Q(lon__gte=-180, lon__lte=180)),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        super().clean()
        if (self.lat is None) != (self.lon is None):
            missing = "lon" if self.lon is None else "lat"
            raise ValidationError({missing: _("Give both latitude and longitude, or neither.")})


class ClassifierModel(models.Model):
    """A trained model version.  Every process loads the active one and caches it by pk."""

    class Target(models.TextChoices):
        CLASS = "class", _("class (大事/小事/私事)")
        DEPARTMENT = "department", _("department")

    target = models.CharField(_("target"), max_length=12, choices=Target.choices)
    version = models.PositiveIntegerField(_("version"))
    blob = models.BinaryField(_("model (joblib)"))
    data_hash = models.CharField(_("training data hash"), max_length=64)
    n_samples = models.PositiveIntegerField(_("training samples"), default=0)
    labels = models.JSONField(_("labels"), default=list)
    metrics = models.JSONField(_("metrics"), default=dict, blank=True)
    source = models.CharField(_("source"), max_length=200, blank=True)
    is_active = models.BooleanField(_("active"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("classifier model")
        verbose_name_plural = _("classifier models")
        ordering = ["target", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["target", "version"], name="triage_model_version"),
            models.UniqueConstraint(
                fields=["target"], condition=Q(is_active=True), name="triage_one_active_model"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.target} v{self.version}"


def public_q() -> Q:
    """THE rule for what anyone may see: triaged (a person or a confident classifier set
    its class) into 大事 or 小事, and neither flagged sensitive nor of a sensitive type."""
    return (
        Q(request_class__in=[RequestClass.GOVERNMENT, RequestClass.COMMUNITY])
        & ~Q(status__in=[Request.Status.SUBMITTED, Request.Status.TRIAGED])
        & Q(sensitive=False)
        & (Q(service_type__isnull=True) | Q(service_type__sensitive=False))
    )


class RequestQuerySet(ScopedQuerySet):
    """`within(areas)`: requests in those areas or below them (by the stored `area_path`).
    Who may read which request is `triage.permissions.readable_q(user)`."""

    area_path_lookup = "area_path"

    def open(self):
        return self.exclude(status__in=[Request.Status.CLOSED])

    def public(self):
        """Requests a public view may list (with `triage.privacy.public_text`)."""
        return self.filter(public_q())

    def with_public_flag(self):
        """Each row carries `public_view`: whether `public()` would list it."""
        return self.annotate(
            public_view=models.ExpressionWrapper(public_q(), output_field=models.BooleanField())
        )


# A request's deadline while it is handled and not yet escalated (NULL otherwise): past
# now, the escalation beat has yet to move it up.  Indexed as an expression (Request.Meta).
FIRST_DEADLINE = models.Case(
    models.When(
        Q(status__in=daily_counts.OPEN_HANDLING, escalation_level=0),
        then=F("deadline"),
    ),
    output_field=models.DateTimeField(),
)


class Request(models.Model):
    class Channel(models.TextChoices):
        WEB = "web", _("web form")
        GRID_WORKER = "grid_worker", _("grid worker visit")
        HOTLINE = "hotline", _("12345 hotline")
        API = "api", _("Open311 API")

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("submitted")
        TRIAGED = "triaged", _("awaiting triage")
        ASSIGNED = "assigned", _("assigned")
        IN_PROGRESS = "in_progress", _("in progress")
        RESOLVED = "resolved", _("resolved")
        CLOSED = "closed", _("closed")
        # A 私事 referred to the resident (services, public channel, volunteers): open
        # until the resident closes it, with no deadline for any organisation.
        REFERRED = "referred", _("referred: yours to arrange")

    class Contact(models.TextChoices):
        SITE = "site", _("notice on this site")
        PHONE = "phone", _("phone call")
        SMS = "sms", _("text message")
        NONE = "none", _("no contact needed")

    class Mediation(models.TextChoices):
        NONE = "", _("not a mediation")
        SUCCESS = "success", _("mediated successfully")
        FAILED = "failed", _("mediation failed")

    channel = models.CharField(_("channel"), max_length=12, choices=Channel.choices)
    text = models.TextField(_("request"), max_length=MAX_TEXT)
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reporter"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="triage_requests",
    )
    # For callers and visited residents without an account: personal data.
    reporter_name = models.CharField(_("reporter's name"), max_length=50, blank=True)
    reporter_phone = models.CharField(_("reporter's phone"), max_length=20, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    contact = models.CharField(
        _("contact preference"), max_length=8, choices=Contact.choices, default=Contact.SITE
    )
    area = models.ForeignKey(
        Area, verbose_name=_("grid"), on_delete=models.PROTECT, related_name="triage_requests"
    )
    # Copy of area.path: dashboards filter a subtree with one indexed prefix test.
    area_path = models.CharField(max_length=255, db_index=True, editable=False)
    address = models.CharField(_("address"), max_length=200, blank=True)
    lat = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    lon = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    suggested_class = models.CharField(
        _("suggested class"), max_length=12, choices=RequestClass.choices, blank=True
    )
    confidence = models.FloatField(_("confidence"), default=0)
    model_version = models.CharField(_("model version"), max_length=40, blank=True)
    sensitive = models.BooleanField(
        _("sensitive"),
        default=False,
        help_text=_("Never public, whatever its class (set from its text and service type)."),
    )
    suggested_department = models.CharField(_("suggested department"), max_length=120, blank=True)
    request_class = models.CharField(
        _("class"), max_length=12, choices=RequestClass.choices, blank=True
    )
    service_type = models.ForeignKey(
        ServiceType,
        verbose_name=_("service type"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="requests",
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("handling organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="triage_requests",
    )
    supervisor = models.ForeignKey(
        Organisation,
        verbose_name=_("supervising organisation"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.SUBMITTED
    )
    deadline = models.DateTimeField(_("deadline"), null=True, blank=True)
    escalation_level = models.PositiveSmallIntegerField(_("escalation level"), default=0)
    reply = models.TextField(_("reply"), blank=True)
    mediation = models.CharField(
        _("mediation outcome"), max_length=8, choices=Mediation.choices, blank=True, default=""
    )
    satisfaction = models.PositiveSmallIntegerField(
        _("satisfaction"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    # The round-table topic this 小事 became (triage sits below deliberation in the layers).
    matter = models.ForeignKey(
        MatterType,
        verbose_name=_("matter type"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="requests",
    )
    topic = models.ForeignKey(
        "deliberation.Topic",
        verbose_name=_("round-table topic"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="requests",
    )
    reopened = models.PositiveSmallIntegerField(default=0)
    # The key a form made on the device (a UUID): a draft sent again after the signal came
    # back, or a double tap, finds the request its first sending made instead of making a
    # second one.  Unique per submitter: whoever entered it (a grid worker, the hotline),
    # else the resident who reported it.
    client_key = models.UUIDField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("submitted at"), db_index=True)
    assigned_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = RequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("request")
        verbose_name_plural = _("requests")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["organisation", "status"]),
            models.Index(fields=["status", "deadline"]),
            # The dashboard's "overdue now" reads the few open requests past their first
            # deadline that the escalation beat has not reached yet (≤ 15 minutes' worth).
            # An expression, not a partial index: PostgreSQL keeps statistics of an
            # index's expression, so it knows how few rows lie before now.
            models.Index(FIRST_DEADLINE, name="triage_req_first_deadline"),
            # The staff map's newest placed requests (triage.selectors_maps): read in
            # order without walking past the requests that have no point.
            models.Index(
                F("created_at").desc(),
                F("id").desc(),
                condition=Q(lat__isnull=False, lon__isnull=False),
                name="triage_req_placed_newest",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(satisfaction__isnull=True)
                | Q(satisfaction__gte=1, satisfaction__lte=5),
                name="triage_satisfaction_1_5",
            ),
            models.UniqueConstraint(
                F("client_key"),
                Coalesce("entered_by", "reporter"),
                condition=Q(client_key__isnull=False),
                name="triage_request_client_key_per_submitter",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.text[:20]}"

    # --- daily counts (triage/daily_counts.py): kept in the transaction of every save ---

    def save(self, *args, **kwargs):
        # No savepoint: inside a service's transaction the counts share its fate.
        with transaction.atomic(savepoint=False):
            old = daily_counts.before_save(self)
            super().save(*args, **kwargs)
            daily_counts.track(self, old, update_fields=kwargs.get("update_fields"))

    def refresh_from_db(self, *args, **kwargs):
        super().refresh_from_db(*args, **kwargs)
        # What the database holds now is what a later save moves the counts from.
        fresh = daily_counts.snapshot(self)
        if fresh is not None:
            self._counted = fresh

    @classmethod
    def from_db(cls, db, field_names, values):
        obj = super().from_db(db, field_names, values)
        obj._counted = daily_counts.snapshot(obj)
        # Whose "my requests" listed it as loaded: a save that hands it to someone else
        # (a claim) changes theirs too.
        obj._people_read = (obj.__dict__.get("reporter_id"), obj.__dict__.get("entered_by_id"))
        return obj

    def people_panels_changed(self) -> None:
        """Saved or deleted: the home panels ("my requests") of whoever raised it or
        entered it for someone, now and as it was loaded, are drawn again."""
        bump_user_versions(
            "requests", self.reporter_id, self.entered_by_id, *getattr(self, "_people_read", ())
        )

    @property
    def number(self) -> str:
        return f"SR{self.pk:06d}" if self.pk else ""

    @property
    def is_open(self) -> bool:
        return self.status != self.Status.CLOSED

    @property
    def public_status(self) -> str:
        """Open311's two states."""
        return "closed" if self.status == self.Status.CLOSED else "open"

    @property
    def is_overdue(self) -> bool:
        return bool(self.deadline and self.is_open and self.deadline < timezone.now())


def photo_path(instance, filename: str) -> str:
    # The name comes from portal.uploads.clean_image (jpg or png); anything else is stored
    # under an extension no server maps to an active type.
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    return f"triage/{secrets.token_hex(12)}.{ext if ext in ('jpg', 'png') else 'bin'}"


class Photo(models.Model):
    request = models.ForeignKey(Request, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(upload_to=photo_path, validators=[validate_image_upload])
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("photo")
        verbose_name_plural = _("photos")

    def __str__(self) -> str:
        return self.image.name


class AppendOnlyError(ValidationError):
    pass


class Event(models.Model):
    """One line of a request's timeline.  Never updated nor deleted."""

    class Kind(models.TextChoices):
        SUBMITTED = "submitted", _("submitted")
        CLASSIFIED = "classified", _("classified")
        TRIAGED = "triaged", _("triage confirmed")
        ASSIGNED = "assigned", _("assigned")
        TRANSFERRED = "transferred", _("transferred (分流转办)")
        STARTED = "started", _("work started")
        SUPERVISED = "supervised", _("supervision (联合督办)")
        ESCALATED = "escalated", _("escalated (overdue)")
        TOPIC = "topic", _("turned into a round-table topic")
        RESOLVED = "resolved", _("resolved")
        REPLIED = "replied", _("closing reply (结案答复)")
        RATED = "rated", _("rated")
        REOPENED = "reopened", _("reopened")
        NOTE = "note", _("note")
        REFERRED = "referred", _("referred (私事)")
        HELP = "help", _("volunteer help")
        CLOSED = "closed", _("closed by the resident")

    request = models.ForeignKey(Request, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.TextField(blank=True)
    public = models.BooleanField(default=True)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.created_at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AppendOnlyError(_("Timeline events cannot be changed."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError(_("Timeline events cannot be deleted."))


class Label(models.Model):
    """A human-confirmed label: staff corrections feed the next retraining."""

    target = models.CharField(max_length=12, choices=ClassifierModel.Target.choices)
    text = models.TextField()
    label = models.CharField(max_length=120)
    request = models.ForeignKey(
        Request, null=True, blank=True, on_delete=models.SET_NULL, related_name="labels"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["request", "target"], name="triage_one_label_per_request"
            )
        ]

    def __str__(self) -> str:
        return f"{self.target}: {self.label}"


class ApiKey(models.Model):
    """An Open311 client.  Only the SHA-256 of the key is stored."""

    name = models.CharField(_("name"), max_length=100)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(max_length=8, editable=False)
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def hash(raw: str) -> str:
        return hashlib.sha256(raw.encode()).hexdigest()

    @classmethod
    def issue(cls, name: str, organisation=None, raw: str | None = None) -> tuple[ApiKey, str]:
        raw = raw or secrets.token_urlsafe(24)
        key = cls.objects.create(
            name=name, key_hash=cls.hash(raw), prefix=raw[:8], organisation=organisation
        )
        return key, raw

    @classmethod
    def lookup(cls, raw: str | None) -> ApiKey | None:
        if not raw:
            return None
        return cls.objects.filter(key_hash=cls.hash(raw), is_active=True).first()


class GridBoundary(models.Model):
    """A grid's outline (a polygon of lat/lon points, WGS-84), to check that a reported
    point lies in the resident's grid and to draw the grid on maps.  Grids without one
    accept any point.  A community may have one too: its outer line on the maps.
    Geometry (and GeoJSON in and out) is `triage.geo`."""

    area = models.OneToOneField(
        Area,
        on_delete=models.CASCADE,
        related_name="triage_boundary",
        limit_choices_to={"kind__in": ["community", "grid"]},
    )
    polygon = models.JSONField(_("outline"), help_text=_("A list of [latitude, longitude] points."))

    class Meta:
        verbose_name = _("grid outline")
        verbose_name_plural = _("grid outlines")

    def __str__(self) -> str:
        return str(self.area)

    def contains(self, lat: float, lon: float) -> bool:
        return point_in_polygon(lat, lon, self.polygon)


# --- Open311 (GeoReport v2) ------------------------------------------------------------


class ServiceAttribute(models.Model):
    """One question of a service's GeoReport v2 definition (`services/{code}.json`).

    A service with attributes is listed with `metadata: true`; the answers a client posts
    as `attribute[code]` are kept on the request's `Open311Submission` for its handlers.
    """

    class Datatype(models.TextChoices):
        STRING = "string", _("short text")
        NUMBER = "number", _("number")
        DATETIME = "datetime", _("date and time")
        TEXT = "text", _("long text")
        SINGLE = "singlevaluelist", _("one of a list")
        MULTI = "multivaluelist", _("several of a list")

    service_type = models.ForeignKey(
        ServiceType, on_delete=models.CASCADE, related_name="attributes"
    )
    code = models.SlugField(_("code"), max_length=40)
    variable = models.BooleanField(
        _("asks the client"),
        default=True,
        help_text=_("Off for a note shown to the resident that takes no answer."),
    )
    datatype = models.CharField(
        _("datatype"), max_length=16, choices=Datatype.choices, default=Datatype.STRING
    )
    required = models.BooleanField(_("required"), default=False)
    datatype_description = models.CharField(_("datatype description"), max_length=200, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=1)
    description = models.CharField(_("question"), max_length=300)
    values = models.JSONField(
        _("values"),
        default=list,
        blank=True,
        help_text=_('For lists: [{"key": "…", "name": "…"}, …]'),
    )

    class Meta:
        verbose_name = _("service attribute")
        verbose_name_plural = _("service attributes")
        ordering = ["service_type", "order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["service_type", "code"], name="triage_one_attribute_code"
            )
        ]

    def __str__(self) -> str:
        return f"{self.service_type.code}/{self.code}"

    def value_keys(self) -> list[str]:
        return [str(v.get("key")) for v in self.values or [] if isinstance(v, dict)]


class Open311Submission(models.Model):
    """What an Open311 client posted with a request, beyond what `Request` holds.

    Contact fields and attribute answers are personal data for the request's handlers
    (the staff detail page), never shown to the public; `media_url` is returned by the API.
    `client_token` (the `Idempotency-Key`) makes a repeated POST answer the first answer.
    """

    request = models.OneToOneField(Request, on_delete=models.CASCADE, related_name="open311")
    api_key = models.ForeignKey(
        ApiKey, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    client_token = models.CharField(max_length=200, blank=True)
    payload_hash = models.CharField(max_length=64, blank=True, editable=False)
    email = models.EmailField(_("email"), max_length=254, blank=True)
    first_name = models.CharField(_("first name"), max_length=50, blank=True)
    last_name = models.CharField(_("last name"), max_length=50, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    device_id = models.CharField(_("device id"), max_length=100, blank=True)
    account_id = models.CharField(_("account id"), max_length=100, blank=True)
    address_string = models.CharField(_("address as posted"), max_length=200, blank=True)
    address_id = models.CharField(_("address id"), max_length=64, blank=True)
    needs_placement = models.BooleanField(
        _("needs placement"),
        default=False,
        help_text=_("Posted with an address only: its grid is to be checked by hand."),
    )
    attributes = models.JSONField(_("answers"), default=dict, blank=True)
    media_url = models.URLField(_("media URL"), max_length=1000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("Open311 submission")
        verbose_name_plural = _("Open311 submissions")
        constraints = [
            models.UniqueConstraint(
                fields=["api_key", "client_token"],
                condition=~Q(client_token=""),
                name="triage_open311_one_answer_per_token",
            )
        ]

    def __str__(self) -> str:
        return f"Open311 #{self.request_id}"

    @property
    def answers(self) -> list[tuple[str, str]]:
        """The `attribute[…]` answers as (code, text) rows; a multi-value answer joined."""
        return [
            (code, ", ".join(map(str, value)) if isinstance(value, list) else str(value))
            for code, value in self.attributes.items()
        ]


class WorkdayOverride(models.Model):
    """A date whose working status differs from China's official calendar as the
    `chinesecalendar` library has it: a year it does not know yet, or a local change.
    Site administrators keep them in the Wagtail admin; `triage.workhours` reads them
    through `as_dict()`, which the cache keeps until an override is saved or deleted."""

    CACHE_KEY = "triage:workday-overrides"
    CACHE_SECONDS = 3600

    date = models.DateField(_("date"), unique=True)
    is_working = models.BooleanField(
        _("working day"),
        default=False,
        help_text=_("Ticked: a working day (e.g. a 调休 Saturday). Unticked: a day off."),
    )
    note = models.CharField(_("note"), max_length=120, blank=True)

    panels = [FieldPanel("date"), FieldPanel("is_working"), FieldPanel("note")]

    class Meta:
        verbose_name = _("workday override")
        verbose_name_plural = _("workday overrides")
        ordering = ["-date"]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.note}".strip()

    @classmethod
    def as_dict(cls) -> dict:
        """{date: is_working} of every override: from the cache, else one query."""
        overrides = cache.get(cls.CACHE_KEY)
        if overrides is None:
            overrides = dict(cls.objects.values_list("date", "is_working"))
            cache.set(cls.CACHE_KEY, overrides, cls.CACHE_SECONDS)
        return overrides

    @classmethod
    def forget(cls, **_signal) -> None:
        """Drop the cached overrides now and again once the transaction commits (a reader
        in between may have cached the old rows)."""
        cache.delete(cls.CACHE_KEY)
        transaction.on_commit(lambda: cache.delete(cls.CACHE_KEY))
        bump_after_write("workdays")  # "to be assigned by …" on residents' home panels


# A queryset's delete() sends post_delete for every row too (bulk update() does not).
models.signals.post_save.connect(WorkdayOverride.forget, sender=WorkdayOverride)
models.signals.post_delete.connect(WorkdayOverride.forget, sender=WorkdayOverride)


# --- 私事 referrals (issue 10) ----------------------------------------------------------


class Referral(models.Model):
    """A 私事 is not closed by anyone but its resident: it is referred to them with the
    services, the public channel and the volunteers that can help (`triage.services.
    referrals`), and stays open until they say whether it was solved."""

    class Outcome(models.TextChoices):
        SOLVED = "solved", _("solved")
        NOT_SOLVED = "not_solved", _("not solved")

    request = models.OneToOneField(Request, on_delete=models.CASCADE, related_name="referral")
    matter = models.ForeignKey(
        MatterType,
        verbose_name=_("matter type"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    referred_by = models.ForeignKey(
        Organisation,
        verbose_name=_("referred by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    outcome = models.CharField(
        _("solved or not"), max_length=12, choices=Outcome.choices, blank=True, default=""
    )
    created_at = models.DateTimeField(_("referred at"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")

    def __str__(self) -> str:
        return f"{self.request.number} → {self.matter or '-'}"


class HelpOffer(models.Model):
    """A resident asked a volunteer of the directory for help with their 私事.

    asked → accepted (or declined) by the volunteer → hours logged by the volunteer →
    confirmed by the resident, which pays them once (`payment`).  The volunteer never
    sees the resident's phone or address unless the resident chose to share them.
    """

    class Status(models.TextChoices):
        ASKED = "asked", _("asked")
        ACCEPTED = "accepted", _("accepted")
        DECLINED = "declined", _("cannot help")
        LOGGED = "logged", _("hours logged")
        CONFIRMED = "confirmed", _("hours confirmed")

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="offers")
    volunteer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("volunteer"),
        on_delete=models.PROTECT,
        related_name="triage_help_offers",
    )
    entry = models.ForeignKey(
        ServiceDirectoryEntry, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    share_contact = models.BooleanField(
        _("phone and address shared with the volunteer"), default=False
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.ASKED
    )
    hours = models.DecimalField(_("hours"), max_digits=5, decimal_places=2, null=True, blank=True)
    service_date = models.DateField(_("date of the help"), null=True, blank=True)
    hours_note = models.CharField(_("what was done"), max_length=200, blank=True)
    payment = models.ForeignKey(
        "credits.Transaction", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("asked at"))
    accepted_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("help offer")
        verbose_name_plural = _("help offers")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["referral", "volunteer"], name="triage_one_offer_per_volunteer"
            ),
            models.CheckConstraint(
                condition=Q(hours__isnull=True) | (Q(hours__gt=0) & Q(hours__lte=24)),
                name="triage_offer_hours_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.referral.request.number} · {self.volunteer}"
