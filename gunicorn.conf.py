"""gunicorn settings for the web containers (`gunicorn -c gunicorn.conf.py config.wsgi`).

Threaded workers: PDFs and imports are rendered in the request, so one slow request must not
hold the whole worker; a generous timeout for those, and workers recycled now and then.
Every value can be overridden from the environment (GUNICORN_*, WEB_CONCURRENCY).
"""

import gc
import os
import shutil
import sys

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
# starts at once instead of importing the project again (≈ 1 s of CPU, measured, and as much
# again for its first page without the warm-up below). Nothing opens a connection at import.
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
    if preload_app:
        # In the master, after the app is loaded and before any worker forks (config/warmup.py).
        # Here, not in when_ready: gunicorn's SIGCHLD handler is not installed yet, so the
        # helper processes some imports start (ctypes' library look-ups) are not logged as
        # workers that failed.
        from config.warmup import warm_up

        server.log.info("warmed up: %s", warm_up())
        # What the master built is never freed: kept out of the workers' collections (and
        # their pages shared with the master instead of copied when a collection touches them).
        gc.freeze()
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


def worker_exit(server, worker):
    """A worker that ends normally (recycled by max_requests, or shut down) leaves at once.

    Its requests are done and its connections are closed here; what is left is the
    interpreter's teardown of a full Django heap (≈ 0.7 s of CPU, measured), during which the
    master has not yet started its replacement. A worker that failed (any other exit code)
    goes through the normal exit, so gunicorn still sees boot errors."""
    error = sys.exc_info()[1]
    if not isinstance(error, SystemExit) or error.code not in (0, None):
        return
    import logging

    from django.db import connections

    connections.close_all()
    if "sentry_sdk" in sys.modules:
        sys.modules["sentry_sdk"].flush(timeout=2)
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)
