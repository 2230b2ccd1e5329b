"""A year once decided stays decided; later years follow the version in force (issue 12).

The version rule (CityPolicy.assessment_params): a grant's money terms (amount, range,
term) are those of the version it was created under; each year's grade and consequence
follow the version in force when that year's assessment is confirmed, recorded with the
year. The simulator takes the same rule through `parameter_changes`, and both round scores
to two decimals, half up.
"""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils import timezone

from funding import services as fund_services
from funding.models import Grant, Recovery
from policies import engine as policy_engine
from policies.registry import get_policy
from policies.services import policy_version_create
from stations.choices import StationStatus
from tests.funding.cycle import evaluate_year, make_station, pay_dues, people

pytestmark = pytest.mark.django_db


def change_params(station, admin, **changed):
    policy = get_policy(station.city.policy_code)
    return policy_version_create(
        city=station.city,
        params={**policy.defaults, **changed},
        effective_from=timezone.localdate(),
        note="年中调整参数（测试）",
        actor=admin,
    )


def run_with_change(city, program, level, amount, scores, change_before, changed):
    """Run the years in the app; store a new parameter version before `change_before`."""
    station = make_station(city, level=level, program=program)
    who = people(station)
    grant = fund_services.grant_create(
        station=station,
        program=program,
        level=level,
        start_year=2024,
        amount=amount,
        actor=who["admin"],
    )
    for year, score in scores:
        pay_dues(grant, who["finance"])
        grant.refresh_from_db()
        if year == change_before:
            change_params(station, who["admin"], **changed)
        evaluate_year(grant, year, score, who)
        grant.refresh_from_db()
    pay_dues(grant, who["finance"])
    grant.refresh_from_db()
    station.refresh_from_db()
    return grant, station


def simulated(city, program, level, amount, scores, change_before, changed):
    scenario = {
        "city": city,
        "program": program,
        "level": level,
        "start_year": 2024,
        "amount": amount,
        "evaluations": [{"year": y, "score": s} for y, s in scores],
        "parameter_changes": [{"from_year": change_before, "params": changed}],
    }
    return policy_engine.simulate(scenario)


CASES = [
    # clause, city, program, level, amount, scores, change before year, changed params,
    # (total paid, total recovered), final status, grades, station status
    (
        # Reproduced: amount raised after year 1 was paid, then a term-end 不合格: the
        # platform recovered 60,000 of the 50,000 paid.
        "益阳 第十二条/第十九条",
        "yiyang",
        "station",
        "city",
        None,
        [(2024, 70), (2025, 40)],
        2025,
        {"amount_city": 60000},
        (50000, 50000),
        "delisted",
        ["qualified", "unqualified"],
        StationStatus.DELISTED,
    ),
    (
        # The grant's yearly amount is its own version's: the raise applies to new grants.
        "益阳 第十六条",
        "yiyang",
        "station",
        "city",
        None,
        [(2024, 70), (2025, 80)],
        2025,
        {"amount_city": 60000},
        (100000, 0),
        "completed",
        ["qualified", "qualified"],
        StationStatus.EXPIRED,
    ),
    (
        # Reproduced: year 1 良好 under cut-off 75, cut-off raised to 80, year 2 合格 was
        # taken as "two consecutive 合格" and revoked.
        "沈阳 三(三)",
        "shenyang",
        "key_support",
        "national",
        None,
        [(2024, 78), (2025, 78), (2026, 95)],
        2025,
        {"cutoff_good": 80},
        (60000, 0),
        "completed",
        ["good", "qualified", "excellent"],
        StationStatus.EXPIRED,
    ),
    (
        # A later year is decided under the version in force for it: 78 is 合格 from 2025 on.
        "沈阳 三(三)",
        "shenyang",
        "key_support",
        "national",
        None,
        [(2024, 78), (2025, 78), (2026, 78)],
        2025,
        {"cutoff_good": 80},
        (30000, 0),
        "revoked",
        ["good", "qualified", "qualified"],
        StationStatus.REVOKED,
    ),
    (
        # Hangzhou: the next year's payment follows the previous (decided) grade.
        "杭州 附件第十二条",
        "hangzhou",
        "station",
        "city",
        25000,
        [(2024, 65), (2025, 65), (2026, 90)],
        2025,
        {"cutoff_qualified": 70},
        (50000, 0),
        "suspended",
        ["qualified", "unqualified", "qualified"],
        StationStatus.SUSPENDED,
    ),
]


@pytest.mark.parametrize(
    (
        "clause",
        "city",
        "program",
        "level",
        "amount",
        "scores",
        "change_before",
        "changed",
        "totals",
        "final",
        "grades",
        "station_status",
    ),
    CASES,
)
def test_mid_term_parameter_change_keeps_decided_years_and_matches_simulator(
    clause,
    city,
    program,
    level,
    amount,
    scores,
    change_before,
    changed,
    totals,
    final,
    grades,
    station_status,
):
    expected = simulated(city, program, level, amount, scores, change_before, changed)
    assert (expected["total_paid"], expected["total_recovered"]) == totals, clause
    assert [y["grade"] for y in expected["years"] if y["grade"]] == grades, clause

    grant, station = run_with_change(city, program, level, amount, scores, change_before, changed)
    paid = grant.disbursements.aggregate(s=Sum("amount"))["s"] or 0
    recovered = grant.recoveries.aggregate(s=Sum("amount"))["s"] or 0
    assert (paid, recovered) == totals, clause
    assert recovered <= paid, clause
    assert grant.status == expected["final_status"] == final, clause
    assert station.status == station_status, clause
    assert (grant.disbursed_total, grant.recovered_total) == (paid, recovered)
    by_year = {d.year: d.amount for d in grant.disbursements.all()}
    assert by_year == {y["year"]: y["paid"] for y in expected["years"] if y["paid"]}
    evaluations = list(grant.evaluations.order_by("year"))
    assert [e.grade for e in evaluations] == grades, clause
    # Each year shows the version it was decided under; year 1 kept version 1.
    versions = [e.policy_version for e in evaluations]
    assert versions == [1 if y < change_before else 2 for y, _ in scores], clause
    assert grant.schedule["year_versions"] == {
        str(y): v for (y, _), v in zip(scores, versions, strict=True)
    }
    for ev in evaluations:
        row = next(y for y in expected["years"] if y["year"] == ev.year)
        stored = next(y for y in grant.schedule["years"] if y["year"] == ev.year)
        assert ev.decision["year"] == row == stored, (clause, ev.year)


@pytest.mark.parametrize(
    ("clause", "city", "program", "level", "score", "grade"),
    [
        ("沈阳 三(三)", "shenyang", "key_support", "national", 74.995, "good"),
        ("沈阳 三(三)", "shenyang", "key_support", "national", 74.994, "qualified"),
        ("沈阳 三(三)", "shenyang", "key_support", "national", 89.99, "good"),
        ("益阳 第十二条", "yiyang", "station", "city", 59.995, "qualified"),
        ("益阳 第十二条", "yiyang", "station", "city", 59.99, "unqualified"),
        ("贵阳 四(三)", "guiyang", "station", "city", 59.96, "unqualified"),
    ],
)
def test_two_decimal_scores_round_alike_in_simulator_and_app(
    clause, city, program, level, score, grade
):
    scenario = {
        "city": city,
        "program": program,
        "level": level,
        "start_year": 2024,
        "amount": None,
        "evaluations": [{"year": 2024, "score": score}],
    }
    expected = policy_engine.simulate(scenario)
    assert expected["years"][0]["grade"] == grade, clause
    station = make_station(city, level=level, program=program)
    who = people(station)
    grant = fund_services.grant_create(
        station=station, program=program, level=level, start_year=2024, actor=who["admin"]
    )
    ev = evaluate_year(grant, 2024, score, who)
    assert ev.grade == grade, clause
    assert ev.final_score == Decimal(str(score)).quantize(Decimal("0.01"), "ROUND_HALF_UP")
    assert ev.decision["year"]["score"] == expected["years"][0]["score"]


def paid_yiyang_grant():
    station = make_station("yiyang", level="city", program="station")
    who = people(station)
    grant = fund_services.grant_create(
        station=station, program="station", start_year=2024, actor=who["admin"]
    )
    evaluate_year(grant, 2024, 70, who)
    grant.refresh_from_db()
    pay_dues(grant, who["finance"])
    grant.refresh_from_db()
    return grant, who


def test_term_end_recovery_is_net_of_an_earlier_recovery():
    """益阳 第十二条/第十九条: all money paid is recovered — what is left of it, not more."""
    grant, who = paid_yiyang_grant()
    fund_services.recovery_record(
        grant=grant, amount=20000, reason="违规使用（测试）", actor=who["admin"]
    )
    evaluate_year(grant, 2025, 40, who)
    grant.refresh_from_db()
    policy = grant.recoveries.get(source=Recovery.Source.POLICY)
    assert policy.amount == 30000
    assert fund_services.net_paid(grant) == 0
    assert (grant.disbursed_total, grant.recovered_total) == (50000, 50000)


def test_a_recovery_beyond_net_paid_is_refused_by_the_check_and_the_database():
    grant, who = paid_yiyang_grant()
    locked = Grant.objects.select_for_update().get(pk=grant.pk)
    with pytest.raises(fund_services.RecoveryExceedsPaid):
        fund_services._recovery_add(
            grant=locked,
            year=2025,
            amount=50001,
            source=Recovery.Source.MISUSE,
            reason="超额",
            clause="益阳 第十九条",
            actor=who["admin"],
        )
    assert not grant.recoveries.exists()
    # The database refuses it too, whatever code path tries.
    with pytest.raises(IntegrityError), transaction.atomic():
        Grant.objects.filter(pk=grant.pk).update(recovered_total=F("disbursed_total") + 1)
    # A plain save of a stale grant does not move the counters.
    stale = Grant.objects.get(pk=grant.pk)
    fund_services.recovery_record(grant=grant, amount=10000, reason="违规", actor=who["admin"])
    stale.save()
    stale.refresh_from_db()
    assert stale.recovered_total == 10000 and stale.disbursed_total == 50000


def test_the_grant_page_shows_the_version_each_year_was_decided_under(client):
    """沈阳 三(三): year 1 decided under version 1, year 2 under version 2, shown per year."""
    from accounts.roles import Role
    from tests.factories import UserFactory

    grant, station = run_with_change(
        "shenyang",
        "key_support",
        "national",
        None,
        [(2024, 78), (2025, 78)],
        2025,
        {"cutoff_good": 80},
    )
    client.force_login(UserFactory(role=Role.CITY_ADMIN, city=station.city))
    page = client.get(f"/funding/grants/{grant.pk}/").content.decode()
    for year, version in ((2024, 1), (2025, 2)):
        cell = page.split(f'data-testid="decided-version-{year}">', 1)[1].split("</td>", 1)[0]
        assert cell == f"第 {version} 版"
