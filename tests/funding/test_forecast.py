"""Budget forecast and parameter-change impact, per city, on small hand-built portfolios.

Pure facts (no database): each case states the grants, the proposed change, and the money
per budget year worked out by hand from POLICIES.md Interpretations 1–5 (window 2027–2029).
"""

from __future__ import annotations

import pytest

from policies.registry import get_policy
from reports.forecast import (
    ApplicationFacts,
    GrantFacts,
    Portfolio,
    QuotaUse,
    forecast,
    impact,
)

YEARS = (2027, 2028, 2029)


def _params(city, **changes):
    policy = get_policy(city)
    return policy, policy.params(), policy.params(changes)


# -- Shenyang (沈阳 三(二)/三(三), Interpretation 1) -----------------------------------------
SHENYANG = Portfolio(
    city="shenyang",
    grants=(
        # Named 2026, 2026 graded 良好 (80): 2027 and 2028 paid only at 良好 or better.
        GrantFacts(
            1,
            11,
            "沈阳甲站",
            "key_support",
            "national",
            2026,
            None,
            evaluations=((2026, 80.0, "good"),),
            scheduled={2026: 30000, 2027: 0, 2028: 0},
            paid_years=frozenset({2026}),
        ),
        # Named for 2027: year 1 approved (certain), not paid yet; no grade yet.
        GrantFacts(
            2,
            12,
            "沈阳乙站",
            "key_support",
            "provincial",
            2027,
            None,
            scheduled={2027: 30000, 2028: 0, 2029: 0},
        ),
        # Revoked: nothing more, whatever the parameters.
        GrantFacts(
            3,
            13,
            "沈阳丙站",
            "key_support",
            "national",
            2025,
            None,
            status="revoked",
            evaluations=((2025, 50.0, "unqualified"),),
            scheduled={2025: 30000, 2026: 0, 2027: 0},
            paid_years=frozenset({2025}),
        ),
    ),
)


def test_shenyang_forecast_certain_conditional_and_new_by_hand():
    policy, current, _ = _params("shenyang")

    result = forecast(policy, SHENYANG, current, YEARS)

    cells = [result.cell("key_support", y) for y in YEARS]
    assert [c.certain for c in cells] == [30000, 0, 0]  # 乙站 year 1
    assert [c.conditional["expected"] for c in cells] == [30000, 60000, 30000]
    assert [c.conditional["low"] for c in cells] == [0, 0, 0]
    assert [c.conditional["high"] for c in cells] == [30000, 60000, 30000]
    # 3 new stations a year × 30,000; their years 2–3 are conditional too.
    assert [c.new["expected"] for c in cells] == [90000, 180000, 270000]
    assert [c.new["low"] for c in cells] == [90000, 90000, 90000]
    assert [c.expected for c in cells] == [150000, 240000, 300000]
    assert [c.low for c in cells] == [120000, 90000, 90000]
    assert "filing" not in result.program_order  # no money (备案)


def test_shenyang_impact_of_a_higher_good_cutoff_and_a_higher_amount():
    policy, current, proposed = _params("shenyang", cutoff_good=85, key_support_amount=40000)

    result = impact(policy, SHENYANG, current, proposed, YEARS)

    by_id = {d.id: d for d in result.differences}
    assert set(by_id) == {1, 2}
    first = by_id[1]  # 80 is 合格 under 85: no pay in 2027, two 合格 in a row revoke in 2028
    assert first.before == {2027: 30000, 2028: 30000, 2029: 0}
    assert first.after == {2027: 0, 2028: 0, 2029: 0}
    assert (first.grade_before, first.grade_after) == ("good", "qualified")
    assert (first.status_before, first.status_after) == ("completed", "revoked")
    second = by_id[2]  # the approved year 1 keeps 30,000; later years at 40,000
    assert second.before == {2027: 30000, 2028: 30000, 2029: 30000}
    assert second.after == {2027: 30000, 2028: 40000, 2029: 40000}
    assert second.next_after == (2027, 30000)
    assert [(t.grants, t.new, t.total) for t in result.totals] == [
        (-30000, 30000, 0),
        (-20000, 60000, 40000),
        (10000, 90000, 100000),
    ]
    assert result.changed == {
        "cutoff_good": {"before": 75, "after": 85},
        "key_support_amount": {"before": 30000, "after": 40000},
    }


# -- Yiyang (益阳 第十二条/第十六条, Interpretation 2) ----------------------------------------
YIYANG = Portfolio(
    city="yiyang",
    grants=(
        GrantFacts(
            1,
            21,
            "益阳甲站",
            "station",
            "city",
            2026,
            None,
            evaluations=((2026, 70.0, "qualified"),),
            scheduled={2026: 50000, 2027: 0},
            paid_years=frozenset({2026}),
        ),
        GrantFacts(
            2, 22, "益阳乙站", "station", "provincial", 2027, None, scheduled={2027: 0, 2028: 0}
        ),
    ),
    last_round={"station": 2027},
)


def test_yiyang_forecast_low_recovers_and_rounds_every_two_years():
    policy, current, _ = _params("yiyang")

    result = forecast(policy, YIYANG, current, YEARS)

    cells = [result.cell("station", y) for y in YEARS]
    assert [c.certain for c in cells] == [0, 0, 0]  # money follows each assessment
    assert [c.conditional["expected"] for c in cells] == [150000, 100000, 0]
    assert [c.conditional["low"] for c in cells] == [0, 0, 0]
    # Low: 甲站 不合格 at the term end → the 50,000 paid in 2026 is recovered in 2027.
    assert [c.income["low"] for c in cells] == [50000, 0, 0]
    assert [c.income["expected"] for c in cells] == [0, 0, 0]
    # A round was held in 2027 (乙站), the next in 2029: 5 city-level × 50,000.
    assert [c.new["expected"] for c in cells] == [0, 0, 250000]
    assert [c.new["low"] for c in cells] == [0, 0, 0]  # 不合格 in year 1 pays nothing


def test_yiyang_impact_of_a_higher_qualified_cutoff_and_provincial_amount():
    policy, current, proposed = _params("yiyang", cutoff_qualified=75, amount_provincial=120000)

    result = impact(policy, YIYANG, current, proposed, YEARS)

    by_id = {d.id: d for d in result.differences}
    first = by_id[1]  # 70 < 75 at the term end: delisted, 2026's 50,000 recovered
    assert first.before == {2027: 50000, 2028: 0, 2029: 0}
    assert first.after == {2027: -50000, 2028: 0, 2029: 0}
    assert (first.status_before, first.status_after) == ("completed", "delisted")
    assert by_id[2].delta == {2027: 20000, 2028: 20000, 2029: 0}
    assert [t.total for t in result.totals] == [-80000, 20000, 0]


# -- Hangzhou (杭州 附件第八条/第十二条, Interpretation 4) -----------------------------------
HANGZHOU = Portfolio(
    city="hangzhou",
    grants=(
        GrantFacts(
            1,
            31,
            "杭州甲站",
            "station",
            "city",
            2026,
            25000,
            evaluations=((2026, 65.0, "qualified"),),
            scheduled={2026: 25000, 2027: 25000, 2028: 0},
            paid_years=frozenset({2026}),
        ),
    ),
)


def test_hangzhou_forecast_year_two_is_certain_after_a_pass():
    policy, current, _ = _params("hangzhou")

    result = forecast(policy, HANGZHOU, current, YEARS)

    station = [result.cell("station", y) for y in YEARS]
    assert [c.certain for c in station] == [25000, 0, 0]
    assert [c.conditional["expected"] for c in station] == [0, 25000, 0]
    # Topics: 5 × 50,000 + 10 × 15,000 + 10 × 5,000 every year; bases/stations have no quota.
    topics = sum(result.cell(p, 2027).new["expected"] for p in result.program_order)
    assert topics == 450000
    assert result.cell("station", 2027).new["expected"] == 0


def test_hangzhou_impact_of_a_cutoff_and_a_topic_amount():
    policy, current, proposed = _params("hangzhou", cutoff_qualified=70, research_key_amount=20000)

    result = impact(policy, HANGZHOU, current, proposed, YEARS)

    (diff,) = result.differences
    assert diff.before == {2027: 25000, 2028: 25000, 2029: 0}  # 2027 already approved
    assert diff.after == {2027: 25000, 2028: 0, 2029: 0}
    assert (diff.grade_before, diff.grade_after) == ("qualified", "unqualified")
    assert diff.status_after == "suspended"
    assert [t.as_dict() for t in result.totals] == [
        {"year": 2027, "grants": 0, "applications": 0, "new": 50000, "total": 50000},
        {"year": 2028, "grants": -25000, "applications": 0, "new": 50000, "total": 25000},
        {"year": 2029, "grants": 0, "applications": 0, "new": 50000, "total": 50000},
    ]


def test_hangzhou_a_narrower_range_is_reported_not_raised():
    policy, current, proposed = _params("hangzhou", station_max=24000)

    result = impact(policy, HANGZHOU, current, proposed, YEARS)

    (diff,) = result.differences
    assert "25000" in diff.error and "20000–24000" in diff.error
    assert diff.after[2027] == 25000  # the approved year stands


# -- Lianyungang (连云港 三, Interpretation 5) ----------------------------------------------
LIANYUNGANG = Portfolio(
    city="lianyungang",
    grants=(
        GrantFacts(
            1,
            41,
            "连云港甲站",
            "service_station",
            "city",
            2026,
            None,
            scheduled={2026: 3000},
            paid_years=frozenset({2026}),
            status="completed",
        ),
    ),
    applications=(ApplicationFacts(7, "连云港乙站申报", "service_station", "city", 2027, None),),
    quota_use=(QuotaUse("service_station", approved=12, open=3),),
)


def test_lianyungang_forecast_is_quotas_times_awards():
    policy, current, _ = _params("lianyungang")

    result = forecast(policy, LIANYUNGANG, current, YEARS)

    assert result.year_total(2027).expected == 5 * 8000 + 20 * 3000 + 20 * 2000 + 10 * 3000
    assert result.year_total(2029).low == 170000  # one-off awards: no assessment risk


def test_lianyungang_impact_of_a_smaller_quota_and_larger_award():
    policy, current, proposed = _params(
        "lianyungang", service_station_quota=10, service_station_amount=4000, cutoff_qualified=70
    )

    result = impact(policy, LIANYUNGANG, current, proposed, YEARS)

    (diff,) = result.differences
    assert (diff.kind, diff.id, diff.delta) == ("application", 7, {2027: 1000, 2028: 0, 2029: 0})
    assert [t.new for t in result.totals] == [-20000] * 3  # 10 × 4,000 − 20 × 3,000
    assert [t.total for t in result.totals] == [-19000, -20000, -20000]
    (quota,) = [q for q in result.quotas if q.program == "service_station"]
    assert (quota.before, quota.after, quota.approved, quota.over_after) == (20, 10, 12, 2)


# -- Guiyang (贵阳 四(三)/四(四), Interpretation 3) ----------------------------------------
GUIYANG = Portfolio(
    city="guiyang",
    grants=(
        GrantFacts(
            1,
            51,
            "贵阳甲站",
            "station",
            "national",
            2026,
            None,
            status="completed",
            scheduled={2026: 100000},
            paid_years=frozenset({2026}),
            support_dues=((2027, 30000),),
            outstanding_recovery=50000,
        ),
    ),
    applications=(ApplicationFacts(8, "贵阳乙站申报", "station", "city", 2027, None),),
)


def test_guiyang_forecast_counts_discretionary_support_and_recovery_income():
    policy, current, _ = _params("guiyang")

    result = forecast(policy, GUIYANG, current, YEARS)

    first = result.cell("station", 2027)
    assert first.certain == 30000
    assert first.income == {"low": 50000, "expected": 50000, "high": 50000}
    assert first.net() == -20000
    assert first.new["expected"] == 0  # no quota: nothing assumed


def test_guiyang_impact_of_a_city_amount():
    policy, current, proposed = _params("guiyang", amount_city=60000, cutoff_qualified=70)

    result = impact(policy, GUIYANG, current, proposed, YEARS)

    (diff,) = result.differences
    assert (diff.kind, diff.before[2027], diff.after[2027]) == ("application", 50000, 60000)
    assert [t.total for t in result.totals] == [10000, 0, 0]


@pytest.mark.parametrize("city", ["shenyang", "yiyang", "hangzhou", "lianyungang", "guiyang"])
def test_unchanged_parameters_change_nothing(city):
    policy, current, _ = _params(city)
    portfolio = {"shenyang": SHENYANG, "yiyang": YIYANG, "hangzhou": HANGZHOU}.get(
        city, LIANYUNGANG if city == "lianyungang" else GUIYANG
    )

    result = impact(policy, portfolio, current, dict(current), YEARS)

    assert result.differences == [] and result.total_delta == 0


def test_hangzhou_open_application_without_an_amount_counts_the_range_midpoint():
    policy, current, proposed = _params("hangzhou", station_max=40000)
    portfolio = Portfolio(
        city="hangzhou",
        applications=(ApplicationFacts(9, "杭州乙站申报", "station", "city", 2027, None),),
    )

    result = impact(policy, portfolio, current, proposed, YEARS)

    (diff,) = result.differences
    # (20,000 + 30,000) / 2 = 25,000 a year → (20,000 + 40,000) / 2 = 30,000 a year.
    assert diff.before == {2027: 25000, 2028: 25000, 2029: 25000}
    assert diff.after == {2027: 30000, 2028: 30000, 2029: 30000}
