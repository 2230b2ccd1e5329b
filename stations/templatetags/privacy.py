from django import template

from stations.privacy import bank_account_for

register = template.Library()


@register.simple_tag(takes_context=True)
def bank_account(context, owner, number=None):
    """Render an owner's bank account number, masked unless the viewer may see it in full."""
    request = context.get("request")
    return bank_account_for(getattr(request, "user", None), owner, number)
