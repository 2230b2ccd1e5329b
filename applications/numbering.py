"""Who numbers an issued certificate (文号): a service the layer above registers.

The city's document numbers (DocumentCounter, DocumentNumber) belong to reports, which sits
above applications; certification must not import it (no import cycle between apps). So
reports registers its numbering service here when it starts (ReportsConfig.ready), and
certification asks for a number through `document_number`.
"""

from __future__ import annotations

from collections.abc import Callable

_numberer: Callable | None = None


def register_document_numberer(numberer: Callable) -> None:
    """Install the service that assigns a document's 文号 (called once, by reports)."""
    global _numberer
    _numberer = numberer


def document_number(*, kind: str, obj, city, year: int, actor=None) -> str:
    """Return the 文号 of document `kind` for `obj` (assigned once, then the same number)."""
    if _numberer is None:
        raise RuntimeError("No document numbering service registered (is reports installed?)")
    return _numberer(kind=kind, obj=obj, city=city, year=year, actor=actor).number
