"""Thin views of the reports app: permission, selector, renderer; every download audited."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from accounts.paging import paginate
from accounts.services import audit

from . import permissions, subsidy_jobs
from .excel import XLSX_CONTENT_TYPE
from .forms import SubsidyReportForm
from .pdf import PDF_CONTENT_TYPE, render_pdf
from .subsidy import subsidy_report
from .subsidy_xlsx import subsidy_xlsx

SUBSIDY_PAGE_SIZE = 50


def _deny(decision) -> None:
    allowed, reason = decision
    if not allowed:
        raise PermissionDenied(reason)


def attachment(content: bytes, filename: str, content_type: str) -> HttpResponse:
    """Return a download: attachment, nosniff, never cached (reports hold money and accounts)."""
    from urllib.parse import quote

    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    return response


def issuer_for(city) -> str:
    return f"{city.name}市科学技术协会" if city is not None else "科学技术协会"


@login_required
def index(request):
    user = request.user
    can_city = bool(user.city_id) and permissions.can_view_city_reports(user, user.city)[0]
    return render(
        request,
        "reports/index.html",
        {
            "form": SubsidyReportForm(user=user) if (can_city or user.is_platform_admin) else None,
            "can_import": permissions.can_import(user)[0],
            "can_all_cities": permissions.can_view_all_cities(user)[0],
            "can_dashboard": can_city,
        },
    )


@login_required
def subsidy(request):
    user = request.user
    # Only roles that may read some city's report get even the empty form.
    _deny(
        permissions.can_view_city_reports(user, user.city if not user.is_platform_admin else None)
    )
    form = SubsidyReportForm(request.GET or None, user=user)
    if not form.is_valid():
        return render(request, "reports/subsidy.html", {"form": form, "report": None})
    data = form.cleaned_data
    city = data["city"]
    _deny(permissions.can_view_city_reports(user, city))
    period = {"year": data["year"], "date_from": data["date_from"], "date_to": data["date_to"]}
    fmt = request.GET.get("format", "html")
    if fmt in {"xlsx", "pdf"} and (
        subsidy_jobs.estimated_rows(user, city=city, **period) > subsidy_jobs.sync_subsidy_max()
    ):
        # Too big for the request: a Celery job renders it; its page shows the progress.
        from django.shortcuts import redirect

        job = subsidy_jobs.subsidy_job_create(
            user=user, city=city, fmt=fmt, request=request, **period
        )
        return redirect("reports:job", pk=job.pk)
    report = subsidy_report(user, city=city, **period)
    if fmt not in {"xlsx", "pdf"}:
        # The table pages by line (rows and subtotals); the grand total is the whole report's.
        page = paginate(request, report.lines(), per_page=SUBSIDY_PAGE_SIZE)
        return render(
            request, "reports/subsidy.html", {"form": form, "report": report, "page_obj": page}
        )
    audit(
        event="reports.subsidy_exported",
        user=user,
        request=request,
        city_id=city.pk,
        detail={"format": fmt, "period": report.period_label, "rows": len(report.rows)},
    )
    filename = f"{report.title}.{fmt}"
    if fmt == "xlsx":
        return attachment(subsidy_xlsx(report), filename, XLSX_CONTENT_TYPE)
    pdf = render_pdf(
        "reports/pdf/subsidy.html",
        {"report": report, "today": timezone.localdate(), "issuer": issuer_for(city)},
        lean_ua=True,
    )
    return attachment(pdf, filename, PDF_CONTENT_TYPE)


# --- list exports and export jobs ----------------------------------------------------------


@login_required
def list_export(request, kind: str):
    """Show a list's filters and row count; with ?download=1 export exactly those rows."""
    from django.http import Http404
    from django.shortcuts import redirect

    from stations.forms import bootstrapify

    from . import services
    from .exports import filtered_queryset, get_export

    _deny(permissions.can_export_lists(request.user))
    try:
        export = get_export(kind)
    except KeyError as exc:
        raise Http404("没有这种导出。") from exc
    params = request.GET.copy()
    download = params.pop("download", None)
    if download:
        queryset, _filterset = filtered_queryset(export, request.user, params)
        if queryset.count() > services.sync_export_max():
            job = services.export_job_create(
                kind=kind, user=request.user, params=params, request=request
            )
            return redirect("reports:job", pk=job.pk)
        content, _count = services.list_export_bytes(
            kind=kind, user=request.user, params=params, request=request
        )
        filename = f"{export.title}-{timezone.localdate():%Y%m%d}.xlsx"
        return attachment(content, filename, XLSX_CONTENT_TYPE)
    queryset, filterset = filtered_queryset(export, request.user, params)
    if filterset is not None:
        bootstrapify(filterset.form)
    return render(
        request,
        "reports/list_export.html",
        {
            "export": export,
            "filter": filterset,
            "count": queryset.count(),
            "query": params.urlencode(),
            "sync_max": services.sync_export_max(),
        },
    )


def _own_job(request, pk: int):
    from django.shortcuts import get_object_or_404

    from .models import ExportJob

    # Another user's job answers exactly like a missing one, and the attempt is audited.
    job = ExportJob.objects.filter(pk=pk, owner=request.user).first()
    if job is None:
        hidden = ExportJob.objects.filter(pk=pk).first()
        if hidden is not None:
            from accounts.models import AuditEvent
            from accounts.services import audit

            audit(
                event="access.denied",
                request=request,
                obj=hidden,
                result=AuditEvent.Result.DENIED,
                reason="他人的导出任务",
            )
        return get_object_or_404(ExportJob, pk=pk, owner=request.user)
    return job


def _job_context(job) -> dict:
    """The job and, once it failed, the list page with the same filters to export again."""
    from django.urls import reverse

    from .exports import params_to_querydict

    ctx = {"job": job}
    if job.status == job.Status.FAILED:
        query = params_to_querydict(job.params).urlencode()
        ctx["retry_url"] = reverse("reports:list_export", args=[job.kind]) + (
            f"?{query}" if query else ""
        )
    return ctx


@login_required
def jobs(request):
    from .models import ExportJob

    rows = ExportJob.objects.filter(owner=request.user)[:50]
    return render(request, "reports/jobs.html", {"jobs": rows})


@login_required
def job_detail(request, pk: int):
    return render(request, "reports/job_detail.html", _job_context(_own_job(request, pk)))


@login_required
def job_progress(request, pk: int):
    """The polled fragment: keeps polling (hx-trigger) until the job is finished."""
    return render(request, "reports/_job_progress.html", _job_context(_own_job(request, pk)))


@login_required
def job_download(request, pk: int):
    from django.http import FileResponse, HttpResponse

    job = _own_job(request, pk)
    if job.is_expired:
        return HttpResponse(
            "下载链接已过期，请重新导出。", status=410, content_type="text/plain; charset=utf-8"
        )
    if not job.downloadable:
        return HttpResponse("文件尚未生成。", status=409, content_type="text/plain; charset=utf-8")
    from .exports import get_export

    audit(event="reports.export_downloaded", user=request.user, request=request, obj=job)
    if subsidy_jobs.is_subsidy_kind(job.kind):
        filename = subsidy_jobs.download_name(job)
        content_type = subsidy_jobs.FORMATS[subsidy_jobs.job_format(job)]
    else:
        filename = f"{get_export(job.kind).title}-{job.created_at:%Y%m%d}-{job.pk}.xlsx"
        content_type = XLSX_CONTENT_TYPE
    response = FileResponse(
        job.file.open("rb"), as_attachment=True, filename=filename, content_type=content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    return response


# --- official documents (PDF) ---------------------------------------------------------------


@login_required
def document(request, kind: str, pk: int):
    """Render one official document; the object is loaded through its own app's selector."""
    from django.http import Http404

    from .documents import DOCUMENTS, DocumentNotAvailable

    builder = DOCUMENTS.get(kind)
    if builder is None:
        raise Http404("没有这种文书。")
    try:
        template, context, filename = builder(request.user, pk)
    except DocumentNotAvailable as exc:
        return render(request, "reports/unavailable.html", {"reason": str(exc)}, status=409)
    pdf = render_pdf(template, context)
    audit(
        event="reports.document_rendered",
        user=request.user,
        request=request,
        detail={"kind": kind, "id": pk},
    )
    return attachment(pdf, filename, PDF_CONTENT_TYPE)


# --- imports ------------------------------------------------------------------------------


def _import_kind(kind: str):
    from django.http import Http404

    from .imports import IMPORTS

    try:
        return IMPORTS[kind]
    except KeyError as exc:
        raise Http404("没有这种导入。") from exc


@login_required
def imports(request):
    from .forms import ImportUploadForm
    from .imports import IMPORTS

    _deny(permissions.can_import(request.user))
    return render(
        request, "reports/imports.html", {"kinds": IMPORTS.values(), "form": ImportUploadForm()}
    )


@login_required
def import_template(request, kind: str):
    from .imports import template_xlsx

    _deny(permissions.can_import(request.user))
    spec = _import_kind(kind)
    return attachment(
        template_xlsx(spec, request.user.city), f"{spec.title}导入模板.xlsx", XLSX_CONTENT_TYPE
    )


@login_required
def import_preview(request, kind: str):
    """Upload a file and check it (dry run); a clean file can then be imported."""
    from django.core.exceptions import ValidationError
    from django.shortcuts import redirect

    from stations.uploads import validate_upload

    from . import services
    from .forms import ImportUploadForm
    from .imports import check_legacy_upload, count_rows, import_run, problems_sorted
    from .staging import staging_save

    _deny(permissions.can_import(request.user))
    spec = _import_kind(kind)
    if request.method != "POST":
        return render(
            request, "reports/import_preview.html", {"spec": spec, "form": ImportUploadForm()}
        )
    form = ImportUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return render(
            request, "reports/import_preview.html", {"spec": spec, "form": form}, status=400
        )
    upload = form.cleaned_data["file"]
    try:
        if upload.name.lower().endswith(".xlsx"):
            validate_upload(upload, allowed={"xlsx"})
        else:
            check_legacy_upload(upload)
    except ValidationError as exc:
        form.add_error("file", exc)
        return render(
            request, "reports/import_preview.html", {"spec": spec, "form": form}, status=400
        )
    upload.seek(0)
    content = upload.read()
    if count_rows(content) > services.sync_import_max():
        # A large file is checked by a Celery job with progress, not in the request.
        job = services.import_job_create(
            kind=kind, user=request.user, content=content, dry_run=True, request=request
        )
        return redirect("reports:import_job", pk=job.pk)
    report = import_run(kind=kind, user=request.user, content=content, dry_run=True)
    token = staging_save(user=request.user, content=content) if report.ok else ""
    return render(
        request,
        "reports/import_preview.html",
        {
            "spec": spec,
            "form": ImportUploadForm(),
            "report": report,
            "problems": problems_sorted(report.problems),
            "token": token,
        },
        status=200 if report.ok else 422,
    )


@login_required
def import_confirm(request, kind: str):
    from django.http import HttpResponseNotAllowed

    from .imports import import_run, problems_sorted
    from .staging import staging_discard, staging_read

    _deny(permissions.can_import(request.user))
    spec = _import_kind(kind)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    # The staged file lives in the shared storage: the preview may have been served elsewhere.
    token = request.POST.get("token", "")
    content = staging_read(user=request.user, token=token)
    if content is None:
        from django.http import Http404

        raise Http404("导入文件不存在或已处理。")
    report = import_run(kind=kind, user=request.user, content=content, dry_run=False)
    staging_discard(user=request.user, token=token)
    return render(
        request,
        "reports/import_done.html",
        {"spec": spec, "report": report, "problems": problems_sorted(report.problems)},
        status=200 if report.written else 422,
    )


def _own_import_job(request, pk: int):
    from django.shortcuts import get_object_or_404

    from .models import ImportJob

    # Another user's job answers exactly like a missing one.
    return get_object_or_404(ImportJob, pk=pk, owner=request.user)


def _import_job_context(job) -> dict:
    from .imports import IMPORTS, ImportReport, problems_sorted

    context = {"job": job, "spec": IMPORTS.get(job.kind)}
    if job.status == job.Status.DONE and job.result:
        report = ImportReport.from_dict(job.result)
        context.update({"report": report, "problems": problems_sorted(report.problems)})
    return context


@login_required
def import_job(request, pk: int):
    _deny(permissions.can_import(request.user))
    job = _own_import_job(request, pk)
    return render(request, "reports/import_job.html", _import_job_context(job))


@login_required
def import_job_progress(request, pk: int):
    """The polled fragment: keeps polling (hx-trigger) until the job is finished."""
    _deny(permissions.can_import(request.user))
    job = _own_import_job(request, pk)
    return render(request, "reports/_import_job_progress.html", _import_job_context(job))


@login_required
def import_job_confirm(request, pk: int):
    from django.core.exceptions import ValidationError
    from django.http import HttpResponseNotAllowed
    from django.shortcuts import redirect

    from . import services

    _deny(permissions.can_import(request.user))
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    job = _own_import_job(request, pk)
    try:
        new = services.import_job_confirm(job=job, user=request.user, request=request)
    except ValidationError as exc:
        context = _import_job_context(job)
        context["error"] = "；".join(exc.messages)
        return render(request, "reports/import_job.html", context, status=409)
    return redirect("reports:import_job", pk=new.pk)


# --- dashboards -----------------------------------------------------------------------------


def _dashboard_city(request):
    """The user's own city; the platform admin picks one with ?city=<id>."""
    from django.http import Http404

    from stations.models import City

    user = request.user
    if user.is_platform_admin:
        raw = request.GET.get("city", "")
        city = City.objects.filter(pk=int(raw)).first() if raw.isdigit() else None
        city = city or City.objects.order_by("id").first()
        if city is None:
            raise Http404("没有城市。")
        return city
    return user.city


def _chart_xlsx(chart, filename: str) -> HttpResponse:
    from io import BytesIO

    from .excel import Column
    from .excel_stream import write_table

    columns = [Column("类别", lambda r: r[0], 30)] + [
        Column(
            f"{name}（{chart.unit}）" if chart.unit else name,
            lambda r, i=i: r[1][i],
            16,
            total=chart.unit != "%",  # a sum of percentages means nothing
        )
        for i, name in enumerate(chart.series)
    ]
    out = BytesIO()
    write_table(
        out, title=chart.title[:31], columns=columns, rows=chart.rows, preamble=(chart.title,)
    )
    return attachment(out.getvalue(), filename, XLSX_CONTENT_TYPE)


@login_required
def dashboard(request):
    from stations.models import City

    from .dashboards import city_dashboard

    city = _dashboard_city(request)
    _deny(permissions.can_view_city_reports(request.user, city))
    context = city_dashboard(request.user, city)
    context["cities"] = City.objects.order_by("id") if request.user.is_platform_admin else None
    context["city_param"] = city.pk if request.user.is_platform_admin else None
    return render(request, "reports/dashboard.html", context)


@login_required
def dashboard_chart(request, key: str):
    from django.http import Http404

    from .dashboards import chart_by_key

    city = _dashboard_city(request)
    _deny(permissions.can_view_city_reports(request.user, city))
    chart = chart_by_key(request.user, city, key)
    if chart is None:
        raise Http404("没有这个图表。")
    return _chart_xlsx(chart, f"{city.name}-{chart.title}.xlsx")


@login_required
def all_cities(request):
    from .dashboards import all_cities as rows_for
    from .dashboards import all_cities_charts

    _deny(permissions.can_view_all_cities(request.user))
    rows = rows_for(request.user)
    return render(
        request, "reports/all_cities.html", {"rows": rows, "charts": all_cities_charts(rows)}
    )


@login_required
def all_cities_chart(request, key: str):
    from django.http import Http404

    from .dashboards import all_cities as rows_for
    from .dashboards import all_cities_charts

    _deny(permissions.can_view_all_cities(request.user))
    chart = next((c for c in all_cities_charts(rows_for(request.user)) if c.key == key), None)
    if chart is None:
        raise Http404("没有这个图表。")
    return _chart_xlsx(chart, f"全部城市-{chart.title}.xlsx")
