from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvaluationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "evaluations"
    verbose_name = _("年度考核")

    def ready(self) -> None:
        from funding.graded_years import register_graded_years

        from . import (
            scopes,  # noqa: F401  (registers row-level scopes)
            selectors,
        )

        # Funding sits below evaluations: it reads the decided years through this reader.
        register_graded_years(selectors)
