from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    """The public read-only open-data API under /api/v1/ (no models of its own)."""

    name = "api"
    label = "api"
    verbose_name = _("Open data API")
    default_auto_field = "django.db.models.BigAutoField"
