"""Deliberation in the Wagtail admin.

Sessions, polls and formats are lists and forms: Wagtail viewsets on the one scoped base
(`portal.wagtail_scoping.AreaScopedViewSet`), so a committee sees, exports and opens only
its own communities' rows.  A new session, poll or format is made by the service
(`session_create`, `poll_create`, `format_create`): the same checks, and the followers of
a topic put on a session's agenda are told.  The workflows stay custom views
(admin_views.py): the agenda and moderation queues, check-in at the door, poll results,
the attendance and results workbooks.
"""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q
from django.urls import path, reverse
from django.utils.translation import pgettext, pgettext_lazy
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.menus import MenuItem as ListMenuItem
from wagtail.admin.viewsets.base import ViewSet, ViewSetGroup
from wagtail.snippets.models import register_snippet

from portal import text
from portal.models import Area
from portal.permissions import areas_for, is_site_admin
from portal.scoping import area_q
from portal.wagtail_scoping import AreaScopedForm, AreaScopedViewSet, ScopedIndexView

from . import admin_views, selectors, services
from .models import Format, Poll, Session, Topic

MANAGE = "deliberation.manage"


def _p(message):
    return pgettext_lazy("deliberation", message)


# --- what a committee may pick ---------------------------------------------------------


def managed_communities(user):
    qs = Area.objects.filter(kind=Area.Kind.COMMUNITY)
    if is_site_admin(user):
        return qs.order_by("path")
    return qs.filter(area_q(areas_for(user, MANAGE))).order_by("path")


def offered_formats(user):
    """Formats offered everywhere, and the own formats of the user's communities."""
    if is_site_admin(user):
        return Format.objects.all()
    return Format.objects.filter(
        Q(community__isnull=True) | area_q(areas_for(user, MANAGE), "community__path")
    )


def open_topics(user):
    return (
        Topic.objects.filter(community__in=managed_communities(user))
        .exclude(status__in=Topic.CLOSED)
        .select_related("community")
        .order_by("-support_count", "pk")
    )


def _community_filter(request):
    return managed_communities(request.user) if request else Area.objects.none()


def _format_filter(request):
    return offered_formats(request.user) if request else Format.objects.none()


# --- sessions --------------------------------------------------------------------------


class SessionRules:
    """The rules `services.session_create` enforces, checked on the form too: an edit has
    no service to ask, and the database's own check would otherwise answer first."""

    def clean(self):
        data = super().clean()
        starts, ends = data.get("starts_at"), data.get("ends_at")
        if starts and ends and ends <= starts:
            self.add_error(
                "ends_at", pgettext("deliberation", "A session must end after it starts.")
            )
        if "place" in data and not data.get("place") and not data.get("online_url"):
            self.add_error("place", pgettext("deliberation", "Give a place or an online link."))
        opens, closes = data.get("registration_opens"), data.get("registration_closes")
        if opens and closes and closes <= opens:
            self.add_error(
                "registration_closes",
                pgettext("deliberation", "Registration must close after it opens."),
            )
        for name, limit in (("title", 120), ("place", 200), ("description", None)):
            if name in data:
                try:
                    data[name] = text.clean_text(
                        data[name], field=name, limit=limit, required=name == "title"
                    )
                except forms.ValidationError as exc:
                    self.add_error(None, exc)
        return data


class SessionCreateForm(SessionRules, AreaScopedForm):
    scope_action = MANAGE

    def __init__(self, *args, for_user=None, **kwargs):
        super().__init__(*args, for_user=for_user, **kwargs)
        if for_user is not None:
            self.fields["format"].queryset = offered_formats(for_user)
            self.fields["topics"].queryset = open_topics(for_user)
        self.fields["topics"].label_from_instance = lambda t: f"{t.title} · {t.community.name}"

    def clean(self):
        data = super().clean()
        fmt, community = data.get("format"), data.get("community")
        if fmt and community and fmt.community_id not in (None, community.pk):
            self.add_error("format", pgettext("deliberation", "Unknown format."))
        for topic in data.get("topics") or ():
            if community and topic.community_id != community.pk:
                self.add_error(
                    "topics", pgettext("deliberation", "The topic belongs to another community.")
                )
                break
        return data

    def create(self, user):
        d = self.cleaned_data
        return services.session_create(
            user=user,
            community=d["community"],
            format_code=d["format"].code,
            title=d["title"],
            description=d.get("description", ""),
            starts_at=d["starts_at"],
            ends_at=d["ends_at"],
            place=d.get("place", ""),
            online_url=d.get("online_url", ""),
            capacity=d["capacity"],
            registration_opens=d.get("registration_opens"),
            registration_closes=d.get("registration_closes"),
            topics=list(d.get("topics") or ()),
        )


class SessionEditForm(SessionRules, AreaScopedForm):
    scope_action = MANAGE


class SessionFilterSet(WagtailFilterSet):
    community = django_filters.ModelChoiceFilter(queryset=_community_filter, label=_p("Community"))
    format = django_filters.ModelChoiceFilter(queryset=_format_filter, label=_p("Format"))
    starts_at = django_filters.DateFromToRangeFilter(
        label=_p("Starts at"), widget=DateRangePickerWidget
    )

    class Meta:
        model = Session
        fields = ["community", "format", "starts_at"]


class RowLinksIndexView(ScopedIndexView):
    """A list whose rows link to the workflows of that row: `row_links` holds
    (label, URL name taking the row's pk, icon) in the order they are shown."""

    row_links: tuple = ()

    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        for n, (label, url_name, icon) in enumerate(self.row_links):
            url = reverse(url_name, args=[instance.pk])
            buttons.append(ListMenuItem(label, url=url, icon_name=icon, priority=40 + 10 * n))
        return buttons


class SessionIndexView(RowLinksIndexView):
    row_links = (
        (_p("Registrations and check-in"), "deliberation_admin:checkin", "tick"),
        (_p("Export attendance (XLSX)"), "deliberation_admin:attendance_xlsx", "download"),
    )


class SessionViewSet(AreaScopedViewSet):
    """Committees add and edit their sessions, and reach check-in and attendance from the
    list.  (Grid workers check residents in on the phone desk, outside the admin.)"""

    model = Session
    icon = "date"
    menu_label = _p("Sessions")
    scope_action = MANAGE
    scope_writes = frozenset({"add", "change"})  # registrations and attendance stay
    select_related = ("community", "format")
    index_view_class = SessionIndexView
    list_display = ["title", "community", "format", "starts_at", "ends_at", "place", "capacity"]
    filterset_class = SessionFilterSet
    search_fields = ["title", "place", "description"]
    ordering = ["-starts_at"]
    list_export = [
        "title",
        "community",
        "format",
        "starts_at",
        "ends_at",
        "place",
        "online_url",
        "capacity",
        "registration_opens",
        "registration_closes",
        "description",
    ]
    export_filename = "sessions"
    inspect_view_fields = [*list_export, "topics"]
    add_form_class = SessionCreateForm
    add_panels = [
        "community",
        "format",
        "title",
        "description",
        "starts_at",
        "ends_at",
        "place",
        "online_url",
        "capacity",
        "registration_opens",
        "registration_closes",
        ("topics", {"widget": forms.CheckboxSelectMultiple}),
    ]
    edit_form_class = SessionEditForm
    # The community, format and capacity stay as created: registrations depend on them.
    edit_panels = [
        "title",
        "description",
        "starts_at",
        "ends_at",
        "place",
        "online_url",
        "registration_opens",
        "registration_closes",
    ]


# --- polls -----------------------------------------------------------------------------


class PollRules:
    def clean(self):
        data = super().clean()
        opens, closes = data.get("opens_at"), data.get("closes_at")
        if opens and closes and closes <= opens:
            self.add_error(
                "closes_at", pgettext("deliberation", "A poll must close after it opens.")
            )
        if "question" in data:
            try:
                data["question"] = text.clean_text(
                    data["question"], field="question", limit=200, required=True
                )
            except forms.ValidationError as exc:
                self.add_error(None, exc)
        return data


class PollCreateForm(PollRules, AreaScopedForm):
    scope_action = MANAGE

    options = forms.CharField(
        label=_p("Options"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_p("One option per line."),
    )

    def __init__(self, *args, for_user=None, **kwargs):
        super().__init__(*args, for_user=for_user, **kwargs)
        self.fields["topic"].label = pgettext_lazy("deliberation", "Topic")
        if for_user is not None:
            self.fields["topic"].queryset = open_topics(for_user)

    def clean(self):
        data = super().clean()
        topic, community = data.get("topic"), data.get("community")
        if topic and community and topic.community_id != community.pk:
            self.add_error(
                "topic", pgettext("deliberation", "The topic belongs to another community.")
            )
        return data

    def create(self, user):
        d = self.cleaned_data
        return services.poll_create(
            user=user,
            community=d["community"],
            question=d["question"],
            options=d["options"].splitlines(),
            kind=d["kind"],
            opens_at=d["opens_at"],
            closes_at=d["closes_at"],
            hide_results_until_close=d.get("hide_results_until_close", False),
            topic=d.get("topic"),
        )


class PollEditForm(PollRules, AreaScopedForm):
    scope_action = MANAGE


class PollFilterSet(WagtailFilterSet):
    community = django_filters.ModelChoiceFilter(queryset=_community_filter, label=_p("Community"))
    kind = django_filters.ChoiceFilter(choices=Poll.Kind.choices, label=_p("Kind"))
    closes_at = django_filters.DateFromToRangeFilter(
        label=_p("Closes at"), widget=DateRangePickerWidget
    )

    class Meta:
        model = Poll
        fields = ["community", "kind", "closes_at"]


class PollIndexView(RowLinksIndexView):
    row_links = (
        (_p("Results"), "deliberation_admin:poll", "list-ul"),
        (_p("Export results (XLSX)"), "deliberation_admin:poll_xlsx", "download"),
    )


class PollViewSet(AreaScopedViewSet):
    model = Poll
    icon = "tasks"
    menu_label = _p("Polls")
    plural_label = _p("Polls")  # Poll's Meta has no verbose_name_plural
    scope_action = MANAGE
    scope_writes = frozenset({"add", "change"})  # ballots stay
    select_related = ("community", "topic")
    index_view_class = PollIndexView
    list_display = ["question", "community", "kind", "opens_at", "closes_at"]
    filterset_class = PollFilterSet
    search_fields = ["question"]
    ordering = ["-opens_at"]
    list_export = [
        "question",
        "community",
        "kind",
        "opens_at",
        "closes_at",
        "hide_results_until_close",
    ]
    export_filename = "polls"
    inspect_view_fields = list_export
    add_form_class = PollCreateForm
    add_panels = [
        "community",
        "question",
        "options",
        "kind",
        "opens_at",
        "closes_at",
        "hide_results_until_close",
        "topic",
    ]
    edit_form_class = PollEditForm
    # Options and kind stay as created: ballots refer to them.
    edit_panels = [
        "question",
        "opens_at",
        "closes_at",
        "hide_results_until_close",
    ]


# --- formats ---------------------------------------------------------------------------


class FormatCreateForm(AreaScopedForm):
    scope_action = MANAGE

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].required = True

    def create(self, user):
        d = self.cleaned_data
        return services.format_create(
            user=user,
            community=d["community"],
            code=d["code"],
            name=d["name"],
            description=d.get("description", ""),
        )


class FormatEditForm(AreaScopedForm):
    scope_action = MANAGE

    def clean(self):
        data = super().clean()
        for name, limit in (("name", 60), ("description", None)):
            if name in data:
                try:
                    data[name] = text.clean_text(
                        data[name], field=name, limit=limit, required=name == "name"
                    )
                except forms.ValidationError as exc:
                    self.add_error(None, exc)
        return data


class FormatViewSet(AreaScopedViewSet):
    """A community's own formats; those offered everywhere are for site administrators."""

    model = Format
    icon = "list-ul"
    menu_label = _p("Formats")
    scope_action = MANAGE
    scope_writes = frozenset({"add", "change"})  # topics and sessions keep their format
    list_display = ["name", "code", "community", "support_threshold", "order"]
    search_fields = ["name", "code"]
    ordering = ["order", "pk"]
    list_export = ["name", "code", "community", "description", "support_threshold", "order"]
    export_filename = "formats"
    inspect_view_fields = list_export
    add_form_class = FormatCreateForm
    add_panels = ["community", "code", "name", "description"]
    edit_form_class = FormatEditForm
    # The code stays: topics are raised with it and format_for() finds the row by it.
    edit_panels = ["name", "description", "support_threshold", "order"]


# --- the workflows (custom views) ------------------------------------------------------


class QueueMenuItem(MenuItem):
    def is_shown(self, request):
        return bool(selectors.managed_communities(request.user))


class CommitteeQueuesViewSet(ViewSet):
    """The agenda and moderation queues, check-in, poll results and the workbooks.  The
    URL names stay `deliberation_admin:…` under /admin/deliberation/."""

    name = "deliberation_admin"
    url_prefix = "deliberation"
    icon = "group"
    menu_label = _p("Agenda and moderation")
    menu_item_class = QueueMenuItem

    def get_urlpatterns(self):
        return [
            path("", admin_views.home, name="home"),
            path("moderation/", admin_views.moderation, name="moderation"),
            path("sessions/<id:pk>/checkin/", admin_views.checkin, name="checkin"),
            path(
                "sessions/<id:pk>/attendance.xlsx",
                admin_views.attendance_xlsx,
                name="attendance_xlsx",
            ),
            path(
                "topics/<id:pk>/add-to-session/",
                admin_views.add_to_session,
                name="add_to_session",
            ),
            path("polls/<id:pk>/", admin_views.poll_results, name="poll"),
            path("polls/<id:pk>/results.xlsx", admin_views.poll_xlsx, name="poll_xlsx"),
        ]


class DeliberationGroup(ViewSetGroup):
    items = (CommitteeQueuesViewSet, SessionViewSet, PollViewSet, FormatViewSet)
    menu_icon = "group"
    menu_label = _p("Deliberation")
    menu_name = "deliberation"
    menu_order = 250


register_snippet(DeliberationGroup)
