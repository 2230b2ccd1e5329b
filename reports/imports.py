"""Legacy imports from Excel (django-import-export): preview, then all or nothing.

The directory resources are stations.resources' own (natural keys, city scoping, audit),
switched to full model validation; past evaluations and payments are declared here. A file
with any invalid row — bad credit code, unknown society, a station named twice, an amount
that is not a number, another city's row — is refused whole with a row-by-row report in
Chinese, and nothing is written: the real import runs in one transaction that is rolled
back on the first error. Importing the same file again changes nothing (natural keys,
`skip_unchanged`). Templates carry Chinese headers; English column names are accepted too.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from io import BytesIO

import tablib
from django.apps import apps
from django.core.exceptions import (
    NON_FIELD_ERRORS,
    MultipleObjectsReturned,
    ObjectDoesNotExist,
    ValidationError,
)
from django.db import transaction
from django.utils import timezone
from import_export import fields, resources, widgets

from evaluations.models import EvaluationRound, StationEvaluation
from funding.models import Disbursement, Grant
from policies.types import GRADE_LABELS, quantize_score
from stations.models import Station
from stations.resources import (
    CityScopedResource,
    ExpertResource,
    HostUnitResource,
    SocietyResource,
    StationResource,
)

from .excel import Column, SheetWriter, new_workbook

IMPORT_NOTE = "历史数据导入"


# --- widgets with Chinese messages -----------------------------------------------------------


class AmountWidget(widgets.IntegerWidget):
    """Whole yuan, > 0; "3万" or "abc" is refused with a Chinese message."""

    def clean(self, value, row=None, **kwargs):
        if value in (None, ""):
            raise ValueError("金额不能为空。")
        try:
            number = Decimal(str(value).replace(",", "").strip())
        except InvalidOperation as exc:
            raise ValueError(f"金额“{value}”不是有效数字。") from exc
        if number != number.to_integral_value() or number <= 0:
            raise ValueError(f"金额“{value}”须为大于 0 的整数（元）。")
        return int(number)


class ScoreWidget(widgets.DecimalWidget):
    def clean(self, value, row=None, **kwargs):
        if value in (None, ""):
            return None
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation as exc:
            raise ValueError(f"得分“{value}”不是有效数字。") from exc
        if not 0 <= number <= 100:
            raise ValueError(f"得分“{value}”须在 0–100 之间。")
        return quantize_score(number)  # the one rounding rule (two decimals, half up)


class CnDateWidget(widgets.DateWidget):
    def clean(self, value, row=None, **kwargs):
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date) or value in (None, ""):
            return value or None
        for fmt in ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日"):
            try:
                return dt.datetime.strptime(str(value).strip(), fmt).date()
            except ValueError:
                continue
        raise ValueError(f"日期“{value}”格式不正确，请填写如 2025-03-01。")


class GradeWidget(widgets.Widget):
    """Accept a grade's Chinese label (优秀) or its code (excellent)."""

    def clean(self, value, row=None, **kwargs):
        text = str(value or "").strip()
        by_label = {label: code for code, label in GRADE_LABELS.items()}
        if text in GRADE_LABELS:
            return text
        if text in by_label:
            return by_label[text]
        raise ValueError(f"等次“{text}”无效，应为：{'、'.join(GRADE_LABELS.values())}。")

    def render(self, value, obj=None, **kwargs):
        return GRADE_LABELS.get(value, value or "")


class GrantWidget(widgets.ForeignKeyWidget):
    """A grant named by its station (in the row's city), program code and start year."""

    def __init__(self):
        super().__init__(Grant, "pk")

    def clean(self, value, row=None, **kwargs):
        row = row or {}
        station = str(value or "").strip()
        program = str(row.get("program") or "").strip()
        try:
            start_year = int(str(row.get("start_year") or "").strip())
        except ValueError as exc:
            raise ValueError(f"资助起始年度“{row.get('start_year')}”不是有效年份。") from exc
        grant = Grant.objects.filter(
            station__city__code=row.get("city"),
            station__name=station,
            program=program,
            start_year=start_year,
        ).first()
        if grant is None:
            raise ValueError(
                f"找不到资助项目：服务站“{station}”、项目“{program}”、{start_year}年起"
                "（请先在系统中建立资助项目）。"
            )
        return grant

    def render(self, value, obj=None, **kwargs):
        return value.station.name if value else ""


def grant_columns() -> dict[str, fields.Field]:
    return {
        "grant": fields.Field(attribute="grant", column_name="station", widget=GrantWidget()),
        "city": fields.Field(column_name="city", readonly=True),
        "program": fields.Field(column_name="program", readonly=True),
        "start_year": fields.Field(column_name="start_year", readonly=True),
    }


# --- resources ------------------------------------------------------------------------------


class SocietyImport(SocietyResource):
    class Meta(SocietyResource.Meta):
        clean_model_instances = True


class HostUnitImport(HostUnitResource):
    class Meta(HostUnitResource.Meta):
        clean_model_instances = True


class ExpertImport(ExpertResource):
    class Meta(ExpertResource.Meta):
        clean_model_instances = True


class StationImport(StationResource):
    class Meta(StationResource.Meta):
        clean_model_instances = True

    def import_instance(self, instance, row, **kwargs):
        super().import_instance(instance, row, **kwargs)
        if instance.pk is None and instance.society_id and instance.host_unit_id:
            twin = Station.objects.filter(
                city_id=instance.city_id,
                society_id=instance.society_id,
                host_unit_id=instance.host_unit_id,
                program=instance.program,
            ).first()
            if twin is not None:
                raise ValidationError(
                    {"name": f"重复的服务站：该学会在该建站单位已有同类服务站“{twin.name}”。"}
                )


class PastEvaluationResource(CityScopedResource):
    """Past years' confirmed grades: a record only, the funding engine is not re-run."""

    grant = grant_columns()["grant"]
    city = grant_columns()["city"]
    program = grant_columns()["program"]
    start_year = grant_columns()["start_year"]
    year = fields.Field(attribute="year", column_name="year", widget=widgets.IntegerWidget())
    final_score = fields.Field(
        attribute="final_score", column_name="final_score", widget=ScoreWidget()
    )
    grade = fields.Field(attribute="grade", column_name="grade", widget=GradeWidget())
    summary = fields.Field(attribute="summary", column_name="summary")

    class Meta:
        model = StationEvaluation
        import_id_fields = ("grant", "year")
        fields = (
            "city",
            "grant",
            "program",
            "start_year",
            "year",
            "final_score",
            "grade",
            "summary",
        )
        skip_unchanged = True
        clean_model_instances = True

    def import_instance(self, instance, row, **kwargs):
        super().import_instance(instance, row, **kwargs)
        if instance.pk is None:
            user = getattr(self, "_importing_user", None)
            station = instance.grant.station
            instance.station = station
            instance.round, _ = EvaluationRound.objects.get_or_create(
                city=station.city,
                year=instance.year,
                defaults={
                    "title": f"{instance.year}年度考核（{IMPORT_NOTE}）",
                    "due_date": dt.date(instance.year, 12, 31),
                    "status": EvaluationRound.Status.CLOSED,
                    "opened_by": user,
                },
            )
            instance.status = StationEvaluation.Status.CONFIRMED
            instance.confirmed_by = user
            instance.confirmed_at = timezone.now()
            instance.decision = {"imported": True, "note": IMPORT_NOTE}


class PaymentResource(CityScopedResource):
    """Past payments (Disbursement) of existing grants; one per grant and year."""

    grant = grant_columns()["grant"]
    city = grant_columns()["city"]
    program = grant_columns()["program"]
    start_year = grant_columns()["start_year"]
    year = fields.Field(attribute="year", column_name="year", widget=widgets.IntegerWidget())
    amount = fields.Field(attribute="amount", column_name="amount", widget=AmountWidget())
    paid_on = fields.Field(attribute="paid_on", column_name="paid_on", widget=CnDateWidget())

    class Meta:
        model = Disbursement
        import_id_fields = ("grant", "year")
        fields = (
            "city",
            "grant",
            "program",
            "start_year",
            "year",
            "amount",
            "paid_on",
            "voucher_no",
            "payee_account_name",
            "payee_bank",
            "payee_account_no",
        )
        skip_unchanged = True
        clean_model_instances = True

    def import_instance(self, instance, row, **kwargs):
        before = instance.amount if instance.pk else None
        super().import_instance(instance, row, **kwargs)
        if before is not None and before != instance.amount:
            raise ValidationError(
                {
                    "amount": f"该资助项目{instance.year}年度已有拨付记录（{before:,} 元），与导入金额不一致。"
                }
            )
        if instance.pk is None:
            instance.approved_by = getattr(self, "_importing_user", None)
            instance.clauses = [IMPORT_NOTE]


@dataclass(frozen=True)
class ImportKind:
    kind: str
    title: str
    resource: type[resources.ModelResource]
    example: dict = field(default_factory=dict)
    help_zh: str = ""


IMPORTS: dict[str, ImportKind] = {
    k.kind: k
    for k in (
        ImportKind(
            "societies",
            "学会",
            SocietyImport,
            {
                "city": "shenyang",
                "name": "沈阳市示例学会",
                "level": "city",
                "discipline": "机械工程",
                "supervising_cast": "city_cast",
            },
            "以“城市代码 + 学会名称”识别；level 填 national/provincial/city。",
        ),
        ImportKind(
            "host_units",
            "建站单位",
            HostUnitImport,
            {
                "city": "shenyang",
                "name": "示例科技有限公司",
                "nature": "enterprise",
                "credit_code": "91210100000000001D",
                "legal_rep": "张三",
                "registered_city": "沈阳市",
            },
            "以“城市代码 + 统一社会信用代码”识别，信用代码须通过 GB 32100 校验。",
        ),
        ImportKind(
            "experts",
            "专家",
            ExpertImport,
            {
                "city": "shenyang",
                "name": "王明",
                "title": "教授",
                "field": "机械工程",
                "employer": "某大学",
                "province": "辽宁省",
            },
            "以“城市代码 + 姓名 + 工作单位”识别；society 填本市学会名称。",
        ),
        ImportKind(
            "stations",
            "服务站",
            StationImport,
            {
                "city": "shenyang",
                "name": "全国示例学会沈阳服务站",
                "society": "示例学会",
                "host_unit_credit_code": "91210100000000001D",
                "level": "national",
                "program": "filing",
                "status": "filed",
            },
            "以“城市代码 + 服务站名称”识别；学会、建站单位须已存在于本市。",
        ),
        ImportKind(
            "evaluations",
            "历年考核结果",
            PastEvaluationResource,
            {
                "city": "guiyang",
                "station": "示例工作站",
                "program": "station",
                "start_year": 2024,
                "year": 2024,
                "final_score": 88,
                "grade": "合格",
            },
            "以“资助项目 + 考核年度”识别；资助项目须已建立。导入的是历史记录，不重新计算资助。",
        ),
        ImportKind(
            "payments",
            "历年拨付记录",
            PaymentResource,
            {
                "city": "guiyang",
                "station": "示例工作站",
                "program": "station",
                "start_year": 2024,
                "year": 2024,
                "amount": 50000,
                "paid_on": "2024-06-30",
                "voucher_no": "记-2024-001",
                "payee_account_name": "示例学会",
                "payee_bank": "中国银行",
                "payee_account_no": "6222020200001234567",
            },
            "以“资助项目 + 资助年度”识别；金额为整数元。",
        ),
    )
}


# --- headers --------------------------------------------------------------------------------


def _label_for(model, attribute: str | None, column: str) -> str:
    name = (attribute or column).split("__")[0]
    try:
        return str(model._meta.get_field(name).verbose_name)
    except Exception:  # noqa: BLE001
        return {"city": "城市代码", "program": "项目代码", "start_year": "资助起始年度"}.get(
            column, column
        )


def header_labels(kind: ImportKind) -> list[tuple[str, str]]:
    """Return [(column name, Chinese header)] in the resource's import order; labels unique."""
    resource = kind.resource()
    model = resource._meta.model
    pairs, seen = [], set()
    for f in resource.get_import_fields():
        label = _label_for(model, f.attribute, f.column_name)
        if f.column_name == "city":
            label = "城市代码"
        elif f.column_name == "host_unit_credit_code":
            label = "建站单位统一社会信用代码"
        elif (
            kind.resource in (PastEvaluationResource, PaymentResource)
            and f.column_name == "station"
        ):
            label = "服务站名称"
        if label in seen:
            label = f"{label}（{f.column_name}）"
        seen.add(label)
        pairs.append((f.column_name, label))
    return pairs


def template_xlsx(kind: ImportKind) -> bytes:
    """An empty template: Chinese headers, one example row, and a sheet of explanations."""
    pairs = header_labels(kind)
    wb = new_workbook()
    columns = [Column(label, lambda row, c=col: row.get(c, ""), 18) for col, label in pairs]
    sheet = SheetWriter.create(wb, f"{kind.title}导入", columns)
    sheet.append({k: v for k, v in kind.example.items()})
    notes = SheetWriter.create(
        wb,
        "填写说明",
        (
            Column("表头", lambda r: r[0], 28),
            Column("字段代码", lambda r: r[1], 24),
            Column("说明", lambda r: r[2], 60),
        ),
    )
    notes.append(("（整表）", "", kind.help_zh + " 第一行为表头，示例行请删除或改写。"))
    for col, label in pairs:
        notes.append((label, col, ""))
    out = BytesIO()
    wb.save(out)
    return out.getvalue()


# --- running --------------------------------------------------------------------------------


@dataclass
class RowProblem:
    row: int  # the spreadsheet's row number (the header is row 1)
    column: str
    message: str


@dataclass
class ImportReport:
    kind: ImportKind
    rows: int = 0
    new: int = 0
    updated: int = 0
    skipped: int = 0
    problems: list[RowProblem] = field(default_factory=list)
    written: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems


class ImportRefused(Exception):
    """Raised inside the import transaction to roll everything back."""


def _model_label(exc: Exception) -> str:
    for model in apps.get_models():
        if isinstance(exc, model.DoesNotExist | model.MultipleObjectsReturned):
            return str(model._meta.verbose_name)
    return "关联记录"


def _message(exc: Exception) -> str:
    if isinstance(exc, ObjectDoesNotExist):
        return f"找不到对应的{_model_label(exc)}：请核对名称或代码，且须为本市已有的数据。"
    if isinstance(exc, MultipleObjectsReturned):
        return f"对应的{_model_label(exc)}不止一个，请补充区分信息。"
    if isinstance(exc, ValidationError):
        return "；".join(exc.messages)
    text = str(exc)
    return text if any("\u4e00" <= ch <= "\u9fff" for ch in text) else f"数据有误：{text}"


def load_dataset(content: bytes, kind: ImportKind) -> tablib.Dataset:
    """Read the first sheet; Chinese headers are mapped back to column names."""
    dataset = tablib.Dataset().load(BytesIO(content), format="xlsx")
    by_label = {label: col for col, label in header_labels(kind)}
    dataset.headers = [
        by_label.get(str(h or "").strip(), str(h or "").strip()) for h in dataset.headers
    ]
    # Excel gives whole numbers as floats and blank cells as None: normalise for the widgets.
    normal = tablib.Dataset(headers=dataset.headers)
    for row in dataset:
        if all(v in (None, "") for v in row):
            continue
        normal.append(
            [
                int(v) if isinstance(v, float) and v.is_integer() else ("" if v is None else v)
                for v in row
            ]
        )
    return normal


def _duplicates(dataset: tablib.Dataset, resource) -> list[RowProblem]:
    id_fields = [resource.fields[name].column_name for name in resource.get_import_id_fields()]
    key_columns = list(id_fields)
    if "station" in key_columns:  # a grant is named by station + program + start year
        key_columns += [c for c in ("program", "start_year") if c in dataset.headers]
    if not all(c in dataset.headers for c in key_columns):
        return []
    first_seen: dict[tuple, int] = {}
    problems = []
    for index, row in enumerate(dataset.dict, start=2):
        key = tuple(str(row.get(c, "")).strip().upper() for c in key_columns)
        if key in first_seen:
            problems.append(
                RowProblem(
                    index,
                    "、".join(key_columns),
                    f"与第 {first_seen[key]} 行重复（同一条记录在文件中出现两次）。",
                )
            )
        else:
            first_seen[key] = index
    return problems


def _collect(result, report: ImportReport) -> None:
    for number, errors in result.row_errors():
        for error in errors:
            report.problems.append(RowProblem(number + 1, "", _message(error.error)))
    for invalid in result.invalid_rows:
        for column, messages in invalid.error_dict.items():
            label = "" if column == NON_FIELD_ERRORS else column
            for message in messages:
                report.problems.append(RowProblem(invalid.number + 1, label, str(message)))
    for error in result.base_errors:
        report.problems.append(RowProblem(0, "", _message(error.error)))
    report.new = result.totals.get("new", 0)
    report.updated = result.totals.get("update", 0)
    report.skipped = result.totals.get("skip", 0)


def import_run(*, kind: str, user, content: bytes, dry_run: bool) -> ImportReport:
    """Check (dry run) or import a file; any problem means nothing is written."""
    spec = IMPORTS[kind]
    report = ImportReport(kind=spec)
    try:
        dataset = load_dataset(content, spec)
    except Exception as exc:  # noqa: BLE001 (an unreadable file is a user error)
        report.problems.append(RowProblem(0, "", f"无法读取 Excel 文件：{exc}"))
        return report
    report.rows = len(dataset)
    resource = spec.resource()
    expected = {f.column_name for f in resource.get_import_fields()}
    missing = [
        c
        for c in resource.get_import_id_fields()
        if resource.fields[c].column_name not in dataset.headers
    ]
    unknown = [h for h in dataset.headers if h not in expected]
    if missing or unknown:
        if missing:
            report.problems.append(
                RowProblem(1, "", f"缺少必需的列：{'、'.join(missing)}（请使用下载的模板）。")
            )
        if unknown:
            report.problems.append(RowProblem(1, "", f"无法识别的列：{'、'.join(unknown)}。"))
        return report
    report.problems.extend(_duplicates(dataset, resource))
    if report.problems:
        return report
    try:
        with transaction.atomic():
            result = resource.import_data(
                dataset, dry_run=dry_run, raise_errors=False, use_transactions=True, user=user
            )
            _collect(result, report)
            if report.problems or dry_run:
                raise ImportRefused
    except ImportRefused:
        return report
    report.written = True
    return report


def problems_sorted(problems: Sequence[RowProblem]) -> list[RowProblem]:
    return sorted(problems, key=lambda p: (p.row, p.column))
