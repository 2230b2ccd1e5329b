"""Pages of the policies app: parameters per city, the holiday table, the what-if tool."""

from __future__ import annotations

import hashlib
import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from . import selectors, services
from .engine import simulate, validate_params
from .forms import SimulateForm, StatutoryDayForm, params_form_class
from .models import StatutoryDay
from .registry import get_policy
from .types import GRADE_LABELS, STATUS_LABELS, PolicyError


@login_required
def index(request):
    cities = selectors.cities_for_policy_admin(request.user)
    if cities.count() == 1:
        return redirect("policies:params", code=cities.first().code)
    if not cities.exists():
        raise Http404("您无权管理政策参数。")
    return render(request, "policies/index.html", {"cities": cities})


@login_required
@require_http_methods(["GET", "POST"])
def params(request, code: str):
    city = selectors.get_city_for_policy_admin(request.user, code)
    policy = get_policy(city.policy_code)
    current = selectors.policy_version_for(city)
    values = policy.params(current.params)
    form_class = params_form_class(policy, values)
    form = form_class(request.POST or None)
    preview = digest = None
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        effective_from = data.pop("effective_from")
        note = data.pop("note")
        action = request.POST.get("action", "")
        try:
            clean = validate_params(policy, data)
            preview = impact_preview_for(city, clean, effective_from)
        except PolicyError as exc:
            form.add_error(None, str(exc))
        else:
            digest = preview_digest(clean, effective_from, preview.base_version)
            stale = action == "confirm" and request.POST.get("digest") != digest
            if stale:
                messages.warning(
                    request, _("参数与预览时不同，请核对下面新的影响预览后再确认保存。")
                )
            if action != "preview" and not stale:
                version = services.policy_version_create(
                    city=city,
                    params=clean,
                    effective_from=effective_from,
                    note=note,
                    actor=request.user,
                    request=request,
                    impact=preview.as_dict(),
                )
                messages.success(
                    request, f"已保存为第 {version.version} 版参数，{effective_from} 起生效。"
                )
                return redirect("policies:params", code=city.code)
    rows = [
        {"spec": spec, "value": values.get(spec.key), "default": policy.defaults.get(spec.key)}
        for spec in policy.param_specs
    ]
    return render(
        request,
        "policies/params.html",
        {
            "city": city,
            "policy": policy,
            "current": current,
            "rows": rows,
            "history": selectors.version_history(city),
            "form": form,
            "preview": preview,
            "preview_rows": preview.differences[:PREVIEW_ROWS] if preview else [],
            "preview_rows_max": PREVIEW_ROWS,
            "digest": digest,
            "labels": {spec.key: spec.label_zh for spec in policy.param_specs},
        },
    )


PREVIEW_ROWS = 200  # shown on the page; the whole list is stored with the version


def impact_preview_for(city, params: dict, effective_from):
    """Return the impact of `params` from the effective year on (three budget years)."""
    from .impact import impact_preview

    return impact_preview(city, params, first_year=effective_from.year)


def preview_digest(params: dict, effective_from, base_version: int) -> str:
    """Return a fingerprint of what was previewed: confirming other values (or against a
    version saved meanwhile by someone else) previews again."""
    payload = json.dumps(
        {"p": params, "e": effective_from.isoformat(), "v": base_version}, sort_keys=True
    )
    return hashlib.sha256(payload.encode()).hexdigest()[:32]


@login_required
@require_http_methods(["GET", "POST"])
def holidays(request):
    if not selectors.can_edit_holidays(request.user):
        raise Http404("您无权维护法定节假日安排。")
    form = StatutoryDayForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.statutory_day_save(**form.cleaned_data, actor=request.user, request=request)
        messages.success(request, "已保存。")
        return redirect("policies:holidays")
    return render(
        request,
        "policies/holidays.html",
        {"form": form, "days": selectors.statutory_days()},
    )


@login_required
@require_POST
def holiday_delete(request, pk: int):
    if not selectors.can_edit_holidays(request.user):
        raise PermissionDenied
    day = get_object_or_404(StatutoryDay, pk=pk)
    services.statutory_day_delete(day=day, actor=request.user, request=request)
    messages.success(request, "已删除。")
    return redirect("policies:holidays")


@login_required
@require_http_methods(["GET", "POST"])
def simulate_view(request):
    cities = list(selectors.cities_for_policy_admin(request.user))
    if not cities:
        raise Http404("您无权使用测算工具。")
    form = SimulateForm(request.POST or None, cities=cities)
    result = error = None
    if request.method == "POST" and form.is_valid():
        scenario = form.scenario()
        try:
            city = next(c for c in cities if c.policy_code == scenario["city"])
            version = selectors.policy_version_for(city)
            result = simulate(scenario, params=version.params, policy_version=version.version)
            for year in result["years"]:
                year["grade_zh"] = GRADE_LABELS.get(year["grade"], "—")
                year["status_zh"] = STATUS_LABELS[year["status"]]
            result["final_status_zh"] = STATUS_LABELS[result["final_status"]]
        except PolicyError as exc:
            error = str(exc)
    return render(
        request,
        "policies/simulate.html",
        {"form": form, "result": result, "error": error},
    )
