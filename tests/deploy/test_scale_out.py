"""Scaled out as in production: two gunicorn processes and two Celery workers against one
PostgreSQL, a Redis and an S3-compatible object store (moto's server), all with the
production settings. Whatever one process wrote, the other serves; /readyz tells when the
shared Redis goes away.

The Redis and the S3 server are the test's own (free ports), so stopping them never touches
the machine's. Runs in CI (PostgreSQL in DATABASE_URL, a broker in CELERY_BROKER_URL).
"""

from __future__ import annotations

import io
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
from http.cookies import SimpleCookie
from pathlib import Path

import pytest
import requests
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection

from accounts.models import AuditEvent
from accounts.roles import Role
from reports.models import ExportJob
from stations.models import ActivityEvidence, Society
from tests.factories import StationFactory, UserFactory, city
from tests.reports.test_imports import society_row, xlsx
from tests.security.upload_corpus import PDF

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "pw-Scale-Out-2025"
BUCKET = "ssp-media"

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.celery_worker,
    pytest.mark.multiprocess,
    pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs redis-server"),
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(predicate, *, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = predicate()
        except (requests.ConnectionError, OSError):
            value = None
        if value:
            return value
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


def database_url() -> str:
    s = connection.settings_dict  # the test database, which the subprocesses must share
    password = f":{s['PASSWORD']}" if s["PASSWORD"] else ""
    return f"postgres://{s['USER']}{password}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


class OwnRedis:
    def __init__(self, tmp: Path):
        self.port = free_port()
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(tmp)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        import redis

        wait_until(
            lambda: redis.Redis(port=self.port, socket_timeout=1).ping(),
            timeout=15,
            what="redis",
        )

    def url(self, db: int) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


class Browser:
    """A logged-in user talking to any of the web processes, as if through the HTTPS proxy."""

    def __init__(self, bases: dict[str, str]):
        self.bases = bases
        self.cookies: dict[str, str] = {}

    def request(self, via: str, method: str, path: str, **kwargs) -> requests.Response:
        base = self.bases[via]
        headers = {
            "X-Forwarded-Proto": "https",
            "X-Forwarded-For": "203.0.113.7",
            "Origin": base.replace("http://", "https://"),
            **kwargs.pop("headers", {}),
        }
        if "csrftoken" in self.cookies:
            headers["X-CSRFToken"] = self.cookies["csrftoken"]
        if self.cookies:  # sent by hand: a cookie jar keeps Secure cookies off plain HTTP
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        response = requests.request(
            method,
            base + path,
            headers=headers,
            allow_redirects=False,
            timeout=60,
            **kwargs,
        )
        for header in response.raw.headers.getlist("Set-Cookie"):
            jar = SimpleCookie()
            jar.load(header)
            self.cookies.update({name: morsel.value for name, morsel in jar.items()})
        return response

    def get(self, via, path, **kw):
        return self.request(via, "GET", path, **kw)

    def post(self, via, path, **kw):
        return self.request(via, "POST", path, **kw)

    def login(self, via: str, username: str) -> None:
        page = self.get(via, "/accounts/login/")
        assert page.status_code == 200, page.text[:300]
        response = self.post(
            via, "/accounts/login/", data={"username": username, "password": PASSWORD}
        )
        assert response.status_code == 302, re.sub(r"\s+", " ", response.text)[-1500:]


def production_env(tmp_path: Path, redis: OwnRedis, s3_url: str) -> dict[str, str]:
    from django.conf import settings

    return {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST"))},
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        # The rows this test writes are encrypted with the test settings' keys.
        "FIELD_ENCRYPTION_KEYS": ",".join(settings.FIELD_ENCRYPTION_KEYS),
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": database_url(),
        "CACHE_URL": redis.url(1),
        "CELERY_BROKER_URL": redis.url(2),
        "CELERY_RESULT_BACKEND": "",
        "STORAGE_BACKEND": "s3",
        "S3_BUCKET": BUCKET,
        "S3_ENDPOINT_URL": s3_url,
        "S3_ACCESS_KEY_ID": "testing",
        "S3_SECRET_ACCESS_KEY": "testing",
        "S3_REGION": "us-east-1",
        "MEDIA_ROOT": str(tmp_path / "no-local-media"),
        "STATIC_ROOT": str(tmp_path / "static"),
        "TWO_FACTOR_REQUIRED_ROLES": "",
        "PASSWORD_MAX_AGE_DAYS": "0",
        "REPORTS_SYNC_EXPORT_MAX": "1",  # so two stations already make an export job
        "LOG_FORMAT": "json",
        "WEB_CONCURRENCY": "1",
        "GUNICORN_THREADS": "2",
    }


def spawn(args: list[str], env: dict, log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, *args], cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT
    )


def collect_static(env: dict, tmp_path: Path) -> subprocess.Popen:
    """As the image build does (the admin's and libraries' own files skipped: not visited)."""
    skip = ["admin", "import_export", "guardian", "django_otp", "otp_totp"]
    args = ["manage.py", "collectstatic", "--noinput", "-v0"]
    return spawn(args + [a for s in skip for a in ("-i", s)], env, tmp_path / "collect.log")


def start_worker(name: str, env: dict, tmp_path: Path) -> subprocess.Popen:
    args = ["-m", "celery", "-A", "config", "worker", "-n", f"w{name}@%h", "-Q",
            "default,exports,email", "--concurrency", "1", "--without-mingle", "--without-gossip"]  # fmt: skip
    return spawn(args, env, tmp_path / f"worker-{name}.log")


def start_web(name: str, env: dict, tmp_path: Path) -> tuple[subprocess.Popen, str, str, Path]:
    port, metrics_port = free_port(), free_port()
    log = tmp_path / f"web-{name}.log"
    own = {
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "METRICS_PORT": str(metrics_port),
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / f"prom-{name}"),
    }
    process = spawn(
        ["-m", "gunicorn", "-c", "gunicorn.conf.py", "config.wsgi:application"], {**env, **own}, log
    )
    return process, f"http://127.0.0.1:{port}", f"http://127.0.0.1:{metrics_port}/metrics", log


@pytest.fixture
def stack(tmp_path, transactional_db):
    import boto3
    from moto.server import ThreadedMotoServer

    processes: list[subprocess.Popen] = []
    s3_url = f"http://127.0.0.1:{free_port()}"
    s3 = ThreadedMotoServer(ip_address="127.0.0.1", port=int(s3_url.rsplit(":", 1)[1]))
    s3.start()
    redis = OwnRedis(tmp_path)
    try:
        client = boto3.client(
            "s3",
            endpoint_url=s3_url,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            region_name="us-east-1",
        )
        client.create_bucket(Bucket=BUCKET)
        env = production_env(tmp_path, redis, s3_url)
        collect = collect_static(env, tmp_path)
        processes += [start_worker(name, env, tmp_path) for name in ("1", "2")]
        assert collect.wait(timeout=120) == 0, (tmp_path / "collect.log").read_text()
        bases, metrics, logs = {}, {}, {}
        for name in ("A", "B"):
            process, bases[name], metrics[name], logs[name] = start_web(name, env, tmp_path)
            processes.append(process)
        for name, base in bases.items():
            try:
                wait_until(
                    lambda base=base: requests.get(base + "/healthz", timeout=5).ok,
                    timeout=90,
                    what=f"web {name}",
                )
            except AssertionError:
                raise AssertionError(logs[name].read_text()[-3000:]) from None
        yield {"bases": bases, "metrics": metrics, "logs": logs, "redis": redis, "s3": client}
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
        redis.stop()
        s3.stop()


def user(role, **scope):
    person = UserFactory(role=role, **scope)
    # The production settings hash with PBKDF2 (the test settings' MD5 is not among them).
    person.password = PBKDF2PasswordHasher().encode(PASSWORD, "scaleoutsalt", iterations=1000)
    person.save()
    return person


def stored_keys(client) -> list[str]:
    return [o["Key"] for o in client.list_objects_v2(Bucket=BUCKET).get("Contents", [])]


def test_two_web_processes_and_two_workers_share_files_sessions_and_jobs(stack, tmp_path):
    shenyang = city("shenyang")
    station = StationFactory(city=shenyang)
    StationFactory(city=shenyang)
    society_staff = user(Role.SOCIETY_STAFF, society=station.society)
    admin = user(Role.CITY_ADMIN, city=shenyang)
    bases = stack["bases"]

    # 1. An attachment uploaded through A downloads through B (object store, shared sessions).
    staff = Browser(bases)
    staff.login("A", society_staff.username)
    response = staff.post(
        "A",
        f"/stations/{station.pk}/activities/new/",
        data={"kind": "survey", "date": "2025-04-01", "title": "跨进程", "quantity": 1},
        files={"evidence": ("证明.pdf", PDF, "application/pdf")},
    )
    assert response.status_code == 302, response.text[:800]
    evidence = ActivityEvidence.objects.get(record__title="跨进程")
    assert evidence.file.name in stored_keys(stack["s3"])
    assert not (tmp_path / "no-local-media").exists()  # nothing on a container's own disk
    download = staff.get(
        "B", f"/stations/{station.pk}/activities/{evidence.record_id}/evidence/{evidence.pk}/"
    )
    assert download.status_code == 200 and download.content == PDF

    # 2. An import previewed on A is confirmed on B (the staged file is in the object store).
    city_admin = Browser(bases)
    city_admin.login("A", admin.username)
    content = xlsx("societies", [society_row(71)])
    preview = city_admin.post(
        "A", "/reports/imports/societies/", files={"file": ("学会.xlsx", content)}
    )
    assert preview.status_code == 200, preview.text[:800]
    token = re.search(r'name="token" value="([0-9a-f]{32})"', preview.text).group(1)
    assert f"imports/{admin.pk}/{token}.xlsx" in stored_keys(stack["s3"])
    assert not Society.objects.filter(name="导入学会71").exists()
    confirm = city_admin.post("B", "/reports/imports/societies/confirm/", data={"token": token})
    assert confirm.status_code == 200 and "import-done" in confirm.text
    assert Society.objects.filter(name="导入学会71").count() == 1
    assert f"imports/{admin.pk}/{token}.xlsx" not in stored_keys(stack["s3"])
    # The request id B answered with is on the audit rows the confirm wrote and in B's log.
    request_id = confirm.headers["X-Request-ID"]
    assert AuditEvent.objects.filter(request_id=request_id).exists()

    # 3. An export job queued on A runs on a worker; its file downloads from A and from B.
    queued = city_admin.get("A", "/reports/export/stations/?download=1")
    assert queued.status_code == 302
    job = ExportJob.objects.get(owner=admin)

    def finished():
        job.refresh_from_db()
        return job.is_finished

    wait_until(finished, timeout=120, what="the export job")
    assert job.status == ExportJob.Status.DONE, job.error
    assert job.file.name in stored_keys(stack["s3"])
    from openpyxl import load_workbook

    bodies = []
    for via in ("A", "B"):
        got = city_admin.get(via, f"/reports/jobs/{job.pk}/download/")
        assert got.status_code == 200
        bodies.append(got.content)
    assert bodies[0] == bodies[1]
    sheet = load_workbook(io.BytesIO(bodies[0]), read_only=True).active
    cells = {str(cell) for row in sheet.iter_rows(values_only=True) for cell in row}
    assert station.name in cells
    # The worker wrote its audit row under the task's id, not a web request's.
    done = AuditEvent.objects.get(event="reports.export_job_done", object_id=str(job.pk))
    assert (done.request_id or "").startswith("task-")

    # 4. JSON logs carry the request id; each master serves its workers' metrics.
    lines = [json.loads(x) for x in stack["logs"]["B"].read_text().splitlines() if x[:1] == "{"]
    assert any(line.get("request_id") == request_id for line in lines)
    exported = requests.get(stack["metrics"]["A"], timeout=10).text
    assert re.search(
        r'ssp_http_requests_total\{method="POST",status="200",view="reports:import_preview"\} 1\.0',
        exported,
    ), exported[:2000]

    # 5. Both are ready while the shared Redis answers, and not ready once it stops.
    for via in bases:
        ready = requests.get(bases[via] + "/readyz", timeout=10)
        assert ready.status_code == 200, ready.text
    stack["redis"].stop()
    for via in bases:
        ready = requests.get(bases[via] + "/readyz", timeout=20)
        assert ready.status_code == 503
        assert ready.json()["checks"] == {
            "database": "ok",
            "cache": "unavailable",
            "broker": "unavailable",
        }
        assert requests.get(bases[via] + "/healthz", timeout=10).status_code == 200
