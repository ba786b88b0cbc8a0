"""民事民议民决: topics raised by residents, discussed at sessions, decided and followed up.

The lifecycle of a topic is proposed → under discussion (enough support: it sits in the
committee's agenda queue) → on agenda (a session will discuss it) → decided (an outcome is
published) → done (every follow-up action is done); a committee may decline it instead,
with a reason.  Every state change goes through the deliberation.services package.
"""

from __future__ import annotations

import datetime
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Count, Prefetch, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import pgettext_lazy
from taggit.managers import TaggableManager
from wagtail.admin.forms import WagtailAdminPageForm
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page
from wagtail.search import index
from wagtail.search.queryset import SearchableQuerySetMixin

from cms.models import CJK_SEARCH_FIELDS, CJKSearchMixin
from cms.review import ReviewedPageMixin
from portal.inputs import int_validators, validate_date_range

# A new-code alphabet without look-alikes (0/O, 1/I/L), so codes can be typed from a slip.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def new_checkin_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))


class Format(models.Model):
    """A way of deliberating (有话大声说, 圆桌话题 …).  Data, so a community can add its own."""

    code = models.SlugField(pgettext_lazy("deliberation", "code"), max_length=40)
    name = models.CharField(pgettext_lazy("deliberation", "name"), max_length=60)
    description = models.TextField(pgettext_lazy("deliberation", "description"), blank=True)
    # None: offered to every community; otherwise a community's own format.
    community = models.ForeignKey(
        "portal.Area",
        verbose_name=pgettext_lazy("deliberation", "community"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",  # areas never list their formats
        limit_choices_to={"kind": "community"},
    )
    support_threshold = models.PositiveIntegerField(
        pgettext_lazy("deliberation", "support needed for the agenda queue"),
        default=10,
        validators=int_validators(),
    )
    order = models.PositiveIntegerField(
        pgettext_lazy("deliberation", "order"), default=0, validators=int_validators()
    )

    class Meta:
        verbose_name = pgettext_lazy("deliberation", "format")
        verbose_name_plural = pgettext_lazy("deliberation", "formats")
        ordering = ["order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["code"],
                condition=Q(community__isnull=True),
                name="format_unique_global_code",
            ),
            models.UniqueConstraint(
                fields=["community", "code"], name="format_unique_code_in_community"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class TopicQuerySet(SearchableQuerySetMixin, models.QuerySet):
    def open(self):
        return self.exclude(status__in=Topic.CLOSED)


class Topic(CJKSearchMixin, index.Indexed, models.Model):
    class Status(models.TextChoices):
        PROPOSED = "proposed", pgettext_lazy("deliberation", "proposed")
        UNDER_DISCUSSION = "discussion", pgettext_lazy("deliberation", "under discussion")
        ON_AGENDA = "agenda", pgettext_lazy("deliberation", "on the agenda")
        DECIDED = "decided", pgettext_lazy("deliberation", "decided")
        DONE = "done", pgettext_lazy("deliberation", "done")
        DECLINED = "declined", pgettext_lazy("deliberation", "declined")

    CLOSED = (Status.DECIDED, Status.DONE, Status.DECLINED)

    community = models.ForeignKey(
        "portal.Area",
        verbose_name=pgettext_lazy("deliberation", "community"),
        on_delete=models.PROTECT,
        related_name="topics",
        limit_choices_to={"kind": "community"},
    )
    format = models.ForeignKey(
        Format,
        verbose_name=pgettext_lazy("deliberation", "format"),
        on_delete=models.PROTECT,
        related_name="topics",
    )
    title = models.CharField(pgettext_lazy("deliberation", "title"), max_length=120)
    body = models.TextField(pgettext_lazy("deliberation", "description"))
    tags = TaggableManager(pgettext_lazy("deliberation", "tags"), blank=True)
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=pgettext_lazy("deliberation", "raised by"),
        on_delete=models.PROTECT,
        related_name="topics_raised",
    )
    source_label = models.CharField(
        pgettext_lazy("deliberation", "source"), max_length=120, blank=True
    )
    status = models.CharField(
        pgettext_lazy("deliberation", "status"),
        max_length=12,
        choices=Status.choices,
        default=Status.PROPOSED,
    )
    decline_reason = models.TextField(
        pgettext_lazy("deliberation", "reason for declining"), blank=True
    )
    # Denormalised so list pages need no COUNT per row; kept exact by services (F updates).
    support_count = models.PositiveIntegerField(
        pgettext_lazy("deliberation", "supporters"), default=0
    )
    contribution_count = models.PositiveIntegerField(
        pgettext_lazy("deliberation", "contributions"), default=0
    )
    queued_at = models.DateTimeField(
        pgettext_lazy("deliberation", "entered the agenda queue"), null=True, blank=True
    )
    created_at = models.DateTimeField(
        pgettext_lazy("deliberation", "raised at"), default=timezone.now
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = TopicQuerySet.as_manager()

    search_fields = [
        index.SearchField("title"),
        index.SearchField("body"),
        index.FilterField("community"),
        index.FilterField("status"),
        index.FilterField("format"),
        *CJK_SEARCH_FIELDS,
    ]

    class Meta:
        verbose_name = pgettext_lazy("deliberation", "topic")
        verbose_name_plural = pgettext_lazy("deliberation", "topics")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["community", "status", "-created_at"]),
            # The newest topics of the whole city (deliberation index): read from the index
            # top down instead of sorting every topic.
            models.Index(fields=["-created_at", "-id"], name="delib_topic_newest"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("deliberation:topic", args=[self.pk])

    def search_text(self) -> str:
        return f"{self.title} {self.body}"

    @property
    def is_closed(self) -> bool:
        return self.status in self.CLOSED


class Support(models.Model):
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="supports")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = pgettext_lazy("deliberation", "support")
        constraints = [
            models.UniqueConstraint(fields=["topic", "user"], name="support_once_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.topic_id}"


class Follow(models.Model):
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="follows")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = pgettext_lazy("deliberation", "follow")
        constraints = [
            models.UniqueConstraint(fields=["topic", "user"], name="follow_once_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.topic_id}"


class Contribution(models.Model):
    class Stance(models.TextChoices):
        SUPPORT = "support", pgettext_lazy("deliberation", "support")
        OPPOSE = "oppose", pgettext_lazy("deliberation", "oppose")
        SUGGESTION = "suggestion", pgettext_lazy("deliberation", "suggestion")

    class Status(models.TextChoices):
        VISIBLE = "visible", pgettext_lazy("deliberation", "visible")
        HIDDEN = "hidden", pgettext_lazy("deliberation", "hidden pending moderation")
        REMOVED = "removed", pgettext_lazy("deliberation", "removed by a moderator")

    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="contributions")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies"
    )
    # The top-level contribution of the thread: a page of threads loads its replies by
    # `root_id IN (...)` in one query, however deep or long the threads are.
    root = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    stance = models.CharField(
        pgettext_lazy("deliberation", "stance"), max_length=12, choices=Stance.choices, blank=True
    )
    text = models.TextField(pgettext_lazy("deliberation", "text"))
    status = models.CharField(
        pgettext_lazy("deliberation", "status"),
        max_length=10,
        choices=Status.choices,
        default=Status.VISIBLE,
    )
    report_count = models.PositiveIntegerField(default=0)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    moderation_reason = models.TextField(
        pgettext_lazy("deliberation", "moderation reason"), blank=True
    )
    moderated_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = pgettext_lazy("deliberation", "contribution")
        verbose_name_plural = pgettext_lazy("deliberation", "contributions")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["topic", "parent", "status", "created_at"])]

    def __str__(self) -> str:
        return self.text[:40]


class ContributionRevision(models.Model):
    """The text a contribution had before an edit: the edit history."""

    contribution = models.ForeignKey(
        Contribution, on_delete=models.CASCADE, related_name="revisions"
    )
    text = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.text[:40]


class ContributionReport(models.Model):
    contribution = models.ForeignKey(Contribution, on_delete=models.CASCADE, related_name="reports")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(pgettext_lazy("deliberation", "reason"), max_length=200, blank=True)
    # Reports a moderator has dealt with (restore) no longer count towards hiding.
    resolved = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["contribution", "user"], name="report_once_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.contribution_id}: {self.reason}"


# Check-in happens at the door: from a few hours before the start to a few hours after the end.
CHECKIN_MARGIN = datetime.timedelta(hours=4)


class Session(models.Model):
    """A meeting (有话大声说 evening, 吐槽大会, 院议说 in a courtyard) residents register for."""

    community = models.ForeignKey(
        "portal.Area",
        verbose_name=pgettext_lazy("deliberation", "community"),
        on_delete=models.PROTECT,
        related_name="deliberation_sessions",
    )
    format = models.ForeignKey(
        Format,
        verbose_name=pgettext_lazy("deliberation", "format"),
        on_delete=models.PROTECT,
        related_name="sessions",
    )
    title = models.CharField(pgettext_lazy("deliberation", "title"), max_length=120)
    description = models.TextField(pgettext_lazy("deliberation", "description"), blank=True)
    topics = models.ManyToManyField(
        Topic,
        verbose_name=pgettext_lazy("deliberation", "topics"),
        blank=True,
        related_name="sessions",
    )
    starts_at = models.DateTimeField(
        pgettext_lazy("deliberation", "starts at"), validators=[validate_date_range]
    )
    ends_at = models.DateTimeField(
        pgettext_lazy("deliberation", "ends at"), validators=[validate_date_range]
    )
    place = models.CharField(pgettext_lazy("deliberation", "place"), max_length=200, blank=True)
    online_url = models.URLField(pgettext_lazy("deliberation", "online link"), blank=True)
    capacity = models.PositiveIntegerField(
        pgettext_lazy("deliberation", "capacity"),
        default=30,
        validators=int_validators(min_value=1),
    )
    registration_opens = models.DateTimeField(
        pgettext_lazy("deliberation", "registration opens"),
        null=True,
        blank=True,
        validators=[validate_date_range],
    )
    registration_closes = models.DateTimeField(
        pgettext_lazy("deliberation", "registration closes"),
        null=True,
        blank=True,
        validators=[validate_date_range],
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    reminder_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = pgettext_lazy("deliberation", "session")
        verbose_name_plural = pgettext_lazy("deliberation", "sessions")
        ordering = ["starts_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="session_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("deliberation:session", args=[self.pk])

    def registration_open(self, now=None) -> bool:
        now = now or timezone.now()
        opens = self.registration_opens or self.created_at or now
        closes = self.registration_closes or self.starts_at
        return opens <= now < closes

    def checkin_open(self, now=None) -> bool:
        """Is the door open for check-in (`CHECKIN_MARGIN` around the session)?"""
        now = now or timezone.now()
        return self.starts_at - CHECKIN_MARGIN <= now <= self.ends_at + CHECKIN_MARGIN


class Registration(models.Model):
    class Status(models.TextChoices):
        REGISTERED = "registered", pgettext_lazy("deliberation", "registered")
        WAITING = "waiting", pgettext_lazy("deliberation", "on the waiting list")
        CANCELLED = "cancelled", pgettext_lazy("deliberation", "cancelled")

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="registrations")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="deliberation_registrations",
    )
    status = models.CharField(
        pgettext_lazy("deliberation", "status"), max_length=12, choices=Status.choices
    )
    code = models.CharField(
        pgettext_lazy("deliberation", "check-in code"),
        max_length=12,
        unique=True,
        default=new_checkin_code,
    )
    # Waiting-list order: the time the person (re)joined.
    queued_at = models.DateTimeField(default=timezone.now)
    checked_in_at = models.DateTimeField(
        pgettext_lazy("deliberation", "checked in at"), null=True, blank=True
    )
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = pgettext_lazy("deliberation", "registration")
        verbose_name_plural = pgettext_lazy("deliberation", "registrations")
        ordering = ["queued_at", "pk"]
        constraints = [
            # One row per person and session: registering again after cancelling reuses it.
            models.UniqueConstraint(
                fields=["session", "user"], name="registration_once_per_session"
            )
        ]
        indexes = [models.Index(fields=["session", "status", "queued_at"])]

    def __str__(self) -> str:
        return f"{self.session_id} · {self.user_id} · {self.status}"


class Poll(models.Model):
    """A vote (民决) among a community's confirmed residents."""

    class Kind(models.TextChoices):
        SINGLE = "single", pgettext_lazy("deliberation", "single choice")
        MULTIPLE = "multiple", pgettext_lazy("deliberation", "multiple choice")

    community = models.ForeignKey(
        "portal.Area",
        verbose_name=pgettext_lazy("deliberation", "community"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    topic = models.ForeignKey(
        Topic, null=True, blank=True, on_delete=models.SET_NULL, related_name="polls"
    )
    question = models.CharField(pgettext_lazy("deliberation", "question"), max_length=200)
    kind = models.CharField(
        pgettext_lazy("deliberation", "kind"),
        max_length=10,
        choices=Kind.choices,
        default=Kind.SINGLE,
    )
    opens_at = models.DateTimeField(
        pgettext_lazy("deliberation", "opens at"), validators=[validate_date_range]
    )
    closes_at = models.DateTimeField(
        pgettext_lazy("deliberation", "closes at"), validators=[validate_date_range]
    )
    hide_results_until_close = models.BooleanField(
        pgettext_lazy("deliberation", "hide results until the poll closes"), default=False
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = pgettext_lazy("deliberation", "poll")
        ordering = ["-opens_at", "-pk"]

    def __str__(self) -> str:
        return self.question

    def get_absolute_url(self) -> str:
        return reverse("deliberation:poll", args=[self.pk])

    def is_open(self, now=None) -> bool:
        now = now or timezone.now()
        return self.opens_at <= now < self.closes_at

    def results_visible(self, now=None) -> bool:
        return not self.hide_results_until_close or (now or timezone.now()) >= self.closes_at

    def tally(self) -> list[PollOption]:
        """The options in order, each with its number of votes as `count` (one query)."""
        return list(
            PollOption.objects.filter(poll=self)
            .annotate(count=Count("votes"))
            .order_by("order", "pk")
        )


class PollOption(models.Model):
    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="options")
    label = models.CharField(pgettext_lazy("deliberation", "option"), max_length=120)
    order = models.PositiveIntegerField(default=0, validators=int_validators())

    class Meta:
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return self.label


class Ballot(models.Model):
    """One per resident and poll: the unique constraint is what makes "one vote each" exact."""

    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="ballots")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["poll", "user"], name="ballot_once_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.poll_id} · {self.user_id}"


class Vote(models.Model):
    ballot = models.ForeignKey(Ballot, on_delete=models.CASCADE, related_name="votes")
    option = models.ForeignKey(PollOption, on_delete=models.CASCADE, related_name="votes")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["ballot", "option"], name="vote_once_per_option")
        ]

    def __str__(self) -> str:
        return f"{self.ballot_id} → {self.option_id}"


class Outcome(models.Model):
    """The decision on a topic, published after its session."""

    topic = models.OneToOneField(Topic, on_delete=models.CASCADE, related_name="outcome")
    decision = models.TextField(pgettext_lazy("deliberation", "decision"))
    poll = models.ForeignKey(
        Poll, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The held session the decision was taken at; a typed tally is its show of hands.
    session = models.ForeignKey(
        Session,
        verbose_name=pgettext_lazy("deliberation", "session"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="outcomes",
    )
    votes_for = models.PositiveIntegerField(
        pgettext_lazy("deliberation", "votes for"),
        null=True,
        blank=True,
        validators=int_validators(),
    )
    votes_against = models.PositiveIntegerField(
        pgettext_lazy("deliberation", "votes against"),
        null=True,
        blank=True,
        validators=int_validators(),
    )
    votes_abstain = models.PositiveIntegerField(
        pgettext_lazy("deliberation", "abstentions"),
        null=True,
        blank=True,
        validators=int_validators(),
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = pgettext_lazy("deliberation", "outcome")

    def __str__(self) -> str:
        return self.decision[:40]

    @property
    def has_tally(self) -> bool:
        return self.votes_for is not None


class FollowUp(models.Model):
    class Status(models.TextChoices):
        PLANNED = "planned", pgettext_lazy("deliberation", "planned")
        IN_PROGRESS = "in_progress", pgettext_lazy("deliberation", "in progress")
        DONE = "done", pgettext_lazy("deliberation", "done")

    outcome = models.ForeignKey(Outcome, on_delete=models.CASCADE, related_name="followups")
    action = models.CharField(pgettext_lazy("deliberation", "action"), max_length=200)
    responsible = models.CharField(pgettext_lazy("deliberation", "responsible"), max_length=120)
    due_date = models.DateField(
        pgettext_lazy("deliberation", "due date"), validators=[validate_date_range]
    )
    status = models.CharField(
        pgettext_lazy("deliberation", "status"),
        max_length=12,
        choices=Status.choices,
        default=Status.PLANNED,
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = pgettext_lazy("deliberation", "follow-up action")
        ordering = ["due_date", "pk"]

    def __str__(self) -> str:
        return self.action

    @property
    def overdue(self) -> bool:
        return self.status != self.Status.DONE and self.due_date < timezone.localdate()


class AgendaPageForm(WagtailAdminPageForm):
    """Offer only the sessions of the community whose page the agenda sits under."""

    def __init__(self, *args, parent_page=None, **kwargs):
        super().__init__(*args, parent_page=parent_page, **kwargs)
        page = parent_page or (self.instance.get_parent() if self.instance.pk else None)
        area_id = getattr(page.specific, "area_id", None) if page is not None else None
        if area_id and "session" in self.fields:
            self.fields["session"].queryset = Session.objects.filter(community_id=area_id).order_by(
                "-starts_at"
            )


class AgendaPage(ReviewedPageMixin, Page):
    """A committee's published agenda for one session, and afterwards its outcomes.

    Lives under the community's CommunityPage, so the committee's page permissions and the
    community's moderation workflow decide who may edit and publish it.
    """

    session = models.ForeignKey(
        Session,
        verbose_name=pgettext_lazy("deliberation", "session"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",  # a session does not need to list the pages that show it
    )
    intro = RichTextField(
        pgettext_lazy("deliberation", "introduction"),
        blank=True,
        features=["bold", "italic", "link", "ul", "ol"],
    )
    outcome_summary = RichTextField(
        pgettext_lazy("deliberation", "outcome summary"),
        blank=True,
        help_text=pgettext_lazy(
            "deliberation",
            "Written after the session; the decision on each topic is shown below it.",
        ),
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("session"),
        FieldPanel("intro"),
        FieldPanel("outcome_summary"),
    ]
    parent_page_types = ["cms.CommunityPage"]
    subpage_types: list[str] = []
    base_form_class = AgendaPageForm

    class Meta:
        verbose_name = pgettext_lazy("deliberation", "agenda page")

    def agenda_items(self) -> list[Topic]:
        """The session's topics; a decision by poll carries the poll's counts as `tally`."""
        if not self.session_id:
            return []
        topics = list(
            self.session.topics.select_related("format", "outcome", "outcome__poll")
            .prefetch_related(
                Prefetch("outcome__followups", queryset=FollowUp.objects.order_by("due_date", "pk"))
            )
            .order_by("pk")
        )
        for t in topics:
            outcome = getattr(t, "outcome", None)
            if outcome is not None:
                outcome.tally = outcome.poll.tally() if outcome.poll else None
        return topics

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["items"] = self.agenda_items()
        context["session_over"] = bool(self.session_id and self.session.ends_at <= timezone.now())
        return context
