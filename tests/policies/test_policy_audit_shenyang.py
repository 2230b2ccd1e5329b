"""沈阳 三(二) naming (issue 12): no doubled society names, no silent "…沈阳服务站"."""

import pytest

from policies.cities.shenyang import station_name
from policies.engine import check_eligibility
from policies.registry import get_policy
from policies.types import PolicyError

from .helpers import codes, facts, host, society

P = get_policy("shenyang")


@pytest.mark.parametrize(
    ("clause", "kwargs", "name"),
    [
        (
            # Reproduced: the branch's full name was prefixed with its parent again.
            "沈阳 三(二)",
            dict(
                society_name="中国机械工程学会铸造分会",
                society_level="national",
                branch_name="中国机械工程学会铸造分会",
                parent_name="中国机械工程学会",
                district="铁西区",
            ),
            "中国机械工程学会铸造分会铁西区服务站",
        ),
        (
            "沈阳 三(二)",
            dict(
                society_name="机械工程学会铸造分会",
                society_level="national",
                branch_name="全国机械工程学会铸造分会",
                parent_name="机械工程学会",
                district="铁西区",
            ),
            "全国机械工程学会铸造分会铁西区服务站",
        ),
        (
            "沈阳 三(二)",
            dict(society_name="中国机械工程学会", society_level="national"),
            "中国机械工程学会沈阳服务站",
        ),
    ],
)
def test_naming_rule_never_doubles_the_society(clause, kwargs, name):
    assert station_name(**kwargs) == name, clause


@pytest.mark.parametrize(
    ("clause", "kwargs"),
    [
        (
            "沈阳 三(二)",
            dict(
                society_name="铸造分会",
                society_level="national",
                branch_name="铸造分会",
                parent_name="中国机械工程学会",
            ),
        ),
        ("沈阳 三(二)", dict(society_name="辽宁省机械工程学会", society_level="provincial")),
        (
            "沈阳 三(二)",
            dict(society_name="辽宁省机械工程学会", society_level="provincial", district="  "),
        ),
    ],
)
def test_branch_or_provincial_station_without_district_is_refused(clause, kwargs):
    with pytest.raises(PolicyError, match="县（市）区") as exc:
        station_name(**kwargs)
    assert clause in str(exc.value)


@pytest.mark.parametrize(
    ("clause", "soc", "district_name", "blocked"),
    [
        ("沈阳 三(二)", society(level="provincial", name="辽宁省机械工程学会"), "", True),
        ("沈阳 三(二)", society(level="provincial", name="辽宁省机械工程学会"), "新民市", False),
        ("沈阳 三(二)", society(branch_kind="branch", parent_name="中国机械工程学会"), "", True),
        ("沈阳 三(二)", society(), "", False),  # a national society: 沈阳 or its district
    ],
)
def test_eligibility_asks_for_the_district(clause, soc, district_name, blocked):
    level = "national" if soc.level == "national" and not soc.is_branch else "provincial"
    nature = "city_society" if level == "national" else "county_unit"
    f = facts(
        "shenyang",
        "filing",
        level=level,
        society=soc,
        host_unit=host(nature=nature),
        district_name=district_name,
    )
    found = check_eligibility(P, "filing", f, P.params())
    assert ("district_missing" in codes(found, "block")) is blocked, clause
    assert all(x.clause == clause for x in found if x.code == "district_missing")
