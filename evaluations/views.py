"""Thin views of the evaluation cycle: selectors (404 alike), permissions, services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts.models import User
from accounts.paging import paginate
from accounts.roles import Role
from policies import api as engine
from stations.uploads import stored_file_response

from . import permissions, selectors, services
from .forms import (
    AssignForm,
    AttachmentForm,
    ConfirmForm,
    DemandUnitForm,
    RoundOpenForm,
    ScoreForm,
    SelfReportForm,
)


def _deny(decision) -> None:
    allowed, reason = decision
    if not allowed:
        raise PermissionDenied(reason)


def _errors(request, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


def _form_errors(request, form) -> None:
    for field, errs in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        messages.error(request, f"{label}：{'；'.join(errs)}" if label else "；".join(errs))


@login_required
def index(request):
    user = request.user
    can_open = bool(user.city_id) and permissions.can_open_round(user, user.city_id)[0]
    return render(
        request,
        "evaluations/index.html",
        {
            "rounds": selectors.round_list(user),
            "page_obj": paginate(request, selectors.evaluation_list(user)),
            "form": RoundOpenForm() if can_open else None,
        },
    )


@login_required
@require_POST
def round_open(request):
    _deny(permissions.can_open_round(request.user, request.user.city_id))
    form = RoundOpenForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("evaluations:index")
    try:
        rnd = services.round_open(
            city=request.user.city, actor=request.user, request=request, **form.cleaned_data
        )
    except ValidationError as exc:
        _errors(request, exc)
        return redirect("evaluations:index")
    messages.success(request, f"已发起{rnd}，共 {rnd.evaluations.count()} 个服务站。")
    return redirect("evaluations:round", pk=rnd.pk)


@login_required
def round_detail(request, pk: int):
    rnd = selectors.get_round(request.user, pk)
    evaluations = selectors.round_evaluations(request.user, rnd)
    page = paginate(request, evaluations)
    return render(
        request,
        "evaluations/round_detail.html",
        {
            "round": rnd,
            "page_obj": page,
            "by_status": selectors.status_counts(evaluations),
            "grade_labels": engine.GRADE_LABELS,
            "can_close": permissions.can_close_round(request.user, rnd)[0],
        },
    )


def _experts(ev):
    return User.objects.filter(
        role=Role.EXPERT_REVIEWER, city=ev.station.city_id, is_active=True
    ).exclude(expert__in=ev.station.experts.all())


@login_required
def evaluation_detail(request, pk: int):
    ev = selectors.get_evaluation(request.user, pk)
    user = request.user
    rubric = engine.evaluation_rubric(ev.station.city, ev.grant.program)
    counts, items = (
        (ev.counts, ev.quantitative) if ev.submitted_at else services.self_report_figures(ev)
    )
    (score_ok, _reason), my_score = permissions.can_score(user, ev)
    ctx = {
        "ev": ev,
        "rubric": rubric,
        "counts": counts,
        "items": items,
        "grade_labels": engine.GRADE_LABELS,
        "status_labels": engine.STATUS_LABELS,
        "city_code": ev.station.city.policy_code,
        "scores": ev.expert_scores.select_related("expert"),
        "attachments": ev.attachments.all(),
        "demand_ratings": services.DEMAND_RATINGS,
    }
    if permissions.can_submit_self_report(user, ev)[0]:
        ctx["report_form"] = SelfReportForm(
            initial={
                "version": ev.version,
                "summary": ev.summary,
                "final_accounts": ev.final_accounts,
                "final_accounts_total": ev.final_accounts_total,
            }
        )
        ctx["attachment_form"] = AttachmentForm()
    if permissions.can_demand_unit_review(user, ev)[0]:
        ctx["demand_form"] = DemandUnitForm(
            initial={
                "version": ev.version,
                "rating": ev.demand_unit_rating,
                "opinion": ev.demand_unit_opinion,
            }
        )
    if permissions.can_assign_experts(user, ev)[0]:
        ctx["assign_form"] = AssignForm(experts=_experts(ev))
    if score_ok:
        initial = {f"pt_{k}": v for k, v in (my_score.points or {}).items()}
        ctx["score_form"] = ScoreForm(
            rubric=rubric,
            initial={**initial, "comment": my_score.comment, "version": my_score.version},
        )
    if permissions.can_confirm(user, ev)[0]:
        ctx["confirm_form"] = ConfirmForm(
            initial={"version": ev.version, "final_score": services.suggested_score(ev)}
        )
        ctx["suggested"] = services.suggested_score(ev)
    return render(request, "evaluations/evaluation_detail.html", ctx)


def _act(request, pk, check, form_factory, call, ok):
    ev = selectors.get_evaluation(request.user, pk)
    decision = check(request.user, ev)
    _deny(decision[0] if isinstance(decision[0], tuple) else decision)
    form = form_factory(ev, request)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("evaluations:detail", pk=ev.pk)
    try:
        call(ev, form, decision)
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(request, ok)
    return redirect("evaluations:detail", pk=ev.pk)


@login_required
@require_POST
def submit(request, pk: int):
    return _act(
        request,
        pk,
        permissions.can_submit_self_report,
        lambda ev, r: SelfReportForm(r.POST),
        lambda ev, f, _: services.evaluation_submit(
            evaluation=ev,
            actor=request.user,
            request=request,
            summary=f.cleaned_data["summary"],
            final_accounts=f.cleaned_data["final_accounts"],
            final_accounts_total=f.cleaned_data["final_accounts_total"],
            expected_version=f.cleaned_data["version"],
        ),
        "自评材料已提交。",
    )


@login_required
@require_POST
def attach(request, pk: int):
    return _act(
        request,
        pk,
        permissions.can_submit_self_report,
        lambda ev, r: AttachmentForm(r.POST, r.FILES),
        lambda ev, f, _: services.evaluation_attachment_add(
            evaluation=ev, upload=f.cleaned_data["file"], actor=request.user, request=request
        ),
        "附件已上传。",
    )


@login_required
@require_POST
def demand_review(request, pk: int):
    return _act(
        request,
        pk,
        permissions.can_demand_unit_review,
        lambda ev, r: DemandUnitForm(r.POST),
        lambda ev, f, _: services.evaluation_demand_unit_review(
            evaluation=ev,
            actor=request.user,
            request=request,
            rating=f.cleaned_data["rating"],
            opinion=f.cleaned_data["opinion"],
            expected_version=f.cleaned_data["version"],
        ),
        "需求单位评价已提交。",
    )


@login_required
@require_POST
def assign(request, pk: int):
    return _act(
        request,
        pk,
        permissions.can_assign_experts,
        lambda ev, r: AssignForm(r.POST, experts=_experts(ev)),
        lambda ev, f, _: services.experts_assign(
            evaluation=ev,
            experts=list(f.cleaned_data["experts"]),
            actor=request.user,
            request=request,
        ),
        "已指派评审专家。",
    )


@login_required
@require_POST
def score(request, pk: int):
    def form(ev, r):
        return ScoreForm(r.POST, rubric=engine.evaluation_rubric(ev.station.city, ev.grant.program))

    return _act(
        request,
        pk,
        permissions.can_score,
        form,
        lambda ev, f, decision: services.expert_score_submit(
            score=decision[1],
            points=f.points(),
            comment=f.cleaned_data["comment"],
            actor=request.user,
            request=request,
            expected_version=f.cleaned_data["version"],
        ),
        "评分已提交。",
    )


@login_required
@require_POST
def confirm(request, pk: int):
    return _act(
        request,
        pk,
        permissions.can_confirm,
        lambda ev, r: ConfirmForm(r.POST),
        lambda ev, f, _: services.evaluation_confirm(
            evaluation=ev,
            final_score=f.cleaned_data["final_score"],
            rectification_deadline=f.cleaned_data["rectification_deadline"],
            expected_version=f.cleaned_data["version"],
            actor=request.user,
            request=request,
        ),
        "考核结果已确认，已按政策执行相应决定。",
    )


@login_required
@require_POST
def round_close(request, pk: int):
    rnd = selectors.get_round(request.user, pk)
    _deny(permissions.can_close_round(request.user, rnd))
    try:
        services.round_close(round=rnd, actor=request.user, request=request)
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(request, "本年度考核已结束；未提交自评的服务站记为未参加考核。")
    return redirect("evaluations:round", pk=rnd.pk)


@never_cache
@login_required
def attachment_download(request, pk: int, attachment_pk: int):
    """Serve a self-report attachment to whoever may see the evaluation; never inline."""
    ev = selectors.get_evaluation(request.user, pk)
    attachment = ev.attachments.filter(pk=attachment_pk).first()
    if attachment is None:
        raise Http404("未找到该记录，或您无权访问。")
    return stored_file_response(
        attachment.file, filename=attachment.original_name, content_type=attachment.content_type
    )
