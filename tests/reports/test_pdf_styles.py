"""What keeps a long PDF cheap to render: the lean user-agent stylesheet and the subsidy
report's own stylesheet of one-tag-or-one-class rules (see reports/pdf.py)."""

from __future__ import annotations

import io
import re
from pathlib import Path

import tinycss2
from pypdf import PdfReader
from weasyprint import HTML
from weasyprint.html import UA_STYLESHEET

from reports.pdf import BASE_URL, LEAN_UA_STYLESHEET, LeanHTML

SUBSIDY_CSS = Path(__file__).resolve().parents[2] / "reports/static/reports/subsidy-pdf.css"
SIMPLE_SELECTOR = re.compile(r"[a-z][a-z0-9]*|\.[a-z][a-z0-9-]*")


def universal_pseudo_rules(sheet) -> list[str]:
    """Pseudo-element rules that name no tag, class or id: tried on every element."""
    return [entry[3] for entry in sheet.matcher.other_selectors if entry[3]]


def test_the_lean_ua_gives_no_element_pseudo_element_styles_it_does_not_use():
    assert "footnote-call" in universal_pseudo_rules(UA_STYLESHEET)  # the stock one does
    assert universal_pseudo_rules(LEAN_UA_STYLESHEET) == []
    lean = LeanHTML(string="<p>x</p>", base_url=BASE_URL)._ua_stylesheets()
    assert LEAN_UA_STYLESHEET in lean and UA_STYLESHEET not in lean
    # WeasyPrint's hook is still there (an upgrade renaming it would silently undo this).
    assert HTML(string="<p>x</p>")._ua_stylesheets() == [UA_STYLESHEET]


def test_lists_keep_their_markers_under_the_lean_ua():
    def text(cls) -> str:
        html = "<ol><li>甲项</li><li>乙项</li></ol><ul><li>丙项</li></ul>"
        pdf = cls(string=html, base_url=BASE_URL).write_pdf()
        return re.sub(r"\s+", "", PdfReader(io.BytesIO(pdf)).pages[0].extract_text())

    assert text(LeanHTML) == text(HTML)
    assert all(part in text(LeanHTML) for part in ("甲项", "丙项", "1.", "2.", "•"))


def test_the_subsidy_stylesheet_has_only_one_tag_or_one_class_selectors():
    css = SUBSIDY_CSS.read_text(encoding="utf-8")
    assert "footnote" not in css and "note(" not in css  # the lean UA has no such rules
    rules = tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True)
    selectors = []
    for rule in rules:
        if rule.type == "qualified-rule":
            prelude = tinycss2.serialize(rule.prelude)
            selectors += [part.strip() for part in prelude.split(",")]
        else:
            assert rule.type == "at-rule" and rule.lower_at_keyword == "page", rule
    assert len(selectors) > 10
    complex_ones = [s for s in selectors if not SIMPLE_SELECTOR.fullmatch(s)]
    assert complex_ones == [], "descendant, child, universal or compound selectors"
