from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CreditsConfig(AppConfig):
    name = "credits"
    label = "credits"
    verbose_name = _("Moral bank")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from cms.sections import register_section
        from portal.dashboard import register_panel
        from portal.notifications import register_category

        from . import (
            home,
            panels,
            permissions,  # noqa: F401  (registers actions)
            search,
        )

        search.register_sources()  # the reward catalogue in the site search (signed-in users)

        register_category(
            "credits.hours",
            _("Service hours"),
            _("When a committee verifies or rejects the hours you logged."),
        )
        register_category(
            "credits.redemption",
            _("Reward redemptions"),
            _("When a reservation of yours expires."),
        )
        register_category(
            "credits.reconcile",
            _("Moral bank reconciliation"),
            _("For site administrators: the nightly ledger check found a problem."),
        )
        register_panel("credits", "credits/panel.html", panels.dashboard_panel, order=30)
        register_panel(
            "coins",
            "credits/home/coins.html",
            home.coins_panel,
            30,
            "home",
            versions=home.coins_versions,
        )
        register_panel("hours", "portal/home/queue.html", home.hours_queue, 20, "home_queue")
        register_section(
            "credits",
            "credits/section.html",
            panels.community_section,
            order=30,
            cache_seconds=60,
        )
