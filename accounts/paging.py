"""One way to cut a list into pages: a bounded page size, the count computed in SQL.

Every list page goes through `paginate`, so no page ever builds more than `MAX_PAGE_SIZE`
rows, whatever the data grows to, and the total shown is `COUNT(*)` of exactly the rows
the filters select (never a silent `[:200]`). Templates show the page with
`{% include "_page_nav.html" %}` (count, page n of m, first/previous/next/last links that
keep the other query parameters).
"""

from __future__ import annotations

from django.core import paginator as django_paginator
from django.core.paginator import Page

PAGE_SIZE = 25
MAX_PAGE_SIZE = 100

# False makes every list count its rows first, as Django's paginator does: the worst case,
# which tests/performance measures (a list that outgrows its first page gains its COUNT).
COUNT_FROM_A_SHORT_PAGE = True


class Paginator(django_paginator.Paginator):
    """Django's paginator, which learns the total from the first page when it can.

    Django counts first (COUNT(*)), then fetches the page. Here the first page is fetched
    first, with one row more than it shows: a list shorter than one page — as most lists of
    calls, notices, demands and messages are — tells its total without a COUNT; a full first
    page (more rows follow) counts as Django does and keeps the rows already fetched. Later
    pages are Django's: the list had more than one page, and a number past the end must be
    counted before anything else, so fetching first could only add a query."""

    def get_page(self, number) -> Page:
        if (
            not COUNT_FROM_A_SHORT_PAGE
            or not _asks_first_page(number)
            or self.orphans
            or not self.allow_empty_first_page
            or "count" in self.__dict__
        ):
            return super().get_page(number)
        rows = list(self.object_list[: self.per_page + 1])
        if len(rows) > self.per_page:  # more follow: the page count needs the total
            self.count  # noqa: B018 (COUNT(*), cached for num_pages and the template)
            return self._get_page(rows[: self.per_page], 1, self)
        self.__dict__["count"] = len(rows)  # Paginator.count is a cached_property
        return self._get_page(rows, 1, self)


def _asks_first_page(number) -> bool:
    """Whether Django's get_page shows page 1 for `number` without counting: anything but a
    whole number is page 1 (PageNotAnInteger), and so is 1 itself."""
    if isinstance(number, float) and not number.is_integer():
        return True
    try:
        return int(number) == 1
    except (TypeError, ValueError):
        return True


def paginate(request, rows, *, per_page: int = PAGE_SIZE, param: str = "page") -> Page:
    """Return the requested page of `rows` (a queryset or a list); a bad number gives page 1
    or the last page, like Paginator.get_page."""
    per_page = max(1, min(per_page, MAX_PAGE_SIZE))
    return Paginator(rows, per_page).get_page(request.GET.get(param))
