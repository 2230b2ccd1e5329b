"""A deterministic, seeded data set at province scale, for `make bench` and the query tests.

`generate(scale=1.0)` writes, per city of the five, 4,000 stations (scale 1.0 = the
issue's 20,000), 10 activity records, one grant, three disbursements and one evaluation per
station, half an application per station, a recovery for one grant in fifty, societies,
host units and experts with station teams, and a city administrator and finance user
(`bench_<city>_admin`, `bench_<city>_finance`) plus `bench_platform`. Everything is
bulk-inserted with fixed random choices (`random.Random(seed)`), so two runs at the same
scale build the same rows. Rows are named `基准…` so they never collide with the demo.

It writes through bulk_create on purpose: the point is volume, not the business rules
(which the services enforce and the rest of the suite tests).
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.db import transaction

from demo.loader import CITY_CODES  # the same five cities as the demo

STATIONS_PER_CITY = 4000

BENCH_PASSWORD = "Bench@2026ssp"
YEARS = (2023, 2024, 2025)
BATCH = 2000

INDUSTRIES = ("装备制造", "新材料", "生物医药", "电子信息", "现代农业", "节能环保", "汽车", "化工")
DISCIPLINES = ("机械工程", "材料科学", "药学", "计算机", "农学", "环境科学", "化学", "自动化")


def credit_code(n: int) -> str:
    """Return a checksum-valid unified social credit code numbered n."""
    from stations.validators import credit_code_check_char

    first17 = f"91210100{n:09d}"
    return first17 + credit_code_check_char(first17)


@dataclass
class BenchCounts:
    stations: int = 0
    activities: int = 0
    grants: int = 0
    disbursements: int = 0
    evaluations: int = 0
    applications: int = 0
    recoveries: int = 0


def _paid_program(policy):
    """Return (code, program) of the city's first program that pays money."""
    for code, program in policy.programs.items():
        if program.payment != "none":
            return code, program
    raise LookupError(policy.code)


def _waiting_stage(policy, program_code: str) -> str:
    """Return the first stage after the draft: what waits in a reviewer's inbox."""
    workflow = policy.workflows[program_code]
    for stage in workflow.stages:
        if stage.code != workflow.start and not stage.is_terminal:
            return stage.code
    return workflow.start


def generate(*, scale: float = 1.0, seed: int = 2026, cities=CITY_CODES) -> BenchCounts:
    """Build the data set (adds to what is there; run on an empty or demo database)."""
    from accounts.models import User
    from accounts.roles import Role
    from stations.models import City, District
    from stations.reference import ensure_reference_cities

    ensure_reference_cities(City, District)
    rng = random.Random(seed)
    per_city = max(1, round(STATIONS_PER_CITY * scale))
    password = make_password(BENCH_PASSWORD)
    counts = BenchCounts()
    with transaction.atomic():
        if not User.objects.filter(username="bench_platform").exists():
            User.objects.create(
                username="bench_platform",
                password=password,
                role=Role.SUPERUSER,
                is_superuser=True,
                is_staff=True,
            )
        for code in cities:
            _city(City.objects.get(code=code), per_city, rng, password, counts)
    return counts


# The list export is measured over 100,000 payments at scale 1.0 (the figure), more
# than the data set's three a grant: `top_up_disbursements` adds earlier years to the grants.
EXPORT_ROWS = 100_000


def top_up_disbursements(target: int) -> int:
    """Copy the bench grants' first-year payments (in grant order) to the years before it,
    2022, 2021, … until `target` payments exist; return how many were added (none if
    there are enough). Deterministic, like the rest: the same rows for the same data set."""
    from funding.models import Disbursement

    missing = target - Disbursement.objects.count()
    added, year = 0, YEARS[0] - 1
    while missing > added and year >= 2000:
        sources = (
            Disbursement.objects.filter(year=YEARS[0], clauses=["基准数据"])
            .exclude(grant__disbursements__year=year)
            .order_by("grant_id")[: missing - added]
        )
        batch = [
            Disbursement(
                grant_id=d.grant_id,
                year=year,
                amount=d.amount,
                approved_by_id=d.approved_by_id,
                paid_on=d.paid_on.replace(year=year),
                voucher_no=f"PZ{year}-{d.grant_id:07d}",
                payee_account_name=d.payee_account_name,
                payee_bank=d.payee_bank,
                payee_account_no=d.payee_account_no,
                clauses=["基准数据"],
            )
            for d in sources.iterator(chunk_size=BATCH)
        ]
        with transaction.atomic():
            Disbursement.objects.bulk_create(batch, batch_size=BATCH)
        added += len(batch)
        year -= 1
    return added


def _city(city, n: int, rng: random.Random, password: str, counts: BenchCounts) -> None:
    from accounts.models import User
    from accounts.roles import Role
    from applications.models import Application, Call
    from evaluations.models import EvaluationRound, StationEvaluation
    from funding.models import Disbursement, Grant, Recovery
    from policies.api import get_policy
    from stations.choices import ActivityKind, ExpertRole, HostNature, StationStatus
    from stations.models import (
        ActivityRecord,
        Expert,
        HostUnit,
        Society,
        Station,
        StationExpert,
    )

    policy = get_policy(city.policy_code)
    program_code, program = _paid_program(policy)
    level = program.levels[0]
    districts = list(city.districts.order_by("id"))
    prefix = f"基准{city.code[:2]}"
    # Continue numbering after an earlier run, so a second run adds rows instead of failing.
    start = Station.objects.filter(city=city, name__startswith=prefix).count()

    admin, _ = User.objects.get_or_create(
        username=f"bench_{city.code}_admin",
        defaults={"password": password, "role": Role.CITY_ADMIN, "city": city},
    )
    User.objects.get_or_create(
        username=f"bench_{city.code}_finance",
        defaults={"password": password, "role": Role.FINANCE, "city": city},
    )

    n_soc = max(1, n // 10)
    societies = Society.objects.bulk_create(
        [
            Society(
                city=city,
                name=f"{prefix}学会{start + i:05d}",
                level=level,
                discipline=rng.choice(DISCIPLINES),
                supervising_cast="city_cast",
                bank_account_no=f"62220202{rng.randrange(10**10):010d}",
            )
            for i in range(n_soc)
        ],
        batch_size=BATCH,
    )
    n_host = max(1, n // 2)
    hosts = HostUnit.objects.bulk_create(
        [
            HostUnit(
                city=city,
                district=districts[i % len(districts)] if districts else None,
                name=f"{prefix}建站单位{start + i:05d}有限公司",
                nature=HostNature.ENTERPRISE,
                credit_code=credit_code(city.pk * 10**6 + start + i),
                legal_rep="张三",
                registered_city=f"{city.name}市",
                industry=rng.choice(INDUSTRIES),
                bank_account_no=f"62220202{rng.randrange(10**10):010d}",
            )
            for i in range(n_host)
        ],
        batch_size=BATCH,
    )
    experts = Expert.objects.bulk_create(
        [
            Expert(
                city=city,
                society=societies[i % n_soc],
                name=f"{prefix}专家{start + i:05d}",
                title="教授",
                field=rng.choice(DISCIPLINES),
                employer="某大学",
                province="某省",
            )
            for i in range(max(1, n // 2))
        ],
        batch_size=BATCH,
    )
    statuses = [StationStatus.CERTIFIED] * 8 + [StationStatus.KEY_SUPPORTED, StationStatus.FILED]
    stations = Station.objects.bulk_create(
        [
            Station(
                city=city,
                district=hosts[i % n_host].district,
                society=societies[i % n_soc],
                host_unit=hosts[i % n_host],
                level=level,
                program=program_code,
                name=f"{prefix}服务站{start + i:05d}",
                status=rng.choice(statuses),
                certified_on=dt.date(2023, 1, 1) + dt.timedelta(days=rng.randrange(365)),
                term_start=dt.date(2023, 1, 1),
                term_end=dt.date(2026, 12, 31),
                industry=rng.choice(INDUSTRIES),
                discipline=rng.choice(DISCIPLINES),
                head_name="李站长",
            )
            for i in range(n)
        ],
        batch_size=BATCH,
    )
    counts.stations += len(stations)
    StationExpert.objects.bulk_create(
        [
            StationExpert(
                station=s,
                expert=experts[i % len(experts)],
                role=ExpertRole.CHIEF,
                joined_on=dt.date(2023, 1, 1),
            )
            for i, s in enumerate(stations)
        ],
        batch_size=BATCH,
    )
    kinds = [k for k, _label in ActivityKind.choices]
    activities = [
        ActivityRecord(
            station=s,
            kind=rng.choice(kinds),
            date=dt.date(2023, 1, 1) + dt.timedelta(days=rng.randrange(1000)),
            title=f"活动{j}",
            quantity=rng.randrange(1, 10),
        )
        for s in stations
        for j in range(10)
    ]
    for i in range(0, len(activities), BATCH * 5):
        ActivityRecord.objects.bulk_create(activities[i : i + BATCH * 5], batch_size=BATCH)
    counts.activities += len(activities)

    amount = 50000
    grants = Grant.objects.bulk_create(
        [
            Grant(
                station=s,
                **Grant.parties_of(s),
                program=program_code,
                level=level,
                start_year=YEARS[0],
                amount=amount,
                policy_version=1,
                schedule={
                    "years": [
                        {"year": y, "paid": amount, "recovered": 0, "status": "active"}
                        for y in YEARS
                    ]
                },
                clauses=["基准数据"],
                created_by=admin,
            )
            for s in stations
        ],
        batch_size=BATCH,
    )
    counts.grants += len(grants)
    disbursements = Disbursement.objects.bulk_create(
        [
            Disbursement(
                grant=g,
                year=y,
                amount=amount,
                approved_by=admin,
                paid_on=dt.date(y, 3, 1) + dt.timedelta(days=rng.randrange(200)),
                voucher_no=f"PZ{y}-{g.pk:07d}",
                payee_account_name=g.station.host_unit.name,
                payee_bank="中国银行",
                payee_account_no=f"62220202{rng.randrange(10**10):010d}",
                clauses=["基准数据"],
            )
            for g in grants
            for y in YEARS
        ],
        batch_size=BATCH,
    )
    counts.disbursements += len(disbursements)
    recoveries = Recovery.objects.bulk_create(
        [
            Recovery(
                grant=g,
                year=YEARS[-1],
                amount=amount // 2,
                source=Recovery.Source.MISUSE,
                reason="基准数据：违规使用",
                clause="基准",
                created_by=admin,
            )
            for g in grants[::50]
        ],
        batch_size=BATCH,
    )
    counts.recoveries += len(recoveries)

    year = YEARS[-1]
    rnd = EvaluationRound.objects.filter(city=city, year=year).first()
    if rnd is None:
        rnd = EvaluationRound.objects.create(
            city=city,
            year=year,
            title=f"{city.name}{year}年度服务站考核",
            due_date=dt.date(year, 12, 31),
            opened_by=admin,
        )
    eval_statuses = [k for k, _label in StationEvaluation.Status.choices]
    evaluations = StationEvaluation.objects.bulk_create(
        [
            StationEvaluation(
                round=rnd, station=g.station, grant=g, year=year, status=rng.choice(eval_statuses)
            )
            for g in grants
        ],
        batch_size=BATCH,
    )
    counts.evaluations += len(evaluations)

    call = Call.objects.create(
        city=city,
        program=program_code,
        title=f"{prefix}{year}年度申报通知",
        opens_on=dt.date(year, 1, 1),
        closes_on=dt.date(year + 5, 12, 31),
    )
    stage = _waiting_stage(policy, program_code)
    now = dt.datetime(year, 6, 1, tzinfo=dt.UTC)
    applications = Application.objects.bulk_create(
        [
            Application(
                city=city,
                call=call,
                program=program_code,
                level=level,
                title=f"{prefix}申报{start + i:05d}",
                society=societies[i % n_soc],
                host_unit=hosts[i % n_host],
                district=hosts[i % n_host].district,
                stage=stage,
                stage_entered_at=now + dt.timedelta(minutes=i),
            )
            for i in range(max(1, n // 2))
        ],
        batch_size=BATCH,
    )
    counts.applications += len(applications)
