"""`{% page_url n %}`: the current URL's query string with the page number set to n."""

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def page_url(context, number, param="page") -> str:
    query = context["request"].GET.copy()
    query[param] = number
    return "?" + query.urlencode()
