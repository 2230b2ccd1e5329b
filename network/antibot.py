"""Offline protection of the registration form: rate limit, honeypot, fill time, challenge.

No external captcha service (the platform runs on offline intranets). Four checks:

- a per-IP counter in Django's cache (LocMem by default, Redis in production) limits
  registration attempts to NETWORK_REGISTER_MAX_ATTEMPTS per NETWORK_REGISTER_WINDOW seconds;
- a honeypot field hidden from people: a bot that fills every input gives itself away;
- the form must be on screen for NETWORK_REGISTER_MIN_SECONDS before it is sent;
- an arithmetic question written in Chinese numerals, whose answer stays in the session
  (never in the page) and is used once.
"""

from __future__ import annotations

import random
import time

from django.conf import settings
from django.core.cache import cache

from accounts.client_ip import client_ip

SESSION_KEY = "network_register_challenge"
HONEYPOT_FIELD = "website"
NUMERALS = "零一二三四五六七八九十"
_random = random.SystemRandom()


def _setting(name: str, default):
    return getattr(settings, name, default)


def _ip(request) -> str:
    # The one trusted client address: X-Forwarded-For counts only from settings.TRUSTED_PROXIES,
    # so a client cannot spoof a fresh address per request and bypass the limit.
    return client_ip(request) or "unknown"


def _key(request) -> str:
    return f"network:register-attempts:{_ip(request)}"


def attempts(request) -> int:
    return cache.get(_key(request), 0)


def needs_captcha(request) -> bool:
    """A real image CAPTCHA once the count from this address rises (a script that solves the
    arithmetic question still has to read the image)."""
    return attempts(request) >= _setting("NETWORK_REGISTER_CAPTCHA_AFTER", 3)


def is_throttled(request) -> bool:
    attempts = cache.get(_key(request), 0)
    return attempts >= _setting("NETWORK_REGISTER_MAX_ATTEMPTS", 10)


def count_attempt(request) -> None:
    key = _key(request)
    window = _setting("NETWORK_REGISTER_WINDOW", 3600)
    if not cache.add(key, 1, timeout=window):
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=window)


def new_challenge(request) -> str:
    """Store a fresh question in the session and return its Chinese wording."""
    a, b = _random.randint(1, 10), _random.randint(1, 10)
    if _random.random() < 0.5:
        question, answer = f"{NUMERALS[a]}加{NUMERALS[b]}等于多少？", a + b
    else:
        a, b = max(a, b), min(a, b)
        question, answer = f"{NUMERALS[a]}减{NUMERALS[b]}等于多少？", a - b
    request.session[SESSION_KEY] = {"answer": answer, "issued": time.time(), "q": question}
    return question


def current_question(request) -> str:
    stored = request.session.get(SESSION_KEY)
    return stored["q"] if stored else new_challenge(request)


def check(request, *, answer: str, honeypot: str) -> str | None:
    """Return an error message (Chinese) or None; the stored challenge is used up either way."""
    stored = request.session.pop(SESSION_KEY, None)
    if honeypot:
        return "提交未通过校验，请刷新页面后重新填写。"
    if not stored:
        return "验证题已失效，请重新作答。"
    elapsed = time.time() - stored["issued"]
    if elapsed < _setting("NETWORK_REGISTER_MIN_SECONDS", 3):
        return "提交过快，请确认填写内容后再提交。"
    if elapsed > _setting("NETWORK_REGISTER_MAX_SECONDS", 1800):
        return "验证题已过期，请重新作答。"
    if (answer or "").strip() != str(stored["answer"]):
        return "验证题答案不正确，请重新计算。"
    return None
