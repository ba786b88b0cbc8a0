"""Earning rules and the reward catalogue, edited by staff in the Wagtail admin."""

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel, ObjectList
from wagtail.permission_policies.base import BasePermissionPolicy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views import snippets as snippet_views
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from portal import permissions
from portal.wagtail_scoping import ChooserIdsMixin, ScopedObjectViewsMixin

from .models import EarningRule, Reward


class CommunityScopedForm(ChooserIdsMixin, WagtailAdminModelForm):
    """A committee member picks only communities they manage."""

    def __init__(self, *args, for_user=None, **kwargs):
        super().__init__(*args, for_user=for_user, **kwargs)
        if for_user is not None and not permissions.is_site_admin(for_user):
            from .forms import communities_qs

            roots = permissions.areas_for(for_user, "credits.manage")
            self.fields["community"].queryset = communities_qs(roots)


class CommunityPermissionPolicy(BasePermissionPolicy):
    """Who may manage a community's earning rules and rewards: `portal.permissions`.

    A committee member holds "credits.manage" over their community's subtree; the policy
    asks the same question per instance, so the edit and delete views refuse another
    community's rows (not only the listing), with no Django model permissions to grant.
    """

    ACTIONS = {"add", "change", "delete", "view"}

    def user_has_permission(self, user, action):
        return action in self.ACTIONS and bool(permissions.areas_for(user, "credits.manage"))

    def user_has_permission_for_instance(self, user, action, instance):
        return action in self.ACTIONS and permissions.can(
            user, "credits.manage", instance.community
        )

    def instances_user_has_any_permission_for(self, user, actions):
        qs = self.model._default_manager.all()
        if not set(actions) & self.ACTIONS:
            return qs.none()
        if permissions.is_site_admin(user):
            return qs
        cond = Q(pk__in=[])
        for root in permissions.areas_for(user, "credits.manage"):
            cond |= Q(community__path__startswith=root.path)
        return qs.filter(cond)

    def users_with_any_permission(self, actions):
        from portal.models import User

        return User.objects.filter(
            Q(is_superuser=True)
            | Q(
                memberships__role__in=permissions.ACTIONS["credits.manage"] | {"site_admin"},
                memberships__status="active",
            )
        ).distinct()


class InstanceCheckMixin:
    """Refuse a row the user may not act on, whatever the URL says."""

    instance_action = "change"

    def get_object(self, queryset=None):
        obj = super().get_object(queryset)
        if not self.permission_policy.user_has_permission_for_instance(
            self.request.user, self.instance_action, obj
        ):
            raise PermissionDenied
        return obj


class ScopedEditView(InstanceCheckMixin, snippet_views.EditView):
    instance_action = "change"


class ScopedDeleteView(InstanceCheckMixin, snippet_views.DeleteView):
    instance_action = "delete"


class CommunityScopedViewSet(ScopedObjectViewsMixin, SnippetViewSet):
    """Committee staff see and edit their own communities' rows; site administrators all.

    Every view of one row (history, usage, inspect, ...) finds it in `get_queryset`:
    another community's row is a 404 there, not only on edit and delete.
    """

    edit_view_class = ScopedEditView
    delete_view_class = ScopedDeleteView

    @property
    def permission_policy(self):
        return CommunityPermissionPolicy(self.model)

    def get_queryset(self, request):
        qs = self.model._default_manager.select_related("community")
        if permissions.is_site_admin(request.user):
            return qs
        cond = Q(pk__in=[])
        for root in permissions.areas_for(request.user, "credits.manage"):
            cond |= Q(community__path__startswith=root.path)
        return qs.filter(cond)

    def scoped_queryset(self, request):
        return self.get_queryset(request)


class EarningRuleViewSet(CommunityScopedViewSet):
    model = EarningRule
    icon = "cogs"
    menu_label = _("Earning rules")
    list_display = [
        "community",
        "deed",
        "amount",
        "daily_cap",
        "monthly_cap",
        "valid_from",
        "valid_to",
        "is_active",
    ]
    list_filter = ["deed", "is_active"]
    edit_handler_panels = [
        FieldPanel("community"),
        FieldPanel("deed"),
        FieldPanel("amount"),
        FieldRowPanel(
            [FieldPanel("daily_cap"), FieldPanel("monthly_cap")], heading=_("Caps per resident")
        ),
        FieldRowPanel([FieldPanel("valid_from"), FieldPanel("valid_to")], heading=_("Valid")),
        FieldPanel("is_active"),
    ]
    edit_handler = ObjectList(edit_handler_panels, base_form_class=CommunityScopedForm)


class RewardViewSet(CommunityScopedViewSet):
    model = Reward
    icon = "pick"
    menu_label = _("Reward catalogue")
    list_display = ["name", "community", "kind", "cost", "stock", "provider", "is_active"]
    list_filter = ["kind", "is_active"]
    edit_handler_panels = [
        FieldPanel("community"),
        FieldPanel("kind"),
        FieldPanel("name"),
        FieldPanel("description"),
        FieldPanel("image"),
        FieldRowPanel([FieldPanel("cost"), FieldPanel("stock"), FieldPanel("per_resident_limit")]),
        FieldPanel("provider"),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("active_from"), FieldPanel("active_to")]),
                FieldPanel("is_active"),
            ],
            heading=_("Availability"),
        ),
    ]
    edit_handler = ObjectList(edit_handler_panels, base_form_class=CommunityScopedForm)


class MoralBankGroup(SnippetViewSetGroup):
    items = (EarningRuleViewSet, RewardViewSet)
    menu_icon = "tag"
    menu_label = _("Moral bank")
    menu_name = "moral-bank"


register_snippet(MoralBankGroup)
