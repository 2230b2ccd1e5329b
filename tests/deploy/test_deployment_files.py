"""The deployment as files: docker-compose.yml against the compose schema, the proxy's
nginx config, the Dockerfile's shape, and the production settings read from the environment."""

from __future__ import annotations

import json
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
# The Compose Specification's JSON schema, as shipped in docker-compose 1.29.2 (PyPI,
# Apache-2.0, compose/config/compose_spec.json); `docker compose config` is used too when
# the compose plugin is installed.
SCHEMA = Path(__file__).with_name("compose_spec.json")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())  # resolves <<: merges


def test_compose_file_is_valid_against_the_compose_schema(compose):
    import jsonschema

    schema = json.loads(SCHEMA.read_text())
    validator = jsonschema.Draft201909Validator(schema)
    errors = sorted(validator.iter_errors(compose), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors)


@pytest.mark.skipif(
    subprocess.run(["docker", "compose", "version"], capture_output=True).returncode != 0
    if shutil.which("docker")
    else True,
    reason="the docker compose plugin is not installed",
)
def test_docker_compose_config_accepts_the_file(tmp_path):
    env = tmp_path / ".env"
    env.write_text("POSTGRES_PASSWORD=x\n")
    result = subprocess.run(
        ["docker", "compose", "-f", str(ROOT / "docker-compose.yml"), "--env-file", str(env),
         "config", "--quiet"],
        cwd=ROOT, capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr


def test_compose_scales_web_and_workers_behind_one_proxy_with_one_migrate_and_one_beat(compose):
    services = compose["services"]
    for name, service in services.items():
        for dependency in service.get("depends_on", {}):
            assert dependency in services, f"{name} depends on unknown {dependency}"
    # web has no host port (so --scale web=3 works); only the proxy publishes one.
    assert "ports" not in services["web"]
    assert [n for n, s in services.items() if "ports" in s] == ["proxy"]
    assert services["proxy"]["depends_on"]["web"]["condition"] == "service_healthy"
    # One migrate, run to completion before anything that uses the database starts.
    assert "manage.py migrate --noinput" in " ".join(services["migrate"]["command"])
    for name in ("web", "worker", "worker-exports", "beat"):
        assert services[name]["depends_on"]["migrate"] == {
            "condition": "service_completed_successfully"
        }
        assert "migrate" not in " ".join(services[name]["command"])
    # Workers for every queue; one beat, with the locking scheduler.
    queues = set()
    for service in services.values():
        command = service.get("command", [])
        if "worker" in command:
            queues |= set(command[command.index("-Q") + 1].split(","))
    assert queues == {"default", "exports", "email"}
    beats = [n for n, s in services.items() if "beat" in s.get("command", [])]
    assert beats == ["beat"] and "redbeat.RedBeatScheduler" in services["beat"]["command"]
    # Readiness gates the proxy; the client address passes only through the fixed proxy.
    assert "/readyz" in " ".join(services["web"]["healthcheck"]["test"])
    proxy_ip = services["proxy"]["networks"]["backend"]["ipv4_address"]
    assert proxy_ip in services["web"]["environment"]["TRUSTED_PROXIES"]
    env = services["web"]["environment"]
    assert env["CACHE_URL"].startswith("redis://") and "STORAGE_BACKEND" in env


def test_the_proxy_sends_the_client_address_scheme_and_request_id():
    conf = (ROOT / "deploy" / "nginx.conf").read_text()
    for header in (
        "X-Forwarded-For $proxy_add_x_forwarded_for",
        "X-Forwarded-Proto",
        "X-Request-ID",
    ):
        assert f"proxy_set_header {header}" in conf
    assert "resolver 127.0.0.11" in conf  # re-resolves `web` as replicas come and go


@pytest.mark.skipif(shutil.which("nginx") is None, reason="nginx is not installed")
def test_nginx_accepts_the_proxy_config(tmp_path):
    main = tmp_path / "nginx.conf"
    main.write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log stderr;\nevents {{}}\n"
        f"http {{ include {ROOT / 'deploy' / 'nginx.conf'}; }}\n"
    )
    result = subprocess.run(
        ["nginx", "-t", "-c", str(main), "-p", str(tmp_path)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


def test_dockerfile_installs_dependencies_before_the_code_runs_unprivileged_and_checks_health():
    lines = [line.strip() for line in (ROOT / "Dockerfile").read_text().splitlines()]
    stages = [n for n, line in enumerate(lines) if line.startswith("FROM ")]
    assert len(stages) >= 2  # build stage + runtime stage
    build = lines[stages[0] : stages[1]]
    install = next(n for n, line in enumerate(build) if "pip install -r requirements.txt" in line)
    assert not any(line.startswith("COPY . .") for line in build[:install])
    runtime = lines[stages[1] :]
    assert any(line.startswith("COPY --from=") for line in runtime)
    user = next(line for line in runtime if line.startswith("USER "))
    assert user.split()[1] not in {"root", "0"}
    assert any(line.startswith("HEALTHCHECK") for line in runtime)
    assert "/healthz" in "\n".join(runtime)
    assert "gunicorn.conf.py" in runtime[-1]


def production_settings(**env) -> dict:
    """Import config.settings.production in a fresh interpreter with `env`; return a few values."""
    base = {
        "SECRET_KEY": secrets.token_urlsafe(50),
        "FIELD_ENCRYPTION_KEYS": secrets.token_urlsafe(32),
        "ALLOWED_HOSTS": "ssp.example.cn",
        "CACHE_URL": "redis://redis:6379/1",
        "PATH": "/usr/bin:/bin",
    }
    names = ["CACHES", "STORAGES", "DATABASES", "LOGGING", "SENTRY_DSN"] + [
        f"EMAIL_{n}"
        for n in [
            "BACKEND",
            "HOST",
            "PORT",
            "HOST_USER",
            "HOST_PASSWORD",
            "USE_TLS",
            "USE_SSL",
            "TIMEOUT",
        ]
    ]
    code = (
        "import json, config.settings.production as s;"
        f"print(json.dumps({{k: getattr(s, k) for k in {names + ['DEFAULT_FROM_EMAIL']!r}}}, default=str))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env={**base, **env}, capture_output=True, text=True
    )
    if result.returncode != 0:
        raise RuntimeError(result.stderr)
    return json.loads(result.stdout)


def test_production_reads_smtp_cache_storage_and_connections_from_the_environment():
    s = production_settings(
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="smtp.intranet.local",
        EMAIL_PORT="465",
        EMAIL_HOST_USER="ssp",
        EMAIL_HOST_PASSWORD="mail-secret",
        EMAIL_USE_SSL="1",
        EMAIL_TIMEOUT="15",
        DEFAULT_FROM_EMAIL="学会服务站 <ssp@cast.local>",
        STORAGE_BACKEND="s3",
        S3_BUCKET="ssp-media",
        S3_ENDPOINT_URL="http://minio.intranet:9000",
        S3_ACCESS_KEY_ID="AK",
        S3_SECRET_ACCESS_KEY="SK",
        DATABASE_URL="postgres://ssp:pw@db:5432/ssp",
    )
    assert (s["EMAIL_HOST"], s["EMAIL_PORT"], s["EMAIL_HOST_USER"]) == (
        "smtp.intranet.local",
        465,
        "ssp",
    )
    assert s["EMAIL_HOST_PASSWORD"] == "mail-secret" and s["EMAIL_USE_SSL"] is True
    assert s["EMAIL_USE_TLS"] is False and s["EMAIL_TIMEOUT"] == 15
    assert s["DEFAULT_FROM_EMAIL"] == "学会服务站 <ssp@cast.local>"
    assert s["CACHES"]["default"]["BACKEND"] == "config.cache.RedisCache"
    assert s["CACHES"]["default"]["LOCATION"] == "redis://redis:6379/1"
    storage = s["STORAGES"]["default"]
    assert storage["BACKEND"] == "storages.backends.s3.S3Storage"
    assert storage["OPTIONS"]["bucket_name"] == "ssp-media"
    assert storage["OPTIONS"]["endpoint_url"] == "http://minio.intranet:9000"
    database = s["DATABASES"]["default"]
    assert database["CONN_MAX_AGE"] == 60 and database["CONN_HEALTH_CHECKS"] is True
    assert s["LOGGING"]["handlers"]["console"]["formatter"] == "json"
    assert s["SENTRY_DSN"] == ""


def test_production_defaults_to_local_files_and_refuses_to_start_without_a_shared_cache():
    s = production_settings()
    assert s["STORAGES"]["default"]["BACKEND"] == "django.core.files.storage.FileSystemStorage"
    with pytest.raises(RuntimeError, match="CACHE_URL"):
        production_settings(CACHE_URL="")
    with pytest.raises(RuntimeError, match="S3_BUCKET"):
        production_settings(STORAGE_BACKEND="s3")
    with pytest.raises(RuntimeError, match="STORAGE_BACKEND"):
        production_settings(STORAGE_BACKEND="ftp")


def test_sentry_is_set_up_only_when_a_dsn_is_given():
    code = (
        "import config.settings.production, sentry_sdk;"
        "print(bool(sentry_sdk.get_client().is_active()))"
    )
    base = {
        "SECRET_KEY": secrets.token_urlsafe(50),
        "FIELD_ENCRYPTION_KEYS": "k",
        "CACHE_URL": "redis://redis:6379/1",
    }
    for dsn, active in (("", "False"), ("https://key@sentry.intranet.local/3", "True")):
        result = subprocess.run(
            [sys.executable, "-c", code],
            cwd=ROOT,
            env={**base, "SENTRY_DSN": dsn},
            capture_output=True,
            text=True,
        )
        assert result.stdout.strip() == active, result.stderr


def test_compose_runs_the_app_as_a_role_that_owns_nothing(compose):
    """Issue 13: the app is neither owner nor superuser; only migrate (and the housekeeping
    worker, for purge_audit past retention) hold the owner's credentials."""
    services = compose["services"]
    owner = "postgres://ssp:"
    for name in ("web", "worker", "worker-exports", "beat"):
        assert services[name]["environment"]["DATABASE_URL"].startswith("postgres://ssp_app:")
    migrate = services["migrate"]
    assert migrate["environment"]["DATABASE_URL"].startswith(owner)
    assert "db_app_role --role ssp_app" in " ".join(migrate["command"])
    holders = {n for n, s in services.items() if owner in str(s.get("environment", {}))}
    assert holders == {"migrate", "worker"}
    init = ROOT / "deploy" / "db-init" / "10-app-role.sh"
    assert "CREATE ROLE ssp_app LOGIN NOSUPERUSER" in init.read_text()
    assert any("docker-entrypoint-initdb.d" in v for v in services["db"]["volumes"])
