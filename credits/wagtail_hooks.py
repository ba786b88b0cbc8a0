"""Earning rules and the reward catalogue, edited by staff in the Wagtail admin, on the one
scoped viewset (`portal.wagtail_scoping.AreaScopedViewSet`, action "credits.manage")."""

from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel, ObjectList
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSetGroup

from portal.wagtail_scoping import AreaScopedForm, AreaScopedViewSet

from .models import EarningRule, Reward


class CommunityScopedForm(AreaScopedForm):
    """A committee member picks only communities they manage."""

    scope_action = "credits.manage"


class CommunityScopedViewSet(AreaScopedViewSet):
    """Committee staff see, export and edit their own communities' rows; site
    administrators all.  Every view of one row (history, usage, inspect, ...) finds it in
    `get_queryset`: another community's row is a 404 there, not only on edit and delete."""

    scope_action = "credits.manage"


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
    list_export = [
        "community",
        "deed",
        "amount",
        "daily_cap",
        "monthly_cap",
        "valid_from",
        "valid_to",
        "is_active",
    ]
    export_filename = "earning-rules"
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
    select_related = ("community", "provider")
    list_display = ["name", "community", "kind", "cost", "stock", "provider", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "description"]
    list_export = [
        "name",
        "community",
        "kind",
        "cost",
        "stock",
        "per_resident_limit",
        "provider",
        "active_from",
        "active_to",
        "is_active",
        "description",
    ]
    export_filename = "rewards"
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
