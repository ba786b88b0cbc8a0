from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeliberationConfig(AppConfig):
    name = "deliberation"
    label = "deliberation"
    verbose_name = _("Deliberation")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from cms.sections import register_section
        from portal.dashboard import register_panel
        from portal.notifications import register_category

        from . import selectors, services

        register_category(
            services.CAT_NEW_TOPIC,
            _("New topic in my community"),
            _("When a neighbour or the committee raises a topic in your community."),
        )
        register_category(
            services.CAT_TOPIC_UPDATE,
            _("Topic I follow changed"),
            _("Agenda, decision and follow-up news on topics you raised, support or follow."),
        )
        register_category(
            services.CAT_REGISTRATION,
            _("My registration"),
            _("Registration, waiting list, reminders and check-in for sessions."),
        )
        register_category(
            services.CAT_MODERATION,
            _("My contribution moderated"),
            _("When a contribution of yours is hidden, restored or removed."),
        )
        register_panel(
            "deliberation",
            "deliberation/panels/my_activities.html",
            selectors.dashboard_panel,
            order=20,
        )
        register_section(
            "deliberation",
            "deliberation/panels/community_section.html",
            selectors.community_section,
            order=10,
        )
