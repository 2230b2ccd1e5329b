"""List exports: each list's own scoped selector and FilterSet, its columns, one writer.

"Export what the current filters show": the export applies the same FilterSet to the same
selector with the same query string as the list page, so the rows are exactly the list's
rows (all pages, not only the one on screen). Bank accounts go through
stations.privacy.bank_account_for, so they are masked for everyone but finance and the
owner, as on screen.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from operator import itemgetter
from types import SimpleNamespace

from django.db.models import CharField, ExpressionWrapper, F, QuerySet
from django.http import QueryDict

from accounts.scoping import scope_queryset
from policies.api import GRADE_LABELS, LEVEL_LABELS

from .excel import MONEY_FORMAT, Column
from .filters import ApplicationFilter, DisbursementFilter, EvaluationFilter

CHUNK_SIZE = 2000


@dataclass(frozen=True)
class ListExport:
    kind: str
    title: str
    queryset: Callable[[object], QuerySet]
    filterset: type | None
    columns: Callable[[object], Sequence[Column]]
    orderings: dict | None = None
    default_sort: str = ""
    list_url: str = ""


class _ProgramLabels:
    """Program and stage labels per city, looked up once per city (no query per row)."""

    def __init__(self):
        self._programs: dict[str, dict[str, str]] = {}
        self._stages: dict[int, dict] = {}

    def program(self, city, code: str) -> str:
        return self.program_for_code(city.policy_code, code)

    def program_for_code(self, policy_code: str, code: str) -> str:
        from policies.api import get_policy

        if policy_code not in self._programs:
            try:
                programs = get_policy(policy_code).programs
                self._programs[policy_code] = {c: p.label_zh for c, p in programs.items()}
            except Exception:  # noqa: BLE001 (an unknown policy shows codes)
                self._programs[policy_code] = {}
        return self._programs[policy_code].get(code, code)

    def stage(self, city, program: str, stage: str) -> str:
        from applications.selectors import stage_labels

        if city.pk not in self._stages:
            try:
                self._stages[city.pk] = stage_labels(city)
            except Exception:  # noqa: BLE001
                self._stages[city.pk] = {}
        return self._stages[city.pk].get((program, stage), stage)


# --- stations ------------------------------------------------------------------------------


def _stations(user) -> QuerySet:
    from stations.selectors import station_list

    return station_list(user).select_related("society", "host_unit", "district", "city")


def _station_columns(user) -> Sequence[Column]:
    labels = _ProgramLabels()
    return (
        Column("服务站名称", lambda s: s.name, 36),
        Column("城市", lambda s: s.city.name, 8),
        Column("建站学会", lambda s: s.society.name, 26),
        Column("建站单位", lambda s: s.host_unit.name, 28),
        Column("县（市、区）", lambda s: s.district.name if s.district_id else "", 12),
        Column("级别", lambda s: s.get_level_display(), 8),
        Column("项目类别", lambda s: labels.program(s.city, s.program), 20),
        Column("状态", lambda s: s.get_status_display(), 12),
        Column("证书编号", lambda s: s.certificate_no, 16),
        Column("认定日期", lambda s: s.certified_on, 12),
        Column("协议期限起", lambda s: s.term_start, 12),
        Column("协议期限止", lambda s: s.term_end, 12),
        Column("服务产业领域", lambda s: s.industry, 16),
        Column("站长", lambda s: s.head_name, 10),
    )


# --- applications --------------------------------------------------------------------------


def _applications(user) -> QuerySet:
    from applications.models import Application

    qs = Application.objects.select_related("city", "society", "host_unit", "district")
    # Scoping never duplicates rows (an expert's assignments are a pk IN subquery): no DISTINCT.
    return scope_queryset(user, qs)


class _Blind:
    """Under blind review an expert's export names no applicant (applications.services.blind_for)."""

    HIDDEN = "（盲评）"

    def __init__(self, user):
        self.user = user
        self._cities: dict[int, bool] = {}

    def __call__(self, app) -> bool:
        from applications.services import blind_for

        if app.city_id not in self._cities:
            self._cities[app.city_id] = blind_for(self.user, app.city)
        return self._cities[app.city_id]

    def hide(self, app, value):
        return self.HIDDEN if self(app) else value


def _application_columns(user) -> Sequence[Column]:
    labels = _ProgramLabels()
    blind = _Blind(user)
    return (
        Column("申报名称", lambda a: f"申报 #{a.pk}（盲评）" if blind(a) else a.title, 36),
        Column("城市", lambda a: a.city.name, 8),
        Column("项目类别", lambda a: labels.program(a.city, a.program), 20),
        Column("申报级别", lambda a: LEVEL_LABELS.get(a.level, a.level), 8),
        Column("学会", lambda a: blind.hide(a, a.society.name), 26),
        Column(
            "建站/需求单位",
            lambda a: blind.hide(a, a.host_unit.name if a.host_unit_id else ""),
            28,
        ),
        Column("县（市、区）", lambda a: a.district.name if a.district_id else "", 12),
        Column("当前环节", lambda a: labels.stage(a.city, a.program, a.stage), 20),
        Column("结果", lambda a: _outcome_label(labels, a), 12),
        Column("提交时间", lambda a: a.submitted_at, 18),
        Column("办结时间", lambda a: a.decided_at, 18),
    )


def _outcome_label(labels: _ProgramLabels, app) -> str:
    """The result as the city's workflow names it (已备案, 不予认定…), never the code."""
    if app.withdrawn:
        return "已撤回"
    if not app.outcome:
        return ""
    label = labels.stage(app.city, app.program, app.stage)
    if label != app.stage:
        return label
    if app.outcome == "certified":
        # --- outcome wording --- 已认定授牌 / 已立项 / 已表彰, as the program's result reads.
        from policies.api import outcome_wording

        return outcome_wording(app.city, app.program).done
    return {"rejected": "未通过"}.get(app.outcome, "")


# --- evaluations ---------------------------------------------------------------------------


def _evaluations(user) -> QuerySet:
    from evaluations.selectors import evaluation_list

    return evaluation_list(user).select_related("station__society", "station__host_unit")


def _evaluation_columns(user) -> Sequence[Column]:
    return (
        Column("服务站", lambda e: e.station.name, 36),
        Column("城市", lambda e: e.station.city.name, 8),
        Column("建站学会", lambda e: e.station.society.name, 26),
        Column("建站单位", lambda e: e.station.host_unit.name, 28),
        Column("考核年度", lambda e: e.year, 10, number_format="0"),
        Column("状态", lambda e: e.get_status_display(), 16),
        Column("最终得分", lambda e: e.final_score, 10, number_format="0.0#"),
        Column("等次", lambda e: GRADE_LABELS.get(e.grade, e.grade), 10),
        Column("确认时间", lambda e: e.confirmed_at, 18),
    )


# --- disbursements -------------------------------------------------------------------------


DISBURSEMENT_FIELDS = (
    "id",
    "year",
    "amount",
    "paid_on",
    "voucher_no",
    "payee_account_name",
    "payee_bank",
    "payee_account_masked",
    "grant__program",
    "grant__station__name",
    "grant__application__title",
    "grant__city_id",
    "grant__city__name",
    "grant__city__policy_code",
    "grant__society_id",
    "grant__society__name",
    "grant__host_unit_id",
    "approved_by__username",
    "approved_by__full_name",
)


# Where each field sits in a row of _disbursements (a tuple, in DISBURSEMENT_FIELDS order).
_AT = {name: index for index, name in enumerate(DISBURSEMENT_FIELDS)}


def _disbursements(user) -> QuerySet:
    """Disbursements as plain tuples (values_list): a 100,000-row export builds no model
    objects (seven a row) and no dict a row. The account number is read as its stored token
    (the last field, not decrypted by the ORM) beside its masked copy: only a row whose
    number the user may see in full is decrypted (`_payee_account`)."""
    from funding.models import Disbursement

    return (
        scope_queryset(user, Disbursement.objects.all())
        .order_by("grant__station__name", "grant_id", "year")
        .values_list(*DISBURSEMENT_FIELDS, _stored_token("payee_account_no"))
    )


def _stored_token(field: str) -> ExpressionWrapper:
    """The encrypted column as the database holds it: a plain text output field has no
    from_db_value, so the ORM hands over the `enc1:` token instead of decrypting it."""
    return ExpressionWrapper(F(field), output_field=CharField())


def _payee_of(policy_code: str, program: str) -> str:
    """The program's declared payee kind (policies Program.payee); host unit if unknown."""
    from policies.api import PolicyError, get_policy

    try:
        return get_policy(policy_code).program(program).payee
    except (KeyError, LookupError, PolicyError):
        return "host_unit"


def _payee_account(user):
    """Return row -> account number, full or masked by stations.privacy (cached per payee)."""
    from accounts.privacy import mask
    from stations.fields import decrypt
    from stations.models import HostUnit, Society
    from stations.privacy import can_see_bank_account, may_see_any_bank_account

    masked_at = _AT["payee_account_masked"]
    token_at = len(DISBURSEMENT_FIELDS)  # the stored token, after the named fields

    def masked(row) -> str:
        # A row saved before the masked copy existed would have none: mask the number then.
        return row[masked_at] or (mask(decrypt(row[token_at])) if row[token_at] else "")

    if not may_see_any_bank_account(user):
        return masked  # the role sees no number in full: no payee to work out a row
    payees: dict[tuple, str] = {}
    visible: dict[tuple, bool] = {}
    policy_at, program_at = _AT["grant__city__policy_code"], _AT["grant__program"]
    host_unit_at, society_at = _AT["grant__host_unit_id"], _AT["grant__society_id"]
    city_at = _AT["grant__city_id"]

    def account(row) -> str:
        # Who is paid is the program's declaration (policies Program.payee).
        program = (row[policy_at], row[program_at])
        payee = payees.get(program)
        if payee is None:
            payee = payees[program] = _payee_of(*program)
        if payee in ("society", "expert") or not row[host_unit_at]:
            key = (Society, row[society_at])
        else:
            key = (HostUnit, row[host_unit_at])
        shown = visible.get(key)
        if shown is None:
            model, pk = key
            shown = visible[key] = can_see_bank_account(user, model(pk=pk, city_id=row[city_at]))
        if shown:
            token = row[token_at]
            return decrypt(token) if token else ""
        return masked(row)

    return account


def _disbursement_columns(user) -> Sequence[Column]:
    labels = _ProgramLabels()
    at = _AT
    station, title = at["grant__station__name"], at["grant__application__title"]
    policy, program = at["grant__city__policy_code"], at["grant__program"]
    full_name, username = at["approved_by__full_name"], at["approved_by__username"]
    return (
        # A program without a station (a topic, an award) is listed by its application.
        Column("服务站", lambda d: d[station] or d[title], 36),
        Column("城市", itemgetter(at["grant__city__name"]), 8),
        Column("建站学会", itemgetter(at["grant__society__name"]), 26),
        Column("项目类别", lambda d: labels.program_for_code(d[policy], d[program]), 20),
        Column("资助年度", itemgetter(at["year"]), 10, number_format="0"),
        Column("金额（元）", itemgetter(at["amount"]), 14, MONEY_FORMAT, total=True),
        Column("支付日期", itemgetter(at["paid_on"]), 12),
        Column("凭证号", itemgetter(at["voucher_no"]), 18),
        Column("收款户名", itemgetter(at["payee_account_name"]), 24),
        Column("开户银行", itemgetter(at["payee_bank"]), 20),
        Column("收款账号", _payee_account(user), 24),
        Column("审批人", lambda d: d[full_name] or d[username], 12),
    )


def _registry() -> dict[str, ListExport]:
    from stations.filters import StationFilter
    from stations.views import STATION_ORDER

    return {
        "stations": ListExport(
            "stations",
            "服务站列表",
            _stations,
            StationFilter,
            _station_columns,
            STATION_ORDER,
            "name",
            "stations:station_list",
        ),
        "applications": ListExport(
            "applications",
            "申报列表",
            _applications,
            ApplicationFilter,
            _application_columns,
            {"updated": ("-updated_at", "-id")},
            "updated",
        ),
        "evaluations": ListExport(
            "evaluations",
            "年度考核列表",
            _evaluations,
            EvaluationFilter,
            _evaluation_columns,
            {"year": ("-year", "station__name", "id")},
            "year",
            "evaluations:index",
        ),
        "disbursements": ListExport(
            "disbursements",
            "资金拨付列表",
            _disbursements,
            DisbursementFilter,
            _disbursement_columns,
            {"station": ("grant__station__name", "grant_id", "year")},
            "station",
        ),
    }


def get_export(kind: str) -> ListExport:
    """Return the export of a list kind; KeyError for an unknown kind."""
    return _registry()[kind]


def export_kinds() -> list[tuple[str, str]]:
    return [(k, e.title) for k, e in _registry().items()]


def _blind_expert(user) -> bool:
    from applications.services import blind_for

    return bool(getattr(user, "city", None)) and blind_for(user, user.city)


def filtered_queryset(export: ListExport, user, params: QueryDict) -> tuple[QuerySet, object]:
    """Apply the list's FilterSet and whitelisted sort to its scoped selector."""
    from stations.views import apply_sort

    queryset = export.queryset(user)
    if export.kind == "applications" and _blind_expert(user) and params and "q" in params:
        # A keyword search over applicants' names would tell a blind expert whose it is.
        params = params.copy()
        params.pop("q")
    request = SimpleNamespace(user=user, GET=params)
    filterset = None
    if export.filterset is not None:
        filterset = export.filterset(params or None, queryset=queryset, request=request)
        if filterset.is_bound:  # exactly what the list page does with the same query string
            queryset = filterset.qs
    if export.orderings:
        queryset, _sort = apply_sort(queryset, request, export.orderings, export.default_sort)
    return queryset, filterset


def params_to_querydict(params: dict[str, list[str]]) -> QueryDict:
    qd = QueryDict(mutable=True)
    for key, values in (params or {}).items():
        qd.setlist(key, list(values))
    return qd


def querydict_to_params(qd: QueryDict) -> dict[str, list[str]]:
    return {key: values for key, values in qd.lists() if key not in {"page", "format"}}
