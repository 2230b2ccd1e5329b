from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvaluationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "evaluations"
    verbose_name = _("年度考核")

    def ready(self) -> None:
        from . import scopes  # noqa: F401  (registers row-level scopes)
