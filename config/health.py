"""/healthz (the process answers) and /readyz (its database, cache and broker answer).

Answered by the first middleware, before host validation and the HTTPS redirect: the
container's own health check calls http://127.0.0.1:8000/… whatever ALLOWED_HOSTS says.
Neither answer reveals anything beyond "ok" or which dependency failed.
"""

from __future__ import annotations

import logging
import uuid

from django.http import JsonResponse

logger = logging.getLogger(__name__)
TIMEOUT_SECONDS = 2


def check_database() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_cache() -> None:
    from django.core.cache import cache

    nonce = uuid.uuid4().hex
    cache.set("readyz:probe", nonce, timeout=10)
    if cache.get("readyz:probe") != nonce:
        raise RuntimeError("cache did not return what was written")


def check_broker() -> None:
    """PING the Redis broker; without one (`make run`, eager tasks) there is nothing to check."""
    from django.conf import settings

    url = settings.CELERY_BROKER_URL
    if not url:
        return
    import redis

    client = redis.Redis.from_url(
        url, socket_connect_timeout=TIMEOUT_SECONDS, socket_timeout=TIMEOUT_SECONDS
    )
    try:
        client.ping()
    finally:
        client.close()


CHECKS = {"database": check_database, "cache": check_cache, "broker": check_broker}


def readiness() -> tuple[bool, dict[str, str]]:
    results = {}
    for name, check in CHECKS.items():
        try:
            check()
        except Exception as exc:  # any failure means "not ready"; the log says why
            logger.warning("readyz: %s unavailable: %s", name, exc.__class__.__name__)
            results[name] = "unavailable"
        else:
            results[name] = "ok"
    return all(v == "ok" for v in results.values()), results


class HealthCheckMiddleware:
    PATHS = {"/healthz": "healthz", "/readyz": "readyz"}

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        name = self.PATHS.get(request.path.rstrip("/"))
        if name is None or request.method not in {"GET", "HEAD"}:
            return self.get_response(request)
        request.metrics_view = name
        if name == "healthz":
            response = JsonResponse({"status": "ok"})
        else:
            ready, checks = readiness()
            response = JsonResponse(
                {"status": "ok" if ready else "unavailable", "checks": checks},
                status=200 if ready else 503,
            )
        response["Cache-Control"] = "no-store"
        return response
