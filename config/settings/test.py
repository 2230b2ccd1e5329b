"""The test suite: fast hashing, in-memory mail, files in a throwaway folder."""

import tempfile

from .base import *  # noqa: F403

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
MEDIA_ROOT = tempfile.mkdtemp(prefix="ssp-test-media-")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Serve static files through the finders, no collectstatic needed.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# Tests that exercise lockout or the second factor switch them on with the `settings` fixture;
# every other test logs in with force_login or the plain test client.
AXES_ENABLED = False
TWO_FACTOR_REQUIRED_ROLES = frozenset()
# Tasks run in-process even when CI provides a broker; the tests marked `celery_worker`
# switch this off and start a real worker on CELERY_BROKER_URL.
CELERY_TASK_ALWAYS_EAGER = True
# The audit table's TRUNCATE guard lets a superuser through only with this setting: the suite's
# flush between transactional tests truncates every table.
if DATABASES["default"]["ENGINE"].endswith("postgresql"):  # noqa: F405
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c ssp.audit_truncate=on"  # noqa: F405
