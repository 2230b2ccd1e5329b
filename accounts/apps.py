from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "accounts"
    verbose_name = _("用户与权限")

    def ready(self) -> None:
        from . import querycache, signals  # noqa: F401  (audit + session bookkeeping)
        from .security import install_log_masking

        install_log_masking()
        querycache.connect()
