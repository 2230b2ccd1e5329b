"""Thin views: load through selectors (404 alike for missing and forbidden), write through services."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from accounts.paging import paginate
from accounts.roles import Role
from accounts.scoping import scope_queryset
from policies.api import (
    amount_range,
    amount_required,
    calendar_missing_error,
    can_enter_holidays,
    current_params,
    get_city_policy,
    review_rubric,
    workflow_for,
)
from stations.models import Expert, HostUnit, Society, Station
from stations.privacy import bank_account_for
from stations.uploads import stored_file_response

from .. import calls, contracts, selectors, services
from .. import permissions as perms
from ..forms import (
    BudgetFormSet,
    CallExtendForm,
    CallForm,
    ContractForm,
    InspectionForm,
    NoticeForm,
    ObjectionForm,
    budget_total,
    form_class_for,
    reveals_identity,
    rmb_uppercase,
)
from ..models import AttachmentKind, ExpertAssignment, Objection, ProjectContract
from ..services import ACTION_TEXT


def _with_credit_flag(queryset):
    """Annotate `flagged`: the unit has an active dishonesty record (marked in dropdowns)."""
    from django.db.models import Exists, OuterRef

    from stations.models import CreditFlag

    field = "society" if queryset.model is Society else "host_unit"
    active = CreditFlag.objects.filter(**{field: OuterRef("pk")}, lifted_on__isnull=True)
    return queryset.annotate(flagged=Exists(active))


def _errors(exc: ValidationError) -> list[str]:
    return [str(m) for m in exc.messages]


def _flash_error(request, exc: Exception) -> None:
    if isinstance(exc, ValidationError):
        for message in _errors(exc):
            messages.error(request, message)
    else:
        messages.error(request, str(exc) or "无权进行该操作")


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


@login_required
def call_ranking(request, pk: int):
    call = selectors.call_get(request.user, pk)
    if request.user.role not in (Role.CITY_ADMIN, Role.TALENT_OFFICE):
        raise Http404
    context = selectors.ranking(request.user, call)
    return render(request, "applications/ranking.html", {"call": call, **context})


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
def attachment_download(request, pk: int, attachment_id: int):
    app = selectors.application_get(request.user, pk)
    attachment = get_object_or_404(app.attachments, pk=attachment_id)
    filename = attachment.original_name
    if services.blind_for(request.user, app.city):
        # Under blind review a file name can name the applicant: the expert gets "材料N.ext".
        ids = list(app.attachments.values_list("pk", flat=True))  # as the detail page numbers them
        ext = filename.rsplit(".", 1)[-1] if "." in filename else "bin"
        filename = f"材料{ids.index(attachment.pk) + 1}.{ext}"
    return stored_file_response(
        attachment.file, filename=filename, content_type=attachment.content_type
    )


@login_required
@require_POST
def attachment_delete(request, pk: int, attachment_id: int):
    app = selectors.application_get(request.user, pk)
    attachment = get_object_or_404(app.attachments, pk=attachment_id)
    try:
        services.attachment_delete(attachment=attachment, actor=request.user)
    except PermissionDenied as exc:
        _flash_error(request, exc)
    return redirect("applications:edit", pk=pk)


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


# --- expert panel and scoring -------------------------------------------------------------------


@login_required
def panel(request, pk: int):
    user = request.user
    app = selectors.application_get(user, pk)
    ok, reason = perms.can_manage_panel(user, app)
    if not ok:
        raise Http404(reason)
    invitation_link = ""
    if request.method == "POST":
        due_on = request.POST.get("due_on") or None
        mode = request.POST.get("mode")
        try:
            if mode == "draw":
                draw = services.panel_draw(
                    application=app,
                    actor=user,
                    size=int(request.POST.get("size") or 0),
                    field=request.POST.get("field", "").strip(),
                    due_on=due_on,
                )
                messages.success(
                    request, f"已随机抽取 {len(draw.selected)} 位专家（种子 {draw.seed}）"
                )
            elif mode in ("remove", "replace"):
                assignment = get_object_or_404(
                    app.assignments, pk=request.POST.get("assignment"), stage=app.stage
                )
                reason_text = request.POST.get("reason", "")
                if mode == "remove":
                    services.assignment_remove(
                        assignment=assignment, actor=user, reason=reason_text
                    )
                    messages.success(request, f"已将 {assignment.expert.name} 移出专家组")
                else:
                    chosen = request.POST.get("expert")
                    expert = (
                        get_object_or_404(Expert, pk=chosen, city_id=app.city_id)
                        if chosen
                        else None
                    )
                    new = services.assignment_replace(
                        assignment=assignment, actor=user, reason=reason_text, expert=expert
                    )
                    messages.success(
                        request, f"已将 {assignment.expert.name} 替换为 {new.expert.name}"
                    )
            elif mode == "invite":
                from accounts.invitations import expert_invitation_issue

                expert = get_object_or_404(
                    Expert, pk=request.POST.get("expert"), city_id=app.city_id
                )
                _invitation, token = expert_invitation_issue(
                    expert=expert, actor=user, request=request
                )
                # Shown once on this page (not put in a message kept in the session).
                invitation_link = request.build_absolute_uri(
                    reverse("accounts:invitation", args=[token])
                )
                invited = expert
            else:
                expert = get_object_or_404(
                    Expert, pk=request.POST.get("expert"), city_id=app.city_id
                )
                services.assignment_create(
                    application=app, expert=expert, actor=user, due_on=due_on
                )
                messages.success(request, f"已指派 {expert.name}")
        except (ValidationError, PermissionDenied, ValueError) as exc:
            _flash_error(request, exc)
        if not invitation_link:
            return redirect("applications:panel", pk=pk)
    pool, excluded = services.draw_pool(app)
    experts = list(Expert.objects.filter(city_id=app.city_id, is_reviewer=True).order_by("name"))
    acting = services.acting_expert_ids(app.city_id)
    for expert in experts:
        expert.conflict = services.conflict_reason(expert, app)
        expert.can_act = expert.pk in acting
    selectors.decorate([app])
    stuck = {a.pk for a in services.panel_members_unable_to_act(app)}
    panel_rows = selectors.panel_for(app, app.stage)
    for a in panel_rows["assignments"]:
        a.cannot_act = a.pk in stuck
    return render(
        request,
        "applications/panel.html",
        {
            "app": app,
            "experts": experts,
            "pool_size": len(pool),
            "excluded": excluded,
            "panel": panel_rows,
            "draws": list(app.draws.filter(stage=app.stage).select_related("replaces__expert")),
            "unable": services.experts_unable_to_act(app),
            "invitation_link": invitation_link,
            "invited": invited if invitation_link else None,
        },
    )


@login_required
def panel_offline(request, pk: int, assignment_id: int):
    """The administrator enters an expert's signed paper score sheet, with its scan."""
    user = request.user
    app = selectors.application_get(user, pk)
    ok, reason = perms.can_manage_panel(user, app)
    if not ok:
        raise Http404(reason)
    assignment = get_object_or_404(
        app.assignments.select_related("expert"),
        pk=assignment_id,
        stage=app.stage,
        removed_at__isnull=True,
    )
    rubric = review_rubric(app.city, app.program)
    if rubric is None:
        raise Http404
    errors: dict = {}
    posted: dict = {}
    if request.method == "POST":
        posted = {i.code: request.POST.get(f"points_{i.code}", "") for i in rubric.indicators}
        try:
            services.offline_score_record(
                assignment=assignment,
                actor=user,
                points=posted,
                comment=request.POST.get("comment", ""),
                sheet=request.FILES.get("sheet"),
                no_conflict_confirmed=request.POST.get("no_conflict") == "on",
            )
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                errors = {
                    k: [str(m) for e in v for m in e.messages] for k, v in exc.error_dict.items()
                }
                messages.error(request, gettext("评分未录入：请检查标红的项目。"))
            else:
                _flash_error(request, exc)
        except PermissionDenied as exc:
            _flash_error(request, exc)
        else:
            messages.success(
                request,
                gettext("已代录 %(name)s 的纸质评分表。") % {"name": assignment.expert.name},
            )
            return redirect("applications:panel", pk=pk)
    selectors.decorate([app])
    return render(
        request,
        "applications/panel_offline.html",
        {
            "app": app,
            "assignment": assignment,
            "rubric": rubric,
            "rows": [
                (i, posted.get(i.code, ""), errors.get(i.code, [])) for i in rubric.indicators
            ],
            "comment": request.POST.get("comment", ""),
            "comment_errors": errors.get("comment", []),
        },
    )


@login_required
def score_sheet_download(request, pk: int, assignment_id: int):
    """The scan of a paper score sheet: for the city administrators only."""
    user = request.user
    app = selectors.application_get(user, pk)
    if user.role != Role.CITY_ADMIN and not user.is_platform_admin:
        raise Http404
    assignment = get_object_or_404(app.assignments.select_related("score"), pk=assignment_id)
    score = getattr(assignment, "score", None)
    if score is None or not score.sheet:
        raise Http404
    return stored_file_response(
        score.sheet, filename=score.sheet_name, content_type=score.sheet_content_type
    )


def _points_total(points) -> Decimal:
    """Return the sum of the numeric points (an unreadable value counts as nothing)."""
    total = Decimal(0)
    for value in points.values():
        try:
            total += Decimal(str(value))
        except ArithmeticError:
            continue
    return total


def _posted_version(request) -> int | None:
    raw = request.POST.get("version", "").strip()
    return int(raw) if raw.isdigit() else None


@login_required
def score(request, pk: int):
    user = request.user
    app = selectors.application_get(user, pk)
    assignment = (
        ExpertAssignment.objects.filter(application=app, expert_id=user.expert_id)
        .select_related("score")
        .order_by("-id")
        .first()
    )
    if assignment is None or user.role != Role.EXPERT_REVIEWER:
        raise Http404
    rubric = review_rubric(app.city, app.program)
    params, _version = current_params(app.city)
    errors: dict = {}
    posted = {}
    if request.method == "POST":
        try:
            if "declare" in request.POST:
                services.assignment_declare(
                    assignment=assignment,
                    actor=user,
                    no_conflict=request.POST.get("declare") == "none",
                    conflict=request.POST.get("conflict", ""),
                )
                return redirect("applications:score", pk=pk)
            posted = {i.code: request.POST.get(f"points_{i.code}", "") for i in rubric.indicators}
            services.score_save(
                assignment=assignment,
                actor=user,
                points=posted,
                comment=request.POST.get("comment", ""),
                submit="submit" in request.POST,
                # 0 = the page was loaded before any score existed (a version from the first render).
                expected_version=_posted_version(request),
            )
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                errors = {
                    k: [str(m) for e in v for m in e.messages] for k, v in exc.error_dict.items()
                }
                # Name what is missing (an indicator, or the 评审意见 itself), not just "标红".
                messages.error(
                    request,
                    "评分未提交：" + "；".join(m for v in errors.values() for m in v) + "。",
                )
            else:
                _flash_error(request, exc)
        except PermissionDenied as exc:
            _flash_error(request, exc)
        else:
            messages.success(
                request, "评分已提交。" if "submit" in request.POST else "评分已暂存。"
            )
            return redirect("applications:score", pk=pk)
    assignment.refresh_from_db()
    current = getattr(assignment, "score", None)
    saved = current.points if current else {}
    rows = [
        (i, posted.get(i.code, saved.get(i.code, "")), errors.get(i.code, []))
        for i in rubric.indicators
    ]
    selectors.decorate([app])
    return render(
        request,
        "applications/score.html",
        {
            "app": app,
            "assignment": assignment,
            "rubric": rubric,
            "rows": rows,
            "score": current,
            "comment": request.POST.get("comment", current.comment if current else ""),
            "comment_errors": errors.get("comment", []),
            "blind": bool(params.get("blind_review", False)),
            "can_score": perms.can_score(user, assignment)[0],
            # What the expert typed stays, and so does its total (not 合计 0 after a refusal).
            "total": _points_total({**saved, **{k: v for k, v in posted.items() if v != ""}}),
        },
    )


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
