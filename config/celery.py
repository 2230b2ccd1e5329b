import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("ssp")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Worker log lines and audit rows carry the task id as their request id.
from config.requestid import bind_celery_task_ids  # noqa: E402

bind_celery_task_ids()
