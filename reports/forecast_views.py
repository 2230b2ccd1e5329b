"""Pages of the budget forecast (预算编制): one city, all cities, Excel and PDF downloads."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from accounts.services import audit

from . import forecast_selectors as selectors
from .excel import XLSX_CONTENT_TYPE
from .forecast_exports import BASIS, forecast_chart, forecast_xlsx, title
from .pdf import PDF_CONTENT_TYPE, render_pdf
from .views import attachment, issuer_for


def _first_year(request) -> int:
    """The first of the three budget years: ?year=, else next year (autumn planning)."""
    default = timezone.localdate().year + 1
    try:
        year = int(request.GET.get("year", default))
    except (TypeError, ValueError):
        return default
    return year if 2000 <= year <= 2100 else default


@login_required
@require_GET
def forecast_index(request):
    cities = selectors.forecast_cities(request.user)
    if not request.user.is_platform_admin:
        city = cities.first()
        if city is None:
            raise Http404("您无权查看预算预测。")
        return redirect("reports:forecast_city", code=city.code)
    first = _first_year(request)
    rows = []
    for city in cities:
        result = selectors.city_forecast(city, first_year=first)
        rows.append({"city": city, "totals": result.year_totals(), "grand": result.grand_total()})
    years = list(range(first, first + 3))
    return render(
        request,
        "funding/forecast_index.html",
        {"rows": rows, "years": years, "first_year": first},
    )


@login_required
@require_GET
def forecast_city(request, code: str):
    city = selectors.get_forecast_city(request.user, code)
    first = _first_year(request)
    result = selectors.city_forecast(city, first_year=first)
    fmt = request.GET.get("format", "html")
    context = {
        "city": city,
        "result": result,
        "title": title(result, city),
        "chart": forecast_chart(result, city),
        "basis": BASIS,
        "first_year": first,
        "year_choices": [timezone.localdate().year + i for i in range(0, 3)],
        "totals": result.year_totals(),
        "grand": result.grand_total(),
    }
    if fmt not in {"xlsx", "pdf"}:
        return render(request, "funding/forecast.html", context)
    audit(
        event="funding.forecast_exported",
        user=request.user,
        request=request,
        city_id=city.pk,
        detail={
            "format": fmt,
            "years": list(result.years),
            "policy_version": result.version,
            "expected": [c.expected for c in context["totals"]],
        },
    )
    filename = f"{context['title']}.{fmt}"
    if fmt == "xlsx":
        return attachment(forecast_xlsx(result, city), filename, XLSX_CONTENT_TYPE)
    pdf = render_pdf(
        "funding/pdf/forecast.html",
        {**context, "today": timezone.localdate(), "issuer": issuer_for(city)},
    )
    return attachment(pdf, filename, PDF_CONTENT_TYPE)
