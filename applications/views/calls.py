"""Calls for applications (申报通知): the list, creating and editing a call, applying to one."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from accounts.paging import paginate
from accounts.roles import Role
from accounts.scoping import scope_queryset
from policies.api import get_city_policy, workflow_for
from stations.models import Society, Station

from .. import calls, selectors, services
from ..forms import CallExtendForm, CallForm
from ..models import AttachmentKind
from ._common import _flash_error, _with_credit_flag

# --- calls -------------------------------------------------------------------------------------


@login_required
def call_list(request):
    user = request.user
    is_admin = user.role == Role.CITY_ADMIN or user.is_platform_admin
    page = paginate(request, selectors.call_list(user, open_only=not is_admin))
    calls = list(page.object_list)
    policies = {}
    for call in calls:
        if call.city_id not in policies:
            policies[call.city_id] = get_city_policy(call.city)
        policy = policies[call.city_id]
        call.program_label = gettext(policy.programs[call.program].label_zh)
        call.can_apply = (
            workflow_for(call.city, call.program).stage("draft").role == user.role
            and call.opens_on <= timezone.localdate() <= call.closes_on
        )
    stations, societies = [], []
    if user.role in (Role.SOCIETY_STAFF, Role.HOST_STAFF):
        stations = list(
            scope_queryset(user, Station.objects.filter(city_id=user.city_id)).only("id", "name")
        )
    if user.role == Role.HOST_STAFF and any(c.can_apply for c in calls):
        # Names for the choice list only: never decrypt the societies' bank accounts here.
        societies = list(
            _with_credit_flag(
                Society.objects.filter(city_id=user.city_id).only("id", "name")
            ).order_by("name")
        )
    return render(
        request,
        "applications/call_list.html",
        {
            "calls": calls,
            "page_obj": page,
            "is_admin": is_admin,
            "stations": stations,
            "societies": societies,
        },
    )


def _call_admin_city(user):
    if user.role != Role.CITY_ADMIN or not user.city_id:
        raise Http404
    return user.city


def _call_form_context(city) -> dict:
    policy = get_city_policy(city)
    labels = dict(AttachmentKind.choices)
    return {
        "programs": [(code, gettext(p.label_zh)) for code, p in policy.programs.items()],
        "policy_materials": {
            code: (
                gettext(p.label_zh),
                [str(labels.get(k, k)) for k in p.required_attachments],
                p.materials_clause,
            )
            for code, p in policy.programs.items()
        },
    }


@login_required
def call_create(request):
    user = request.user
    city = _call_admin_city(user)
    ctx = _call_form_context(city)
    form = CallForm(request.POST or None, programs=ctx["programs"])
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items()}
        try:
            call = services.call_create(city=city, actor=user, data=data)
        except (ValidationError, PermissionDenied) as exc:
            _flash_error(request, exc)
        else:
            messages.success(request, f"已发布申报通知：{call.title}")
            for warning in call.warnings:
                messages.warning(request, warning)
            return redirect("applications:calls")
    return render(request, "applications/call_form.html", {"form": form, **ctx})


@login_required
def call_edit(request, pk: int):
    """Edit a call without submissions; once one is submitted, only extend its deadline."""
    user = request.user
    city = _call_admin_city(user)
    call = selectors.call_get(user, pk)
    if call.city_id != city.pk:
        raise Http404
    ctx = _call_form_context(city)
    locked = calls.call_has_submissions(call)
    form = extend = None
    if locked:
        extend = CallExtendForm(
            request.POST or None, initial={"closes_on": call.closes_on}, prefix="extend"
        )
        valid = request.method == "POST" and extend.is_valid()
    else:
        form = CallForm(
            request.POST or None,
            instance=call,
            programs=ctx["programs"],
            lock_program=call.applications.exists(),
        )
        valid = request.method == "POST" and form.is_valid()
    if valid:
        try:
            if locked:
                call = calls.call_extend(
                    call=call,
                    actor=user,
                    closes_on=extend.cleaned_data["closes_on"],
                    reason=extend.cleaned_data["reason"],
                )
                messages.success(
                    request, f"截止日期已延长至 {calls.ymd(call.closes_on)}：{call.title}"
                )
            else:
                data = dict(form.cleaned_data)
                call = calls.call_update(call=call, actor=user, data=data)
                messages.success(request, f"已修改申报通知：{call.title}")
        except (ValidationError, PermissionDenied) as exc:
            _flash_error(request, exc)
        else:
            for warning in call.warnings:
                messages.warning(request, warning)
            return redirect("applications:calls")
    return render(
        request,
        "applications/call_form.html",
        {
            "form": form,
            "extend": extend,
            "call": call,
            "locked": locked,
            "materials": _material_labels(calls.call_materials(call)),
            **ctx,
        },
    )


def _material_labels(kinds) -> list[str]:
    labels = dict(AttachmentKind.choices)
    return [str(labels.get(k, k)) for k in kinds]


@login_required
@require_POST
def call_apply(request, pk: int):
    call = selectors.call_get(request.user, pk)
    station = society = None
    if request.POST.get("station"):
        station = get_object_or_404(
            scope_queryset(request.user, Station.objects.all()), pk=request.POST["station"]
        )
    if request.POST.get("society") and request.user.role == Role.HOST_STAFF:
        society = get_object_or_404(
            Society.objects.filter(city_id=call.city_id), pk=request.POST["society"]
        )
    try:
        app = services.application_create(
            call=call, actor=request.user, station=station, society=society
        )
    except (ValidationError, PermissionDenied) as exc:
        _flash_error(request, exc)
        return redirect("applications:calls")
    messages.success(request, "已创建申报草稿，可随时保存，填写完整后提交。")
    return redirect("applications:edit", pk=app.pk)
