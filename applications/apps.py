from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApplicationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "applications"
    verbose_name = _("申报与评审")

    def ready(self) -> None:
        from . import scopes  # noqa: F401  (registers row-level scopes)
