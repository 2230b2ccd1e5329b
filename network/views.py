"""Logged-in pages of the expert network: registration, demands, workflow, downloads.

Views stay thin: objects come from network.selectors (missing and forbidden both 404),
decisions from network.permissions, writes from network.services.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.models import AuditEvent
from accounts.paging import Paginator
from accounts.services import audit
from stations.uploads import stored_file_response

from . import antibot, permissions, selectors, services, workflow
from .choices import DemandStatus
from .forms import AssignForm, DemandForm, ProgressForm, RegistrationForm

PAGE_SIZE = 25


def forbidden(request, reason: str):
    return render(request, "network/forbidden.html", {"reason": reason}, status=403)


def register(request):
    if request.user.is_authenticated:
        return redirect("network:demand_list")
    if request.method != "POST":
        form = RegistrationForm(
            question=antibot.new_challenge(request), captcha=antibot.needs_captcha(request)
        )
        return render(request, "network/register.html", {"form": form})
    if antibot.is_throttled(request):
        audit(
            event="network.register_throttled",
            request=request,
            result=AuditEvent.Result.DENIED,
            reason="注册尝试过于频繁",
        )
        form = RegistrationForm(request.POST, question=antibot.current_question(request))
        return render(
            request, "network/register.html", {"form": form, "throttled": True}, status=429
        )
    captcha = antibot.needs_captcha(request)
    antibot.count_attempt(request)
    error = antibot.check(
        request,
        answer=request.POST.get("challenge", ""),
        honeypot=request.POST.get(antibot.HONEYPOT_FIELD, ""),
    )
    data = request.POST.copy()
    data["challenge"] = ""  # a new question is asked below; keep everything else
    form = RegistrationForm(request.POST, question=antibot.new_challenge(request), captcha=captcha)
    valid = form.is_valid()
    if error:
        form.add_error("challenge", error)
    if not (valid and not error):
        form.data = data
        if antibot.needs_captcha(request):
            form.add_captcha()  # the count just reached the limit: the next try needs it
        return render(request, "network/register.html", {"form": form})
    cleaned = form.cleaned_data
    enterprise = services.enterprise_register(
        city=cleaned["city"],
        name=cleaned["name"],
        credit_code=cleaned["credit_code"],
        industry=cleaned["industry"],
        contact_name=cleaned["contact_name"],
        contact_mobile=cleaned["contact_mobile"],
        contact_email=cleaned["contact_email"],
        username=cleaned["username"],
        password=cleaned["password1"],
        request=request,
    )
    login(request, enterprise.user, backend="django.contrib.auth.backends.ModelBackend")
    messages.success(request, "注册成功，欢迎使用。现在可以提交技术需求。")
    return redirect("network:demand_create")


@login_required
def demand_list(request):
    demands = selectors.demand_list(request.user)
    status = request.GET.get("status", "")
    if status in DemandStatus.values:
        demands = demands.filter(status=status)
    page = Paginator(demands, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "network/demand_list.html",
        {
            "page_obj": page,
            "status": status,
            "statuses": DemandStatus.choices,
            "can_submit": permissions.can_submit_demand(request.user)[0],
            "station_counts": selectors.my_station_counts(request.user),
            "query_string": f"status={status}" if status else "",
        },
    )


@login_required
def demand_create(request):
    ok, reason = permissions.can_submit_demand(request.user)
    if not ok:
        return forbidden(request, reason)
    form = DemandForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            demand = services.demand_submit(
                enterprise=request.user.enterprise,
                actor=request.user,
                title=data["title"],
                description=data["description"],
                industry=data["industry"],
                field=data["field"],
                urgency=data["urgency"],
                files=data["attachments"],
                request=request,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "技术需求已提交，市科协受理后会通知您。")
            return redirect("network:demand_detail", pk=demand.pk)
    return render(request, "network/demand_form.html", {"form": form})


@login_required
def demand_detail(request, pk: int):
    demand = selectors.get_demand(request.user, pk)
    transitions = permissions.allowed_transitions(request.user, demand)
    context = {
        "demand": demand,
        "transitions": [t for t in transitions if t.target != DemandStatus.ACCEPTED],
        "can_assign": any(t.target == DemandStatus.ACCEPTED for t in transitions),
        "updates": demand.updates.select_related("actor"),
        "attachments": demand.attachments.all(),
        "progress_form": ProgressForm(),
    }
    if context["can_assign"]:
        context["assign_form"] = AssignForm(
            stations=selectors.assignable_stations(request.user, demand)
        )
    if permissions.can_see_matching(request.user, demand):
        context["station_matches"] = selectors.match_stations(request.user, demand)
        context["expert_matches"] = selectors.match_experts(request.user, demand)
    return render(request, "network/demand_detail.html", context)


@login_required
@require_POST
def demand_transition(request, pk: int):
    demand = selectors.get_demand(request.user, pk)
    target = request.POST.get("target", "")
    ok, reason = permissions.can_transition_demand(request.user, demand, target)
    if not ok:
        return forbidden(request, reason)
    station = None
    if target == DemandStatus.ACCEPTED:
        form = AssignForm(
            request.POST, stations=selectors.assignable_stations(request.user, demand)
        )
    else:
        form = ProgressForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for e in errors:
                messages.error(request, e)
        return redirect("network:demand_detail", pk=demand.pk)
    station = form.cleaned_data.get("station")
    try:
        services.demand_transition(
            demand=demand,
            target=target,
            actor=request.user,
            note=form.cleaned_data.get("note", ""),
            station=station,
            achievement_transferred=form.cleaned_data.get("achievement_transferred", False),
            request=request,
        )
    except workflow.IllegalDemandTransition as exc:
        return forbidden(request, str(exc))
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, "已保存。")
    return redirect("network:demand_detail", pk=demand.pk)


@login_required
def attachment_download(request, pk: int, attachment_pk: int):
    demand = selectors.get_demand(request.user, pk)
    attachment = demand.attachments.filter(pk=attachment_pk).first()
    if attachment is None:
        raise Http404("未找到该记录，或您无权访问。")
    return stored_file_response(
        attachment.file, filename=attachment.original_name, content_type=attachment.content_type
    )
