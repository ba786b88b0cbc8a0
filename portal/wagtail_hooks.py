"""Areas, organisations and memberships in the Wagtail admin (the Django admin is gone).

Every screen asks `portal.permissions` and nothing else:

- areas: site administrators build the tree through `services.area_create` (a node of
  the wrong kind under a parent is refused) and delete only an area nothing refers to;
  a committee reads its own community's subtree;
- organisations: site administrators manage all; a committee reads its community's;
- memberships: site administrators grant and revoke roles (`portal.grant_role`); a
  committee confirms, rejects or ends the residencies of its community
  (`residency.confirm`, `portal.manage_memberships`); nobody acts on their own.

Every view of one row (edit, delete, history, usage, inspect) finds it in the viewset's
scoped queryset (`ScopedObjectViewsMixin`): another community's row is a 404.  No
chooser is registered: a chooser would list every row to anyone in the admin.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from wagtail import hooks
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, ObjectList
from wagtail.log_actions import log
from wagtail.permission_policies.base import BasePermissionPolicy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views import snippets as snippet_views
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from . import permissions, services
from .models import Area, Membership, Organisation, Role, User
from .scoping import area_q
from .wagtail_scoping import ScopedObjectViewsMixin

READ = {"view"}
WRITE = {"add", "change", "delete"}


def _committee_roots(user) -> list[Area]:
    return permissions.areas_for(user, "portal.manage_memberships")


def _under(roots, field: str = "path") -> Q:
    return area_q(roots, field)


class InstancePermissionMixin:
    """Edit and delete find the row in the scoped queryset (another community's row is a
    404, as on every other view), then ask the policy about this row (403)."""

    instance_action = "change"

    def get_object(self, queryset=None):
        scoped = self.permission_policy.instances_user_has_any_permission_for(
            self.request.user, ["view"]
        )
        obj = super().get_object(scoped)
        if not self.permission_policy.user_has_permission_for_instance(
            self.request.user, self.instance_action, obj
        ):
            raise PermissionDenied
        return obj


class UserChoiceField(forms.ModelChoiceField):
    """People by name (`get_full_name`), never by a phone-number username."""

    def label_from_instance(self, obj):
        return obj.get_full_name()


class PolicyViewSet(ScopedObjectViewsMixin, SnippetViewSet):
    """A snippet viewset whose rows are what its permission policy lets the user view,
    in `ordering`; no chooser (these rows are picked through their own forms)."""

    policy_class: type[BasePermissionPolicy]

    @property
    def permission_policy(self):
        return self.policy_class(self.model)

    def get_queryset(self, request):
        return self.permission_policy.instances_user_has_any_permission_for(
            request.user, ["view"]
        ).order_by(*self.ordering)

    def scoped_queryset(self, request):
        return self.get_queryset(request)

    def register_chooser_viewset(self):
        pass


# --- areas --------------------------------------------------------------------------


class AreaPolicy(BasePermissionPolicy):
    """Site administrators write the tree; a committee reads its own subtree."""

    def user_has_permission(self, user, action):
        if permissions.is_site_admin(user):
            return action in READ | WRITE
        return action in READ and bool(_committee_roots(user))

    def user_has_permission_for_instance(self, user, action, instance):
        if permissions.is_site_admin(user):
            return action in READ | WRITE
        return action in READ and permissions.can(user, "portal.manage_memberships", instance)

    def instances_user_has_any_permission_for(self, user, actions):
        qs = Area.objects.all()
        if permissions.is_site_admin(user):
            return qs
        return qs.filter(_under(_committee_roots(user))) if set(actions) & READ else qs.none()


class AreaCreateForm(WagtailAdminModelForm):
    parent = forms.ModelChoiceField(
        label=_("parent area"),
        queryset=Area.objects.all(),
        required=False,
        help_text=_("Leave empty only for a city."),
    )

    class Meta:
        model = Area
        fields = ["parent", "name", "kind", "code", "households"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["households"].required = False


class AreaEditForm(WagtailAdminModelForm):
    """The kind and place in the tree never change: a node is re-created, not moved."""

    class Meta:
        model = Area
        fields = ["name", "code", "households"]


class AreaCreateView(snippet_views.CreateView):
    def form_valid(self, form):
        self.form = form
        data = form.cleaned_data
        try:
            with transaction.atomic():
                self.object = services.area_create(
                    parent=data.get("parent"),
                    name=data["name"],
                    kind=data["kind"],
                    code=data["code"],
                    households=data.get("households") or 0,
                )
                log(instance=self.object, action="wagtail.create", content_changed=True)
        except ValidationError as exc:
            form.add_error(None, exc)
            self.produced_error_message = self.get_error_message()
            return self.form_invalid(form)
        return self.save_action()


class AreaEditView(InstancePermissionMixin, snippet_views.EditView):
    instance_action = "change"


class AreaDeleteView(InstancePermissionMixin, snippet_views.DeleteView):
    instance_action = "delete"

    def form_valid(self, form):
        try:
            services.area_delete(area=self.object, deleted_by=self.request.user)
        except ValidationError as exc:
            messages.error(self.request, " ".join(exc.messages))
            return redirect(self.index_url_name)
        messages.success(self.request, self.get_success_message())
        return redirect(self.get_success_url())


class AreaViewSet(PolicyViewSet):
    model = Area
    policy_class = AreaPolicy
    icon = "site"
    menu_label = _("Areas")
    add_view_class = AreaCreateView
    edit_view_class = AreaEditView
    delete_view_class = AreaDeleteView
    inspect_view_enabled = True
    list_display = ["name", "kind", "code", "households"]
    list_filter = ["kind"]
    search_fields = ["name", "code"]
    ordering = ["path"]

    def get_add_view_kwargs(self, **kwargs):
        panel = ObjectList(
            [FieldPanel(n) for n in AreaCreateForm.Meta.fields], base_form_class=AreaCreateForm
        ).bind_to_model(Area)
        return super().get_add_view_kwargs(panel=panel, form_class=panel.get_form_class(), **kwargs)

    def get_edit_view_kwargs(self, **kwargs):
        panel = ObjectList(
            [FieldPanel(n) for n in AreaEditForm.Meta.fields], base_form_class=AreaEditForm
        ).bind_to_model(Area)
        return super().get_edit_view_kwargs(
            panel=panel, form_class=panel.get_form_class(), **kwargs
        )


# --- organisations ------------------------------------------------------------------


class OrganisationPolicy(AreaPolicy):
    def user_has_permission_for_instance(self, user, action, instance):
        return super().user_has_permission_for_instance(user, action, instance.area)

    def instances_user_has_any_permission_for(self, user, actions):
        qs = Organisation.objects.select_related("area")
        if permissions.is_site_admin(user):
            return qs
        if not set(actions) & READ:
            return qs.none()
        return qs.filter(_under(_committee_roots(user), "area__path"))


class OrganisationDeleteView(InstancePermissionMixin, snippet_views.DeleteView):
    instance_action = "delete"

    def form_valid(self, form):
        try:
            services.organisation_delete(organisation=self.object, deleted_by=self.request.user)
        except ValidationError as exc:
            messages.error(self.request, " ".join(exc.messages))
            return redirect(self.index_url_name)
        messages.success(self.request, self.get_success_message())
        return redirect(self.get_success_url())


class OrganisationEditView(InstancePermissionMixin, snippet_views.EditView):
    instance_action = "change"


class OrganisationViewSet(PolicyViewSet):
    model = Organisation
    policy_class = OrganisationPolicy
    ordering = ["area__path", "name"]
    icon = "group"
    menu_label = _("Organisations")
    edit_view_class = OrganisationEditView
    delete_view_class = OrganisationDeleteView
    inspect_view_enabled = True
    list_display = ["name", "kind", "line", "area", "phone", "supervises", "is_active"]
    list_filter = ["kind", "supervises", "is_active"]
    search_fields = ["name", "line"]
    panels = [
        FieldPanel("name"),
        FieldPanel("kind"),
        FieldPanel("line"),
        FieldPanel("area"),
        FieldPanel("served_areas"),
        FieldPanel("supervises"),
        FieldPanel("parent"),
        FieldPanel("phone"),
        FieldPanel("description"),
        FieldPanel("is_active"),
    ]


# --- memberships --------------------------------------------------------------------


class MembershipPolicy(BasePermissionPolicy):
    """Site administrators see every membership and grant or revoke staff roles; a
    committee sees its community's residencies and decides them.  Nobody acts on their
    own membership, and memberships are ended, never deleted (the record stays)."""

    def user_has_permission(self, user, action):
        if action == "add":
            return permissions.is_site_admin(user)
        if action in ("change", "view"):
            return permissions.is_site_admin(user) or bool(_committee_roots(user))
        return False

    def user_has_permission_for_instance(self, user, action, instance):
        if action not in ("change", "view"):
            return False
        if permissions.is_site_admin(user):
            return action == "view" or not permissions.is_self_dealing(
                user, "portal.grant_role", instance.user_id
            )
        if instance.role != Role.RESIDENT:
            return False
        if action == "view":
            return permissions.can(user, "portal.manage_memberships", instance.area)
        return permissions.can(
            user, "portal.manage_memberships", instance.area, beneficiary=instance.user_id
        )

    def instances_user_has_any_permission_for(self, user, actions):
        qs = Membership.objects.select_related("user", "area", "organisation", "decided_by")
        if permissions.is_site_admin(user):
            return qs
        if not set(actions) & {"change", "view"}:
            return qs.none()
        return qs.filter(_under(_committee_roots(user), "area__path"), role=Role.RESIDENT)


class MembershipGrantForm(WagtailAdminModelForm):
    """A site administrator grants a staff or volunteer role (residency is declared)."""

    user = UserChoiceField(label=_("person"), queryset=User.objects.filter(is_active=True))
    role = forms.ChoiceField(
        label=_("role"), choices=[(r.value, r.label) for r in Role if r != Role.RESIDENT]
    )

    class Meta:
        model = Membership
        fields = ["user", "role", "area", "organisation"]


class MembershipDecisionForm(WagtailAdminModelForm):
    """Confirm or reject a pending residency, or end a live membership."""

    CONFIRM, REJECT, END = "confirm", "reject", "end"

    decision = forms.ChoiceField(label=pgettext_lazy("membership", "decision"), choices=())
    note = forms.CharField(label=_("note"), max_length=200, required=False)

    class Meta:
        model = Membership
        fields = ["decision", "note"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        m = self.instance
        choices = []
        if m.status == Membership.Status.PENDING and m.role == Role.RESIDENT:
            choices = [
                (self.CONFIRM, pgettext_lazy("membership", "Confirm the residency")),
                (self.REJECT, pgettext_lazy("membership", "Reject the residency")),
            ]
        if m.status in (Membership.Status.ACTIVE, Membership.Status.PENDING):
            choices.append((self.END, pgettext_lazy("membership", "End the membership")))
        self.fields["decision"].choices = choices


class MembershipCreateView(snippet_views.CreateView):
    def form_valid(self, form):
        self.form = form
        data = form.cleaned_data
        try:
            self.object = services.role_grant(
                granted_by=self.request.user,
                user=data["user"],
                role=data["role"],
                area=data["area"],
                organisation=data.get("organisation"),
            )
        except (ValidationError, PermissionDenied) as exc:
            form.add_error(None, exc.messages if isinstance(exc, ValidationError) else str(exc))
            self.produced_error_message = self.get_error_message()
            return self.form_invalid(form)
        return self.save_action()


class MembershipEditView(InstancePermissionMixin, snippet_views.EditView):
    instance_action = "change"

    def form_valid(self, form):
        self.form = form
        decision = form.cleaned_data["decision"]
        note = form.cleaned_data.get("note", "")
        try:
            if decision == MembershipDecisionForm.END:
                self.object = services.membership_revoke(
                    membership=self.object, ended_by=self.request.user, note=note
                )
            else:
                self.object = services.residency_decide(
                    membership=self.object,
                    decided_by=self.request.user,
                    confirm=decision == MembershipDecisionForm.CONFIRM,
                    note=note,
                )
        except (ValidationError, PermissionDenied) as exc:
            form.add_error(None, exc.messages if isinstance(exc, ValidationError) else str(exc))
            self.produced_error_message = self.get_error_message()
            return self.form_invalid(form)
        return self.save_action()


class MembershipDeleteView(InstancePermissionMixin, snippet_views.DeleteView):
    instance_action = "delete"  # nobody: a membership is ended, and the record kept


class MembershipViewSet(PolicyViewSet):
    model = Membership
    policy_class = MembershipPolicy
    ordering = ["-created_at", "-pk"]
    icon = "user"
    menu_label = _("Memberships")
    add_view_class = MembershipCreateView
    edit_view_class = MembershipEditView
    delete_view_class = MembershipDeleteView
    inspect_view_enabled = True
    list_display = ["member_name", "role", "area", "organisation", "status", "decided_at"]
    list_filter = ["role", "status"]
    inspect_view_fields = [
        "member_name",
        "role",
        "area",
        "organisation",
        "status",
        "address",
        "decided_by_name",
        "decided_at",
        "decision_note",
        "created_at",
    ]

    def get_add_view_kwargs(self, **kwargs):
        panel = ObjectList(
            [FieldPanel(n) for n in MembershipGrantForm.Meta.fields],
            base_form_class=MembershipGrantForm,
        ).bind_to_model(Membership)
        return super().get_add_view_kwargs(panel=panel, form_class=panel.get_form_class(), **kwargs)

    def get_edit_view_kwargs(self, **kwargs):
        panel = ObjectList(
            [FieldPanel("decision"), FieldPanel("note")], base_form_class=MembershipDecisionForm
        ).bind_to_model(Membership)
        return super().get_edit_view_kwargs(
            panel=panel, form_class=panel.get_form_class(), **kwargs
        )


class PeopleAndPlacesGroup(SnippetViewSetGroup):
    items = (AreaViewSet, OrganisationViewSet, MembershipViewSet)
    menu_icon = "site"
    menu_label = _("People and places")
    menu_name = "people-and-places"
    menu_order = 330


register_snippet(PeopleAndPlacesGroup)


@hooks.register("register_log_actions")
def membership_log_actions(actions):
    actions.register_action("portal.role_grant", _("Grant a role"), _("Role granted"))
    actions.register_action("portal.role_revoke", _("End a membership"), _("Membership ended"))
    actions.register_action(
        "portal.residency_confirm", _("Confirm a residency"), _("Residency confirmed")
    )
    actions.register_action(
        "portal.residency_reject", _("Reject a residency"), _("Residency rejected")
    )
