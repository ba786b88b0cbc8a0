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
from django.shortcuts import get_object_or_404
from wagtail.admin.views.generic.models import InspectView


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
            view_class = getattr(self, name, None)
            if not isinstance(view_class, type):
                continue
            attrs = {}
            if hasattr(view_class, "get_base_object_queryset"):
                attrs["get_base_object_queryset"] = get_base_object_queryset
            if issubclass(view_class, InspectView):
                attrs["get_object"] = get_inspected_object
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
