from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NetworkConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "network"
    verbose_name = _("专家网络与企业需求")

    def ready(self) -> None:
        from . import public_cache, scopes  # noqa: F401  (scopes registers row-level scopes)

        public_cache.connect()
