"""Thin views: load through selectors (404 alike), ask permissions, call services."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts.paging import paginate
from accounts.roles import Role
from policies import api as engine
from policies.api import LEVEL_LABELS
from stations.selectors import station_list

from . import permissions, selectors, services
from .forms import (
    BudgetLineForm,
    DisbursementForm,
    ExpenseForm,
    GrantCreateForm,
    PenaltyForm,
    RecoveryForm,
    RepaymentForm,
    RevokeForm,
    SupportForm,
)
from .guards import money_form_write
from .models import Recovery


def _errors(request, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


def _form_errors(request, form) -> None:
    for field, errs in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        messages.error(request, f"{label}：{'；'.join(errs)}" if label else "；".join(errs))


def _deny(decision) -> None:
    allowed, reason = decision
    if not allowed:
        raise PermissionDenied(reason)


def _penalty_terms(grant) -> dict:
    """The grant's policy and today's parameters, for the penalty form's measures."""
    city = grant.city
    return {"policy": engine.policy_for(city), "params": engine.current_version(city).params}


def _program_choices(city):
    policy = engine.policy_for(city)
    return [
        (code, gettext(p.label_zh)) for code, p in policy.programs.items() if p.payment != "none"
    ]


def _grant_form(request, data=None):
    city = request.user.city
    # The choice list shows names only: no bank accounts decrypted, no wide columns read.
    stations = (
        station_list(request.user)
        .filter(status__in=services.FUNDABLE_STATION_STATUSES)
        .only("id", "name")
        .order_by("name", "id")
    )
    return GrantCreateForm(data, stations=stations, programs=_program_choices(city) if city else [])


@login_required
def grant_list(request):
    can_create = (
        bool(request.user.city_id)
        and permissions.can_create_grant(request.user, request.user.city_id)[0]
    )
    # The create form lists every fundable station of the city: it is built only when asked
    # for (?new=1), so the paged list itself stays small.
    show_form = can_create and request.GET.get("new") == "1"
    return render(
        request,
        "funding/grant_list.html",
        {
            "page_obj": paginate(request, selectors.grant_list(request.user)),
            "can_create": can_create,
            "form": _grant_form(request) if show_form else None,
            "level_labels": LEVEL_LABELS,
        },
    )


@login_required
@require_POST
def grant_create(request):
    _deny(permissions.can_create_grant(request.user, request.user.city_id))
    form = _grant_form(request, request.POST)
    if not form.is_valid():
        for field, errs in form.errors.items():
            messages.error(request, f"{field}: {'；'.join(errs)}")
        return redirect("funding:grants")
    data = form.cleaned_data
    try:
        grant = services.grant_create(
            station=data["station"],
            program=data["program"],
            level=data["level"] or None,
            start_year=data["start_year"],
            amount=data["amount"],
            activity_scope=data["activity_scope"],
            actor=request.user,
            request=request,
        )
    except ValidationError as exc:
        _errors(request, exc)
        return redirect("funding:grants")
    messages.success(request, f"已建立资助项目：{grant}")
    return redirect("funding:grant", pk=grant.pk)


@never_cache  # shows payee bank accounts
@login_required
def grant_detail(request, pk: int):
    grant = selectors.get_grant(request.user, pk)
    user = request.user
    dues = services.payable(grant)
    payee = services.default_payee(grant)
    can_pay = permissions.can_approve_disbursement(user, grant)[0]
    ctx = {
        "grant": grant,
        "program": engine.program_for(grant.city, grant.program),
        "schedule": grant.schedule_years(),
        "status_labels": engine.STATUS_LABELS,
        "grade_labels": engine.GRADE_LABELS,
        "level_labels": LEVEL_LABELS,
        "dues": [
            (
                due,
                DisbursementForm(initial={"year": due["year"], **payee}, prefix=f"pay{due['year']}")
                if can_pay
                else None,
            )
            for due in dues
        ],
        "disbursements": grant.disbursements.select_related("approved_by"),
        "recoveries": grant.recoveries.prefetch_related("repayments"),
        "net": services.net_paid(grant),
        "can_recover": permissions.can_record_recovery(user, grant)[0],
        "recovery_form": RecoveryForm(prefix="recovery"),
        "can_repay": bool(user.role == "finance" and user.city_id == grant.city_id),
        "budget_lines": grant.budget_lines.all(),
        "budget_total": sum((b.amount for b in grant.budget_lines.all()), Decimal(0)),
        "expenses": grant.expenses.all(),
        "can_expense": permissions.can_record_expense(user, grant)[0],
        "budget_form": BudgetLineForm(),
        "expense_form": ExpenseForm(),
        "can_penalize": permissions.can_penalize(user, grant)[0],
        "penalty_form": PenaltyForm(prefix="penalty", **_penalty_terms(grant)),
        "expense_labels": engine.EXPENSE_LABELS,
        "expense_rules": engine.policy_for(grant.city).expenses,
        "policy": engine.policy_for(grant.city),
        "decisions": grant.decisions.select_related("created_by"),
        "can_support": permissions.can_award_support(user, grant)[0],
        "support_form": SupportForm(prefix="support", initial={"year": grant.start_year + 1}),
        "can_revoke": permissions.can_revoke(user, grant)[0],
        "revoke_form": RevokeForm(prefix="revoke", policy=engine.policy_for(grant.city)),
    }
    return render(request, "funding/grant_detail.html", ctx)


@login_required
@require_POST
def disbursement_approve(request, pk: int):
    grant = selectors.get_grant(request.user, pk)
    _deny(permissions.can_approve_disbursement(request.user, grant))
    # Each due year has its own form on the page, prefixed by the year (unique field ids).
    year = "".join(ch for ch in request.POST.get("due_year", "") if ch.isdigit())
    form = DisbursementForm(request.POST, prefix=f"pay{year}")
    if not form.is_valid():
        for field, errs in form.errors.items():
            messages.error(
                request,
                f"{form.fields[field].label if field in form.fields else field}: {'；'.join(errs)}",
            )
        return redirect("funding:grant", pk=grant.pk)
    try:
        with money_form_write(
            form=form,
            grant=grant,
            actor=request.user,
            purpose="disbursement",
            voucher_no=form.cleaned_data["voucher_no"],
            pay_year=form.cleaned_data["year"],
        ):
            d = services.disbursement_approve(
                grant=grant, actor=request.user, request=request, **form.cleaned_data
            )
    except services.AlreadyPaid as exc:
        messages.warning(request, exc.messages[0])
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(
            request,
            f"已拨付 {d.year}年度资助 {services.yuan(d.amount)} 元，凭证号 {d.voucher_no}。",
        )
    return redirect("funding:grant", pk=grant.pk)


@login_required
@require_POST
def recovery_create(request, pk: int):
    grant = selectors.get_grant(request.user, pk)
    _deny(permissions.can_record_recovery(request.user, grant))
    form = RecoveryForm(request.POST, prefix="recovery")
    if form.is_valid():
        try:
            with money_form_write(form=form, grant=grant, actor=request.user, purpose="recovery"):
                services.recovery_record(
                    grant=grant, actor=request.user, request=request, **form.cleaned_data
                )
            messages.success(request, "已登记追回。")
        except ValidationError as exc:
            _errors(request, exc)
    else:
        if "form_token" in form.errors:
            _form_errors(request, form)
        else:
            messages.error(request, "请完整填写追回金额和原因。")
    return redirect("funding:grant", pk=grant.pk)


@login_required
@require_POST
def repayment_create(request, pk: int):
    grant = selectors.get_grant(request.user, pk)
    form = RepaymentForm(request.POST)
    if not form.is_valid():
        if "form_token" in form.errors:
            _form_errors(request, form)
        else:
            messages.error(request, "请完整填写退回款信息。")
        return redirect("funding:grant", pk=grant.pk)
    try:
        recovery = grant.recoveries.get(pk=form.cleaned_data["recovery"])
    except Recovery.DoesNotExist:
        return redirect("funding:grant", pk=grant.pk)
    _deny(permissions.can_record_repayment(request.user, recovery))
    data = {k: v for k, v in form.cleaned_data.items() if k != "recovery"}
    try:
        with money_form_write(
            form=form,
            grant=grant,
            actor=request.user,
            purpose="repayment",
            voucher_no=data["voucher_no"],
        ):
            services.repayment_record(
                recovery=recovery, actor=request.user, request=request, **data
            )
        messages.success(request, "已登记退回款。")
    except ValidationError as exc:
        _errors(request, exc)
    return redirect("funding:grant", pk=grant.pk)


@login_required
@require_POST
def budget_line_create(request, pk: int):
    return _money_entry(request, pk, BudgetLineForm, services.budget_line_add, "已添加预算明细。")


@login_required
@require_POST
def expense_create(request, pk: int):
    return _money_entry(request, pk, ExpenseForm, services.expense_record, "已登记支出。")


def _money_entry(request, pk, form_class, service, ok):
    grant = selectors.get_grant(request.user, pk)
    _deny(permissions.can_record_expense(request.user, grant))
    form = form_class(request.POST)
    if not form.is_valid():
        messages.error(request, "请完整填写。")
        return redirect("funding:grant", pk=grant.pk)
    try:
        obj = service(grant=grant, actor=request.user, request=request, **form.cleaned_data)
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(request, ok)
        if getattr(obj, "warning", ""):
            messages.warning(request, obj.warning)
    return redirect("funding:grant", pk=grant.pk)


@login_required
@require_POST
def grant_penalize(request, pk: int):
    grant = selectors.get_grant(request.user, pk)
    _deny(permissions.can_penalize(request.user, grant))
    form = PenaltyForm(request.POST, prefix="penalty", **_penalty_terms(grant))
    if form.is_valid():
        try:
            with money_form_write(form=form, grant=grant, actor=request.user, purpose="penalty"):
                services.grant_penalize(
                    grant=grant, actor=request.user, request=request, **form.cleaned_data
                )
            messages.success(request, "已作出处罚决定。")
        except ValidationError as exc:
            _errors(request, exc)
    return redirect("funding:grant", pk=grant.pk)


@login_required
@require_POST
def support_award(request, pk: int):
    grant = selectors.get_grant(request.user, pk)
    _deny(permissions.can_award_support(request.user, grant))
    form = SupportForm(request.POST, prefix="support")
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("funding:grant", pk=grant.pk)
    try:
        with money_form_write(form=form, grant=grant, actor=request.user, purpose="support"):
            award = services.support_award(
                grant=grant, actor=request.user, request=request, **form.cleaned_data
            )
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(
            request,
            f"已确定{award.year}年度后续补助 {services.yuan(award.amount)} 元（{award.clause}），"
            "待财务审核拨付。",
        )
    return redirect("funding:grant", pk=grant.pk)


@login_required
@require_POST
def grant_revoke(request, pk: int):
    grant = selectors.get_grant(request.user, pk)
    _deny(permissions.can_revoke(request.user, grant))
    form = RevokeForm(request.POST, prefix="revoke", policy=engine.policy_for(grant.city))
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("funding:grant", pk=grant.pk)
    data = form.cleaned_data
    try:
        with money_form_write(form=form, grant=grant, actor=request.user, purpose="revocation"):
            decision = services.grant_revoke(
                grant=grant,
                reason_code=data["reason_code"],
                detail=data["detail"],
                recover_amount=data["recover_amount"],
                actor=request.user,
                request=request,
            )
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(
            request,
            f"已撤销该学会工作站（{decision.clause}）"
            + (f"，追回 {services.yuan(decision.amount)} 元。" if decision.amount else "。"),
        )
    return redirect("funding:grant", pk=grant.pk)


# --- editing budget lines and expenses -------------------------------------------------------

ENTRIES = {
    "budget": (
        "budget_lines",
        BudgetLineForm,
        services.budget_line_update,
        services.budget_line_delete,
        "line",
        "预算明细",
    ),
    "expense": (
        "expenses",
        ExpenseForm,
        services.expense_update,
        services.expense_delete,
        "expense",
        "支出",
    ),
}
ENTRY_FIELDS = {"budget": services.BUDGET_FIELDS, "expense": services.EXPENSE_FIELDS}


def _entry(request, pk: int, kind: str, entry_pk: int):
    grant = selectors.get_grant(request.user, pk)
    if kind not in ENTRIES:
        raise Http404("未找到该记录，或您无权访问。")
    related = ENTRIES[kind][0]
    obj = get_object_or_404(getattr(grant, related), pk=entry_pk)
    _deny(permissions.can_record_expense(request.user, grant))
    return grant, obj


@login_required
def entry_edit(request, pk: int, kind: str, entry_pk: int):
    """Edit one budget line or expense (audited; a forbidden category is refused)."""
    grant, obj = _entry(request, pk, kind, entry_pk)
    _, form_class, update, _, arg, label = ENTRIES[kind]
    if request.method == "POST":
        form = form_class(request.POST)
        if form.is_valid():
            try:
                saved = update(
                    **{arg: obj}, actor=request.user, request=request, **form.cleaned_data
                )
            except ValidationError as exc:
                _errors(request, exc)
            else:
                messages.success(request, f"已修改{label}。")
                if getattr(saved, "warning", ""):
                    messages.warning(request, saved.warning)
                return redirect("funding:grant", pk=grant.pk)
    else:
        form = form_class(initial={f: getattr(obj, f) for f in ENTRY_FIELDS[kind]})
    return render(
        request,
        "funding/entry_edit.html",
        {"grant": grant, "obj": obj, "form": form, "label": label, "kind": kind},
    )


@login_required
@require_POST
def entry_delete(request, pk: int, kind: str, entry_pk: int):
    grant, obj = _entry(request, pk, kind, entry_pk)
    _, _, _, delete, arg, label = ENTRIES[kind]
    delete(**{arg: obj}, actor=request.user, request=request)
    messages.success(request, f"已删除{label}。")
    return redirect("funding:grant", pk=grant.pk)


@login_required
def station_money(request, pk: int):
    station, grants, decisions, ledger = selectors.station_money_page(request.user, pk)
    policy = engine.policy_for(station.city)
    user = request.user
    return render(
        request,
        "funding/station_money.html",
        {
            "station": station,
            "grants": grants,
            "decisions": decisions,
            "ledger": ledger,
            "grade_labels": engine.GRADE_LABELS,
            "status_labels": engine.STATUS_LABELS,
            "change_kinds": policy.change_kinds,
            # An absence can revoke the station where the policy makes it a ground.
            "absence_revocation_clause": policy.revocation_clause
            if "absent" in policy.revocation_reasons
            else "",
            "change_clause": policy.change_clause,
            "change_requests": station.change_requests.select_related("requested_by", "decided_by"),
            "can_request_change": bool(policy.change_kinds)
            and user.role in policy.change_requesters
            and services.is_station_member(user, station),
            "can_decide_change": user.is_platform_admin
            or (user.role == Role.CITY_ADMIN and user.city_id == station.city_id),
        },
    )


@login_required
@require_POST
def change_request_create(request, pk: int):
    """A station's written request (益阳 第十四条, 贵阳 四(三)5, 杭州 附件第九条)."""
    station, *_rest = selectors.station_money_page(request.user, pk)
    try:
        change = services.change_request_submit(
            station=station,
            kind=request.POST.get("kind", ""),
            reason=request.POST.get("reason", ""),
            actor=request.user,
            request=request,
        )
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(request, f"已提交书面申请，待市科协审批（{change.clause}）。")
    return redirect("funding:station", pk=station.pk)


@login_required
@require_POST
def change_request_decide(request, pk: int, change_pk: int):
    station, *_rest = selectors.station_money_page(request.user, pk)
    change = get_object_or_404(station.change_requests, pk=change_pk)
    try:
        services.change_request_decide(
            change=change,
            approve=request.POST.get("decision") == "approve",
            note=request.POST.get("note", ""),
            actor=request.user,
            request=request,
        )
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(request, "已作出审批决定。")
    return redirect("funding:station", pk=station.pk)


@never_cache  # shows the payee bank account
@login_required
def disbursement_notice(request, pk: int):
    d = selectors.get_disbursement(request.user, pk)
    grant = d.grant
    return render(
        request,
        "funding/disbursement_notice.html",
        {"d": d, "station": grant.station, "subject": grant.subject, "city": grant.city},
    )
