"""For every city: a station run through its years in the application ends with exactly
the money and status `simulate_policy` prints for the same scores (real models, services).
"""

import io
import json

import pytest
from django.core.management import call_command
from django.db.models import Sum

from funding.models import Recovery
from stations.choices import StationStatus
from tests.funding.cycle import run_station

SCENARIOS = [
    # (city, program, level, amount, scores, station status before, final station status)
    (
        "shenyang",
        "key_support",
        "national",
        None,
        [(2024, 92), (2025, 78), (2026, 90)],
        StationStatus.EXPIRED,
    ),
    (
        "shenyang",
        "key_support",
        "national",
        None,
        [(2024, 80), (2025, 65), (2026, 85)],
        StationStatus.EXPIRED,
    ),
    ("shenyang", "key_support", "national", None, [(2024, 65), (2025, 62)], StationStatus.REVOKED),
    (
        "shenyang",
        "key_support",
        "national",
        None,
        [(2024, 90), (2025, 59.5)],
        StationStatus.REVOKED,
    ),
    ("yiyang", "station", "provincial", None, [(2024, 85), (2025, 60)], StationStatus.EXPIRED),
    ("yiyang", "station", "city", None, [(2024, 59), (2025, 70)], StationStatus.EXPIRED),
    ("yiyang", "station", "city", None, [(2024, 70), (2025, 40)], StationStatus.DELISTED),
    ("yiyang", "station", "national", 80000, [(2024, 70), (2025, 88)], StationStatus.EXPIRED),
    ("guiyang", "station", "national", None, [(2024, 75), (2025, 61)], StationStatus.CERTIFIED),
    ("guiyang", "station", "city", None, [(2024, 75), (2025, 50)], StationStatus.SUSPENDED),
    (
        "hangzhou",
        "station",
        "city",
        25000,
        [(2024, 70), (2025, 60), (2026, 90)],
        StationStatus.EXPIRED,
    ),
    ("hangzhou", "service_base", "city", 80000, [(2024, 55), (2025, 90)], StationStatus.SUSPENDED),
    ("hangzhou", "research_major", "city", None, [], StationStatus.CERTIFIED),
    ("lianyungang", "service_station", "city", None, [], StationStatus.CERTIFIED),
]


def simulate(city, program, level, amount, scores, start_year=2024):
    scenario = {
        "city": city,
        "program": program,
        "level": level,
        "start_year": start_year,
        "amount": amount,
        "evaluations": [{"year": y, "score": s} for y, s in scores],
    }
    path = io.StringIO()
    import tempfile

    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False, encoding="utf-8") as fh:
        json.dump(scenario, fh)
    call_command("simulate_policy", fh.name, stdout=path)
    return json.loads(path.getvalue())


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("city", "program", "level", "amount", "scores", "station_status"), SCENARIOS
)
def test_station_years_in_app_equal_simulate_policy(
    city, program, level, amount, scores, station_status
):
    expected = simulate(city, program, level, amount, scores)
    grant, station, _ = run_station(city, program, level, 2024, scores, amount=amount)

    paid = grant.disbursements.aggregate(s=Sum("amount"))["s"] or 0
    recovered = grant.recoveries.aggregate(s=Sum("amount"))["s"] or 0
    assert paid == expected["total_paid"]
    assert recovered == expected["total_recovered"]
    assert paid - recovered == expected["net"]
    assert grant.status == expected["final_status"]
    assert station.status == station_status
    by_year = {d.year: d.amount for d in grant.disbursements.all()}
    assert by_year == {y["year"]: y["paid"] for y in expected["years"] if y["paid"]}
    assert all(r.source == Recovery.Source.POLICY for r in grant.recoveries.all())
    for ev in grant.evaluations.order_by("year"):
        row = next(y for y in expected["years"] if y["year"] == ev.year)
        assert ev.grade == row["grade"]
        assert ev.decision["year"]["clauses"] == row["clauses"]
        assert ev.policy_version == expected["policy_version"]
