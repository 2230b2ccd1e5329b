"""The application itself: lists, the edit/submit form, the detail page and its workflow actions.

Thin views: load through selectors (404 alike for missing and forbidden), write through services.
"""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from accounts.paging import paginate
from accounts.roles import Role
from policies.api import (
    amount_range,
    amount_required,
    current_params,
    get_city_policy,
    outcome_wording,
    review_rubric,
    workflow_for,
)
from stations.models import HostUnit
from stations.privacy import bank_account_for

from .. import calls, contracts, selectors, services
from .. import permissions as perms
from ..forms import (
    BudgetFormSet,
    ContractForm,
    InspectionForm,
    budget_total,
    form_class_for,
    reveals_identity,
    rmb_uppercase,
)
from ..models import AttachmentKind, ProjectContract
from ..services import ACTION_TEXT
from ._common import _errors, _flash_error, _with_credit_flag


def _shown_value(user, app, bound) -> str:
    """A form answer as the viewer may see it: the payee account masked unless finance/owner."""
    value = app.form_data[bound.name]
    if bound.name == "bank_account_no":
        return bank_account_for(user, app.society, str(value))
    return _display(bound.field, value)


def _display(field, value) -> str:
    """Return a stored form value as the reader should see it (choice labels, lists)."""
    choices = dict(getattr(field, "choices", None) or [])
    values = value if isinstance(value, list) else [value]
    return "、".join(str(choices.get(v, v)) for v in values)


# --- applicant pages --------------------------------------------------------------------------


@login_required
def my_applications(request):
    page = paginate(request, selectors.my_applications(request.user))
    rows = selectors.decorate(page.object_list)
    return render(request, "applications/my_list.html", {"rows": rows, "page_obj": page})


@login_required
def inbox(request):
    user = request.user
    page = paginate(request, selectors.reviewer_inbox(user))
    rows = selectors.decorate(page.object_list)
    if user.role == Role.EXPERT_REVIEWER and user.city_id and services.is_blind(user.city):
        for row in rows:
            row.blind = True
    return render(request, "applications/inbox.html", {"rows": rows, "page_obj": page})


def _budget_rows(formset) -> list[dict]:
    rows = []
    for f in formset.forms:
        if not f.has_changed() or (formset.can_delete and f.cleaned_data.get("DELETE")):
            continue
        if f.is_valid():
            data = f.cleaned_data
            rows.append(
                {
                    "category": data["category"],
                    "content": data["content"],
                    "amount": str(data["amount"]),
                    "basis": data.get("basis", ""),
                }
            )
    return rows


@login_required
def edit(request, pk: int):
    user = request.user
    app = selectors.application_get(user, pk)
    if request.method == "POST" and "submit" in request.POST and _submitted_since(request, app):
        # The second request of a double-clicked 提交申报: the first one submitted it.
        messages.success(request, "申报已提交。")
        return redirect("applications:detail", pk=pk)
    ok, reason = perms.can_edit_application(user, app)
    if not ok:
        messages.error(request, reason)
        return redirect("applications:detail", pk=pk)
    policy = get_city_policy(app.city)
    cls = form_class_for(policy.code, app.program)
    levels = policy.program(app.program).levels
    upload_errors: list[str] = []
    choose_host = cls.needs_host_unit and app.station_id is None
    host_units = (
        list(_with_credit_flag(HostUnit.objects.filter(city_id=app.city_id)).order_by("name"))
        if choose_host
        else []
    )
    if request.method == "POST":
        host_unit = None
        if choose_host and request.POST.get("host_unit"):
            host_unit = next(
                (h for h in host_units if str(h.pk) == request.POST["host_unit"]), None
            )
        form = cls(request.POST, draft=True, levels=levels)
        budget = BudgetFormSet(request.POST, prefix="budget") if cls.has_budget else None
        if budget is not None:
            budget.is_valid()
        try:
            app = services.application_save_draft(
                application=app,
                actor=user,
                data=request.POST,
                budget=_budget_rows(budget) if budget is not None else None,
                host_unit=host_unit,
                expected_version=int(request.POST.get("version") or app.version),
            )
        except (ValidationError, PermissionDenied) as exc:
            if (
                isinstance(exc, services.StaleVersion)
                and "submit" in request.POST
                and _submitted_since(request, app)
            ):
                messages.success(request, "申报已提交。")
                return redirect("applications:detail", pk=pk)
            _flash_error(request, exc)
            return redirect("applications:edit", pk=pk)
        # Each file is checked on its own: a rejected one never discards the others or the form.
        for kind in AttachmentKind.values:
            for upload in request.FILES.getlist(f"file_{kind}"):
                try:
                    services.attachment_add(application=app, actor=user, kind=kind, upload=upload)
                except ValidationError as exc:
                    upload_errors += _errors(exc)
        if upload_errors:
            for message in upload_errors:
                messages.error(request, message)
            messages.info(request, "表单内容和其他文件已保存为草稿。")
        elif "submit" in request.POST:
            try:
                services.application_transition(
                    application=app,
                    action="submit",
                    actor=user,
                    expected_version=app.version,
                    comment=request.POST.get("comment", ""),
                )
            except (ValidationError, PermissionDenied) as exc:
                _flash_error(request, exc)
                app.refresh_from_db()
            else:
                messages.success(request, "申报已提交。")
                return redirect("applications:detail", pk=pk)
        else:
            messages.success(request, "草稿已保存。")
            return redirect("applications:edit", pk=pk)
        # Re-render with everything that was posted; a refused submission marks each field
        # the full form still lacks (next to the field and in the summary above the form).
        form = cls(request.POST, draft="submit" not in request.POST, levels=levels)
        form.is_valid()
    else:
        form = cls(app.form_data or None, draft=True, levels=levels)
        if app.form_data:
            form.is_valid()
        budget = None
        if cls.has_budget:
            rows = app.form_data.get("budget", [])
            budget = BudgetFormSet(prefix="budget", initial=rows)
    total = budget_total(app.form_data.get("budget", []))
    labels = dict(AttachmentKind.choices)
    # The policy's materials as well as the call's ticks: an upload slot for every kind the
    # submission checks, so no draft is left unable to submit (issue 15).
    required = calls.call_materials(app.call)
    kinds = required + [k for k in (AttachmentKind.OTHER,) if k not in required]
    return render(
        request,
        "applications/edit.html",
        {
            "app": app,
            "form": form,
            "budget": budget,
            "budget_total": total,
            "budget_total_rmb": rmb_uppercase(total) if total else "",
            "attachments": list(app.attachments.filter(inspection__isnull=True)),
            "upload_kinds": [(k, labels.get(k, k), k in required) for k in kinds],
            "findings": app.findings,
            "history": selectors.application_history(app),
            "host_units": host_units,
            "choose_host": choose_host,
        },
    )


def _submitted_since(request, app) -> bool:
    """Return whether this user submitted `app` after the page that posted was rendered.

    The posted `version` is the page's; a submission recorded since (by this user, its
    latest move) means this POST repeats one that already succeeded.
    """
    raw = request.POST.get("version", "")
    if not raw.isdigit():
        return False
    current = type(app).objects.filter(pk=app.pk).values("version", "submitted_at").first()
    if not current or current["submitted_at"] is None or current["version"] <= int(raw):
        return False
    last = app.transitions.order_by("-at", "-id").first()
    return last is not None and last.action == "submit" and last.actor_id == request.user.pk


# --- detail and actions -------------------------------------------------------------------------


@login_required
def detail(request, pk: int):
    user = request.user
    app = selectors.application_get(user, pk)
    selectors.decorate([app])
    workflow = workflow_for(app.city, app.program)
    stage = workflow.stage(app.stage) if app.stage in workflow.codes else None
    params, _version = current_params(app.city)
    is_expert = user.role == Role.EXPERT_REVIEWER
    blind = bool(params.get("blind_review", False)) and is_expert
    asks_amount = bool(
        stage
        and stage.sets_amount
        and "approve" in actions_for(user, app)
        and amount_required(app.city, app.program, app.level)
    )
    actions = actions_for(user, app)
    policy = get_city_policy(app.city)
    rubric = review_rubric(app.city, app.program)
    budget = app.form_data.get("budget", [])
    total = budget_total(budget)
    form = form_class_for(policy.code, app.program)(draft=True)
    sections = []
    for heading, bound in form.grouped():
        rows = [
            (b.label, _shown_value(user, app, b))
            for b in bound
            if b.name in app.form_data
            and b.name != "title"
            and not (blind and reveals_identity(b.name))
        ]
        if rows:
            sections.append((heading, rows))
    panel = selectors.panel_for(app) if not is_expert else None
    context = {
        "posted": _posted_back(request, app),
        "app": app,
        "stage": stage,
        "workflow": workflow,
        "actions": [(a, ACTION_TEXT.get(a, a)) for a in actions],
        "history": selectors.application_history(app) if not blind else [],
        "findings": app.findings if not is_expert else [],
        "sections": sections,
        "steps": _steps(workflow, app),
        "blind": blind,
        "budget": budget,
        "budget_total": total,
        "budget_total_rmb": rmb_uppercase(total) if total else "",
        "attachments": list(app.attachments.select_related("inspection")),
        "inspections": list(app.inspections.prefetch_related("photos")),
        "panel": panel,
        "rubric": rubric,
        "can_panel": perms.can_manage_panel(user, app)[0],
        "can_inspect": perms.can_record_inspection(user, app)[0],
        "can_edit": perms.can_edit_application(user, app)[0],
        "inspection_form": InspectionForm(),
        "quota_stage": bool(stage and stage.quota_check),
        "reason_label": _override_reason_label(stage),
        "asks_amount": asks_amount,
        "amount_range": amount_range(app.city, app.program, app.level, params)
        if asks_amount
        else None,
        "needs_inspection": bool(
            stage and stage.needs_inspection and not app.outcome and not app.withdrawn
        ),
        "grants": selectors.grants_of(app) if not is_expert else [],
        "notices": list(app.notices.all()),
        "objections": list(app.objections.all()),
        "certification": getattr(app, "certification", None),
        # --- outcome wording --- 认定授牌 for a station, 立项 for a topic, 表彰 for an award.
        "outcome_wording": outcome_wording(app.city, app.program),
        "asks_contract": bool(
            stage and stage.records_contract and "approve" in actions_for(user, app)
        ),
        "contract": ProjectContract.objects.filter(application=app).select_related("scan").first()
        if not is_expert
        else None,
        "my_assignment": app.assignments.filter(expert_id=user.expert_id, stage=app.stage).first()
        if is_expert
        else None,
    }
    return render(request, "applications/detail.html", context)


def _override_reason_label(stage) -> str:
    """The label of the approver's reason box: a full quota (政策解释 6) and an overlapping
    funded activity (a stage's double_funding_check) are each passed only with a reason."""
    if stage is None:
        return ""
    if stage.quota_check and stage.double_funding_check:
        return gettext("超名额或不构成重复资助的理由（名额已满或与已资助项目重叠时必填）")
    if stage.double_funding_check:
        return gettext("不构成重复资助的理由（与已资助项目重叠时必填）")
    if stage.quota_check:
        return gettext("超名额理由（名额已满时必填）")
    return ""


def actions_for(user, app) -> list[str]:
    """Return the user's available actions, computed once per request."""
    cached = getattr(app, "_actions_for", None)
    if cached is None or cached[0] != user.pk:
        app._actions_for = (user.pk, perms.available_actions(user, app))
    return app._actions_for[1]


def _amount(raw: str) -> int | None:
    raw = (raw or "").replace(",", "").replace("，", "").strip()
    if not raw:
        return None
    try:
        value = Decimal(raw)
    except ArithmeticError as exc:
        raise ValidationError("核定金额须为整数（元）。", code="amount_invalid") from exc
    if value != value.to_integral_value():
        raise ValidationError("核定金额须为整数（元）。", code="amount_invalid")
    return int(value)


def _steps(workflow, app) -> list[dict]:
    """Return the workflow as steps (done / current / todo) for the stepper on the page.

    The rejected terminal shows only when it is where the application ended.
    """
    codes = [
        s
        for s in workflow.stages
        if not ("rejected" in s.tags and s.code != app.stage)
        and not (s.is_terminal and "rejected" not in s.tags and app.outcome == "rejected")
    ]
    current = next((i for i, s in enumerate(codes) if s.code == app.stage), None)
    steps = []
    for index, stage in enumerate(codes):
        if current is None:
            state = "todo"
        elif index < current:
            state = "done"
        elif index == current:
            state = "current" if not stage.is_terminal else app.outcome or "current"
        else:
            state = "todo"
        steps.append(
            {"label": gettext(stage.label_zh), "state": state, "optional": bool(stage.skip_if)}
        )
    if app.withdrawn:
        steps.append({"label": gettext("已撤回"), "state": "withdrawn", "optional": False})
    return steps


@login_required
@require_POST
def act(request, pk: int):
    app = selectors.application_get(request.user, pk)
    action = request.POST.get("action", "")
    try:
        with transaction.atomic():
            if action == "approve" and contracts.contract_stage(app) is not None:
                # 签订项目合同: the contract is recorded with the approval, or neither is.
                _record_contract(request, app)
            record = services.application_transition(
                application=app,
                action=action,
                actor=request.user,
                comment=request.POST.get("comment", ""),
                override_reason=request.POST.get("override_reason", ""),
                expected_version=int(request.POST.get("version") or 0),
                amount=_amount(request.POST.get("amount", "")),
            )
    except (ValidationError, PermissionDenied) as exc:
        if _moved_since(app, request.POST.get("version", "")) and _just_done(
            request.user, app, action
        ):
            # A double click: the first request did it; say so instead of "页面已过期"
            # (or, at the contract step, "当前环节不登记项目合同").
            return _done(request, app, action)
        _flash_error(request, exc)
        # Back to the page with what was typed (comment, amount, reason) and the refusal next
        # to the field it concerns: a refused amount never wipes the comment (issue 15).
        code = getattr(exc, "code", "")
        request.session[POSTED_KEY] = {
            "pk": app.pk,
            "comment": request.POST.get("comment", ""),
            "amount": request.POST.get("amount", ""),
            "override_reason": request.POST.get("override_reason", ""),
            "amount_error": _errors(exc)
            if isinstance(exc, ValidationError) and code in AMOUNT_CODES
            else [],
            "contract_signed_on": request.POST.get("contract_signed_on", ""),
            "contract_no": request.POST.get("contract_no", ""),
            "contract_errors": getattr(exc, "contract_errors", {}),
        }
    else:
        labels = selectors.stage_labels(app.city)
        to = labels.get((app.program, record.to_stage), record.to_stage)
        messages.success(request, f"已{ACTION_TEXT.get(action, action)}，当前环节：{to}")
    return redirect("applications:detail", pk=pk)


class _ContractRefused(ValidationError):
    """The contract fields are incomplete: nothing is recorded and the move is not made."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("请完整登记项目合同：" + "；".join(m for v in errors.values() for m in v))
        self.contract_errors = errors


# ContractForm's field for each contract_record error key.
CONTRACT_FIELDS = {
    "signed_on": "contract_signed_on",
    "number": "contract_no",
    "scan": "contract_scan",
}


def _record_contract(request, app) -> None:
    """Record the posted contract, or raise _ContractRefused with the field errors."""
    posted = any(request.POST.get(k) for k in ("contract_signed_on", "contract_no"))
    if not posted and ProjectContract.objects.filter(application=app).exists():
        return  # recorded on an earlier try: approve with it
    form = ContractForm(request.POST, request.FILES)
    if not form.is_valid():
        raise _ContractRefused({k: [str(m) for m in v] for k, v in form.errors.items()})
    try:
        contracts.contract_record(
            application=app,
            actor=request.user,
            signed_on=form.cleaned_data["contract_signed_on"],
            number=form.cleaned_data["contract_no"],
            scan=form.cleaned_data["contract_scan"],
        )
    except ValidationError as exc:
        if not hasattr(exc, "error_dict"):
            raise
        raise _ContractRefused(
            {
                CONTRACT_FIELDS.get(k, k): [str(m) for e in v for m in e.messages]
                for k, v in exc.error_dict.items()
            }
        ) from exc


POSTED_KEY = "applications.act_posted"
AMOUNT_CODES = {"amount_required", "amount_range", "amount_invalid"}
# A repeated POST arriving this soon after the same person's same action is its double click.
DOUBLE_CLICK_SECONDS = 120


def _moved_since(app, posted_version: str) -> bool:
    """Return whether the application changed since the page that posted was rendered."""
    if not posted_version.isdigit():
        return False
    current = type(app).objects.filter(pk=app.pk).values_list("version", flat=True).first()
    return current is not None and current > int(posted_version)


def _just_done(user, app, action: str) -> bool:
    """Return whether `user` just took `action` on `app` (the first of a double click)."""
    last = app.transitions.order_by("-at", "-id").first()
    return bool(
        last is not None
        and last.actor_id == user.pk
        and last.action == action
        and (timezone.now() - last.at).total_seconds() < DOUBLE_CLICK_SECONDS
    )


def _done(request, app, action: str):
    app.refresh_from_db()
    labels = selectors.stage_labels(app.city)
    messages.success(
        request,
        f"已{ACTION_TEXT.get(action, action)}，当前环节：{labels.get((app.program, app.stage), app.stage)}",
    )
    return redirect("applications:detail", pk=app.pk)


def _posted_back(request, app) -> dict:
    """Return (once) the values of this application's last refused action form."""
    posted = request.session.get(POSTED_KEY)
    if not posted or posted.get("pk") != app.pk:
        return {}
    del request.session[POSTED_KEY]
    return posted


@login_required
@require_POST
def inspection(request, pk: int):
    app = selectors.application_get(request.user, pk)
    form = InspectionForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.inspection_record(
                application=app,
                actor=request.user,
                date=form.cleaned_data["date"],
                inspectors=form.cleaned_data["inspectors"],
                findings=form.cleaned_data["findings"],
                photo=form.cleaned_data.get("photo"),
            )
        except (ValidationError, PermissionDenied) as exc:
            _flash_error(request, exc)
        else:
            messages.success(request, "已记录实地考察。")
    else:
        messages.error(request, "请填写考察日期、人员和意见。")
    return redirect("applications:detail", pk=pk)
