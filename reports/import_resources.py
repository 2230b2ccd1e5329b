"""The legacy imports' resources, one per kind: widgets with Chinese messages, per-file lookups,
the directory resources switched to full model validation, past evaluations and payments,
and the registry of kinds (IMPORTS) the pipeline in reports.imports runs."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F
from import_export import fields, resources, widgets

from evaluations.models import EvaluationRound, StationEvaluation
from evaluations.services import evaluation_prepare_import
from funding.models import Disbursement, Grant
from policies.api import GRADE_LABELS, quantize_score
from stations.models import City
from stations.resources import (
    CityScopedForeignKeyWidget,
    CityScopedResource,
    ExpertResource,
    HostUnitResource,
    SocietyResource,
    StationResource,
)

from .import_bulk import IN_CHUNK, BulkRows

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
    """A grant named by its station (in the row's city), program code and start year; from
    the file's grants loaded together (`index_for`) once the import starts."""

    def __init__(self):
        super().__init__(Grant, "pk")
        self._index: dict | None = None

    def index_for(self, rows: list[dict]) -> list[Grant]:
        """Load the grants of the stations the file names (a query per 2,000 names)."""
        cities = {r.get("city") for r in rows}
        names = sorted({str(r.get("station") or "").strip() for r in rows})
        index = {}
        for start in range(0, len(names), IN_CHUNK):
            for g in Grant.objects.filter(
                station__city__code__in=cities, station__name__in=names[start : start + IN_CHUNK]
            ).select_related("station__city"):
                index[(g.station.city.code, g.station.name, g.program, g.start_year)] = g
        self._index = index
        return list(index.values())

    def clean(self, value, row=None, **kwargs):
        row = row or {}
        station = str(value or "").strip()
        program = str(row.get("program") or "").strip()
        try:
            start_year = int(str(row.get("start_year") or "").strip())
        except ValueError as exc:
            raise ValueError(f"资助起始年度“{row.get('start_year')}”不是有效年份。") from exc
        if self._index is not None:
            grant = self._index.get((row.get("city"), station, program, start_year))
        else:
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


class ImportMeta:
    """The Meta options every legacy import adds to its resource's own."""

    clean_model_instances = True  # full model validation of every row (BulkRows: in memory)
    skip_html_diff = True  # the report lists problems, never per-row HTML diffs
    use_bulk = True  # rows are planned, not saved one by one (reports.import_bulk)
    batch_size = None  # nothing is flushed while the file is read: BulkRows.write batches
    skip_diff = True  # no per-row deepcopy diff: BulkRows.skip_row tells unchanged rows


class SocietyImport(BulkRows, FileLookups, SocietyResource):
    class Meta(ImportMeta, SocietyResource.Meta):
        pass


class HostUnitImport(BulkRows, FileLookups, HostUnitResource):
    class Meta(ImportMeta, HostUnitResource.Meta):
        pass


class ExpertImport(BulkRows, FileLookups, ExpertResource):
    class Meta(ImportMeta, ExpertResource.Meta):
        pass


class StationImport(BulkRows, FileLookups, StationResource):
    class Meta(ImportMeta, StationResource.Meta):
        pass

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


class GrantRows:
    """Mixin of the grant-keyed imports: the file's grants and the rows they already have
    are loaded once per file (a query per 2,000 stations), then each row is matched in memory."""

    def before_import(self, dataset, **kwargs):
        super().before_import(dataset, **kwargs)
        self._grants = self.fields["grant"].widget.index_for(list(dataset.dict))
        ids = [g.pk for g in self._grants]
        self._instances = {}
        for start in range(0, len(ids), IN_CHUNK):
            for obj in self._meta.model.objects.filter(grant_id__in=ids[start : start + IN_CHUNK]):
                self._instances[(obj.grant_id, obj.year)] = obj

    def get_instance(self, instance_loader, row):
        grant = self.fields["grant"].clean(row)
        year = self.fields["year"].clean(row)
        return self._instances.get((grant.pk, year))


class PastEvaluationResource(BulkRows, GrantRows, CityScopedResource):
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

    class Meta(ImportMeta):
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

    def before_import(self, dataset, **kwargs):
        super().before_import(dataset, **kwargs)
        cities = {g.station.city_id for g in self._grants}
        self._rounds = {
            (r.city_id, r.year): r for r in EvaluationRound.objects.filter(city_id__in=cities)
        }

    def import_instance(self, instance, row, **kwargs):
        super().import_instance(instance, row, **kwargs)
        if instance.pk is None:
            user = getattr(self, "_importing_user", None)
            station = instance.grant.station
            instance.station = station
            if isinstance(instance.year, int):
                # The city's round of that year, or one closed round per city and year that
                # the write creates before the evaluations (BulkRows.before_write).
                key = (station.city_id, instance.year)
                if key not in self._rounds:
                    self._rounds[key] = EvaluationRound(
                        city=station.city,
                        year=instance.year,
                        title=f"{instance.year}年度考核（{IMPORT_NOTE}）",
                        due_date=dt.date(instance.year, 12, 31),
                        status=EvaluationRound.Status.CLOSED,
                        opened_by=user,
                    )
                instance.round = self._rounds[key]
            # 已确认 by the importer: the evaluations' one status setter decides it.
            evaluation_prepare_import(evaluation=instance, actor=user)
            instance.decision = {"imported": True, "note": IMPORT_NOTE}

    def before_write(self, *, user) -> None:
        planned = {id(getattr(p.instance, "round", None)) for p in self.planned if p.new}
        new = [r for r in self._rounds.values() if r.pk is None and id(r) in planned]
        EvaluationRound.objects.bulk_create(new)


class PaymentResource(BulkRows, GrantRows, CityScopedResource):
    """Past payments (Disbursement) of existing grants; one per grant and year."""

    grant = grant_columns()["grant"]
    city = grant_columns()["city"]
    program = grant_columns()["program"]
    start_year = grant_columns()["start_year"]
    year = fields.Field(attribute="year", column_name="year", widget=widgets.IntegerWidget())
    amount = fields.Field(attribute="amount", column_name="amount", widget=AmountWidget())
    paid_on = fields.Field(attribute="paid_on", column_name="paid_on", widget=CnDateWidget())

    class Meta(ImportMeta):
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

    def after_write(self, *, user) -> None:
        """A past payment is money paid: each grant's running sum (Grant.disbursed_total,
        which the recovery cap and the ledgers read) grows by its new rows, in one F() update
        a grant, as funding.services.disbursement_approve moves it."""
        added: dict[int, int] = defaultdict(int)
        for planned in self.planned:
            if planned.new:
                added[planned.instance.grant_id] += planned.instance.amount
        for grant_id, amount in added.items():
            Grant.objects.filter(pk=grant_id).update(disbursed_total=F("disbursed_total") + amount)

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
