"""Money in yuan with thousands separators, and in Chinese uppercase for official notices."""

from decimal import Decimal

import cn2an
from django import template

register = template.Library()


@register.filter
def yuan(value) -> str:
    """Return 30000 as "30,000" (Decimal keeps its fen: "1,234.50")."""
    if value is None or value == "":
        return "—"
    if isinstance(value, Decimal) and value != value.to_integral_value():
        return f"{value:,.2f}"
    return f"{int(value):,}"


@register.filter
def rmb_upper(value) -> str:
    """Return 100000 as "壹拾万元整"."""
    if value is None or value == "":
        return ""
    return cn2an.an2cn(str(Decimal(value).quantize(Decimal("0.01"))), "rmb")


@register.filter
def get_item(mapping, key):
    """Return mapping[key] (labels by code in templates)."""
    try:
        return mapping.get(key, key)
    except AttributeError:
        return key
