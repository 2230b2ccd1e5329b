from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "reports"
    verbose_name = _("报表与数据交换")

    def ready(self):
        # Lower layers ask these services without importing reports: certification
        # (applications) numbers certificates, the policy page previews a change's impact.
        from applications.numbering import register_document_numberer
        from policies.api import register_impact_previewer

        from .forecast_selectors import impact_preview
        from .services import document_number_assign

        register_document_numberer(document_number_assign)
        register_impact_previewer(impact_preview)
