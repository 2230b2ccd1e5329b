"""Money in two cities, made through the funding services as people would make it."""

from __future__ import annotations

import pytest
from django.utils import timezone

from accounts.roles import Role
from funding import services as fund_services
from stations.choices import Level, StationStatus
from tests.factories import SocietyFactory, StationFactory, UserFactory, city


def pay(grant, finance, voucher: str):
    for due in fund_services.payable(grant):
        fund_services.disbursement_approve(
            grant=grant,
            year=due["year"],
            paid_on=timezone.localdate(),
            voucher_no=voucher,
            payee_account_name="某单位",
            payee_bank="中国银行",
            payee_account_no="6222020200001234567",
            actor=finance,
        )


@pytest.fixture
def this_year():
    return timezone.localdate().year


@pytest.fixture
def guiyang_money(db, this_year):
    """Guiyang: stations at three levels, all paid on certification; one recovery (misuse)."""
    c = city("guiyang")
    admin = UserFactory(role=Role.CITY_ADMIN, city=c)
    finance = UserFactory(role=Role.FINANCE, city=c)
    grants = []
    for n, (level, amount) in enumerate(
        [
            (Level.PROVINCIAL, None),
            (Level.PROVINCIAL, None),
            (Level.CITY, None),
            (Level.NATIONAL, None),
        ]
    ):
        society = SocietyFactory(city=c, level=level, name=f"贵阳测试学会{n}")
        station = StationFactory(
            city=c,
            society=society,
            level=level,
            program="station",
            status=StationStatus.CERTIFIED,
            name=f"贵阳{n}号学会产业科技服务工作站",
        )
        grant = fund_services.grant_create(
            station=station, program="station", start_year=this_year, amount=amount, actor=admin
        )
        pay(grant, finance, f"GY-{n:03d}")
        grants.append(grant)
    fund_services.recovery_record(grant=grants[2], amount=20000, reason="经费违规使用", actor=admin)
    return {"city": c, "admin": admin, "finance": finance, "grants": grants}


@pytest.fixture
def hangzhou_money(db, this_year):
    """Hangzhou: a base, a station and a research topic (three programs at city level)."""
    c = city("hangzhou")
    admin = UserFactory(role=Role.CITY_ADMIN, city=c)
    finance = UserFactory(role=Role.FINANCE, city=c)
    grants = []
    for n, (program, amount) in enumerate(
        [("service_base", 80000), ("station", 25000), ("research_major", None)]
    ):
        society = SocietyFactory(city=c, level=Level.CITY, name=f"杭州测试学会{n}")
        station = StationFactory(
            city=c, society=society, level=Level.CITY, program=program, name=f"杭州{n}号站"
        )
        grant = fund_services.grant_create(
            station=station, program=program, start_year=this_year, amount=amount, actor=admin
        )
        pay(grant, finance, f"HZ-{n:03d}")
        grants.append(grant)
    return {"city": c, "admin": admin, "finance": finance, "grants": grants}
