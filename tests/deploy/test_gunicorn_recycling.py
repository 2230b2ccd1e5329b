"""gunicorn.conf.py: the app is preloaded and warmed in the master, and a worker recycled by
max_requests leaves at once (worker_exit) — requests keep being answered throughout, and the
log shows no worker that failed."""

from __future__ import annotations

import http.client
import os
import subprocess
import sys
import time
from pathlib import Path

from config.warmup import project_templates, warm_up
from tests.deploy.test_scale_out import free_port, wait_until

ROOT = Path(__file__).resolve().parents[2]


def test_the_warm_up_compiles_the_project_templates_without_touching_the_database():
    names = project_templates()
    assert {"base.html", "home.html", "stations/station_list.html"} <= set(names)
    assert not any(name.startswith("admin/") for name in names)  # Django's own are left
    # No django_db mark: pytest-django refuses any database access, so a warm-up that
    # queried (a connection the workers would inherit from the master) fails here.
    figures = warm_up()
    assert figures["templates"] == len(names) and figures["languages"] == 2


def test_recycled_workers_keep_answering_and_none_is_logged_as_failed(tmp_path):
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DEBUG": "0",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "2",
        "GUNICORN_MAX_REQUESTS": "4",
        "GUNICORN_MAX_REQUESTS_JITTER": "0",
        "GUNICORN_ACCESSLOG": "/dev/null",
        "METRICS_PORT": "0",
    }
    log = tmp_path / "gunicorn.log"
    with log.open("w") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "config.wsgi:application"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:

        def answers() -> bool:
            try:
                return _get(port) == 200
            except OSError:
                return False

        try:
            wait_until(answers, timeout=60, what="gunicorn answering")
        except AssertionError:
            raise AssertionError(log.read_text()[-3000:]) from None
        statuses = []
        for _ in range(24):  # ≈ six recycles of each worker
            for attempt in range(3):  # a connection the recycled worker closed: ask again
                try:
                    statuses.append(_get(port))
                    break
                except (ConnectionError, http.client.HTTPException):
                    time.sleep(0.2 * (attempt + 1))
        assert statuses == [200] * 24
    finally:
        server.terminate()
        server.wait(timeout=30)
    text = log.read_text()
    assert text.count("warmed up:") == 1  # once, in the master
    assert text.count("Booting worker") >= 6  # recycled, and started again
    assert "exited with code" not in text and "Traceback" not in text, text[-3000:]


def _get(port: int) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", "/healthz", headers={"Connection": "close"})
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


WORKER_END = """
import atexit, runpy, sys
conf = runpy.run_path("gunicorn.conf.py")
atexit.register(lambda: print("interpreter teardown ran"))
try:
    sys.exit({code})
finally:
    conf["worker_exit"](None, None)
    print("worker_exit returned")
"""


def test_only_a_worker_that_ends_normally_skips_the_interpreter_teardown():
    """worker_exit leaves at once after a normal end (exit code 0: recycled or shut down);
    after a failure it returns, so the exit code gunicorn acts on (3: boot error) stands."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.local"}

    def end(code: int) -> subprocess.CompletedProcess:
        script = "import django; django.setup()\n" + WORKER_END.format(code=code)
        return subprocess.run(
            [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True
        )

    normal = end(0)
    assert normal.returncode == 0
    assert "worker_exit returned" not in normal.stdout
    assert "teardown ran" not in normal.stdout
    failed = end(3)
    assert failed.returncode == 3
    assert "worker_exit returned" in failed.stdout and "teardown ran" in failed.stdout
