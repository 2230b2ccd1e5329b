"""The project's own promises: migrations complete, deploy checks clean, code style clean."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run(args, **env):
    # The browser tests allow async-unsafe ORM calls in-process; a deploy check must not see that.
    base = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_no_missing_migrations():
    result = run(["manage.py", "makemigrations", "--check", "--dry-run"])
    assert result.returncode == 0, result.stdout + result.stderr


def test_deploy_checks_clean_under_production_settings():
    result = run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        DJANGO_SETTINGS_MODULE="config.settings.production",
        SECRET_KEY=secrets.token_urlsafe(50),
        FIELD_ENCRYPTION_KEYS=secrets.token_urlsafe(32),
        ALLOWED_HOSTS="ssp.example.cn",
        CACHE_URL="redis://127.0.0.1:6379/1",
        DEBUG="0",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_ruff_lint_and_format_clean():
    lint = run(["-m", "ruff", "check", "."])
    assert lint.returncode == 0, lint.stdout + lint.stderr
    fmt = run(["-m", "ruff", "format", "--check", "."])
    assert fmt.returncode == 0, fmt.stdout + fmt.stderr


def test_production_settings_refuse_to_start_without_a_real_secret_key():
    for value in (None, "", "short"):
        env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
        if value is not None:
            env["SECRET_KEY"] = value
        result = subprocess.run(
            [sys.executable, "-c", "import config.settings.production"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
        )
        assert result.returncode != 0
        assert "SECRET_KEY" in result.stderr
