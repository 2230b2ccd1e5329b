"""益阳 第八条 (issue 12): the applicant chooses the path; the 人才办 opinion; the cadence."""

import pytest

from policies.engine import check_eligibility, path
from policies.registry import get_policy

from .helpers import codes, experts, facts, host

P = get_policy("yiyang")
D = P.params()


def yy(nature, **kw):
    kw.setdefault("experts", experts(5))
    return facts("yiyang", "station", level="city", host_unit=host(nature=nature), **kw)


@pytest.mark.parametrize(
    ("clause", "nature", "apply_via", "through_county"),
    [
        ("益阳 第八条(一)", "enterprise_cast", "", False),  # may apply directly: it does
        ("益阳 第八条(一)", "enterprise_cast", "city", False),
        ("益阳 第八条(一)", "enterprise_cast", "county", True),  # 也可: it chose its county
        ("益阳 第八条(一)", "city_society", "county", True),
        ("益阳 第八条(一)", "township_cast", "", True),
        ("益阳 第八条(一)", "county_cast", "county", True),
    ],
)
def test_the_applicant_chooses_the_path(clause, nature, apply_via, through_county):
    stages = [s.code for s in path(P, "station", yy(nature, apply_via=apply_via))]
    assert ("county_review" in stages) is through_county, clause


@pytest.mark.parametrize(
    ("clause", "nature", "apply_via", "opinion", "blocked", "warned"),
    [
        ("益阳 第八条(一)", "township_cast", "city", "同意", {"direct_not_allowed"}, set()),
        ("益阳 第八条(一)", "township_cast", "county", "", set(), {"county_talent_opinion"}),
        ("益阳 第八条(一)", "township_cast", "county", "同意推荐", set(), set()),
        ("益阳 第八条(一)", "enterprise_cast", "city", "", set(), set()),
        ("益阳 第八条(一)", "enterprise_cast", "county", "", set(), {"county_talent_opinion"}),
    ],
)
def test_direct_path_and_county_talent_office_opinion(
    clause, nature, apply_via, opinion, blocked, warned
):
    found = check_eligibility(
        P, "station", yy(nature, apply_via=apply_via, county_talent_opinion=opinion), D
    )
    mine = {"direct_not_allowed", "county_talent_opinion"}
    assert codes(found, "block") & mine == blocked, clause
    assert codes(found, "warn") & mine == warned, clause
    assert all(f.clause == clause for f in found if f.code in mine)


@pytest.mark.parametrize(
    ("clause", "year", "previous", "warned"),
    [
        ("益阳 第八条", 2026, [2025], True),  # one year after the last round
        ("益阳 第八条", 2025, [2025], True),  # a second call the same year
        ("益阳 第八条", 2026, [2024], False),  # two years on: the cadence
        ("益阳 第八条", 2026, [], False),
    ],
)
def test_a_call_outside_the_two_year_cadence_warns(clause, year, previous, warned):
    found = P.call_findings("station", year, previous, D)
    assert bool(found) is warned
    assert all(f.severity == "warn" and f.clause == clause for f in found)
