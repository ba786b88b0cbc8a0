from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CreditsConfig(AppConfig):
    name = "credits"
    label = "credits"
    verbose_name = _("Moral bank")
    default_auto_field = "django.db.models.BigAutoField"
