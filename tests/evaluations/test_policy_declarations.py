"""Evaluations ask the city policy; they never name a city (issue 14)."""

import re
from pathlib import Path

import pytest
from django.conf import settings

from policies.registry import all_policies, get_policy
from policies.types import CityPolicy, Program

CODES = sorted(all_policies())
NAMES = sorted({p.name_zh for p in all_policies().values()})


def _sources():
    root = Path(settings.BASE_DIR)
    yield from (root / "evaluations").rglob("*.py")
    yield from (root / "templates" / "evaluations").rglob("*.html")


def test_no_city_code_in_evaluations_code_or_templates():
    pattern = re.compile("|".join(rf"[\"']{re.escape(c)}[\"']" for c in CODES))
    found = [
        f"{path.name}:{n}: {line.strip()}"
        for path in _sources()
        if "migrations" not in path.parts
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if pattern.search(line) or "policy_code" in line
    ]
    assert found == []


class Plain(CityPolicy):
    code = "plain_test"
    name_zh = "某市"


class OverAgreement(Plain):
    assessed_over_agreement = True


YEARLY = Program(
    code="y",
    label_zh="年度",
    applicant="society",
    levels=("city",),
    payment="yearly",
    support_years=3,
)
ONE_OFF = Program(
    code="o",
    label_zh="一次性",
    applicant="society",
    levels=("city",),
    payment="one_off",
    support_years=1,
)


@pytest.mark.parametrize(
    ("policy", "program", "end", "years"),
    [
        (Plain(), YEARLY, None, [2024, 2025, 2026]),
        (Plain(), ONE_OFF, 2027, []),
        (OverAgreement(), ONE_OFF, 2027, [2024, 2025, 2026, 2027]),
        (OverAgreement(), ONE_OFF, None, [2024, 2025]),  # no agreement end: two years
        (OverAgreement(), ONE_OFF, 2024, [2024, 2025]),  # at least two years
    ],
)
def test_assessed_years_follow_the_declaration(policy, program, end, years):
    assert policy.assessed_years(program, start_year=2024, agreement_end_year=end, params={}) == (
        years
    )


def test_declared_city_differences():
    hz, gy = get_policy("hangzhou"), get_policy("guiyang")
    assert hz.requires_final_accounts and hz.final_accounts_clause == "杭州 附件第十二条"
    assert "final_accounts" in hz.self_report_fields
    assert gy.has_demand_unit_evaluation and gy.demand_unit_clause == "贵阳 四(三)"
    assert (gy.absence_clause, gy.absence_revocation_clause) == ("贵阳 四(三)3", "贵阳 四(三)4")
    assert gy.assessed_over_agreement
    for code in set(CODES) - {"hangzhou"}:
        assert not get_policy(code).requires_final_accounts
        assert get_policy(code).self_report_fields == ("summary",)
    for code in set(CODES) - {"guiyang"}:
        p = get_policy(code)
        assert not (p.has_demand_unit_evaluation or p.absence_clause or p.assessed_over_agreement)
