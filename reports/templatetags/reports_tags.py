"""Display helpers of the reports templates."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def yuan(value) -> str:
    """Format whole yuan with thousands separators: 250000 → 250,000 (locale-independent)."""
    if value in (None, ""):
        return ""
    try:
        return f"{int(value):,}"
    except (TypeError, ValueError):
        return str(value)


@register.simple_tag
def official_documents(user, application=None, station=None):
    """Return the official documents (reports.documents.document_links) a page links."""
    from reports.documents import document_links

    return document_links(user, application=application, station=station)
