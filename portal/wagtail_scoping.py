"""Scoped Wagtail viewsets: a row outside the user's areas is not found on ANY view.

A Wagtail viewset has many views of one object besides edit and delete (history, usage,
inspect, revisions, compare, lock, unpublish, workflow history, ...) and each finds its
object through `get_base_object_queryset()`, by default every row of the model.  A viewset
with this mixin gives every one of them the viewset's scoped queryset instead, so the
class of bug "this view forgot the scope" is closed for views Wagtail adds later too.
"""

from __future__ import annotations

from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.utils.text import capfirst
from django.views.generic.detail import SingleObjectMixin
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.ui.tables import BooleanColumn, Column
from wagtail.admin.views.generic.models import InspectView
from wagtail.log_actions import log
from wagtail.permission_policies.base import BasePermissionPolicy
from wagtail.snippets.views import snippets as snippet_views
from wagtail.snippets.views.snippets import SnippetViewSet

from .refusals import REFUSALS, show_on_form


class ScopedObjectViewsMixin:
    """Mix into a ModelViewSet/SnippetViewSet that defines `scoped_queryset(request)`."""

    # The list and the create form have no object; they scope themselves.
    UNSCOPED_VIEWS = frozenset({"index_view_class", "add_view_class"})

    def scoped_queryset(self, request):  # pragma: no cover - abstract
        raise NotImplementedError

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        viewset = self

        def get_base_object_queryset(view):
            return viewset.scoped_queryset(view.request)

        def get_inspected_object(view, queryset=None):
            # Wagtail's InspectView looks its row up in the whole table, not through
            # get_base_object_queryset(): give it the scoped queryset too.
            return get_object_or_404(
                viewset.scoped_queryset(view.request), pk=unquote(str(view.pk))
            )

        for name in dir(type(self)):
            if not name.endswith("_view_class") or name in self.UNSCOPED_VIEWS:
                continue
            if isinstance(getattr(type(self), name, None), property):
                continue  # derived from another view class (revert: from edit)
            view_class = getattr(self, name, None)
            if not isinstance(view_class, type):
                continue
            attrs = {}
            if hasattr(view_class, "get_base_object_queryset"):
                attrs["get_base_object_queryset"] = get_base_object_queryset
            if issubclass(view_class, InspectView):
                attrs["get_object"] = get_inspected_object
            if issubclass(view_class, SingleObjectMixin):
                # Edit and delete look their row up through Django's get_queryset().
                attrs["get_queryset"] = get_base_object_queryset
            if attrs:
                setattr(self, name, type(view_class.__name__, (view_class,), attrs))


class InstancePermissionMixin:
    """An edit or delete view that also asks the permission policy about the row."""

    instance_action = "change"

    def get_object(self, queryset=None):
        obj = super().get_object()
        if not self.permission_policy.user_has_permission_for_instance(
            self.request.user, self.instance_action, obj
        ):
            raise PermissionDenied
        return obj


class ChooserIdsMixin:
    """For admin forms with Wagtail choosers (image, page, snippet): a posted value that is
    not an id (a word, a control character, 25 digits) is refused as an invalid choice.

    Wagtail's chooser widget re-renders a refused form by looking the posted value up as a
    primary key, and a value that is not one raised ValueError there: a 500 instead of the
    form with its errors (found by tests/security/test_hostile_input.py).
    """

    def __init__(self, data=None, *args, **kwargs):
        super().__init__(data, *args, **kwargs)
        self._bad_choices = []
        if not self.is_bound:
            return
        from wagtail.admin.widgets.chooser import BaseChooser

        from .inputs import parse_id

        for name, field in self.fields.items():
            raw = self.data.get(self.add_prefix(name))
            if isinstance(field.widget, BaseChooser) and raw and parse_id(raw) is None:
                self._bad_choices.append(name)
        if self._bad_choices:
            self.data = self.data.copy()
            for name in self._bad_choices:
                self.data[self.add_prefix(name)] = ""

    def clean(self):
        cleaned = super().clean()
        from django.utils.translation import gettext as _

        for name in self._bad_choices:
            self.add_error(name, _("Choose an item from the list."))
        return cleaned


# --- one scoped viewset for every area-scoped model ----------------------------------

WRITES = frozenset({"add", "change", "delete"})


class AreaScopedPolicy(BasePermissionPolicy):
    """Who may list and edit a model whose rows belong to an area: `portal.permissions`.

    `action` (e.g. "credits.manage") grants the writes in `writes` over the rows whose
    `area_field` lies in the subtrees `areas_for(user, action)` returns; `view_action`
    (default: `action`) grants reading them.  A row without an area (a format
    offered to every community) is for site administrators alone.  No Django model
    permission is involved, so nothing has to be granted by hand.
    """

    def __init__(self, model, *, action, view_action=None, area_field="community", writes=WRITES):
        super().__init__(model)
        self.action = action
        self.view_action = view_action or action
        self.area_field = area_field
        self.writes = frozenset(writes)

    def _roots(self, user, action):
        from .permissions import areas_for

        if action in self.writes:
            return areas_for(user, self.action)
        if action != "view":
            return []
        return areas_for(user, self.view_action)

    def area_of(self, instance):
        return getattr(instance, self.area_field)

    def user_has_permission(self, user, action):
        return bool(self._roots(user, action))

    def user_has_permission_for_instance(self, user, action, instance):
        from .permissions import can, is_site_admin

        if not self._roots(user, action):
            return False
        if is_site_admin(user):
            return True
        area = self.area_of(instance)
        if area is None:
            return False
        if action in self.writes:
            return can(user, self.action, area)
        return any(area.path.startswith(r.path) for r in self._roots(user, action))

    def instances_user_has_any_permission_for(self, user, actions):
        from .permissions import is_site_admin
        from .scoping import area_q

        qs = self.model._default_manager.all()
        roots = {r.pk: r for action in actions for r in self._roots(user, action)}
        if not roots:
            return qs.none()
        if is_site_admin(user):
            return qs
        return qs.filter(area_q(roots.values(), f"{self.area_field}__path"))

    def users_with_any_permission(self, actions):
        from .models import Membership, Role, User
        from .permissions import ACTIONS

        roles = set(ACTIONS[self.action]) | {Role.SITE_ADMIN}
        if "view" in actions:
            roles |= set(ACTIONS[self.view_action])
        return User.objects.filter(
            Q(is_superuser=True)
            | Q(memberships__role__in=roles, memberships__status=Membership.Status.ACTIVE)
        ).distinct()


class AreaScopedForm(ChooserIdsMixin, WagtailAdminModelForm):
    """The area field offers only the areas the user may act in (`scope_action`);
    `scope_kind` narrows it to one kind of area (communities)."""

    scope_action = None
    scope_field = "community"
    scope_kind = "community"

    # Labels of fields whose model field has no verbose name of its own.
    field_labels: dict = {}

    def __init__(self, *args, for_user=None, **kwargs):
        super().__init__(*args, for_user=for_user, **kwargs)
        self.user = for_user
        for name, label in self.field_labels.items():
            if name in self.fields:
                self.fields[name].label = capfirst(label)
        field = self.fields.get(self.scope_field)
        if field is None or for_user is None:
            return
        from .models import Area
        from .permissions import areas_for, is_site_admin
        from .scoping import area_q

        qs = Area.objects.all()
        if self.scope_kind:
            qs = qs.filter(kind=self.scope_kind)
        if not is_site_admin(for_user):
            qs = qs.filter(area_q(areas_for(for_user, self.scope_action)))
        field.queryset = qs.order_by("path")

    def create(self, user):
        """Save a new row; a form whose app has a service overrides this to call it."""
        return self.save()


class SafeExportMixin:
    """Wagtail's `list_export`, written by `portal.exports`: a cell a spreadsheet would run
    as a formula ("=cmd", "+1+1", "@SUM(A1)") arrives as text in XLSX and CSV alike,
    control characters cannot break the workbook, datetimes are Beijing time, choices
    show their label and the CSV carries a BOM for Chinese.

    Wagtail's own exporter writes CSV cells as they are (a formula runs when the file
    is opened), datetimes in UTC and fails the whole XLSX on one control character.
    """

    def to_row_dict(self, item):
        row = super().to_row_dict(item)
        for field in self.list_export:
            display = getattr(item, f"get_{field}_display", None)
            if "." not in field and callable(display):
                row[field] = display()
        return row

    def export_rows(self, queryset):
        yield [self.get_heading(queryset, field) for field in self.list_export]
        for item in queryset:
            row = self.to_row_dict(item)
            yield [row[field] for field in self.list_export]

    def as_spreadsheet(self, queryset, spreadsheet_format):
        from . import exports

        name = self.get_filename()
        if spreadsheet_format == self.FORMAT_CSV:
            return exports.csv_response(self.export_rows(queryset), filename=f"{name}.csv")
        sheet = (str(self.get_page_title()), self.export_rows(queryset))
        return exports.xlsx_response([sheet], filename=f"{name}.xlsx")


class ScopedIndexView(SafeExportMixin, snippet_views.IndexView):
    pass


class ScopedInspectView(snippet_views.InspectView):
    """Labels from the viewset's `field_labels` (fields without a verbose name), and
    是/否 for true/false."""

    field_labels: dict = {}

    def get_field_label(self, field_name, field):
        if field_name in self.field_labels:
            return capfirst(self.field_labels[field_name])
        return super().get_field_label(field_name, field)

    def get_field_display_value(self, field_name, field):
        from django.utils.translation import gettext

        value = super().get_field_display_value(field_name, field)
        if value is None or value == "":
            return "-"  # as Wagtail shows an empty relation, not "None"
        if isinstance(value, bool):
            return gettext("Yes") if value else gettext("No")
        return value


class _RefusedError(Exception):
    def __init__(self, exc):
        super().__init__(str(exc))
        self.exc = exc


class RefusalOnFormMixin:
    """A create or edit view whose save may be refused by a service: the refusal is shown
    on the form (`portal.refusals.show_on_form`), nothing is saved."""

    def save_instance(self):
        try:
            return self.save_through_service()
        except REFUSALS as exc:
            raise _RefusedError(exc) from exc

    def save_through_service(self):
        return super().save_instance()

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except _RefusedError as refused:
            show_on_form(form, refused.exc)
            self.produced_error_message = self.get_error_message()
            return self.form_invalid(form)


class ScopedCreateView(RefusalOnFormMixin, snippet_views.CreateView):
    """Creation through the form's `create(user)`: the app's service, with its checks and
    notifications (session_create, poll_create, format_create ...)."""

    def save_through_service(self):
        instance = self.form.create(self.request.user)
        log(instance=instance, action="wagtail.create", content_changed=True)
        return instance


class ScopedEditView(RefusalOnFormMixin, InstancePermissionMixin, snippet_views.EditView):
    instance_action = "change"


class ScopedDeleteView(InstancePermissionMixin, snippet_views.DeleteView):
    instance_action = "delete"


class AreaScopedViewSet(ScopedObjectViewsMixin, SnippetViewSet):
    """The one base for the staff screens of rows that belong to an area.

    Lists (sortable columns, filters, search, XLSX/CSV export), create and edit forms,
    inspect, history and usage, every one of them scoped: another community's row is not
    listed, not exported and a 404 on every per-row view.  Subclasses set `model`,
    `scope_action` (and `scope_view_action`, `scope_area_field`, `scope_writes`), the
    columns, and `add_form_class`/`add_panels` and `edit_form_class`/`edit_panels`.
    """

    scope_action: str = ""
    scope_view_action: str | None = None
    scope_area_field = "community"
    scope_writes = WRITES
    select_related: tuple[str, ...] = ("community",)

    index_view_class = ScopedIndexView
    inspect_view_class = ScopedInspectView
    add_view_class = ScopedCreateView
    edit_view_class = ScopedEditView
    delete_view_class = ScopedDeleteView
    inspect_view_enabled = True
    # The database's own substring match: Chinese words are found inside Chinese text.
    search_backend_name = None

    add_form_class = None
    add_panels = None
    edit_form_class = None
    edit_panels = None
    # The list's title and breadcrumb, for a model whose Meta has no plural of its own
    # (Django would write verbose_name + "s": "投票s").
    plural_label = None
    # Labels of fields whose model field has no verbose name of its own (English
    # "Organisation" otherwise): list columns, export headings, inspect and the forms.
    field_labels: dict = {}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.plural_label:
            self._relabel_breadcrumbs()

    def _relabel_breadcrumbs(self):
        from django.utils.text import capfirst

        wrong, right = capfirst(self.model._meta.verbose_name_plural), self.plural_label

        def relabel(original):
            def get_breadcrumbs_items(view):
                return [
                    {**item, "label": right} if str(item.get("label")) == str(wrong) else item
                    for item in original(view)
                ]

            return get_breadcrumbs_items

        for name in dir(type(self)):
            if not name.endswith("_view_class"):
                continue
            if isinstance(getattr(type(self), name, None), property):
                continue
            view_class = getattr(self, name, None)
            if isinstance(view_class, type) and hasattr(view_class, "get_breadcrumbs_items"):
                patched = {"get_breadcrumbs_items": relabel(view_class.get_breadcrumbs_items)}
                setattr(self, name, type(view_class.__name__, (view_class,), patched))

    def get_index_view_kwargs(self, **kwargs):
        if self.plural_label:
            kwargs.setdefault("page_title", self.plural_label)
        headings = self.export_headings if isinstance(self.export_headings, dict) else {}
        kwargs.setdefault("export_headings", {**self.field_labels, **headings})
        view_kwargs = super().get_index_view_kwargs(**kwargs)
        if isinstance(self.list_display, list | tuple):
            view_kwargs["list_display"] = self._columns(self.list_display)
        return view_kwargs

    def _columns(self, names):
        """True/false fields as icons (是/否 to screen readers), `field_labels` as the
        headings; the first column stays Wagtail's title column (with the row's buttons)."""
        from django.core.exceptions import FieldDoesNotExist
        from django.db import models

        columns = list(names[:1])
        for name in names[1:]:
            if not isinstance(name, str):
                columns.append(name)
                continue
            try:
                field = self.model._meta.get_field(name)
            except FieldDoesNotExist:
                columns.append(name)
                continue
            label = capfirst(self.field_labels.get(name, field.verbose_name))
            if isinstance(field, models.BooleanField):
                # Icons whose screen-reader text is 是/否 (tables/boolean_cell.html).
                columns.append(BooleanColumn(name, label=label, sort_key=name))
            elif name in self.field_labels:
                columns.append(Column(name, label=label, sort_key=name))
            else:
                columns.append(name)
        return columns

    def get_inspect_view_kwargs(self, **kwargs):
        return super().get_inspect_view_kwargs(field_labels=self.field_labels, **kwargs)

    @property
    def permission_policy(self):
        return AreaScopedPolicy(
            self.model,
            action=self.scope_action,
            view_action=self.scope_view_action,
            area_field=self.scope_area_field,
            writes=self.scope_writes,
        )

    def get_queryset(self, request):
        qs = self.permission_policy.instances_user_has_any_permission_for(request.user, ["view"])
        if self.select_related:
            qs = qs.select_related(*self.select_related)
        return qs

    def scoped_queryset(self, request):
        return self.get_queryset(request)

    def register_chooser_viewset(self):
        # A chooser would list every row to anyone in the admin.
        pass

    def _panel(self, panels, form_class):
        from wagtail.admin.panels import FieldPanel, ObjectList

        panels = [
            FieldPanel(p)
            if isinstance(p, str)
            else FieldPanel(p[0], **p[1])
            if isinstance(p, tuple)
            else p
            for p in panels
        ]
        return ObjectList(panels, base_form_class=form_class).bind_to_model(self.model)

    def get_add_view_kwargs(self, **kwargs):
        if self.add_panels is None:
            return super().get_add_view_kwargs(**kwargs)
        panel = self._panel(self.add_panels, self.add_form_class)
        return super().get_add_view_kwargs(panel=panel, form_class=panel.get_form_class(), **kwargs)

    def get_edit_view_kwargs(self, **kwargs):
        if self.edit_panels is None:
            return super().get_edit_view_kwargs(**kwargs)
        panel = self._panel(self.edit_panels, self.edit_form_class)
        return super().get_edit_view_kwargs(
            panel=panel, form_class=panel.get_form_class(), **kwargs
        )


class SiteAdminPolicy(BasePermissionPolicy):
    """Rows of the whole site (the service catalogue, grid outlines): site administrators."""

    def user_has_permission(self, user, action):
        from .permissions import is_site_admin

        return action in WRITES | {"view"} and is_site_admin(user)

    def user_has_permission_for_instance(self, user, action, instance):
        return self.user_has_permission(user, action)

    def instances_user_has_any_permission_for(self, user, actions):
        qs = self.model._default_manager.all()
        if any(self.user_has_permission(user, a) for a in actions):
            return qs
        return qs.none()

    def users_with_any_permission(self, actions):
        from .models import Membership, Role, User

        return User.objects.filter(
            Q(is_superuser=True)
            | Q(memberships__role=Role.SITE_ADMIN, memberships__status=Membership.Status.ACTIVE)
        ).distinct()


class SiteAdminViewSet(AreaScopedViewSet):
    """The same screens (export, inspect, no chooser) for rows only site administrators edit."""

    select_related = ()
    add_view_class = snippet_views.CreateView
    edit_view_class = snippet_views.EditView

    @property
    def permission_policy(self):
        return SiteAdminPolicy(self.model)
