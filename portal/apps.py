from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "portal"
    label = "portal"
    verbose_name = _("Portal")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate
        from django.urls import register_converter

        from . import home, signals  # noqa: F401
        from .dashboard import register_panel
        from .inputs import IdConverter
        from .notifications import register_category

        register_category(
            "portal.residency",
            _("My residency"),
            _("When your community committee confirms, rejects or ends your residency."),
        )
        from .upstream_names import give_chinese_names

        post_migrate.connect(give_chinese_names, sender=self)

        # `<id:pk>` in every urls.py: ids beyond a bigint are a 404, not a server error.
        register_converter(IdConverter, "id")
        register_panel(
            "residents", "portal/home/queue.html", home.residency_queue, 10, place="home_queue"
        )
