"""Public notices (公示), objections to them, and a call's ranking."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from accounts.paging import paginate
from accounts.roles import Role
from accounts.scoping import scope_queryset
from policies.api import calendar_missing_error, can_enter_holidays

from .. import selectors, services
from ..forms import NoticeForm, ObjectionForm
from ..models import Objection
from ._common import _flash_error

# --- public notice ------------------------------------------------------------------------------


@login_required
def notice_list(request):
    return render(
        request,
        "applications/notice_list.html",
        {
            "page_obj": paginate(request, selectors.notice_list(request.user)),
            "is_admin": request.user.role == Role.CITY_ADMIN,
            "today": timezone.localdate(),
        },
    )


@login_required
def notice_create(request):
    user = request.user
    if user.role != Role.CITY_ADMIN:
        raise Http404
    candidates = selectors.notice_candidates(user)
    form = NoticeForm(request.POST or None, initial={"start_on": timezone.localdate()})
    calendar_missing = ""
    chosen_ids = {str(a.pk) for a in candidates}
    if request.method == "POST":
        chosen_ids = set(request.POST.getlist("applications"))
    if request.method == "POST" and form.is_valid():
        chosen = [a for a in candidates if str(a.pk) in chosen_ids]
        try:
            notice = services.notice_publish(
                city=user.city, applications=chosen, actor=user, **form.cleaned_data
            )
        except calendar_missing_error() as exc:
            # Nothing was published: the page says which year's holidays to enter, and where.
            calendar_missing = str(exc)
        except (ValidationError, PermissionDenied) as exc:
            if getattr(exc, "code", None) == "backdated":
                form.add_error("start_on", exc)
            else:
                _flash_error(request, exc)
        else:
            messages.success(request, f"公示已发布，截止 {notice.end_on:%Y-%m-%d}")
            return redirect("applications:notice", pk=notice.pk)
    return render(
        request,
        "applications/notice_form.html",
        {
            "form": form,
            "candidates": candidates,
            "chosen_ids": chosen_ids,
            "calendar_missing": calendar_missing,
            "can_edit_holidays": can_enter_holidays(user),
        },
    )


@login_required
def notice_detail(request, pk: int):
    user = request.user
    notice = selectors.notice_get(user, pk)
    apps = selectors.decorate(scope_queryset(user, notice.applications.all()))
    form = ObjectionForm(request.POST or None, applications=apps)
    if request.method == "POST":
        try:
            with transaction.atomic():
                if "decide" in request.POST:
                    objection = get_object_or_404(
                        Objection, pk=request.POST["decide"], notice=notice
                    )
                    services.objection_decide(
                        objection=objection,
                        actor=user,
                        upheld=request.POST.get("upheld") == "1",
                        resolution=request.POST.get("resolution", ""),
                    )
                elif form.is_valid():
                    app = next(a for a in apps if a.pk == form.cleaned_data["application"])
                    services.objection_record(
                        notice=notice,
                        application=app,
                        actor=user,
                        received_on=form.cleaned_data["received_on"],
                        content=form.cleaned_data["content"],
                        objector=form.cleaned_data["objector"],
                    )
                else:
                    raise ValidationError("请完整填写异议。")
        except (ValidationError, PermissionDenied) as exc:
            _flash_error(request, exc)
        else:
            messages.success(request, "已保存。")
            return redirect("applications:notice", pk=pk)
    return render(
        request,
        "applications/notice_detail.html",
        {
            "notice": notice,
            "apps": apps,
            "objections": list(notice.objections.select_related("application")),
            "form": form,
            "is_admin": user.role == Role.CITY_ADMIN,
            "closed": timezone.localdate() > notice.end_on,
        },
    )


# --- ranking --------------------------------------------------------------------------------


@login_required
def call_ranking(request, pk: int):
    call = selectors.call_get(request.user, pk)
    if request.user.role not in (Role.CITY_ADMIN, Role.TALENT_OFFICE):
        raise Http404
    context = selectors.ranking(request.user, call)
    return render(request, "applications/ranking.html", {"call": call, **context})
