"""Walk the demo as each of its accounts: every link one click from the home page answers, and
what a person reads holds no raw code, no Python repr — and, in English, no Chinese the
platform owns.

Data stays as entered (names, titles, notes): elements marked `data-user` hold it, and
whatever text the database holds (every string a person or the demo typed) is taken out
before the English check, so what is left is the platform's own words.
"""

from __future__ import annotations

import time
from urllib.parse import urlsplit

import pytest
from django.apps import apps
from django.db import models
from django.test import Client
from django.utils import timezone

from accounts.models import User
from tests import pagescan

pytestmark = pytest.mark.django_db

SKIP_PREFIXES = ("/admin", "/i18n", "/accounts/logout", "/static", "/media")
# Chinese kept on purpose in English, with the reason.
INTENDED_CHINESE = {
    "王明": "the expert field's example input: the eligibility check reads names in Chinese",
}
NOT_TEXT = (
    models.IntegerField,
    models.DecimalField,
    models.DateField,
    models.TimeField,
    models.BooleanField,
    models.FloatField,
    models.AutoField,
)
PROJECT_APPS = {"stations", "applications", "funding", "evaluations", "network", "accounts"}


@pytest.fixture
def demo(db, settings):
    from demo.loader import demo_load

    settings.CELERY_TASK_ALWAYS_EAGER = True
    demo_load()
    return User.objects.order_by("id")


def _links(html: str) -> list[str]:
    """Return the page's internal GET links, one per path (query variants are the same page)."""
    seen: dict[str, str] = {}
    for href in pagescan.read(html).links:
        parts = urlsplit(href)
        if parts.scheme or parts.netloc or not parts.path.startswith("/"):
            continue
        if parts.path.startswith(SKIP_PREFIXES):
            continue
        seen.setdefault(parts.path, href)
    return sorted(seen.values())


def _walk(client: Client, user):
    """Yield (url, response) for the home page and every link on it, as `user`."""
    client.force_login(user)
    home = client.get("/")
    yield "/", home
    for url in _links(home.content.decode()):
        if url != "/":
            yield url, client.get(url)


def _user_data() -> list[str]:
    """Return every string the database holds (as entered), longest first."""
    values: set[str] = set()

    def collect(value):
        if isinstance(value, str):
            if pagescan.CJK.search(value):
                values.add(value)
                values.update(line.strip() for line in value.splitlines() if line.strip())
        elif isinstance(value, dict):
            for v in value.values():
                collect(v)
        elif isinstance(value, list | tuple):
            for v in value:
                collect(v)

    for model in apps.get_models():
        if model._meta.app_label not in PROJECT_APPS | {"policies"}:
            continue
        fields = [
            f.name
            for f in model._meta.concrete_fields
            if not f.choices and not f.is_relation and not isinstance(f, NOT_TEXT)
        ]
        if not fields:
            continue
        for row in model.objects.values_list(*fields):
            for value in row:
                collect(value)
    return sorted(values, key=len, reverse=True)


# One city's accounts of every role, plus the platform's own accounts, for the English walk.
ENGLISH_ACCOUNTS = {"admin", "security", "auditor"} | {
    f"guiyang_{r}"
    for r in ("admin", "society", "host", "county", "expert", "talent", "finance", "enterprise")
}


def _raw_code_problems(users) -> tuple[list[str], int]:
    client = Client()
    problems, pages = [], 0
    for user in users:
        for url, response in _walk(client, user):
            pages += 1
            if response.status_code >= 400:
                problems.append(f"{user.username} {url}: HTTP {response.status_code}")
                continue
            if "html" not in response.get("Content-Type", ""):
                continue
            text = " ".join(pagescan.read(response.content.decode()).owned)
            for code in pagescan.raw_codes(text):
                problems.append(f"{user.username} {url}: {code!r}")
    return problems, pages


def _english_problems(users) -> list[str]:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.cookies["django_language"] = "en"
    data = _user_data()
    problems: dict[str, set[str]] = {}
    for user in users:
        for url, response in _walk(client, user):
            if response.status_code >= 400 or "html" not in response.get("Content-Type", ""):
                continue
            text = "\n".join(pagescan.read(response.content.decode()).owned)
            for run in pagescan.cjk_runs(text, [v for v in data if v in text]):
                if run in INTENDED_CHINESE:
                    continue
                problems.setdefault(run, set()).add(f"{user.username} {url}")
    return [f"{run!r}: {sorted(where)[:2]}" for run, where in sorted(problems.items())]


def test_demo_walk_every_role_no_errors_no_raw_codes_and_english_complete(demo):
    """One demo load: all 43 accounts in Chinese, one city's roles and the platform in English."""
    started = time.monotonic()
    problems, pages = _raw_code_problems(demo)
    assert pages > 300, pages  # the walk really visited the demo
    assert not problems, "\n".join(problems[:60])
    english = _english_problems(demo.filter(username__in=ENGLISH_ACCOUNTS))
    assert not english, f"{len(english)} Chinese texts in English pages:\n" + "\n".join(english)
    assert time.monotonic() - started < 900


def test_english_dates_read_day_month_year():
    from django.template import Context, Template
    from django.utils import translation

    from stations.templatetags.stations_tags import cn_date

    day = timezone.localdate().replace(month=12, day=2)
    template = Template('{% load i18n %}{{ day|date:_("Y年n月j日") }}')
    with translation.override("en"):
        assert cn_date(day) == f"2 Dec {day.year}"
        assert template.render(Context({"day": day})) == f"2 Dec {day.year}"
        assert Template("{{ day }}").render(Context({"day": day})) == f"2 Dec {day.year}"
    assert cn_date(day) == f"{day.year}年12月2日"
    assert template.render(Context({"day": day})) == f"{day.year}年12月2日"
