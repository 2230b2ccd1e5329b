"""连云港 四(一)1 (issue 12): the same-year approved station/project is computed, not unknown."""

import datetime as dt

import pytest

from applications import facts as app_facts
from applications import services
from applications.models import Application, Call
from policies.engine import check_eligibility
from policies.registry import get_policy

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("clause", "earlier", "expected", "finding"),
    [
        ("连云港 四(一)1", None, False, ("no_same_year_project", "block")),  # was "unknown"
        ("连云港 四(一)1", ("function_project", "certified", 2026), True, None),
        ("连云港 四(一)1", ("service_station", "certified", 2026), True, None),
        (
            "连云港 四(一)1",
            ("function_project", "rejected", 2026),
            False,
            ("no_same_year_project", "block"),
        ),
        (
            "连云港 四(一)1",
            ("function_project", "certified", 2025),
            False,
            ("no_same_year_project", "block"),
        ),
    ],
)
def test_demo_society_same_year_condition_is_computed(world, clause, earlier, expected, finding):
    if earlier is not None:
        program, outcome, year = earlier
        call = Call.objects.create(
            city=world.city,
            program=program,
            title=f"{year}年申报",
            opens_on=dt.date(year, 1, 1),
            closes_on=dt.date(year, 12, 31),
        )
        done = services.application_create(call=call, actor=world.staff, today=dt.date(year, 6, 1))
        Application.objects.filter(pk=done.pk).update(outcome=outcome, stage="x")
    demo_call = Call.objects.create(
        city=world.city,
        program="demo_society",
        title="2026年综合示范学会奖",
        opens_on=dt.date(2026, 1, 1),
        closes_on=dt.date(2026, 12, 31),
    )
    # The application day is pinned to 2026-06-01 (tests/applications/conftest.py).
    app = services.application_create(call=demo_call, actor=world.staff, today=dt.date(2026, 6, 1))
    facts = app_facts.build_facts(app)
    assert facts.has_same_year_station_or_project is expected, clause
    policy = get_policy("lianyungang")
    found = {
        f.code: (f.severity, f.clause)
        for f in check_eligibility(policy, "demo_society", facts, policy.params())
    }
    assert "same_year_project_unknown" not in found
    if finding:
        code, severity = finding
        assert found[code] == (severity, clause)
    else:
        assert "no_same_year_project" not in found
