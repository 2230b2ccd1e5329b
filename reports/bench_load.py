"""`make bench`'s load figures: 20 clients against gunicorn (2 workers × 4 threads) on the
bench data set, as a city administrator with one session a client."""

from __future__ import annotations

import os
import subprocess
import sys
import time

from .bench import ROOT, bench_users


def load_test(
    paths: list[str],
    *,
    clients: int = 20,
    seconds: float = 10,
    port: int = 18116,
    keepalive: bool = False,
    cache_url: str | None = None,
) -> dict[str, dict]:
    """Start gunicorn (2 workers × 4 threads), log a city administrator in through a session
    cookie, and hit each path from `clients` threads for `seconds`; return req/s and p95.

    By default each request comes on a connection of its own, as production's proxy sends
    them (deploy/nginx.conf keeps no upstream connection alive), so every request goes to
    whichever worker accepts it first. With `keepalive`, each client keeps one connection
    straight to gunicorn: a connection stays with the worker that accepted it, and the
    clients a recycled worker drops reconnect to the other one, which may then carry most of
    them for the rest of the run (measured: about half the throughput in such runs).

    `cache_url`: the Redis cache gunicorn uses (`shared_cache_url()` when not given)."""
    import http.client
    import threading

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    user = bench_users()["admin"]

    def new_cookie() -> str:
        # One session per client, as 20 people would have (a shared session would make
        # every request wait for the same session row's update).
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"

    cookies = [new_cookie() for _ in range(clients)]

    env = os.environ.copy()
    env.update({"DJANGO_SETTINGS_MODULE": "config.settings.local", "DEBUG": "0"})
    # Persistent database connections as in production (config/settings/production.py):
    # otherwise every request pays a new PostgreSQL connection (a backend process started on
    # the same two cores), which is not what production serves.
    env.setdefault("DB_CONN_MAX_AGE", "60")
    # The shared Redis cache as in production (CACHE_URL is required there): a worker that
    # gunicorn recycles keeps every cached page part; a per-process memory cache would make
    # each recycled worker rebuild them all while its neighbours wait.
    if cache_url is None:
        cache_url = shared_cache_url()
    if cache_url:
        env["CACHE_URL"] = cache_url
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi:application",
            "-w",
            "2",
            "--threads",
            "4",
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        # gunicorn.conf.py logs every request as production does; the lines go nowhere
        # here, so the figures stay readable.
        stdout=subprocess.DEVNULL,
    )
    try:
        _wait_for(port)
        # Warm every worker and thread first: a worker's first request imports and compiles
        # what the rest reuse, and would otherwise count as a slow request.
        warm = [
            threading.Thread(target=_get, args=(port, path, cookie))
            for path in paths
            for cookie in cookies[:16]
        ]
        for t in warm:
            t.start()
        for t in warm:
            t.join()
        results = {}
        for path in paths:
            latencies: list[float] = []
            errors = [0]
            stop = time.monotonic() + seconds
            lock = threading.Lock()

            retried = [0]

            def worker(
                cookie,
                path=path,
                stop=stop,
                latencies=latencies,
                errors=errors,
                retried=retried,
                lock=lock,
            ):
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

                headers = {"Cookie": cookie}
                if not keepalive:
                    headers["Connection"] = "close"

                def get(conn) -> bool:
                    conn.request("GET", path, headers=headers)
                    response = conn.getresponse()
                    response.read()
                    return response.status == 200

                while time.monotonic() < stop:
                    start = time.perf_counter()
                    again = False
                    if not keepalive:
                        conn.close()
                        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                    try:
                        ok = get(conn)
                    except (http.client.RemoteDisconnected, ConnectionError):
                        # A kept-alive connection the server closed (a worker recycled by
                        # max_requests): a GET is retried once on a new connection, as
                        # browsers do (RFC 9112 §9.3.1); the time counts from the first try.
                        again = True
                        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                        try:
                            ok = get(conn)
                        except Exception:  # noqa: BLE001
                            ok = False
                    except Exception:  # noqa: BLE001
                        ok = False
                    if not ok:
                        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                    with lock:
                        retried[0] += again
                        if ok:
                            latencies.append(time.perf_counter() - start)
                        else:
                            errors[0] += 1

            threads = [threading.Thread(target=worker, args=(c,)) for c in cookies]
            began = time.monotonic()
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            elapsed = time.monotonic() - began
            latencies.sort()
            p95 = latencies[int(len(latencies) * 0.95) - 1] if latencies else float("nan")
            results[path] = {
                "req_per_s": len(latencies) / elapsed,
                "p95_ms": p95 * 1000,
                "errors": errors[0],
                "retried": retried[0],
            }
        return results
    finally:
        server.terminate()
        server.wait(timeout=30)


def shared_cache_url() -> str:
    """A Redis database of the bench's own, emptied, for the load test's gunicorn; "" (each
    worker's memory cache) when no Redis answers.

    `BENCH_CACHE_URL` if set, else database 15 of the broker's Redis (CELERY_BROKER_URL) or of
    127.0.0.1:6379. It is flushed first: the bench writes its rows in bulk, without the
    signals that drop cached entries, and a previous run's entries must not be served."""
    import redis
    from django.conf import settings

    url = os.environ.get("BENCH_CACHE_URL", "")
    if not url:
        broker = settings.CELERY_BROKER_URL
        base = broker.rsplit("/", 1)[0] if broker.startswith("redis://") else ""
        url = f"{base or 'redis://127.0.0.1:6379'}/15"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).flushdb()
    except redis.RedisError:
        return ""
    return url


def _get(port: int, path: str, cookie: str) -> None:
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    conn.request("GET", path, headers={"Cookie": cookie})
    conn.getresponse().read()


def _wait_for(port: int, timeout: float = 60) -> None:
    import socket

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError("gunicorn did not start")
