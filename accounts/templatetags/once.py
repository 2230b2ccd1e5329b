"""{% one_time_token %}: the hidden one-time token for a hand-written money form."""

from django import template
from django.utils.html import format_html

from accounts.idempotency import TOKEN_FIELD, new_token

register = template.Library()


@register.simple_tag
def one_time_token(prefix: str = ""):
    name = f"{prefix}-{TOKEN_FIELD}" if prefix else TOKEN_FIELD
    return format_html('<input type="hidden" name="{}" value="{}">', name, new_token())
