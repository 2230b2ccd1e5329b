"""Read a page as a person sees it: its visible text, its links, what in it is user data.

Used by the demo walk (tests/test_visible_text.py) and the browser checks. Elements marked
`data-user` hold data as entered (names, titles): the English check skips them; everything
else is text the platform owns.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

SKIP_TAGS = {"script", "style", "template", "noscript", "head"}
VOID_TAGS = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "track",
    "wbr",
}
# A snake_case code (expert_review, key_support), a dotted event code (application.approve)
# or a model label (applications.Application) — what a person should never read.
RAW_CODE = re.compile(
    r"(?<![\w./:@-])(?:[a-z]+(?:_[a-z0-9]+)+|[a-z]+\.[a-z]+(?:_[a-z]+)*|[a-z]+\.[A-Z][a-zA-Z]+)(?![\w/@-])"
)
# Python reprs: lists of numbers, dicts, key=value pairs, None/True/False, object reprs.
PY_REPR = re.compile(
    r"\[\d+(?:\.\d+)?(?:, \d+(?:\.\d+)?)+\]|\{'[^']*': |\b[a-z_]+=(?:\[|\d|'|None|True|False)"
    r"|<[A-Z][A-Za-z]+(?: object)?[: ]|\bNone\b|\bTrue\b|\bFalse\b|Decimal\('"
)
CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")


class _Reader(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool, bool]] = []  # (tag, skipped, user data)
        self.owned: list[str] = []  # text the platform owns
        self.user: list[str] = []  # text inside data-user elements
        self.links: list[str] = []

    def _skipped(self) -> bool:
        return any(skipped for _t, skipped, _u in self.stack)

    def _in_user(self) -> bool:
        return any(user for _t, _s, user in self.stack)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        # Visible attribute text: placeholders, titles, labels for assistive technology.
        for name in ("placeholder", "aria-label", "title", "alt"):
            if attrs.get(name) and not self._skipped():
                (self.user if self._in_user() else self.owned).append(attrs[name])
        if tag == "input" and attrs.get("type") in {"submit", "button"} and attrs.get("value"):
            self.owned.append(attrs["value"])
        if tag in VOID_TAGS:
            return
        hidden = "hidden" in attrs or attrs.get("aria-hidden") == "true" and tag != "i"
        # data-user: data as entered; lang="zh…": text deliberately in Chinese (a language's
        # own name in the language menu).
        user = "data-user" in attrs or (
            tag != "html" and (attrs.get("lang") or "").startswith("zh")
        )
        self.stack.append((tag, tag in SKIP_TAGS or hidden, user))

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                return

    def handle_data(self, data):
        if not data.strip() or self._skipped():
            return
        (self.user if self._in_user() else self.owned).append(data)


def read(html: str) -> _Reader:
    reader = _Reader()
    reader.feed(html)
    reader.close()
    return reader


def raw_codes(text: str) -> list[str]:
    return sorted(set(RAW_CODE.findall(text)) | set(PY_REPR.findall(text)))


def cjk_runs(text: str, allowed: list[str] = ()) -> list[str]:
    """Return the CJK runs left in `text` once every allowed (user data) value is taken out."""
    for value in allowed:
        if value in text:
            text = text.replace(value, " ")
    return sorted(set(CJK.findall(text)))
