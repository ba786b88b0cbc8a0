"""Who is who, and where: the user, the area tree, organisations and memberships.

Every other app scopes its data by an `Area` and asks `portal.permissions.can()`
whether a user may act on it; a user's power comes only from active `Membership` rows.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from treebeard.mp_tree import MP_Node

from .inputs import int_validators
from .validators import validate_mobile


def looks_like_phone(text: str) -> bool:
    """A mobile number used as a username or a name: every such place masks it."""
    return text.isascii() and text.isdigit() and len(text) >= 7


class User(AbstractUser):
    """The portal's user.  Phone is personal data: shown only to whoever handles the person."""

    email = models.EmailField(_("email address"), unique=True, null=True, blank=True)
    display_name = models.CharField(_("display name"), max_length=50, blank=True)
    phone = models.CharField(
        _("mobile number"), max_length=20, blank=True, validators=[validate_mobile]
    )
    # Set once the owner typed the code texted to `phone` (allauth's phone verification,
    # portal.adapters).  Only a verified number signs in, receives notices by text and is
    # unique; an unverified one is a claim anyone could have typed.
    phone_verified = models.BooleanField(_("mobile number verified"), default=False)
    elder_mode = models.BooleanField(
        _("elder-friendly mode"),
        default=False,
        help_text=_("Larger type, higher contrast and a simpler layout."),
    )

    class TextSize(models.TextChoices):
        """The three type steps of the elder-friendly view (适老化: 字号可调)."""

        STANDARD = "standard", pgettext_lazy("text size", "Standard")
        LARGE = "large", pgettext_lazy("text size", "Large")
        XLARGE = "xlarge", pgettext_lazy("text size", "Extra large")

    text_size = models.CharField(
        _("text size in the elder-friendly view"),
        max_length=8,
        choices=TextSize.choices,
        default=TextSize.STANDARD,
    )
    language = models.CharField(
        _("language"), max_length=10, blank=True, choices=settings.LANGUAGES
    )
    leaderboard_opt_out = models.BooleanField(
        _("hide me from public leaderboards"),
        default=False,
        help_text=_("Your verified hours still count; only the public lists leave you out."),
    )

    class NameStyle(models.TextChoices):
        """How a resident's name shows on public pages (topics, contributions, lists).
        The 称呼 is the resident's own choice: nothing about gender is stored or guessed."""

        FULL = "full", _("My name")
        SURNAME_MR = "surname_mr", _("Surname and Mr")
        SURNAME_MS = "surname_ms", _("Surname and Ms")
        ANONYMOUS = "anonymous", _("Anonymous")

    name_style = models.CharField(
        _("name on public pages"),
        max_length=12,
        choices=NameStyle.choices,
        default=NameStyle.FULL,
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            # One account per verified mobile number: it is a way to sign in.
            models.UniqueConstraint(
                fields=["phone"],
                condition=Q(phone_verified=True),
                name="user_verified_phone_unique",
            ),
            models.CheckConstraint(
                condition=Q(phone_verified=False) | ~Q(phone=""),
                name="user_verified_phone_not_empty",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name or self.username

    # What public pages name a person by (`public_name`); portal.signals compares these
    # with what was read to drop cached pages only when a name really changes.
    PUBLIC_NAME_FIELDS = ("display_name", "first_name", "last_name", "name_style", "username")

    def public_name_snapshot(self) -> tuple:
        return tuple(self.__dict__.get(f) for f in self.PUBLIC_NAME_FIELDS)  # no deferred loads

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._public_name_read = instance.public_name_snapshot()
        return instance

    def get_full_name(self) -> str:
        """How the user is named to themselves and to staff who handle them (Wagtail admin,
        residency and verification queues, check-in desk): the display name, else the real
        name, else the username with a mobile number masked.  Never on public pages: those
        use `public_name`, which follows the user's privacy setting."""
        return self.display_name or super().get_full_name().strip() or self.own_name

    @property
    def own_name(self) -> str:
        """The display name or username, never an unmasked phone number or the email."""
        name = self.display_name or self.username
        if looks_like_phone(name):  # a mobile number used as username
            return f"{name[:3]}****{name[-4:]}"
        return name

    @property
    def surname(self) -> str:
        """The family name: `last_name` if given, else read off a Chinese display name
        (two characters for a compound surname such as 欧阳), else empty."""
        if self.last_name.strip():
            return self.last_name.strip()
        name = self.display_name.strip()
        if not name or not _is_han(name[0]):
            return ""
        if name[:2] in COMPOUND_SURNAMES:
            return name[:2]
        return name[0]

    @property
    def public_name(self) -> str:
        """The name anyone may see, as the user chose in their privacy settings: the name
        they entered, 姓 + the 称呼 they picked, or 匿名居民.  Never a phone or email."""
        from django.utils.translation import gettext

        style = self.name_style
        if style == self.NameStyle.ANONYMOUS:
            return gettext("Anonymous resident")
        if style in (self.NameStyle.SURNAME_MR, self.NameStyle.SURNAME_MS):
            surname = self.surname
            if not surname:
                return gettext("Anonymous resident")
            if style == self.NameStyle.SURNAME_MR:
                return gettext("Mr %(surname)s") % {"surname": surname}
            return gettext("Ms %(surname)s") % {"surname": surname}
        return self.own_name


COMPOUND_SURNAMES = frozenset(
    "欧阳 司马 上官 诸葛 东方 皇甫 尉迟 公孙 慕容 长孙 宇文 司徒 夏侯 轩辕 令狐 独孤 "
    "南宫 西门 端木 百里 呼延 钟离 澹台 公冶 太史 申屠 闻人 万俟 赫连 东郭 歐陽 司馬 "
    "諸葛 長孫 軒轅 獨孤 鍾離".split()
)


def _is_han(char: str) -> bool:
    return "\u4e00" <= char <= "\u9fff" or "\u3400" <= char <= "\u4dbf"


class Area(MP_Node):
    """One node of city → district → street → community → grid."""

    class Kind(models.TextChoices):
        CITY = "city", _("city")
        DISTRICT = "district", _("district")
        STREET = "street", _("street")
        COMMUNITY = "community", _("community")
        GRID = "grid", _("grid")

    # Which kind may sit directly under which: the tree's shape is an invariant.
    CHILD_KIND = {
        Kind.CITY: Kind.DISTRICT,
        Kind.DISTRICT: Kind.STREET,
        Kind.STREET: Kind.COMMUNITY,
        Kind.COMMUNITY: Kind.GRID,
    }

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    code = models.SlugField(_("code"), max_length=64, unique=True)
    households = models.PositiveIntegerField(
        _("households"), default=0, validators=int_validators()
    )
    # Wagtail's node ordering is by path; siblings are added in display order.
    node_order_by = ["code"]

    class Meta:
        verbose_name = _("area")
        verbose_name_plural = _("areas")

    def __str__(self) -> str:
        return self.name

    @property
    def full_name(self) -> str:
        """District, street, community… down to this area (the city is left out).

        One query for this area alone; lists call `Area.attach_full_names()` first so a
        page of N areas costs one query, not N.
        """
        cached = getattr(self, "_full_name", None)
        if cached is None:
            Area.attach_full_names([self])
            cached = self._full_name
        return cached

    @classmethod
    def attach_full_names(cls, areas) -> list[Area]:
        """Compute `full_name` for every area in one query over all their ancestors."""
        areas = list(areas)
        paths = {p for a in areas for p in a.ancestor_paths()}
        names = {
            path: (name, kind)
            for path, name, kind in cls.objects.filter(path__in=paths).values_list(
                "path", "name", "kind"
            )
        }
        for a in areas:
            a._full_name = "".join(
                names[p][0]
                for p in a.ancestor_paths()
                if p in names and names[p][1] != cls.Kind.CITY
            )
        return areas

    def contains(self, other: Area) -> bool:
        """True if `other` is this area or lies below it (a path-prefix test, no query)."""
        return other.path.startswith(self.path)

    def ancestor_paths(self) -> list[str]:
        return [self.path[: i * self.steplen] for i in range(1, self.depth + 1)]

    def ancestor_of_kind(self, kind: str) -> Area | None:
        if self.kind == kind:
            return self
        return self.get_ancestors().filter(kind=kind).first()

    @property
    def community(self) -> Area | None:
        return self.ancestor_of_kind(self.Kind.COMMUNITY)

    def subtree(self):
        return Area.get_tree(self)


class Organisation(models.Model):
    """Anyone who acts on a request or runs something: departments, committees, providers."""

    class Kind(models.TextChoices):
        DEPARTMENT = "department", _("government department")
        COMMITTEE = "committee", _("community committee")
        SOCIAL = "social", _("social organisation")
        PROVIDER = "provider", _("service provider")
        PROPERTY = "property", _("property management company")
        OWNERS = "owners", _("owners' committee")

    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    area = models.ForeignKey(
        Area, verbose_name=_("area served"), on_delete=models.PROTECT, related_name="organisations"
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("supervising organisation"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="children",
    )
    line = models.CharField(
        _("line of work"),
        max_length=40,
        blank=True,
        help_text=_(
            "For a department, what it handles, in the words of the 三事分流清单 (城管, "
            "市场监管, 住建 …): a government matter of that line goes to the department of "
            "the line serving the request's area.  Empty for a street office or a district "
            "government, which dispatch what no department takes."
        ),
    )
    served_areas = models.ManyToManyField(
        Area,
        verbose_name=_("also serves"),
        blank=True,
        related_name="+",
        help_text=_("Further areas it serves besides its own, such as a second district."),
    )
    supervises = models.BooleanField(
        _("supervises (联合督办)"),
        default=False,
        help_text=_(
            "A street office, district government or city supervision office: its staff "
            "follow and press every request in the areas it serves, and overdue requests "
            "escalate to it level by level."
        ),
    )
    phone = models.CharField(_("public phone"), max_length=30, blank=True)
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        constraints = [
            models.UniqueConstraint(
                fields=["area", "name"], name="organisation_unique_name_in_area"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def served_paths(self) -> list[str]:
        """Paths of the areas it serves: its own and `served_areas` (prefetch them for a
        list)."""
        return [self.area.path, *(a.path for a in self.served_areas.all())]

    def serves(self, area: Area) -> bool:
        """True if `area` lies in (or is) one of the areas it serves."""
        return any(area.path.startswith(p) for p in self.served_paths())

    @classmethod
    def serving(cls, area: Area):
        """Active organisations whose own area or one of whose `served_areas` contains
        `area` (one query; the area that matched is not said: see `serving_depth`)."""
        paths = area.ancestor_paths()
        return cls.objects.filter(
            Q(area__path__in=paths) | Q(served_areas__path__in=paths), is_active=True
        ).distinct()

    def serving_depth(self, area: Area) -> int:
        """Depth of the deepest area it serves that contains `area` (0 if none)."""
        return max(
            (len(p) // Area.steplen for p in self.served_paths() if area.path.startswith(p)),
            default=0,
        )


# Lines of work guessed from a department's name (migrations and demo data read it once;
# staff set `Organisation.line` in the admin from then on).
LINE_HINTS = [
    ("城市管理", "城管"),
    ("城管", "城管"),
    ("住房和城乡建设", "住建"),
    ("住建", "住建"),
    ("市场监督", "市场监管"),
    ("市场监管", "市场监管"),
    ("水务", "水务"),
    ("人力资源和社会保障", "人社"),
    ("人社", "人社"),
    ("教育", "教育"),
    ("医疗保障", "医保"),
    ("卫生健康", "卫健"),
    ("民政", "民政"),
    ("生态环境", "生态环境"),
    ("交警", "交警"),
    ("公安", "公安"),
    ("交通运输", "交通"),
    ("自然资源", "自然资源"),
    ("农业农村", "农业农村"),
]


# A government or a street office dispatches and supervises: no line (人民政府 holds 民政).
NO_LINE = ("人民政府", "办事处")


def guess_line(name: str) -> str:
    if any(word in name for word in NO_LINE):
        return ""
    return next((line for hint, line in LINE_HINTS if hint in name), "")


class Role(models.TextChoices):
    RESIDENT = "resident", _("resident")
    VOLUNTEER = "volunteer", _("volunteer")
    GRID_WORKER = "grid_worker", _("grid worker")
    COMMITTEE = "committee", _("committee member")
    DEPARTMENT = "department", _("department staff")
    SITE_ADMIN = "site_admin", _("site administrator")


class MembershipQuerySet(models.QuerySet):
    def active(self):
        return self.filter(status=Membership.Status.ACTIVE)

    def covering(self, area: Area):
        """Memberships whose area is `area` or one of its ancestors."""
        return self.filter(area__path__in=area.ancestor_paths())


class Membership(models.Model):
    """A role a user holds over an area's subtree, optionally for an organisation.

    A resident's membership is their declared home grid: it starts `pending` and a
    committee member of that community confirms it.  Staff roles are granted active.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("awaiting confirmation")
        ACTIVE = "active", _("active")
        REJECTED = "rejected", _("rejected")
        ENDED = "ended", _("ended")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    area = models.ForeignKey(
        Area, verbose_name=_("area"), on_delete=models.PROTECT, related_name="memberships"
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="memberships",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",  # no reverse accessor: nobody asks "what did I decide" from the user
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            # One live residency per user: a resident lives in one grid at a time.
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(role="resident", status__in=["pending", "active"]),
                name="membership_one_live_residency",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "area", "organisation"],
                condition=Q(status="active"),
                name="membership_unique_active_role",
            ),
        ]
        indexes = [models.Index(fields=["user", "status"])]

    def __str__(self) -> str:
        return f"{self.user.get_full_name()} · {self.get_role_display()} · {self.area}"

    @property
    def member_name(self) -> str:
        """The member as staff screens name them: never a phone-number username."""
        return self.user.get_full_name()

    member_name.fget.short_description = _("person")

    @property
    def decided_by_name(self) -> str:
        return self.decided_by.get_full_name() if self.decided_by_id else ""

    decided_by_name.fget.short_description = _("decided by")


class Notification(models.Model):
    """An in-app notice.  Email copies are sent by portal.notifications.notify()."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    category = models.CharField(_("category"), max_length=50)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("message"), blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    # Makes notify() idempotent: the same event never notifies the same user twice.
    event_key = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed = models.BooleanField(default=False)  # the email copy was sent (portal.tasks)
    texted = models.BooleanField(default=False)  # the text-message copy was sent (ditto)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "event_key"], name="notification_once_per_event"
            )
        ]
        indexes = [models.Index(fields=["user", "read_at"])]

    def __str__(self) -> str:
        return self.title


class NotificationOptIn(models.Model):
    """A category a user asked to receive on a channel that is off unless asked for:
    text messages (they cost money and reach a phone), and only to a verified number."""

    class Channel(models.TextChoices):
        SMS = "sms", _("by text message")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_opt_ins"
    )
    category = models.CharField(max_length=50)
    channel = models.CharField(max_length=10, choices=Channel.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "category", "channel"], name="notification_opt_in_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.category} · {self.channel}"


class NotificationOptOut(models.Model):
    """A category (and channel) a user has switched off.  Absent row = switched on."""

    class Channel(models.TextChoices):
        EMAIL = "email", _("email")
        IN_APP = "in_app", _("on the site")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_opt_outs"
    )
    category = models.CharField(max_length=50)
    channel = models.CharField(max_length=10, choices=Channel.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "category", "channel"], name="notification_opt_out_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.category} · {self.channel}"
