"""Shared helpers of the stations pages: sorted, filtered, paged lists and the edit
page (permission decision, form, service save, redirect to the detail page).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import models
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from accounts.paging import Paginator
from accounts.querycache import cached_fragment

from ..forms import attach_service_errors, bootstrapify
from ..models import Expert, HostUnit, Society, Station

PAGE_SIZE = 25
DETAIL_URLS = {
    Station: "stations:station_detail",
    Society: "stations:society_detail",
    HostUnit: "stations:host_unit_detail",
    Expert: "stations:expert_detail",
}
LIST_URLS = {
    Station: "stations:station_list",
    Society: "stations:society_list",
    HostUnit: "stations:host_unit_list",
    Expert: "stations:expert_list",
}


def apply_sort(queryset, request, orderings: Mapping[str, tuple[str, ...]], default: str):
    """Order by a whitelisted key from `?sort=`; anything else falls back to `default`."""
    requested = request.GET.get("sort", "")
    key = requested.lstrip("-")
    if key not in orderings:
        requested, key = default, default.lstrip("-")
    fields = orderings[key]
    if requested.startswith("-"):
        fields = tuple(f"-{f}" for f in fields)
    return queryset.order_by(*fields), requested


def _list_page(
    request,
    *,
    queryset,
    filterset_class,
    orderings,
    default_sort,
    template,
    extra=None,
    fragment: str | None = None,
):
    """A filtered, sorted, paged list. With `fragment` (a template of the page's filter form,
    table and pagination, printing only directory rows), the rendered fragment comes from the
    shared cache (accounts.querycache: keyed by the rows' SQL — scope, filters, sort — the
    query string, role and language; dropped by any directory change)."""
    # Without a query string the rows are the whole scoped list: the filter set (its
    # dropdowns, the program choices) is built only when the fragment is rendered.
    filterset = (
        filterset_class(request.GET, queryset=queryset, request=request) if request.GET else None
    )
    rows = filterset.qs if filterset is not None else queryset
    rows, current_sort = apply_sort(rows, request, orderings, default_sort)

    def render_fragment(name: str, request=request, filterset=filterset):
        if filterset is None:
            filterset = filterset_class(None, queryset=queryset, request=request)
        bootstrapify(filterset.form)
        page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
        context = {
            "filter": filterset,
            "page_obj": page,
            "rows": page.object_list,
            "current_sort": current_sort,
            **(extra or {}),
        }
        return context if name is None else render_to_string(name, context, request)

    if fragment is None:
        return render(request, template, render_fragment(None))
    html = cached_fragment(
        fragment,
        rows,
        (request.get_full_path(), request.user.role, get_language(), sorted((extra or {}).items())),
        lambda: render_fragment(fragment),
    )
    return render(request, template, {"fragment": html, **(extra or {})})


def forbidden(request, reason: str):
    return render(request, "stations/forbidden.html", {"reason": reason}, status=403)


def _edit_page(
    request,
    *,
    obj: models.Model | None,
    form_class,
    decision: tuple[bool, str],
    save: Callable[[dict], models.Model],
    template: str,
    form_kwargs: dict,
    extra: dict | None = None,
):
    allowed, reason = decision
    if not allowed:
        return forbidden(request, reason)
    if request.method == "POST":
        form = form_class(request.POST, instance=obj, **form_kwargs)
        if form.is_valid():
            try:
                saved = save(form.service_data())
            except ValidationError as exc:
                attach_service_errors(form, exc)
            else:
                messages.success(request, _("已保存。"))
                return redirect(DETAIL_URLS[type(saved)], pk=saved.pk)
    else:
        form = form_class(instance=obj, **form_kwargs)
    model = form_class._meta.model
    verbose = model._meta.verbose_name
    editing = obj is not None and obj.pk is not None
    context = {
        "form": form,
        "object": obj,
        "heading": (_("编辑%(name)s") if editing else _("新增%(name)s")) % {"name": verbose},
        "list_label": model._meta.verbose_name_plural,
        "list_url": reverse(LIST_URLS[model]),
        "detail_url": reverse(DETAIL_URLS[model], args=[obj.pk]) if editing else "",
        **(extra or {}),
    }
    return render(request, template, context)
