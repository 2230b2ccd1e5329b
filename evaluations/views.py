"""Thin views of the evaluation cycle: selectors (404 alike), permissions, services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts.models import User
from accounts.paging import paginate
from accounts.roles import Role
from policies import api as engine
from stations.forms import attach_service_errors
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


def _when(moment) -> str:
    return date_format(timezone.localtime(moment), _("Y年n月j日 H:i"))


def _form_errors(request, form) -> None:
    for field, errs in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        messages.error(request, f"{label}：{'；'.join(errs)}" if label else "；".join(errs))


def _index(request, form=None):
    user = request.user
    can_open = bool(user.city_id) and permissions.can_open_round(user, user.city_id)[0]
    return render(
        request,
        "evaluations/index.html",
        {
            "rounds": selectors.round_list(user),
            "page_obj": paginate(request, selectors.evaluation_list(user)),
            "form": (form or RoundOpenForm()) if can_open else None,
        },
    )


@login_required
def index(request):
    return _index(request)


@login_required
@require_POST
def round_open(request):
    _deny(permissions.can_open_round(request.user, request.user.city_id))
    form = RoundOpenForm(request.POST)
    if form.is_valid():
        try:
            rnd = services.round_open(
                city=request.user.city, actor=request.user, request=request, **form.cleaned_data
            )
        except ValidationError as exc:
            attach_service_errors(form, exc)
        else:
            messages.success(request, f"已发起{rnd}，共 {rnd.evaluations.count()} 个服务站。")
            return redirect("evaluations:round", pk=rnd.pk)
    return _index(request, form)  # the typed year, date and title stay


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


def _detail_context(user, ev) -> dict:
    """Return the page's context: each form only where its person may act in this state."""
    rubric = engine.evaluation_rubric(ev.station.city, ev.grant.program)
    counts, items = (
        (ev.counts, ev.quantitative) if ev.submitted_at else services.self_report_figures(ev)
    )
    (score_ok, _reason), my_score = permissions.can_score(user, ev)
    policy = engine.policy_for(ev.station.city)
    ctx = {
        "ev": ev,
        "rubric": rubric,
        "counts": counts,
        "items": items,
        "grade_labels": engine.GRADE_LABELS,
        "status_labels": engine.STATUS_LABELS,
        "demand_unit_clause": policy.demand_unit_clause,
        "scores": ev.expert_scores.select_related("expert"),
        "attachments": ev.attachments.all(),
        "demand_ratings": services.DEMAND_RATINGS,
        "is_reporter": permissions.is_self_reporter(user, ev),
        "my_score": my_score,
        "my_points": [(ind, (my_score.points or {}).get(ind.code)) for ind in rubric.indicators]
        if my_score is not None and my_score.submitted_at
        else [],
    }
    if permissions.can_submit_self_report(user, ev)[0]:
        ctx["report_form"] = SelfReportForm(
            fields=policy.self_report_fields,
            initial={
                "version": ev.version,
                "summary": ev.summary,
                "final_accounts": ev.final_accounts,
                "final_accounts_total": ev.final_accounts_total,
            },
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
    return ctx


@login_required
def evaluation_detail(request, pk: int):
    ev = selectors.get_evaluation(request.user, pk)
    return render(request, "evaluations/evaluation_detail.html", _detail_context(request.user, ev))


def _act(request, pk, check, form_factory, call, ok, key):
    """Run one step; on a refusal show the page again with the typed input and its errors.

    `key` is the form's name in the page's context: the bound form replaces the blank one
    when the person may still act; otherwise (the state moved on) the errors are messages.
    """
    ev = selectors.get_evaluation(request.user, pk)
    decision = check(request.user, ev)
    _deny(decision[0] if isinstance(decision[0], tuple) else decision)
    form = form_factory(ev, request)
    if form.is_valid():
        try:
            call(ev, form, decision)
        except ValidationError as exc:
            attach_service_errors(form, exc)
        else:
            messages.success(request, ok)
            return redirect("evaluations:detail", pk=ev.pk)
    ev = selectors.get_evaluation(request.user, pk)  # the state after the refusal
    ctx = _detail_context(request.user, ev)
    if key in ctx:
        ctx[key] = form
    else:
        _form_errors(request, form)
    return render(request, "evaluations/evaluation_detail.html", ctx)


def _already_submitted(request, ev, message: str):
    """A second submission of a read-only form: say so and show the submitted state."""
    messages.warning(request, message)
    return redirect("evaluations:detail", pk=ev.pk)


@login_required
@require_POST
def submit(request, pk: int):
    ev = selectors.get_evaluation(request.user, pk)
    if permissions.is_self_reporter(request.user, ev) and ev.submitted_at:
        return _already_submitted(
            request,
            ev,
            _("自评材料已于 %(when)s 由 %(who)s 提交，提交后不能修改或再次提交。")
            % {"when": _when(ev.submitted_at), "who": ev.submitted_by},
        )
    return _act(
        request,
        pk,
        permissions.can_submit_self_report,
        lambda ev, r: SelfReportForm(
            r.POST, fields=engine.policy_for(ev.station.city).self_report_fields
        ),
        lambda ev, f, _: services.evaluation_submit(
            evaluation=ev,
            actor=request.user,
            request=request,
            summary=f.cleaned_data["summary"],
            final_accounts=f.cleaned_data.get("final_accounts", ""),
            final_accounts_total=f.cleaned_data.get("final_accounts_total"),
            expected_version=f.cleaned_data["version"],
        ),
        "自评材料已提交。",
        "report_form",
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
        "attachment_form",
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
        "demand_form",
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
        "assign_form",
    )


@login_required
@require_POST
def score(request, pk: int):
    ev = selectors.get_evaluation(request.user, pk)
    (_ok, _reason), mine = permissions.can_score(request.user, ev)
    if mine is not None and mine.submitted_at:
        return _already_submitted(
            request,
            ev,
            _("您已于 %(when)s 提交评分，评分提交后不能修改或再次提交。")
            % {"when": _when(mine.submitted_at)},
        )

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
        "score_form",
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
        "confirm_form",
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
