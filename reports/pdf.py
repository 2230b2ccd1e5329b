"""PDF rendering with WeasyPrint that fetches nothing but the project's own static files.

Templates link their stylesheet and images with `{% static %}`; the document's base URL is
a host that does not exist (`STATIC_HOST`), and `StaticOnlyFetcher` answers only URLs on
that host under STATIC_URL, reading them through the staticfiles finders. Every other URL
(file:, http(s) to anywhere, data:, paths escaping the static folders) is refused, so a
user's text such as `file:///etc/passwd` or `http://127.0.0.1:…` can only ever be text.
Fonts come from fontconfig (fonts-wqy-microhei), never from a URL.

`render_pdf(..., lean_ua=True)` (the subsidy report) renders against a leaner copy of
WeasyPrint's HTML user-agent stylesheet (`LEAN_UA_STYLESHEET`): the stock one gives *every*
element six pseudo-element styles (`::marker`, `::footnote-call`, `::footnote-marker`,
`::note-call`, `::note-marker`, `::note-callback`), computed one by one and never shared,
which made most of the style time and a quarter of the memory of a 1,000-row report
(13,000 cells). The lean copy drops the footnote and note rules and keeps the marker rule
for `li`, the only list items the UA stylesheet makes. A document that floats something to
a footnote (`float: footnote`) or a note needs those rules: it must not ask for lean_ua.
"""

from __future__ import annotations

import logging
import mimetypes
import posixpath
import re
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from weasyprint import CSS, HTML
from weasyprint.css.counters import CounterStyle
from weasyprint.html import UA, UA_STYLESHEET
from weasyprint.urls import URLFetcher, URLFetcherResponse

from .heavy import fewer_collections

logger = logging.getLogger(__name__)
# WeasyPrint logs every rendering step at INFO; keep the logs for what matters.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

PDF_CONTENT_TYPE = "application/pdf"
STATIC_HOST = "static.ssp.invalid"  # .invalid never resolves (RFC 2606)
BASE_URL = f"https://{STATIC_HOST}/"


_UNIVERSAL_NOTE_RULES = re.compile(r"^::(?:footnote|note)-[a-z]+ \{[^}]*\}$", re.MULTILINE)
LEAN_UA = _UNIVERSAL_NOTE_RULES.sub("", UA).replace("\n::marker {", "\nli::marker {")
# Its @counter-style rules go to a throwaway registry: rendering takes the counter styles
# from WeasyPrint's own (HTML._ua_counter_style), which already holds them.
LEAN_UA_STYLESHEET = CSS(string=LEAN_UA, counter_style=CounterStyle())


class LeanHTML(HTML):
    """WeasyPrint's HTML with the lean user-agent stylesheet (see the module docstring)."""

    def _ua_stylesheets(self, forms=False):
        sheets = super()._ua_stylesheets(forms)
        return [LEAN_UA_STYLESHEET if sheet is UA_STYLESHEET else sheet for sheet in sheets]


class FetchRefused(ValueError):
    """A URL outside the project's static files; WeasyPrint logs it and renders without it."""


def static_path_for(url: str) -> str | None:
    """Return the absolute path of the static file `url` names, or None if it names none."""
    parts = urlsplit(url)
    if parts.scheme != "https" or parts.netloc != STATIC_HOST or parts.query or parts.fragment:
        return None
    path = unquote(parts.path)
    prefix = settings.STATIC_URL if settings.STATIC_URL.startswith("/") else "/static/"
    if not path.startswith(prefix):
        return None
    relative = path[len(prefix) :]
    normal = posixpath.normpath(relative)
    if not relative or normal != relative or normal.startswith(("..", "/")) or "\\" in relative:
        return None
    found = finders.find(normal)
    if found:
        return str(found)
    # Production serves collected, hashed names (ManifestStaticFilesStorage) from STATIC_ROOT.
    from django.contrib.staticfiles.storage import staticfiles_storage

    try:
        if staticfiles_storage.exists(normal):
            return staticfiles_storage.path(normal)
    except Exception:  # noqa: BLE001 (a storage without local paths serves nothing here)
        return None
    return None


class StaticOnlyFetcher(URLFetcher):
    """Serve the project's static files to WeasyPrint; refuse every other URL."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fetched: list[str] = []
        self.refused: list[str] = []

    def fetch(self, url, headers=None):
        path = static_path_for(url)
        if path is None:
            self.refused.append(url)
            logger.warning("PDF rendering refused to fetch %r", url[:200])
            raise FetchRefused(f"refused: {url[:200]}")
        self.fetched.append(url)
        mime, _encoding = mimetypes.guess_type(path)
        with open(path, "rb") as handle:
            body = handle.read()
        return URLFetcherResponse(url, body, {"Content-Type": mime or "application/octet-stream"})


def render_pdf(
    template: str,
    context: dict,
    *,
    fetcher: StaticOnlyFetcher | None = None,
    lean_ua: bool = False,
) -> bytes:
    """Render a Django template to PDF bytes (A4, CJK font, page numbers from the CSS);
    `lean_ua` for a long document without footnotes (see the module docstring)."""
    html = render_to_string(template, context)
    fetcher = fetcher or StaticOnlyFetcher()
    with fewer_collections():
        html_class = LeanHTML if lean_ua else HTML
        return html_class(string=html, base_url=BASE_URL, url_fetcher=fetcher).write_pdf()


def static_url(path: str) -> str:
    """Return the URL a PDF template uses for a static file (resolved by the fetcher)."""
    return BASE_URL.rstrip("/") + settings.STATIC_URL + path
