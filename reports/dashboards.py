"""Dashboard numbers: a fixed handful of grouped queries, whatever the data size.

Every queryset goes through accounts.scoping. Labels come from the policy declarations in
memory. Targets are the seed documents' own (Hangzhou 二: ≥20 stations by 2017, ≥30% of
city societies taking part in station building); the policy modules do not declare them
yet, so they are kept here as data with their clause.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, Q, Sum

from accounts.scoping import scope_queryset
from applications.models import Application
from evaluations.models import StationEvaluation
from funding.models import Disbursement, Grant, Recovery
from policies.api import (
    GRADE_LABELS,
    LEVEL_LABELS,
    LEVELS,
    DashboardTarget,
    PolicyError,
    get_policy,
)
from stations.choices import StationStatus
from stations.models import City, Society, Station

from .charts import Chart

# Stations that exist as stations (named/certified and not withdrawn).
BUILT_STATUSES = (
    StationStatus.CERTIFIED,
    StationStatus.KEY_SUPPORTED,
    StationStatus.RECTIFICATION,
    StationStatus.SUSPENDED,
    StationStatus.EXPIRED,
)


@dataclass
class TargetResult:
    target: DashboardTarget
    actual: float
    detail: str

    @property
    def reached(self) -> bool:
        return self.actual >= self.target.goal

    @property
    def percent_of_goal(self) -> int:
        return min(100, round(self.actual * 100 / self.target.goal)) if self.target.goal else 100


def _stage_labels(city) -> dict:
    from applications.selectors import stage_labels

    try:
        return stage_labels(city)
    except Exception:  # noqa: BLE001 (a city without a policy shows codes)
        return {}


def _program_labels(city) -> dict[str, str]:
    from policies.api import get_policy

    try:
        return {c: p.label_zh for c, p in get_policy(city.policy_code).programs.items()}
    except Exception:  # noqa: BLE001
        return {}


def stations_chart(user, city) -> Chart:
    statuses = dict(StationStatus.choices)
    counts = defaultdict(lambda: defaultdict(int))
    rows = (
        scope_queryset(user, Station.objects.filter(city=city))
        .values("level", "status")
        .annotate(n=Count("id"))
        .order_by()
    )
    used_status = []
    for row in rows:
        counts[row["level"]][row["status"]] += row["n"]
        if row["status"] not in used_status:
            used_status.append(row["status"])
    used_status.sort(key=lambda s: list(statuses).index(s) if s in statuses else 99)
    return Chart(
        "stations",
        "服务站：按级别和状态",
        [statuses.get(s, s) for s in used_status],
        [
            (LEVEL_LABELS.get(level, level), [counts[level][s] for s in used_status])
            for level in LEVELS
            if level in counts
        ],
        unit="个",
    )


def applications_chart(user, city) -> Chart:
    labels = _stage_labels(city)
    programs = _program_labels(city)
    rows = (
        scope_queryset(user, Application.objects.filter(city=city))
        .values("program", "stage", "withdrawn")
        .annotate(n=Count("id", distinct=True))
        .order_by("program", "stage")
    )
    data = []
    for row in rows:
        stage = (
            "已撤回"
            if row["withdrawn"]
            else labels.get((row["program"], row["stage"]), row["stage"])
        )
        data.append((f"{programs.get(row['program'], row['program'])}·{stage}", [row["n"]]))
    return Chart("applications", "申报：按项目和环节", ["申报数"], data, unit="项")


def funding_chart(user, city) -> Chart:
    approved: dict[int, int] = defaultdict(int)
    grants = scope_queryset(user, Grant.objects.filter(station__city=city)).values_list(
        "schedule", "withdrawn_years"
    )
    for schedule, withdrawn in grants:
        for year in (schedule or {}).get("years", []):
            if year.get("paid") and year["year"] not in (withdrawn or []):
                approved[year["year"]] += int(year["paid"])
    paid = {
        r["year"]: r["s"]
        for r in scope_queryset(user, Disbursement.objects.filter(grant__city=city))
        .values("year")
        .annotate(s=Sum("amount"))
        .order_by()
    }
    recovered = {
        r["year"]: r["s"]
        for r in scope_queryset(user, Recovery.objects.filter(grant__city=city))
        .values("year")
        .annotate(s=Sum("amount"))
        .order_by()
    }
    years = sorted(set(approved) | set(paid) | set(recovered))
    return Chart(
        "funding",
        "资助资金：按年度（元）",
        ["核定", "已拨付", "已追回"],
        [(f"{y}年", [approved.get(y, 0), paid.get(y, 0), recovered.get(y, 0)]) for y in years],
        unit="元",
    )


def grades_chart(user, city) -> Chart:
    rows = {
        r["grade"]: r["n"]
        for r in scope_queryset(
            user,
            StationEvaluation.objects.filter(
                station__city=city, status=StationEvaluation.Status.CONFIRMED
            ),
        )
        .values("grade")
        .annotate(n=Count("id", distinct=True))
        .order_by()
    }
    return Chart(
        "grades",
        "年度考核等次分布",
        ["站次"],
        [(GRADE_LABELS[g], [rows[g]]) for g in GRADE_LABELS if g in rows],
        unit="站次",
    )


def _policy_targets(city) -> tuple[DashboardTarget, ...]:
    """The goals the city's policy declares (none for a city without a policy module)."""
    try:
        return get_policy(city.policy_code).dashboard_targets
    except PolicyError:
        return ()


def targets_for(user, city) -> list[TargetResult]:
    targets = _policy_targets(city)
    if not targets:
        return []
    built = scope_queryset(
        user, Station.objects.filter(city=city, status__in=BUILT_STATUSES)
    ).count()
    societies = scope_queryset(user, Society.objects.filter(city=city, level="city")).aggregate(
        total=Count("id", distinct=True),
        taking_part=Count("id", filter=Q(stations__isnull=False), distinct=True),
    )
    share = (
        round(societies["taking_part"] * 100 / societies["total"], 1) if societies["total"] else 0.0
    )
    actual = {
        "stations_built": (built, f"已建成 {built} 个（已认定且未撤销、摘牌）"),
        "societies_share": (
            share,
            f"{societies['taking_part']} / {societies['total']} 个市级学会参与建站",
        ),
    }
    return [TargetResult(t, *actual[t.measure]) for t in targets]


def city_dashboard(user, city) -> dict:
    charts = [
        stations_chart(user, city),
        applications_chart(user, city),
        funding_chart(user, city),
        grades_chart(user, city),
    ]
    targets = targets_for(user, city)
    for result in targets:
        unit = result.target.unit
        charts.append(
            Chart(
                f"target_{result.target.measure}",
                f"目标：{result.target.label_zh}（{result.target.clause}）",
                ["实际"],
                [(result.target.label_zh, [result.actual])],
                unit=unit,
                target=(f"目标 {result.target.goal:g}{unit}", result.target.goal),
            )
        )
    return {"city": city, "charts": charts, "targets": targets}


def chart_by_key(user, city, key: str) -> Chart | None:
    return next((c for c in city_dashboard(user, city)["charts"] if c.key == key), None)


@dataclass
class CityRow:
    city: City
    stations: int = 0
    built: int = 0
    applications: int = 0
    paid: int = 0
    recovered: int = 0

    @property
    def net(self) -> int:
        return self.paid - self.recovered


def all_cities(user) -> list[CityRow]:
    """One row per city; five grouped queries in all."""
    rows = {c.pk: CityRow(c) for c in City.objects.order_by("id")}
    for r in (
        scope_queryset(user, Station.objects.all())
        .values("city")
        .annotate(n=Count("id"), built=Count("id", filter=Q(status__in=BUILT_STATUSES)))
        .order_by()
    ):
        rows[r["city"]].stations, rows[r["city"]].built = r["n"], r["built"]
    for r in (
        scope_queryset(user, Application.objects.all())
        .values("city")
        .annotate(n=Count("id"))
        .order_by()
    ):
        rows[r["city"]].applications = r["n"]
    for r in (
        scope_queryset(user, Disbursement.objects.all())
        .values("grant__city")
        .annotate(s=Sum("amount"))
        .order_by()
    ):
        rows[r["grant__city"]].paid = r["s"]
    for r in (
        scope_queryset(user, Recovery.objects.all())
        .values("grant__city")
        .annotate(s=Sum("amount"))
        .order_by()
    ):
        rows[r["grant__city"]].recovered = r["s"]
    return list(rows.values())


def all_cities_charts(rows: list[CityRow]) -> list[Chart]:
    return [
        Chart(
            "cities_stations",
            "各市服务站",
            ["服务站总数", "已建成"],
            [(r.city.name, [r.stations, r.built]) for r in rows],
            unit="个",
        ),
        Chart(
            "cities_money",
            "各市资助资金（元）",
            ["已拨付", "已追回"],
            [(r.city.name, [r.paid, r.recovered]) for r in rows],
            unit="元",
        ),
    ]
