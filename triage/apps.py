from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TriageConfig(AppConfig):
    name = "triage"
    label = "triage"
    verbose_name = _("Requests")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from .models import Request

        # Whether a topic came from a request is cached with the topic (topic_sources).
        post_save.connect(_topic_link_changed, sender=Request, dispatch_uid="triage-topic-src")
        post_delete.connect(_topic_link_changed, sender=Request, dispatch_uid="triage-topic-del")
        # Every write of a request saves the row (services, escalation, Open311, admin).
        post_save.connect(_people_changed, sender=Request, dispatch_uid="triage-people-save")
        post_delete.connect(_people_changed, sender=Request, dispatch_uid="triage-people-del")
        from cms.sections import register_section
        from portal.dashboard import register_panel
        from portal.notifications import register_category

        from . import (
            home,
            permissions,  # noqa: F401
            search,
            selectors,
            tasks,  # noqa: F401  (registers the tasks `triage.jobs` sends by name)
        )

        search.register_sources()  # public requests and the service directory in the site search

        register_category(
            "triage.update",
            _("My requests"),
            _("When a request you reported is routed, answered or reopened."),
        )
        register_category(
            "triage.assigned",
            _("Requests to handle"),
            _("New, transferred, supervised and overdue requests for your organisation."),
        )
        register_category(
            "triage.help",
            _("Help for neighbours"),
            _("When a resident asks you, a volunteer, for help, and confirms your hours."),
        )
        register_panel("triage", "triage/panel.html", selectors.panel_context, order=40)
        register_panel(
            "report",
            "portal/home/action.html",
            home.report_action,
            10,
            "home_action",
            versions=home.report_versions,
        )
        register_panel(
            "requests",
            "triage/home/mine.html",
            home.my_requests,
            40,
            "home",
            versions=home.mine_versions,
        )
        register_panel("inbox", "triage/home/inbox.html", home.inbox_panel, 10, "home")
        register_panel("requests", "portal/home/queue.html", home.due_queue, 40, "home_queue")
        register_panel("triage", "portal/home/queue.html", home.triage_queue, 50, "home_queue")
        register_section(
            "triage", "triage/section.html", selectors.section_context, order=40, cache_seconds=60
        )
        self._connect_deliberation()
        self._connect_sanshi_page()
        self._connect_daily_counts()

    @staticmethod
    def _connect_daily_counts() -> None:
        """A deleted request leaves the daily counts (saves are counted in Request.save)."""
        from django.db.models.signals import post_delete

        from .daily_counts import on_delete
        from .models import Request

        post_delete.connect(on_delete, sender=Request, dispatch_uid="triage.daily_counts")

    @staticmethod
    def _connect_sanshi_page() -> None:
        """The public 三事分流 page is cached per language: dropped when the list changes."""
        from django.db.models.signals import post_delete, post_save

        from .models import MatterType
        from .views_sanshi import drop_cached_page

        for signal in (post_save, post_delete):
            signal.connect(drop_cached_page, sender=MatterType, dispatch_uid="triage.sanshi_page")

    @staticmethod
    def _connect_deliberation() -> None:
        """Close requests when their topic is decided; show them on the topic page."""
        from deliberation import signals as deliberation_signals

        from .selectors import topic_sources
        from .services.topics import on_topic_decided

        deliberation_signals.topic_decided.connect(
            on_topic_decided, dispatch_uid="triage.on_topic_decided"
        )
        deliberation_signals.register_topic_source("triage", topic_sources)


def _people_changed(instance=None, raw=False, **kwargs) -> None:
    if not raw:
        instance.people_panels_changed()


def _topic_link_changed(instance=None, raw=False, **kwargs) -> None:
    if raw or not instance.topic_id:
        return
    from portal.versions import bump_after_write

    bump_after_write("deliberation")
