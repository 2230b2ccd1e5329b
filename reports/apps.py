from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "reports"
    verbose_name = _("报表与数据交换")

    def ready(self):
        # Certification (applications, a lower layer) numbers certificates through this
        # service without importing reports.
        from applications.numbering import register_document_numberer

        from .services import document_number_assign

        register_document_numberer(document_number_assign)
