from django.apps import AppConfig
from django.utils.translation import pgettext_lazy


class DeliberationConfig(AppConfig):
    name = "deliberation"
    label = "deliberation"
    verbose_name = pgettext_lazy("deliberation", "Deliberation")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from . import search
        from .models import Topic

        search.register_sources()  # topics, outcomes and sessions in the site search

        post_save.connect(_topics_changed, sender=Topic, dispatch_uid="delib-version-save")
        post_delete.connect(_topics_changed, sender=Topic, dispatch_uid="delib-version-delete")
        from cms.sections import register_section
        from portal.dashboard import register_panel
        from portal.notifications import register_category

        from . import home, selectors, services

        register_category(
            services.CAT_NEW_TOPIC,
            pgettext_lazy("deliberation", "New topic in my community"),
            pgettext_lazy(
                "deliberation",
                "When a neighbour or the committee raises a topic in your community.",
            ),
        )
        register_category(
            services.CAT_TOPIC_UPDATE,
            pgettext_lazy("deliberation", "Topic I follow changed"),
            pgettext_lazy(
                "deliberation",
                "Agenda, decision and follow-up news on topics you raised, support or follow.",
            ),
        )
        register_category(
            services.CAT_REGISTRATION,
            pgettext_lazy("deliberation", "My registration"),
            pgettext_lazy(
                "deliberation", "Registration, waiting list, reminders and check-in for sessions."
            ),
        )
        register_category(
            services.CAT_MODERATION,
            pgettext_lazy("deliberation", "My contribution moderated"),
            pgettext_lazy(
                "deliberation", "When a contribution of yours is hidden, restored or removed."
            ),
        )
        register_panel(
            "deliberation",
            "deliberation/panels/my_activities.html",
            selectors.dashboard_panel,
            order=20,
        )
        register_panel("raise", "portal/home/action.html", home.raise_action, 20, "home_action")
        register_panel("deliberation", "deliberation/home/panel.html", home.home_panel, 20, "home")
        register_panel("topics", "portal/home/queue.html", home.agenda_queue, 30, "home_queue")
        register_section(
            "deliberation",
            "deliberation/panels/community_section.html",
            selectors.community_section,
            order=10,
            cache_seconds=60,
        )


def _topics_changed(**kwargs) -> None:
    """A topic was saved or deleted: fragments shared by everyone that count or list topics
    (the deliberation index's communities) are drawn again, once the write is committed."""
    from django.db import transaction

    from portal.pagecache import bump_named_version

    transaction.on_commit(lambda: bump_named_version("deliberation"))
