"""gunicorn settings for the web containers (`gunicorn -c gunicorn.conf.py config.wsgi`).

Threaded workers: PDFs and imports are rendered in the request, so one slow request must not
hold the whole worker; a generous timeout for those, and workers recycled now and then.
Every value can be overridden from the environment (GUNICORN_*, WEB_CONCURRENCY).
"""

import os
import shutil

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
# A worker silent this long is killed and replaced (the longest PDF or import must fit).
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))
# Recycle each worker after about this many requests; the jitter keeps them from all
# restarting at once.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "1000"))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", "100"))
# Django is loaded once in the master and each worker forks from it: a recycled worker
# starts at once instead of importing the project again (≈ 1.5 s CPU that its
# neighbours' requests waited for under load). Nothing opens a connection at import.
preload_app = os.environ.get("GUNICORN_PRELOAD", "1") == "1"
# Access log on stdout, one JSON object a line, with the request id the app answered with
# (free-text fields such as the user agent are left to the proxy's log, which escapes them).
accesslog = os.environ.get("GUNICORN_ACCESSLOG", "-")
access_log_format = (
    '{"time":"%(t)s","remote":"%(h)s","method":"%(m)s","path":"%(U)s","status":%(s)s,'
    '"bytes":"%(B)s","duration_ms":%(M)s,"request_id":"%({x-request-id}o)s"}'
)
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOGLEVEL", "info")
# The reverse proxy is the only client; it may sit on another container's address.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "*")
# Request bodies stay in memory up to Django's limits; temporary files go to the tmpfs.
worker_tmp_dir = os.environ.get("GUNICORN_WORKER_TMP_DIR") or None

# Prometheus: workers write their samples to PROMETHEUS_MULTIPROC_DIR, the master serves the
# sum on METRICS_PORT (internal: the reverse proxy does not route it). METRICS_PORT=0 disables.
METRICS_PORT = int(os.environ.get("METRICS_PORT", "9100"))
MULTIPROC_DIR = os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")


def on_starting(server):
    if MULTIPROC_DIR:
        shutil.rmtree(MULTIPROC_DIR, ignore_errors=True)  # stale files from a previous run
        os.makedirs(MULTIPROC_DIR, exist_ok=True)


def when_ready(server):
    if MULTIPROC_DIR and METRICS_PORT:
        from config.metrics import serve_multiprocess

        serve_multiprocess(METRICS_PORT)
        server.log.info("Prometheus metrics on :%s/metrics", METRICS_PORT)


def child_exit(server, worker):
    if MULTIPROC_DIR:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
