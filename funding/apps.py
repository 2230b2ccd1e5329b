from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FundingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "funding"
    verbose_name = _("资助资金")

    def ready(self) -> None:
        from . import scopes  # noqa: F401  (registers row-level scopes)
        from .selectors import connect_dues_cache

        connect_dues_cache()
