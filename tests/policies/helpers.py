"""Builders of plain eligibility facts for the table-driven policy tests."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from policies.facts import EligibilityFacts, ExpertFacts, HostUnitFacts, SocietyFacts


def society(**kw) -> SocietyFacts:
    base = dict(
        name="中国机械工程学会",
        level="national",
        discipline="机械工程",
        rating="4A",
        inspections={2022: "passed", 2023: "passed", 2024: "passed"},
    )
    base.update(kw)
    return SocietyFacts(**base)


def host(**kw) -> HostUnitFacts:
    base = dict(name="某建站单位", nature="city_society", registered_city="益阳市")
    base.update(kw)
    return HostUnitFacts(**base)


def experts(n: int, province: str = "湖南省", **kw) -> tuple[ExpertFacts, ...]:
    return tuple(ExpertFacts(name=f"专家{i}", province=province, **kw) for i in range(n))


def facts(city: str, program: str, level: str = "national", **kw) -> EligibilityFacts:
    base = dict(
        city=city,
        program=program,
        level=level,
        society=society(),
        host_unit=host(),
        experts=experts(5),
        staff_count=1,
        head_name="王站长",
        discipline="机械工程",
        agreement_signed_on=dt.date(2024, 3, 1),
        term_start=dt.date(2024, 3, 1),
        term_end=dt.date(2026, 2, 28),
        application_date=dt.date(2025, 4, 1),
        district_name="铁西区",  # 沈阳 三(二): branch/provincial stations are named by district
        county_talent_opinion="同意推荐",  # 益阳 第八条(一): the 申报书's 人才办 opinion
    )
    base.update(kw)
    return EligibilityFacts(**base)


def codes(findings, severity: str | None = None) -> set[str]:
    return {f.code for f in findings if severity is None or f.severity == severity}


__all__ = ["codes", "experts", "facts", "host", "replace", "society"]
