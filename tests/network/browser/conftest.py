"""Reuse the project's Playwright fixtures (they live beside tests/browser/)."""

from tests.browser.conftest import browser, login_as, page, screenshot  # noqa: F401
