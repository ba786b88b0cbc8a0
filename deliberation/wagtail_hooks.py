from django.urls import include, path, reverse
from django.utils.translation import pgettext_lazy
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from . import admin_views, selectors

admin_patterns = (
    [
        path("", admin_views.home, name="home"),
        path("sessions/<id:pk>/checkin/", admin_views.checkin, name="checkin"),
        path(
            "sessions/<id:pk>/attendance.xlsx", admin_views.attendance_xlsx, name="attendance_xlsx"
        ),
        path("sessions/new/", admin_views.session_new, name="session_new"),
        path("polls/new/", admin_views.poll_new, name="poll_new"),
        path("formats/new/", admin_views.format_new, name="format_new"),
        path("topics/<id:pk>/add-to-session/", admin_views.add_to_session, name="add_to_session"),
        path("polls/<id:pk>/", admin_views.poll_results, name="poll"),
        path("polls/<id:pk>/results.xlsx", admin_views.poll_xlsx, name="poll_xlsx"),
    ],
    "deliberation_admin",
)


@hooks.register("register_admin_urls")
def urls():
    return [path("deliberation/", include(admin_patterns))]


class CommitteeMenuItem(MenuItem):
    def is_shown(self, request):
        return bool(selectors.managed_communities(request.user, "deliberation.check_in"))


@hooks.register("register_admin_menu_item")
def menu_item():
    return CommitteeMenuItem(
        pgettext_lazy("deliberation", "Deliberation"),
        reverse("deliberation_admin:home"),
        icon_name="group",
        order=250,
    )
