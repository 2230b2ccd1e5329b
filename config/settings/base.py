"""Settings shared by every environment; values come from the environment."""

import datetime as dt
import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("SSP_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-insecure-key-change-me")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "guardian",
    "axes",
    "captcha",  # django-simple-captcha: images drawn on the server, works offline
    "django_otp",
    "django_otp.plugins.otp_totp",
    "import_export",
    "django_filters",
    "django_htmx",
    "simple_history",
    "accounts",
    "stations",
    "policies",
    "applications",
    "evaluations",
    "funding",
    "network",
    "reports",
    "home",
    "demo",
]

MIDDLEWARE = [
    # First: an oversized body is refused before any middleware reads it.
    "accounts.security.RequestSizeCapMiddleware",
    # Then: the request id every log line and audit row of the request carries, the metrics,
    # and /healthz + /readyz answered before host checks and the HTTPS redirect.
    "config.requestid.RequestIdMiddleware",
    "config.metrics.MetricsMiddleware",
    "config.health.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "accounts.security.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # The user's city from the shared cache, not a query a request (stations.middleware).
    "stations.middleware.UserCityMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.security.SessionPolicyMiddleware",
    "accounts.security.TwoFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "accounts.security.NoStoreMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: it turns lockouts raised by the backend into responses.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.role",
            ],
        },
    }
]

# Persistent connections (production sets DB_CONN_MAX_AGE) are checked before each request
# reuses them, so a database restart costs one failed check, not a failed request.
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "0")),
        conn_health_checks=True,
    )
}
# The app connects as a role that owns nothing (README, "Database roles"); the few jobs that
# need the owner (purging audit rows past retention) use this second connection when it is
# configured. docker-compose gives it to the migrate service and the housekeeping worker only.
if os.environ.get("DATABASE_OWNER_URL"):
    DATABASES["owner"] = dj_database_url.parse(os.environ["DATABASE_OWNER_URL"])

# One cache shared by every process when CACHE_URL names a Redis (production requires it:
# rate limits must count across containers); a per-process memory cache for `make run`.
CACHE_URL = os.environ.get("CACHE_URL", "")
if CACHE_URL:
    CACHES = {
        "default": {
            # Django's, reusing one redis-py client per pool (config/cache.py).
            "BACKEND": "config.cache.RedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": "ssp",
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"
# Password policy (等保 2.0 三级): length, the common-password list, optional composition
# rules and periodic change — each configurable from the environment (0 disables the last two).
PASSWORD_MIN_LENGTH = int(os.environ.get("PASSWORD_MIN_LENGTH", "10"))
PASSWORD_MIN_CLASSES = int(os.environ.get("PASSWORD_MIN_CLASSES", "3"))
PASSWORD_MAX_AGE_DAYS = int(os.environ.get("PASSWORD_MAX_AGE_DAYS", "90"))
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": PASSWORD_MIN_LENGTH},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if PASSWORD_MIN_CLASSES:
    AUTH_PASSWORD_VALIDATORS.append(
        {
            "NAME": "accounts.security.CompositionValidator",
            "OPTIONS": {"min_classes": PASSWORD_MIN_CLASSES},
        }
    )

# Sessions: idle timeout and an absolute lifetime counted from login; a new id at login.
SESSION_IDLE_SECONDS = int(os.environ.get("SESSION_IDLE_SECONDS", str(30 * 60)))
SESSION_ABSOLUTE_SECONDS = int(os.environ.get("SESSION_ABSOLUTE_SECONDS", str(8 * 60 * 60)))
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_SECONDS
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# The one trusted client address (accounts/client_ip.py): X-Forwarded-For is honoured only when
# the request comes from one of these proxies (comma-separated addresses or CIDR networks).
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", "")

# Login lockout (django-axes, accounts/lockout.py): AXES_FAILURE_LIMIT failures lock the username
# from that client address only; AXES_ADDRESS_FAILURE_LIMIT failures with any names lock the
# address (credential stuffing). Both for AXES_COOLOFF_MINUTES after the last failure.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_ADDRESS_FAILURE_LIMIT = int(os.environ.get("AXES_ADDRESS_FAILURE_LIMIT", "30"))
AXES_COOLOFF_TIME = dt.timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_HANDLER = "accounts.lockout.PairAndAddressHandler"
AXES_CLIENT_IP_CALLABLE = "accounts.client_ip.client_ip"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "accounts.security.lockout_response"
AXES_SENSITIVE_PARAMETERS = ["password", "token"]
AXES_VERBOSE = False  # its start-up banner would pollute management commands' stderr

# Second factor (TOTP) for these roles; production requires it for every administrative role.
TWO_FACTOR_REQUIRED_ROLES = frozenset(
    env_list(
        "TWO_FACTOR_REQUIRED_ROLES",
        "city_admin,talent_office,finance,superuser,security_admin,audit_admin",
    )
)
OTP_TOTP_ISSUER = "学会服务站管理平台"

GUARDIAN_RAISE_403 = False
ANONYMOUS_USER_NAME = None  # no guardian anonymous user: anonymous visitors get nothing

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# English dates read "2 Dec 2026" wherever a date is shown without an explicit format.
FORMAT_MODULE_PATH = ["config.formats"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
# Response headers: no framing, no sniffing, a strict Content-Security-Policy (no inline or
# third-party script: everything is served from this site, which suits offline intranets).
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        # Inline style attributes stay allowed: they cannot run code.
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# Uploaded files live outside the web root and are only served through permission-checked views.
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
# Never routed: only Django's test live server mounts it (it needs a URL prefix).
MEDIA_URL = "/_media-not-served/"
# Every file (uploads, export files, staged imports) goes through Django's storage API, so any
# container can read what another wrote. STORAGE_BACKEND=local keeps them under MEDIA_ROOT (a
# volume all containers share); STORAGE_BACKEND=s3 puts them in an S3-compatible object store
# (the intranet's MinIO or Ceph RGW) through django-storages. Files are served only by
# permission-checked views, never by a public or signed URL.
STORAGE_BACKEND = os.environ.get("STORAGE_BACKEND", "local").strip().lower()
if STORAGE_BACKEND == "s3":
    DEFAULT_STORAGE = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ.get("S3_BUCKET", ""),
            "endpoint_url": os.environ.get("S3_ENDPOINT_URL") or None,
            "access_key": os.environ.get("S3_ACCESS_KEY_ID") or None,
            "secret_key": os.environ.get("S3_SECRET_ACCESS_KEY") or None,
            "region_name": os.environ.get("S3_REGION") or None,
            # MinIO and Ceph usually want path-style addressing (http://host:9000/bucket/key).
            "addressing_style": os.environ.get("S3_ADDRESSING_STYLE", "path"),
            "location": os.environ.get("S3_PREFIX", ""),
            "default_acl": None,
            "querystring_auth": True,
            "file_overwrite": False,
            "verify": env_bool("S3_VERIFY_TLS", True),
        },
    }
elif STORAGE_BACKEND == "local":
    DEFAULT_STORAGE = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
else:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("STORAGE_BACKEND must be 'local' or 's3'.")
STORAGES = {
    "default": DEFAULT_STORAGE,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024
# The whole request body: refused before it is read when larger (accounts.security.
# RequestSizeCapMiddleware), cut off while streaming without a Content-Length. Uploads are at
# most 20 MB each; set the reverse proxy's client_max_body_size to the same value.
REQUEST_MAX_BYTES = int(os.environ.get("REQUEST_MAX_BYTES", str(25 * 1024 * 1024)))
FILE_UPLOAD_HANDLERS = [
    "stations.uploads.SizeCappedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND", "")
# Without a broker the tasks run in-process, so `make run` needs no Redis.
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_TIMEOUT = 2
# Three queues, so a long export never delays a notification e-mail: `default` (reminders,
# notices, housekeeping), `exports` (export jobs), `email`. Workers consume all three unless
# started with -Q (docker-compose.yml starts one worker service per kind of work).
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_QUEUES = {
    "default": {"exchange": "default", "routing_key": "default"},
    "exports": {"exchange": "exports", "routing_key": "exports"},
    "email": {"exchange": "email", "routing_key": "email"},
}
CELERY_TASK_ROUTES = {
    "reports.tasks.run_export_job": {"queue": "exports"},
    "accounts.tasks.send_notification_email": {"queue": "email"},
}
# Every task has a time limit (soft: the task may clean up; hard: the worker process is
# replaced); tasks that need more or less say so in their decorator.
CELERY_TASK_SOFT_TIME_LIMIT = int(os.environ.get("CELERY_TASK_SOFT_TIME_LIMIT", "300"))
CELERY_TASK_TIME_LIMIT = int(os.environ.get("CELERY_TASK_TIME_LIMIT", "360"))
# A worker process is recycled after this many tasks (bounds slow leaks in PDF/Excel code).
CELERY_WORKER_MAX_TASKS_PER_CHILD = int(os.environ.get("CELERY_WORKER_MAX_TASKS_PER_CHILD", "200"))
# Celery beat (one process) keeps its schedule in Redis under a lock (celery-redbeat): a
# second beat started by mistake waits for the lock instead of sending every task twice.
CELERY_REDBEAT_REDIS_URL = os.environ.get("CELERY_REDBEAT_REDIS_URL", CELERY_BROKER_URL)
CELERY_REDBEAT_LOCK_TIMEOUT = 5 * 60
CELERY_BEAT_MAX_LOOP_INTERVAL = 60
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# All SMTP settings come from the environment (the intranet's relay; TLS or SSL, not both).
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "30"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "noreply@ssp.local")
SERVER_EMAIL = os.environ.get("SERVER_EMAIL", DEFAULT_FROM_EMAIL)

# Lists longer than this are exported by a Celery job instead of in the request.
REPORTS_SYNC_EXPORT_MAX = int(os.environ.get("REPORTS_SYNC_EXPORT_MAX", "2000"))

IMPORT_EXPORT_USE_TRANSACTIONS = True
IMPORT_EXPORT_SKIP_ADMIN_LOG = False
# Admin exports escape formulae; every admin offers only accounts.admin_formats' formats, whose
# text cells go through the app's accounts.cells.neutralise (stronger than the library's "=" strip).
IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT = True

# LOG_FORMAT=json (production's default) writes one JSON object a line; every line carries the
# request id (config.requestid), also stored on the request's audit rows.
LOG_FORMAT = os.environ.get("LOG_FORMAT", "plain")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "config.requestid.RequestIdFilter"},
        # 403s and other 4xx are logged on one line, without the traceback.
        "one_line_4xx": {"()": "accounts.security.OneLineClientErrors"},
    },
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s %(message)s"},
        "json": {"()": "config.logs.JsonFormatter"},
    },
    # Account-like numbers are masked in every record (accounts.security.MaskedLogRecord).
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if LOG_FORMAT == "json" else "plain",
            "filters": ["request_id", "one_line_4xx"],
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # WeasyPrint reports every rendering step at INFO: keep only its warnings.
    "loggers": {"weasyprint": {"level": "WARNING"}, "fontTools": {"level": "WARNING"}},
}

# Audit rows are kept at least 180 days (等保 2.0 三级); purge_audit never goes below that.
AUDIT_RETENTION_DAYS = max(180, int(os.environ.get("AUDIT_RETENTION_DAYS", "365")))

# Registration: after this many attempts from one address (within NETWORK_REGISTER_WINDOW) the
# form also asks an image CAPTCHA (django-simple-captcha, drawn on the server, offline).
NETWORK_REGISTER_CAPTCHA_AFTER = int(os.environ.get("NETWORK_REGISTER_CAPTCHA_AFTER", "3"))
CAPTCHA_LENGTH = 5
CAPTCHA_TIMEOUT = 10  # minutes
CAPTCHA_LETTER_ROTATION = (-25, 25)
CAPTCHA_NOISE_FUNCTIONS = ("captcha.helpers.noise_arcs", "captcha.helpers.noise_dots")

# Export jobs: a running job without a heartbeat for this long lost its worker and is claimed
# again, at most REPORTS_EXPORT_MAX_ATTEMPTS times, then fails visibly (the user exports again).
REPORTS_EXPORT_STALE_SECONDS = int(os.environ.get("REPORTS_EXPORT_STALE_SECONDS", "600"))
REPORTS_EXPORT_MAX_ATTEMPTS = int(os.environ.get("REPORTS_EXPORT_MAX_ATTEMPTS", "3"))

# Periodic tasks (Celery beat). evaluations: reminders 7/3/1 days before a round's due date.
from celery.schedules import crontab  # noqa: E402

CELERY_BEAT_SCHEDULE = {
    "evaluations-remind-due": {
        "task": "evaluations.tasks.remind_due_evaluations",
        "schedule": crontab(hour=8, minute=0),
    },
    # applications: remind expert reviewers whose review is due within two days (once each).
    "applications-remind-reviewers": {
        "task": "applications.tasks.remind_due_reviews",
        "schedule": crontab(hour=8, minute=30),
    },
    # Tasks written to the outbox while Redis was down go out once it answers again.
    "outbox-relay": {"task": "accounts.tasks.outbox_relay", "schedule": 60.0},
    # Export jobs whose worker died (no heartbeat for REPORTS_EXPORT_STALE_SECONDS) run again.
    "reports-reclaim-export-jobs": {"task": "reports.tasks.reclaim_export_jobs", "schedule": 60.0},
    # Finished exports are downloadable for a day; then the files go.
    "reports-purge-expired-exports": {
        "task": "reports.tasks.purge_expired_exports",
        "schedule": crontab(minute=30),
    },
    # Import files previewed but never confirmed go after a day.
    "reports-purge-import-staging": {
        "task": "reports.tasks.purge_import_staging",
        "schedule": crontab(minute=45),
    },
    # Housekeeping: expired sessions, audit rows past retention (never under 180 days).
    "accounts-clear-sessions": {
        "task": "accounts.tasks.clear_sessions",
        "schedule": crontab(hour=3, minute=0),
    },
    "accounts-purge-audit": {
        "task": "accounts.tasks.purge_audit",
        "schedule": crontab(hour=3, minute=30),
    },
}

# Keys for fields encrypted at rest (bank accounts, ID numbers): comma-separated Fernet keys,
# newest first. Development derives one from SECRET_KEY; production must set its own.
FIELD_ENCRYPTION_KEYS = env_list("FIELD_ENCRYPTION_KEYS") or [SECRET_KEY]
