"""Staff edit the service catalogue, the directory and grid outlines in the Wagtail admin."""

from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from .models import GridBoundary, ServiceAttribute, ServiceDirectoryEntry, ServiceType


class ServiceTypeViewSet(SnippetViewSet):
    model = ServiceType
    icon = "list-ul"
    list_display = ["name", "code", "default_class", "organisation", "deadline_hours"]
    list_filter = ["default_class", "is_mediation", "is_active"]
    search_fields = ["name", "code", "keywords"]


class DirectoryViewSet(SnippetViewSet):
    model = ServiceDirectoryEntry
    icon = "group"
    list_display = ["name", "kind", "area", "phone"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "services"]


class GridBoundaryViewSet(SnippetViewSet):
    model = GridBoundary
    icon = "site"
    list_display = ["area"]


class ServiceAttributeViewSet(SnippetViewSet):
    """The questions of a service's Open311 definition (`attribute[code]` answers)."""

    model = ServiceAttribute
    icon = "form"
    list_display = ["service_type", "code", "datatype", "required", "order"]
    list_filter = ["service_type", "datatype"]
    search_fields = ["code", "description"]


class TriageGroup(SnippetViewSetGroup):
    menu_label = "三事分流"
    menu_icon = "tasks"
    menu_order = 320
    items = (ServiceTypeViewSet, ServiceAttributeViewSet, DirectoryViewSet, GridBoundaryViewSet)


register_snippet(TriageGroup)
