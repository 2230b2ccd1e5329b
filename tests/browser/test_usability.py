"""Every role's key pages in a real browser: axe-core finds nothing critical or serious, and
nothing scrolls sideways at 1366 px (both languages) or at a 390 px phone width.

axe-core comes from the npm registry (tools/package.json, pinned; `make testtools`, run by
`make test`) and is injected by Playwright; it is never served to users. One demo load
(Guiyang and Yiyang, the cities with the budget table and the five items) serves all pages.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests import pagescan

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).resolve().parents[2] / "tools" / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def _key_pages():
    """Return [(username or None, [urls])]: each role's landing page and its main task."""
    from applications.models import Application
    from evaluations.models import StationEvaluation
    from funding.models import Grant
    from network.models import Demand

    gy = {"city__code": "guiyang"}
    draft = Application.objects.filter(**gy, stage="draft", withdrawn=False).first()
    waiting = Application.objects.filter(**gy).exclude(stage="draft").first()
    grant = Grant.objects.filter(station__city__code="guiyang").first()
    demand = Demand.objects.filter(city__code="guiyang").first()
    yiyang_eval = StationEvaluation.objects.filter(
        station__city__code="yiyang", submitted_at__isnull=False
    ).first()
    pages = [
        (None, ["/accounts/login/", "/public/"]),
        ("admin", ["/", "/stations/", "/policies/", "/policies/holidays/"]),
        (
            "guiyang_admin",
            ["/", "/applications/inbox/", f"/applications/{waiting.pk}/", "/reports/"],
        ),
        ("guiyang_society", ["/", f"/applications/{draft.pk}/edit/", "/applications/calls/"]),
        ("guiyang_host", ["/", "/applications/"]),
        ("guiyang_county", ["/"]),
        ("guiyang_expert", ["/", "/applications/inbox/"]),
        ("guiyang_talent", ["/"]),
        ("guiyang_finance", ["/", "/funding/", f"/funding/grants/{grant.pk}/"]),
        ("guiyang_enterprise", ["/", f"/network/demands/{demand.pk}/"]),
        ("yiyang_admin", ["/", f"/evaluations/{yiyang_eval.pk}/"]),
        ("security", ["/", "/accounts/security/users/"]),
        ("auditor", ["/", "/accounts/audit/"]),
    ]
    return pages


def _log_in(page, username):
    from demo.loader import DEMO_PASSWORD

    page.context.clear_cookies()
    if username is None:
        return
    page.goto(f"{page.base_url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("[data-testid=whoami]", state="attached")


def _overflow(page) -> int:
    return page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )


def _axe(page) -> list[str]:
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS
    )
    return [
        f"{v['impact']} {v['id']}: {v['help']} — "
        + "; ".join(n["target"][0] if n["target"] else "?" for n in v["nodes"][:3])
        for v in result["violations"]
        if v["impact"] in {"critical", "serious"}
    ]


def _set_language(page, code):
    page.context.add_cookies([{"name": "django_language", "value": code, "url": page.base_url}])


def test_key_pages_of_every_role_pass_axe_and_fit_1366_and_390(page, settings):
    from demo.loader import demo_load

    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `make testtools` (npm ci in tools/).")
    settings.CELERY_TASK_ALWAYS_EAGER = True
    demo_load(cities=["guiyang", "yiyang"])
    problems: list[str] = []
    # Chinese at 1366 px (axe) and 390 px, English at 1366 px: 3 loads of each key page.
    passes = (("zh-hans", 1366, True), ("zh-hans", 390, False), ("en", 1366, False))
    for username, urls in _key_pages():
        who = username or "anonymous"
        _log_in(page, username)
        for language, width, run_axe in passes:
            _set_language(page, language)
            page.set_viewport_size({"width": width, "height": 900})
            for url in urls:
                response = page.goto(f"{page.base_url}{url}")
                if response.status != 200:
                    problems.append(f"{who} {url}: HTTP {response.status}")
                    continue
                if (extra := _overflow(page)) > 0:
                    problems.append(f"{who} {url} [{language} {width}px]: {extra}px too wide")
                if run_axe:
                    problems += [f"{who} {url}: {v}" for v in _axe(page)]
                    # The server checks forms in the person's language: no browser bubbles.
                    if page.evaluate(
                        "() => document.querySelectorAll('form:not([novalidate])').length"
                    ):
                        problems.append(f"{who} {url}: a form without novalidate")
                if language == "en":
                    owned = " ".join(pagescan.read(page.content()).owned)
                    if re.search(r"\d{4}年\d{1,2}月\d{1,2}日", owned):
                        problems.append(f"{who} {url}: Chinese date in English")
    assert not problems, "\n".join(problems)


def test_readme_screenshots_of_each_role_home(page, settings):
    """Refresh docs/screenshots/home-<role>.png (README) when SSP_SCREENSHOTS=1."""
    import os

    if not os.environ.get("SSP_SCREENSHOTS"):
        pytest.skip("set SSP_SCREENSHOTS=1 to refresh the README screenshots")
    from demo.loader import demo_load

    settings.CELERY_TASK_ALWAYS_EAGER = True
    demo_load(cities=["guiyang"])
    DOCS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1366, "height": 768})
    from accounts.models import User

    for username in (
        "guiyang_admin",
        "guiyang_society",
        "guiyang_host",
        "guiyang_county",
        "guiyang_expert",
        "guiyang_talent",
        "guiyang_finance",
        "guiyang_enterprise",
        "admin",
        "security",
        "auditor",
    ):
        _log_in(page, username)
        page.goto(f"{page.base_url}/")
        path = DOCS / f"home-{User.objects.get(username=username).role}.png"
        page.screenshot(path=str(path), full_page=False)
        _shrink(path)


def _shrink(path: Path) -> None:
    """Half size, 64 colours: a README picture, not a pixel-exact record."""
    from PIL import Image

    with Image.open(path) as image:
        small = image.convert("RGB").resize((image.width // 2, image.height // 2), Image.LANCZOS)
    small.quantize(colors=64).save(path, optimize=True)
