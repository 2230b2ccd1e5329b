"""The legacy imports' columns: Chinese headers and their aliases, how each column's cells are
read (ColumnSpec), and the downloadable template with its notes."""

from __future__ import annotations

from dataclasses import dataclass
from io import BytesIO
from typing import Any

from django.db import models

from policies.api import GRADE_LABELS

from .excel import Column, SheetWriter, new_workbook
from .import_resources import ImportKind, PastEvaluationResource, PaymentResource
from .import_sheets import (
    Choices,
    clean_bool,
    clean_code,
    clean_date,
    clean_number_text,
    clean_text,
    clean_year,
    iter_labels,
)

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
    from policies.api import get_policy
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

            from policies.api import all_policies

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
