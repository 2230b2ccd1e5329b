"""Prometheus metrics of the web processes.

Under gunicorn the workers write to PROMETHEUS_MULTIPROC_DIR and the master serves the sum on
an internal port (METRICS_PORT, see gunicorn.conf.py); the reverse proxy never routes it.
"""

from __future__ import annotations

import time

from prometheus_client import Counter, Histogram

REQUESTS = Counter(
    "ssp_http_requests_total",
    "HTTP requests answered, by view and status code.",
    ["method", "view", "status"],
)
LATENCY = Histogram(
    "ssp_http_request_duration_seconds",
    "Time to answer an HTTP request, by view.",
    ["method", "view"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120),
)
METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}


class MetricsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        # The view name, never the path: label values stay few whatever URLs are requested.
        view = (match.view_name if match else "") or getattr(request, "metrics_view", "unmatched")
        method = request.method if request.method in METHODS else "other"
        LATENCY.labels(method, view).observe(time.perf_counter() - started)
        REQUESTS.labels(method, view, str(response.status_code)).inc()
        return response


def serve_multiprocess(port: int, addr: str = "0.0.0.0") -> None:  # noqa: S104 (internal port)
    """Serve the workers' summed metrics (called in the gunicorn master)."""
    from prometheus_client import CollectorRegistry, start_http_server
    from prometheus_client.multiprocess import MultiProcessCollector

    registry = CollectorRegistry()
    MultiProcessCollector(registry)
    start_http_server(port, addr=addr, registry=registry)
