"""One way to cut a list into pages: a bounded page size, the count computed in SQL.

Every list page goes through `paginate`, so no page ever builds more than `MAX_PAGE_SIZE`
rows, whatever the data grows to, and the total shown is `COUNT(*)` of exactly the rows
the filters select (never a silent `[:200]`). Templates show the page with
`{% include "_page_nav.html" %}` (count, page n of m, first/previous/next/last links that
keep the other query parameters).
"""

from __future__ import annotations

from django.core.paginator import Page, Paginator

PAGE_SIZE = 25
MAX_PAGE_SIZE = 100


def paginate(request, rows, *, per_page: int = PAGE_SIZE, param: str = "page") -> Page:
    """Return the requested page of `rows` (a queryset or a list); a bad number gives page 1
    or the last page, like Paginator.get_page."""
    per_page = max(1, min(per_page, MAX_PAGE_SIZE))
    return Paginator(rows, per_page).get_page(request.GET.get(param))
