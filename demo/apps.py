from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    # No models: an app only so that `manage.py load_demo` is found.
    name = "demo"
    verbose_name = _("演示数据")
