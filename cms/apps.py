from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CmsConfig(AppConfig):
    name = "cms"
    label = "cms"
    verbose_name = _("Pages")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import images, search_pages, signals  # noqa: F401

        images.connect()
        # The site search's pages; the apps above register their own kinds in their ready().
        search_pages.register_pages()
