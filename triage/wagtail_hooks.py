"""Staff edit the service catalogue, the directory and grid outlines in the Wagtail admin.

The catalogue belongs to the whole site: site administrators.  A directory entry belongs
to the area it serves: whoever supervises triage there (its committee, the departments
above it) keeps it; a grid's outline belongs to its community's committee
(`triage.draw_outlines`); both on the one scoped viewset
(`portal.wagtail_scoping.AreaScopedViewSet`).
"""

from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSetGroup

from portal.models import Organisation
from portal.permissions import areas_for, is_site_admin
from portal.scoping import area_q
from portal.wagtail_scoping import AreaScopedForm, AreaScopedViewSet, SiteAdminViewSet

from .forms_outlines import DRAW, OutlineForm
from .models import (
    GridBoundary,
    MatterType,
    ServiceAttribute,
    ServiceDirectoryEntry,
    ServiceType,
    WorkdayOverride,
)

SUPERVISE = "triage.supervise"


class ServiceTypeViewSet(SiteAdminViewSet):
    model = ServiceType
    icon = "list-ul"
    menu_label = capfirst(_("service types"))
    list_display = ["name", "code", "default_class", "line", "deadline_hours", "is_active"]
    list_filter = ["default_class", "is_mediation", "sensitive", "is_active"]
    search_fields = ["name", "code", "keywords"]
    ordering = ["name"]
    list_export = [
        "code",
        "name",
        "description",
        "default_class",
        "line",
        "deadline_hours",
        "keywords",
        "is_mediation",
        "sensitive",
        "is_active",
    ]
    export_filename = "service-types"
    inspect_view_fields = list_export


class MatterTypeViewSet(SiteAdminViewSet):
    """The 三事分流清单: what counts as 大事, 小事 and 私事, and who handles each."""

    model = MatterType
    icon = "list-ol"
    menu_label = capfirst(_("三事分流清单"))
    list_display = ["name", "request_class", "handler_kind", "handler_line", "public_channel"]
    list_filter = ["request_class", "handler_kind", "sensitive", "is_active"]
    search_fields = ["name", "code", "keywords", "examples"]
    ordering = ["request_class", "order"]
    list_export = [
        "code",
        "name",
        "request_class",
        "handler_kind",
        "handler_line",
        "keywords",
        "examples",
        "sensitive",
        "public_channel",
        "order",
        "is_active",
    ]
    export_filename = "sanshi-list"
    inspect_view_fields = list_export


class DirectoryForm(AreaScopedForm):
    """The areas and organisations offered are those the user supervises."""

    scope_action = SUPERVISE
    scope_field = "area"
    scope_kind = None
    field_labels = {"organisation": _("organisation")}

    def __init__(self, *args, for_user=None, **kwargs):
        super().__init__(*args, for_user=for_user, **kwargs)
        field = self.fields.get("organisation")
        if field is not None and for_user is not None and not is_site_admin(for_user):
            field.queryset = Organisation.objects.filter(
                area_q(areas_for(for_user, SUPERVISE), "area__path")
            )


class DirectoryViewSet(AreaScopedViewSet):
    model = ServiceDirectoryEntry
    icon = "group"
    menu_label = capfirst(_("service directory"))
    scope_action = SUPERVISE
    scope_area_field = "area"
    field_labels = {"organisation": _("organisation")}
    select_related = ("area", "organisation")
    list_display = ["name", "kind", "area", "services", "phone", "hours", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "services"]
    ordering = ["kind", "name"]
    list_export = [
        "name",
        "kind",
        "area",
        "organisation",
        "services",
        "phone",
        "hours",
        "lat",
        "lon",
        "is_active",
    ]
    export_filename = "service-directory"
    inspect_view_fields = list_export
    add_form_class = DirectoryForm
    add_panels = [
        "name",
        "kind",
        "area",
        "organisation",
        "services",
        "phone",
        "hours",
        "lat",
        "lon",
        "is_active",
    ]
    edit_form_class = DirectoryForm
    edit_panels = add_panels


class GridBoundaryViewSet(AreaScopedViewSet):
    """Outlines of grids (and communities): a committee draws or imports its own
    community's (`triage.draw_outlines`), site administrators everyone's."""

    model = GridBoundary
    icon = "site"
    menu_label = capfirst(_("grid outlines"))
    scope_action = DRAW
    scope_area_field = "area"
    field_labels = {"area": _("community or grid")}
    select_related = ("area",)
    list_display = ["__str__"]  # headed by the model's name: the area has no label
    list_export = ["area", "polygon"]
    export_filename = "grid-outlines"
    inspect_view_fields = list_export
    add_form_class = edit_form_class = OutlineForm
    add_panels = edit_panels = ["area", "geojson", "geojson_file"]


class ServiceAttributeViewSet(SiteAdminViewSet):
    """The questions of a service's Open311 definition (`attribute[code]` answers)."""

    model = ServiceAttribute
    icon = "form"
    menu_label = capfirst(_("service attributes"))
    field_labels = {"service_type": _("service type")}
    select_related = ("service_type",)
    list_display = ["service_type", "code", "datatype", "required", "order"]
    list_filter = ["service_type", "datatype"]
    search_fields = ["code", "description"]
    list_export = [
        "service_type",
        "code",
        "variable",
        "datatype",
        "required",
        "datatype_description",
        "order",
        "description",
        "values",
    ]
    export_filename = "service-attributes"
    inspect_view_fields = list_export
    add_panels = edit_panels = list_export


class WorkdayOverrideViewSet(SiteAdminViewSet):
    """Days off and working days that differ from the official calendar the deadlines
    follow (triage.workhours): a year the library does not know yet, a local change."""

    model = WorkdayOverride
    icon = "date"
    menu_label = capfirst(_("workday overrides"))
    list_display = ["date", "is_working", "note"]
    list_filter = ["is_working"]
    search_fields = ["note"]
    ordering = ["-date"]
    list_export = ["date", "is_working", "note"]
    export_filename = "workday-overrides"
    inspect_view_fields = list_export


class TriageGroup(SnippetViewSetGroup):
    menu_label = _("Requests (三事分流)")
    menu_icon = "tasks"
    menu_order = 320
    items = (
        MatterTypeViewSet,
        ServiceTypeViewSet,
        ServiceAttributeViewSet,
        DirectoryViewSet,
        GridBoundaryViewSet,
        WorkdayOverrideViewSet,
    )


register_snippet(TriageGroup)
