from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HomeConfig(AppConfig):
    # No models: the landing page reads every other app.
    name = "home"
    verbose_name = _("工作台")

    def ready(self) -> None:
        from .selectors import connect_activity_cache
        from .todo import connect_todo_cache

        connect_todo_cache()
        connect_activity_cache()
