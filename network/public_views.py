"""The public directory (no login): stations, societies and experts of one city (杭州 四(一))."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404, render

from stations.models import City

from . import selectors


def _city(city_code: str) -> City:
    return get_object_or_404(City, code=city_code)


def _terms(request) -> dict[str, str]:
    return {
        "field": request.GET.get("field", "").strip()[:50],
        "industry": request.GET.get("industry", "").strip()[:50],
    }


def index(request):
    return render(request, "network/public/index.html", {"cities": selectors.public_cities()})


def city_directory(request, city_code: str):
    city = _city(city_code)
    terms = _terms(request)
    # Three independently paged sections (?page=, ?society_page=, ?expert_page=).
    stations = selectors.public_stations(city, **terms, page=request.GET.get("page"))
    societies = selectors.public_societies(
        city, field=terms["field"], page=request.GET.get("society_page")
    )
    experts = selectors.public_experts(city, **terms, page=request.GET.get("expert_page"))
    return render(
        request,
        "network/public/city.html",
        {
            "city": city,
            **terms,
            "stations": stations.page_obj(),
            "societies": societies.page_obj(),
            "experts": experts.page_obj(),
        },
    )


def station_detail(request, city_code: str, pk: int):
    city = _city(city_code)
    station = selectors.public_station(city, pk)
    if station is None:
        raise Http404("未找到该服务站。")
    return render(request, "network/public/station.html", {"city": city, "station": station})


def society_detail(request, city_code: str, pk: int):
    city = _city(city_code)
    society = selectors.public_society(city, pk)
    if society is None:
        raise Http404("未找到该学会。")
    stations = selectors.public_stations(city, society_pk=pk, page=request.GET.get("page"))
    return render(
        request,
        "network/public/society.html",
        {"city": city, "society": society, "stations": stations.page_obj()},
    )
