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
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from io import BytesIO
from typing import Any

import tablib
from django.apps import apps
from django.core.exceptions import (
    NON_FIELD_ERRORS,
    MultipleObjectsReturned,
    ObjectDoesNotExist,
    ValidationError,
)
from django.db import models, transaction
from django.db.models import F
from django.utils import timezone
from import_export import fields, resources, widgets

from evaluations.models import EvaluationRound, StationEvaluation
from evaluations.services import evaluation_prepare_import
from funding.models import Disbursement, Grant
from policies.types import GRADE_LABELS, quantize_score
from stations.models import City
from stations.resources import (
    CityScopedForeignKeyWidget,
    CityScopedResource,
    ExpertResource,
    HostUnitResource,
    SocietyResource,
    StationResource,
)

from .excel import Column, SheetWriter, new_workbook
from .import_sheets import (
    SERIAL_HEADERS,
    CellError,
    Choices,
    SheetUnreadable,
    clean_bool,
    clean_code,
    clean_date,
    clean_number_text,
    clean_text,
    clean_year,
    header_key,
    is_blank,
    iter_labels,
    read_sheet,
    sniff_format,
)

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


# --- lookups: loaded once per file, not once per row ------------------------------------------


class FileIndexedForeignKey(CityScopedForeignKeyWidget):
    """CityScopedForeignKeyWidget answering from the objects of the file's cities, loaded in
    one query when the import starts (`index_for`), instead of one query per row."""

    _index: dict | None = None

    def index_for(self, cities: set[str]) -> None:
        index: dict[tuple[str, str], list] = defaultdict(list)
        queryset = self.model.objects.filter(**{f"{self.city_path}__in": cities}).annotate(
            _file_city=F(self.city_path)
        )
        for obj in queryset:
            index[(obj._file_city, str(getattr(obj, self.field)))].append(obj)
        self._index = index

    def clean(self, value, row=None, **kwargs):
        if self._index is None:
            return super().clean(value, row, **kwargs)
        if value in (None, ""):
            return None
        row = row or {}
        matches = self._index.get((row.get(self.city_column), str(value)), [])
        for field_name, column in self.extra.items():
            if row.get(column):
                matches = [m for m in matches if str(getattr(m, field_name)) == str(row[column])]
        if len(matches) == 1:
            return matches[0]
        if not matches:
            raise self.model.DoesNotExist()
        raise self.model.MultipleObjectsReturned()


class FileIndexedCity(widgets.ForeignKeyWidget):
    """The City of a row by its code, from one query per file."""

    _index: dict | None = None

    def index_for(self, cities: set[str]) -> None:
        self._index = {c.code: c for c in City.objects.filter(code__in=cities)}

    def clean(self, value, row=None, **kwargs):
        if self._index is None:
            return super().clean(value, row, **kwargs)
        if value in (None, ""):
            return None
        try:
            return self._index[str(value)]
        except KeyError as exc:
            raise City.DoesNotExist() from exc


class FileLookups:
    """Mixin of the directory imports: related objects and the rows' existing instances are
    loaded once per file (one query per related model), then each row is matched in memory."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for f in self.fields.values():
            if type(f.widget) is CityScopedForeignKeyWidget:
                f.widget.__class__ = FileIndexedForeignKey
            elif isinstance(f.widget, widgets.ForeignKeyWidget) and f.widget.model is City:
                f.widget.__class__ = FileIndexedCity
        self._instances: dict | None = None

    def _id_key(self, values) -> tuple:
        return tuple(v.pk if isinstance(v, models.Model) else str(v) for v in values)

    def before_import(self, dataset, **kwargs):
        super().before_import(dataset, **kwargs)
        cities = set(dataset["city"]) if "city" in (dataset.headers or []) else set()
        for f in self.fields.values():
            if isinstance(f.widget, FileIndexedForeignKey | FileIndexedCity):
                f.widget.index_for(cities)
        attributes = [self.fields[n].attribute for n in self.get_import_id_fields()]
        model = self._meta.model
        self._instances = {}
        for obj in model.objects.filter(city__code__in=cities):
            key = tuple(
                getattr(obj, f"{a}_id")
                if isinstance(model._meta.get_field(a), models.ForeignKey)
                else str(getattr(obj, a))
                for a in attributes
            )
            self._instances[key] = obj

    def before_import_row(self, row, **kwargs):
        user = getattr(self, "_importing_user", None) or kwargs.get("user")
        if user is not None and not user.is_platform_admin:
            allowed = user.city.code if user.city_id else None
            if row.get("city") != allowed:
                raise ValueError(
                    f"只能导入本市的数据（{user.city.name if user.city_id else '—'}）："
                    f"这一行的城市代码是“{row.get('city')}”，应为“{allowed or '—'}”。"
                )
        super().before_import_row(row, **kwargs)

    def get_instance(self, instance_loader, row):
        if self._instances is None:
            return super().get_instance(instance_loader, row)
        values = [self.fields[n].clean(row) for n in self.get_import_id_fields()]
        return self._instances.get(self._id_key(values))


# --- resources ------------------------------------------------------------------------------


class SocietyImport(FileLookups, SocietyResource):
    class Meta(SocietyResource.Meta):
        clean_model_instances = True
        skip_html_diff = True  # the report lists problems, never per-row HTML diffs


class HostUnitImport(FileLookups, HostUnitResource):
    class Meta(HostUnitResource.Meta):
        clean_model_instances = True
        skip_html_diff = True  # the report lists problems, never per-row HTML diffs


class ExpertImport(FileLookups, ExpertResource):
    class Meta(ExpertResource.Meta):
        clean_model_instances = True
        skip_html_diff = True  # the report lists problems, never per-row HTML diffs


class StationImport(FileLookups, StationResource):
    class Meta(StationResource.Meta):
        clean_model_instances = True
        skip_html_diff = True  # the report lists problems, never per-row HTML diffs

    def before_import(self, dataset, **kwargs):
        super().before_import(dataset, **kwargs)
        self._twins = {
            (s.city_id, s.society_id, s.host_unit_id, s.program): s
            for s in (self._instances or {}).values()
        }

    def import_instance(self, instance, row, **kwargs):
        super().import_instance(instance, row, **kwargs)
        if instance.pk is None and instance.society_id and instance.host_unit_id:
            key = (instance.city_id, instance.society_id, instance.host_unit_id, instance.program)
            twin = self._twins.get(key)
            if twin is not None:
                raise ValidationError(
                    {"name": f"重复的服务站：该学会在该建站单位已有同类服务站“{twin.name}”。"}
                )
            self._twins[key] = instance  # a later row of the same file is a twin too


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
        skip_html_diff = True  # the report lists problems, never per-row HTML diffs

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
            # 已确认 by the importer: the evaluations' one status setter decides it.
            evaluation_prepare_import(evaluation=instance, actor=user)
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
        skip_html_diff = True  # the report lists problems, never per-row HTML diffs

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


# The example row is written in the downloading user's city (a placeholder for platform users).
CITY_TOKEN = "{city}"
CITY_NAME_TOKEN = "{city_name}"
CITY_PLACEHOLDER = ("（城市代码）", "（所在城市）")


@dataclass(frozen=True)
class ImportKind:
    kind: str
    title: str
    resource: type[resources.ModelResource]
    example: dict = field(default_factory=dict)
    help_zh: str = ""

    def example_for(self, city=None) -> dict:
        """The example row with the city's code and name (placeholders without a city)."""
        code, name = (city.code, city.name) if city is not None else CITY_PLACEHOLDER
        tokens = {CITY_TOKEN: code, CITY_NAME_TOKEN: name}
        return {k: tokens.get(v, v) if isinstance(v, str) else v for k, v in self.example.items()}


IMPORTS: dict[str, ImportKind] = {
    k.kind: k
    for k in (
        ImportKind(
            "societies",
            "学会",
            SocietyImport,
            {
                "city": CITY_TOKEN,
                "name": "示例学会",
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
                "city": CITY_TOKEN,
                "name": "示例科技有限公司",
                "nature": "enterprise",
                "credit_code": "91210100000000001D",
                "legal_rep": "张三",
                "registered_city": CITY_NAME_TOKEN,
            },
            "以“城市代码 + 统一社会信用代码”识别，信用代码须通过 GB 32100 校验。",
        ),
        ImportKind(
            "experts",
            "专家",
            ExpertImport,
            {
                "city": CITY_TOKEN,
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
                "city": CITY_TOKEN,
                "name": "全国示例学会示例服务站",
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
                "city": CITY_TOKEN,
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
                "city": CITY_TOKEN,
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


# --- columns: headers and how each one's cells are read ------------------------------------

CITY_LABEL = "城市"
HEADER_ALIASES = {
    "city": ("城市代码", "城市", "所属城市", "地市", "市"),
    "name": ("名称",),
    "host_unit_credit_code": ("建站单位统一社会信用代码", "建站单位信用代码", "统一社会信用代码"),
    "credit_code": ("统一社会信用代码", "信用代码", "社会信用代码"),
    "program": ("项目代码", "项目类别", "项目"),
    "start_year": ("资助起始年度", "起始年度", "起始年份"),
    "year": ("年度", "年份"),
    "level": ("级别", "学会级别", "申报级别"),
    "discipline": ("学科领域", "学科", "专业领域", "专业"),
    "supervising_cast": ("业务主管单位", "主管科协", "业务主管"),
    "bank_account_no": ("银行账号", "账号", "收款账号"),
    "registered_city": ("注册地", "注册地（市）"),
    "has_own_cast": ("设有科协组织", "本单位设有科协", "有无科协"),
    "society": ("学会", "建站学会", "所属学会", "学会名称"),
    "certified_on": ("认定日期", "命名日期", "认定（命名）日期"),
    "term_start": ("协议起始日期", "协议期限起", "起始日期"),
    "term_end": ("协议截止日期", "协议期限止", "截止日期"),
    "station": ("服务站名称", "服务站", "工作站名称"),
    "amount": ("金额", "拨付金额", "金额（元）"),
}
NUMBER_TEXT_COLUMNS = {
    "bank_account_no",
    "payee_account_no",
    "contact_mobile",
    "contact_phone",
    "mobile",
    "head_mobile",
    "postcode",
    "voucher_no",
    "certificate_no",
}
CODE_COLUMNS = {"credit_code", "host_unit_credit_code"}
YEAR_COLUMNS = {"year", "start_year"}
CHOICE_SYNONYMS = {
    "level": (
        ("全国", "national"),
        ("全国学会", "national"),
        ("国家", "national"),
        ("全国级", "national"),
        ("省", "provincial"),
        ("省级学会", "provincial"),
        ("省学会", "provincial"),
        ("市", "city"),
        ("市级学会", "city"),
        ("市学会", "city"),
    ),
    "supervising_cast": (
        ("中国科学技术协会", "cast"),
        ("省科学技术协会", "provincial_cast"),
        ("市科学技术协会", "city_cast"),
    ),
    "status": (
        ("已认定", "certified"),
        ("认定", "certified"),
        ("已命名", "certified"),
        ("备案", "filed"),
        ("整改", "rectification"),
        ("暂停", "suspended"),
    ),
    "branch_kind": (("无", ""), ("否", "")),
}


def _model_field(model, attribute: str | None):
    if not attribute or "__" in attribute:
        return None
    try:
        return model._meta.get_field(attribute)
    except Exception:  # noqa: BLE001
        return None


def _label_for(model, attribute: str | None, column: str) -> str:
    field_ = _model_field(model, attribute or column)
    if field_ is not None:
        return str(field_.verbose_name)
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


@dataclass
class ColumnSpec:
    code: str
    label: str
    clean: Any  # callable(value, row) -> value, raising CellError
    allowed: str = ""  # what a person may write, for the template's notes
    default: Any = None  # a blank cell becomes this (booleans: the model's default)


def _city_choices() -> Choices:
    from stations.models import City

    pairs = tuple((c.code, c.name) for c in City.objects.order_by("id"))
    synonyms = tuple((f"{name}市", code) for code, name in pairs)
    return Choices(pairs, synonyms)


def _program_choices(city_code: str) -> Choices | None:
    from policies.registry import get_policy
    from stations.models import City

    policy_code = City.objects.filter(code=city_code).values_list("policy_code", flat=True).first()
    try:
        programs = get_policy(policy_code or "").programs
    except Exception:  # noqa: BLE001 (no policy: the resource refuses the row itself)
        return None
    return Choices(tuple((code, p.label_zh) for code, p in programs.items()))


def column_specs(kind: ImportKind) -> dict[str, ColumnSpec]:
    """How each column of a kind is read; built once per file (lookups are per file)."""
    resource = kind.resource()
    model = resource._meta.model
    cities = _city_choices()
    program_cache: dict[str, Choices | None] = {}
    specs: dict[str, ColumnSpec] = {}
    for code, label in header_labels(kind):
        f = resource.fields[next(n for n, x in resource.fields.items() if x.column_name == code)]
        model_field = _model_field(model, f.attribute)
        if code == "city":
            specs[code] = ColumnSpec(
                code, label, lambda v, row, c=cities: c.clean(v), cities.allowed()
            )
        elif code in CODE_COLUMNS:
            specs[code] = ColumnSpec(code, label, lambda v, row: clean_code(v), "18 位代码（文本）")
        elif code in NUMBER_TEXT_COLUMNS:
            specs[code] = ColumnSpec(
                code,
                label,
                lambda v, row: clean_number_text(v),
                "号码请以“文本”格式填写（超过 15 位的数字会被 Excel 改掉末尾数字）",
            )
        elif code in YEAR_COLUMNS:
            specs[code] = ColumnSpec(code, label, lambda v, row: clean_year(v), "四位年份，如 2024")
        elif code == "program" and kind.kind == "stations":

            def program(v, row, cache=program_cache):
                city = row.get("city") or ""
                if city not in cache:
                    cache[city] = _program_choices(city)
                choices = cache[city]
                return choices.clean(v) if choices else clean_text(v)

            from policies.registry import all_policies

            allowed = "；".join(
                f"{p.name_zh}：" + "、".join(f"{x.label_zh}（{c}）" for c, x in p.programs.items())
                for p in all_policies().values()
            )
            specs[code] = ColumnSpec(code, label, program, allowed)
        elif isinstance(model_field, models.BooleanField):
            specs[code] = ColumnSpec(
                code,
                label,
                lambda v, row: clean_bool(v),
                "是 / 否（也可填 Y/N、有/无、✓）",
                default=model_field.get_default(),
            )
        elif isinstance(model_field, models.DateField):
            specs[code] = ColumnSpec(
                code,
                label,
                lambda v, row: clean_date(v),
                "日期，如 2025-03-01、2025/3/1、2025年3月1日",
            )
        elif model_field is not None and model_field.choices:
            choices = Choices(iter_labels(model_field.choices), CHOICE_SYNONYMS.get(code, ()))
            specs[code] = ColumnSpec(
                code,
                label,
                lambda v, row, c=choices: c.clean(v),
                "填中文或代码：" + choices.allowed(),
            )
        elif code == "grade":
            specs[code] = ColumnSpec(
                code, label, lambda v, row: clean_text(v), "、".join(GRADE_LABELS.values())
            )
        elif isinstance(model_field, models.IntegerField | models.DecimalField):
            specs[code] = ColumnSpec(
                code,
                label,
                lambda v, row: v if isinstance(v, int | float) else clean_text(v),
                "数字",
            )
        else:
            specs[code] = ColumnSpec(code, label, lambda v, row: clean_text(v))
    return specs


def template_xlsx(kind: ImportKind, city=None) -> bytes:
    """A template: Chinese headers, one example row (ignored if left in), and notes listing
    for each column what may be written (codes and their Chinese labels)."""
    pairs = header_labels(kind)
    specs = column_specs(kind)
    wb = new_workbook()
    columns = [Column(label, lambda row, c=col: row.get(c, ""), 18) for col, label in pairs]
    sheet = SheetWriter.create(wb, f"{kind.title}导入", columns)
    sheet.append(kind.example_for(city))
    notes = SheetWriter.create(
        wb,
        "填写说明",
        (
            Column("表头", lambda r: r[0], 28),
            Column("字段代码", lambda r: r[1], 24),
            Column("可填的值", lambda r: r[2], 90),
        ),
    )
    notes.append(
        (
            "（整表）",
            "",
            kind.help_zh + " 表头所在行之上可以有标题行；“序号”列和空行会被忽略；第 2 行的示例行"
            "（示例数据）导入时忽略，请在其下填写。支持 .xlsx、.xls 和 CSV（UTF-8 或 GBK）。",
        )
    )
    for col, label in pairs:
        notes.append((label, col, specs[col].allowed))
    out = BytesIO()
    wb.save(out)
    return out.getvalue()


# --- running --------------------------------------------------------------------------------


@dataclass
class RowProblem:
    row: int  # the spreadsheet's own row number (0: the whole file)
    column: str  # the column code ("" for the whole row)
    message: str
    header: str = ""  # the column's header as written in the sheet

    @property
    def where(self) -> str:
        return self.header or self.column


@dataclass
class ImportReport:
    kind: ImportKind
    rows: int = 0
    new: int = 0
    updated: int = 0
    skipped: int = 0
    problems: list[RowProblem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    written: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict:
        return {
            "kind": self.kind.kind,
            "rows": self.rows,
            "new": self.new,
            "updated": self.updated,
            "skipped": self.skipped,
            "problems": [vars(p) for p in self.problems],
            "notes": list(self.notes),
            "written": self.written,
        }

    @classmethod
    def from_dict(cls, data: dict) -> ImportReport:
        return cls(
            kind=IMPORTS[data["kind"]],
            rows=data.get("rows", 0),
            new=data.get("new", 0),
            updated=data.get("updated", 0),
            skipped=data.get("skipped", 0),
            problems=[RowProblem(**p) for p in data.get("problems", [])],
            notes=list(data.get("notes", [])),
            written=data.get("written", False),
        )


def count_rows(content: bytes) -> int:
    """How many rows a file has (title and blank rows included): decides job or request."""
    from .import_sheets import raw_rows

    try:
        return len(raw_rows(content))
    except SheetUnreadable:
        return 0


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


@dataclass
class PreparedFile:
    """A file read and normalised: rows keyed by column code, each with its sheet row number."""

    dataset: tablib.Dataset
    numbers: list[int]  # numbers[i] is the sheet row of dataset row i
    headers: dict[str, str]  # column code -> header as written in the sheet
    problems: list[RowProblem]
    notes: list[str]

    def sheet_row(self, dataset_number: int) -> int:
        """import-export counts data rows from 1."""
        index = dataset_number - 1
        return self.numbers[index] if 0 <= index < len(self.numbers) else dataset_number + 1

    def header(self, code: str) -> str:
        return self.headers.get(code, "")


def _known_headers(kind: ImportKind) -> dict[str, str]:
    """Header spellings → column code: code, template label, the label without its
    parenthetical, 是否+label for yes/no columns, and a few legacy synonyms."""
    resource = kind.resource()
    model = resource._meta.model
    known: dict[str, str] = {}
    pairs = header_labels(kind)
    for code, label in pairs:
        names = [code, re.sub(r"（[^）]*）|\([^)]*\)", "", label), *HEADER_ALIASES.get(code, ())]
        field_ = resource.fields[
            next(n for n, x in resource.fields.items() if x.column_name == code)
        ]
        if isinstance(_model_field(model, field_.attribute), models.BooleanField):
            names.append(f"是否{label}")
        for name in names:
            known.setdefault(header_key(name), code)
    for code, label in pairs:  # the template's own labels win over aliases
        known[header_key(label)] = code
    return known


def prepare(kind: ImportKind, content: bytes) -> PreparedFile:
    """Read the file, find its header row, and normalise every cell; report bad cells."""
    known = _known_headers(kind)
    sheet = read_sheet(
        content, lambda key: known.get(key) or (key if key in SERIAL_HEADERS else None)
    )
    specs = column_specs(kind)
    problems: list[RowProblem] = []
    positions: dict[str, int] = {}
    headers: dict[str, str] = {}
    unknown = []
    for index, text in enumerate(sheet.headers):
        key = header_key(text)
        if not key:
            if any(not is_blank(r.cells[index]) for r in sheet.rows if index < len(r.cells)):
                unknown.append(f"第 {index + 1} 列（无表头）")
            continue
        if key in SERIAL_HEADERS:
            continue
        code = known.get(key)
        if code is None:
            unknown.append(f"“{text}”")
        elif code in positions:
            problems.append(
                RowProblem(
                    sheet.header_row, code, f"“{text}”与“{headers[code]}”是同一列，重复了。", text
                )
            )
        else:
            positions[code] = index
            headers[code] = text
    if unknown:
        problems.append(
            RowProblem(
                sheet.header_row,
                "",
                f"无法识别的列：{'、'.join(unknown)}。可用的表头："
                f"{'、'.join(label for _c, label in header_labels(kind))}（见模板的“填写说明”）。",
            )
        )
    resource = kind.resource()
    missing = [
        resource.fields[c].column_name
        for c in resource.get_import_id_fields()
        if resource.fields[c].column_name not in positions
    ]
    if missing:
        labels = dict(header_labels(kind))
        problems.append(
            RowProblem(
                sheet.header_row,
                "",
                f"缺少必需的列：{'、'.join(labels.get(c, c) for c in missing)}（请使用下载的模板）。",
            )
        )
    codes = list(positions)
    dataset = tablib.Dataset(headers=codes)
    numbers: list[int] = []
    notes: list[str] = []
    if problems:
        return PreparedFile(dataset, numbers, headers, problems, notes)
    id_columns = [resource.fields[c].column_name for c in resource.get_import_id_fields()]
    order = ["city", *[c for c in codes if c != "city"]]  # programs are read in the row's city
    for row in sheet.rows:
        values: dict[str, Any] = {}
        for code in order:
            if code not in positions:
                continue
            index = positions[code]
            raw = row.cells[index] if index < len(row.cells) else None
            spec = specs[code]
            try:
                value = spec.clean(raw, values)
            except CellError as exc:
                problems.append(RowProblem(row.number, code, str(exc), headers[code]))
                value = ""
            if value is None and spec.default is not None:
                value = spec.default
            values[code] = "" if value is None else value
        if _is_example(kind, values, id_columns):
            notes.append(f"第 {row.number} 行是模板的示例行，已忽略。")
            continue
        dataset.append([values[c] for c in codes])
        numbers.append(row.number)
    return PreparedFile(dataset, numbers, headers, problems, notes)


def _is_example(kind: ImportKind, values: dict, id_columns: list[str]) -> bool:
    # Whatever city it was downloaded in: the example names are the same in every city.
    example = kind.example
    keys = [c for c in id_columns if c in example and c != "city"]
    if kind.resource in (PastEvaluationResource, PaymentResource):
        keys = ["station", "program", "start_year"]
    return bool(keys) and all(str(values.get(c, "")) == str(example.get(c, "")) for c in keys)


def load_dataset(content: bytes, kind: ImportKind) -> tablib.Dataset:
    """The file's rows keyed by column code, normalised (kept for callers and tests)."""
    return prepare(kind, content).dataset


def _duplicates(prepared: PreparedFile, resource) -> list[RowProblem]:
    dataset = prepared.dataset
    id_fields = [resource.fields[name].column_name for name in resource.get_import_id_fields()]
    key_columns = list(id_fields)
    if "station" in key_columns:  # a grant is named by station + program + start year
        key_columns += [c for c in ("program", "start_year") if c in dataset.headers]
    if not all(c in dataset.headers for c in key_columns):
        return []
    first_seen: dict[tuple, int] = {}
    problems = []
    for index, row in enumerate(dataset.dict):
        number = prepared.numbers[index]
        key = tuple(str(row.get(c, "")).strip().upper() for c in key_columns)
        if key in first_seen:
            problems.append(
                RowProblem(
                    number,
                    "、".join(key_columns),
                    f"与第 {first_seen[key]} 行重复（同一条记录在文件中出现两次）。",
                    "、".join(prepared.header(c) or c for c in key_columns),
                )
            )
        else:
            first_seen[key] = number
    return problems


def _payment_checks(prepared: PreparedFile, *, today: dt.date) -> list[RowProblem]:
    """Payments against their grants, all grants of the file loaded in one query: no payment
    in a future year or dated in the future, none beyond what the grant approved."""
    from policies.registry import get_policy

    from .documents import cite_clauses

    rows = list(prepared.dataset.dict)
    keys = {(r.get("city"), r.get("station"), r.get("program"), r.get("start_year")) for r in rows}
    if not keys:
        return []
    grants = {
        (g.station.city.code, g.station.name, g.program, g.start_year): g
        for g in Grant.objects.filter(
            station__city__code__in={k[0] for k in keys},
            station__name__in={k[1] for k in keys},
        )
        .select_related("station__city")
        .prefetch_related("disbursements")
    }
    problems: list[RowProblem] = []
    in_file: dict[int, dict[int, int]] = {}
    for index, row in enumerate(rows):
        number = prepared.numbers[index]
        year = row.get("year")
        paid_on = row.get("paid_on")
        if isinstance(year, int) and year > today.year:
            problems.append(
                RowProblem(
                    number,
                    "year",
                    f"资助年度 {year} 年在今年（{today.year} 年）之后：历史拨付记录只能是已经发生的拨付。",
                    prepared.header("year"),
                )
            )
        if isinstance(paid_on, dt.date) and paid_on > today:
            problems.append(
                RowProblem(
                    number,
                    "paid_on",
                    f"支付日期 {paid_on:%Y年%-m月%-d日} 在今天之后：历史拨付记录只能是已经发生的拨付。",
                    prepared.header("paid_on"),
                )
            )
        grant = grants.get(
            (row.get("city"), row.get("station"), row.get("program"), row.get("start_year"))
        )
        amount = row.get("amount")
        if grant is None or not isinstance(amount, int) or not isinstance(year, int):
            continue
        try:
            program = get_policy(grant.station.city.policy_code).programs[grant.program]
            payment, years = program.payment, program.support_years
            policy = get_policy(grant.station.city.policy_code)
            if isinstance(years, str):
                years = int(policy.params(grant.policy_params).get(years, 1))
        except Exception:  # noqa: BLE001
            payment, years = "yearly", 1
        approved_total = grant.amount if payment == "one_off" else grant.amount * max(1, years)
        clause = cite_clauses(grant.clauses) or "资助项目核定金额"
        if amount > grant.amount:
            problems.append(
                RowProblem(
                    number,
                    "amount",
                    f"金额 {amount:,} 元超过该资助项目核定的{'一次性' if payment == 'one_off' else '年度'}"
                    f"金额 {grant.amount:,} 元（依据：{clause}）。",
                    prepared.header("amount"),
                )
            )
            continue
        mine = in_file.setdefault(grant.pk, {})
        mine[year] = amount
        recorded = {d.year: d.amount for d in grant.disbursements.all()}
        total = sum({**recorded, **mine}.values())
        if total > approved_total:
            problems.append(
                RowProblem(
                    number,
                    "amount",
                    f"加上该资助项目已有的拨付（{sum(recorded.values()):,} 元）和本文件中的拨付，合计"
                    f" {total:,} 元，超过核定总额 {approved_total:,} 元（依据：{clause}）。",
                    prepared.header("amount"),
                )
            )
    return problems


def _collect(result, report: ImportReport, prepared: PreparedFile, resource) -> None:
    columns = {f.column_name for f in resource.get_import_fields()}
    attribute_to_column = {
        (f.attribute or "").split("__")[0]: f.column_name for f in resource.get_import_fields()
    }
    for number, errors in result.row_errors():
        for error in errors:
            report.problems.append(
                RowProblem(prepared.sheet_row(number), "", _message(error.error))
            )
    for invalid in result.invalid_rows:
        row = prepared.sheet_row(invalid.number)
        found = []
        for name, messages in invalid.error_dict.items():
            column = attribute_to_column.get(name, name)
            if name == NON_FIELD_ERRORS:
                column = ""
            elif column not in columns:
                continue  # an internal field the file does not fill (approved_by…): noise
            for message in messages:
                found.append(RowProblem(row, column, str(message), prepared.header(column)))
        report.problems.extend(
            found or [RowProblem(row, "", "这一行的数据不完整，请对照模板检查。")]
        )
    for error in result.base_errors:
        report.problems.append(RowProblem(0, "", _message(error.error)))
    report.new = result.totals.get("new", 0)
    report.updated = result.totals.get("update", 0)
    report.skipped = result.totals.get("skip", 0)


def import_check(
    *, kind: str, content: bytes, user=None
) -> tuple[ImportReport, PreparedFile | None]:
    """Read and validate a whole file without writing: cells, duplicates, payments."""
    spec = IMPORTS[kind]
    report = ImportReport(kind=spec)
    try:
        prepared = prepare(spec, content)
    except SheetUnreadable as exc:
        report.problems.append(RowProblem(0, "", str(exc)))
        return report, None
    report.rows = len(prepared.dataset)
    report.notes = prepared.notes
    report.problems.extend(prepared.problems)
    if report.problems:
        return report, prepared
    resource = spec.resource()
    report.problems.extend(_duplicates(prepared, resource))
    if spec.resource is PaymentResource:
        report.problems.extend(_payment_checks(prepared, today=timezone.localdate()))
    return report, prepared


PROGRESS_EVERY = 200


def import_run(*, kind: str, user, content: bytes, dry_run: bool, progress=None) -> ImportReport:
    """Check (dry run) or import a file; any problem means nothing is written.

    `progress(done, total)` is called as rows are processed (the import jobs show it).
    """
    report, prepared = import_check(kind=kind, content=content, user=user)
    if report.problems or prepared is None:
        return report
    resource = IMPORTS[kind].resource()
    if progress is not None:
        total = len(prepared.dataset)
        progress(0, total)
        original = resource.after_import_row
        done = [0]

        def after_import_row(row, row_result, **kwargs):
            original(row, row_result, **kwargs)
            done[0] += 1
            if done[0] % PROGRESS_EVERY == 0:
                progress(done[0], total)

        resource.after_import_row = after_import_row
    from network.public_cache import deferred

    try:
        # One directory-cache bump for the file (after the last row), not one per row.
        with deferred(), transaction.atomic():
            result = resource.import_data(
                prepared.dataset,
                dry_run=dry_run,
                raise_errors=False,
                use_transactions=True,
                user=user,
            )
            _collect(result, report, prepared, resource)
            if report.problems or dry_run:
                raise ImportRefused
    except ImportRefused:
        return report
    report.written = True
    return report


def check_legacy_upload(upload) -> None:
    """An .xls or CSV upload: name, size, and content matching the extension (an .xlsx goes
    through stations.uploads.validate_upload)."""
    from django.utils.translation import gettext as _

    from stations.uploads import clean_original_name, max_upload_bytes

    name = clean_original_name(getattr(upload, "name", ""))
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if upload.size == 0 or upload.size > max_upload_bytes():
        raise ValidationError(_("文件“%(name)s”为空或过大。"), params={"name": name})
    upload.seek(0)
    head = upload.read(4096)
    upload.seek(0)
    try:
        kind = sniff_format(head) if head else ""
    except SheetUnreadable:
        kind = ""
    if ext not in {"xls", "csv"} or kind != ext:
        raise ValidationError(
            _("文件“%(name)s”类型不符：只接受 .xlsx、.xls 或 CSV 文件（按文件内容检查）。"),
            params={"name": name},
        )


def problems_sorted(problems: Sequence[RowProblem]) -> list[RowProblem]:
    return sorted(problems, key=lambda p: (p.row, p.column))
