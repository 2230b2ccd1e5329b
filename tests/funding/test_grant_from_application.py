"""The grant keeps what the approved application said (issue 15): the payee account on the
申报书 (not the society's master record) and the budget table as its 预算与支出 lines."""

import datetime as dt
from decimal import Decimal

import pytest

from applications.models import Application, Call
from funding import services
from tests.funding.cycle import make_station, people

pytestmark = pytest.mark.django_db


def test_guiyang_grant_takes_the_payee_and_budget_of_the_approved_application():
    station = make_station("guiyang", level="city", program="station")
    who = people(station)
    station.society.bank_account_name = "学会主档户名"
    station.society.bank_name = "主档银行"
    station.society.bank_account_no = "6222000011112222"
    station.society.save()
    call = Call.objects.create(
        city=station.city,
        program="station",
        title="2026年贵阳工作站申报",
        opens_on=dt.date(2026, 1, 1),
        closes_on=dt.date(2099, 12, 31),
        required_materials=[],
    )
    app = Application.objects.create(
        city=station.city,
        call=call,
        program="station",
        level="city",
        title="贵阳某学会工作站",
        society=station.society,
        host_unit=station.host_unit,
        station=station,
        stage="certified",
        outcome="certified",
        form_data={
            "bank_account_name": "申报书户名",
            "bank_name": "贵阳银行",
            "bank_account_no": "6217000099998888",
            "budget": [
                {
                    "category": "专家咨询费",
                    "content": "专家现场指导",
                    "amount": "60000",
                    "basis": "20人次",
                },
                {"category": "会议费", "content": "技术对接会", "amount": "40000", "basis": "2次"},
                {"category": "", "content": "空行", "amount": "0"},
            ],
        },
    )
    grant = services.grant_create(
        station=station, program="station", start_year=2026, application=app, actor=who["admin"]
    )
    assert services.default_payee(grant) == {
        "payee_account_name": "申报书户名",
        "payee_bank": "贵阳银行",
        "payee_account_no": "6217000099998888",
    }
    lines = list(grant.budget_lines.order_by("id").values_list("category", "content", "amount"))
    assert lines == [
        (
            "other",
            "专家咨询费：专家现场指导",
            Decimal("60000.00"),
        ),  # no listed category: kept in the text
        ("meeting", "技术对接会", Decimal("40000.00")),
    ]


def test_without_an_account_on_the_form_the_master_record_is_prefilled():
    station = make_station("guiyang", level="city", program="station")
    who = people(station)
    grant = services.grant_create(
        station=station, program="station", start_year=2026, actor=who["admin"]
    )
    assert services.default_payee(grant)["payee_account_no"] == station.society.bank_account_no
