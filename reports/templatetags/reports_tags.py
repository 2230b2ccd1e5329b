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
