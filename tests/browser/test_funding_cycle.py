"""Main path in a real browser: open the round, self-report, expert score, confirm, pay,
and the station's page with the decision, its clauses and the money ledger."""

import datetime as dt

import pytest
from django.utils import timezone

from accounts.roles import Role
from evaluations.models import StationEvaluation
from funding import services
from funding.models import Disbursement
from stations.choices import ActivityKind
from tests.factories import ActivityRecordFactory, ExpertFactory, UserFactory
from tests.funding.cycle import make_station

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def switch(page, login_as, user):
    page.context.clear_cookies()
    return login_as(user)


def test_yiyang_year_from_round_to_payment_and_ledger(page, login_as, screenshot):
    year = timezone.localdate().year - 1
    station = make_station("yiyang", level="city", program="station")
    c = station.city
    admin = UserFactory(role=Role.CITY_ADMIN, city=c)
    finance = UserFactory(role=Role.FINANCE, city=c)
    staff = UserFactory(role=Role.SOCIETY_STAFF, society=station.society)
    expert = UserFactory(role=Role.EXPERT_REVIEWER, expert=ExpertFactory(city=c), city=c)
    grant = services.grant_create(station=station, program="station", start_year=year, actor=admin)
    for month, days in ((2, 12), (5, 10), (8, 11), (11, 10)):
        ActivityRecordFactory(
            station=station,
            kind=ActivityKind.EXPERT_ONSITE,
            date=dt.date(year, month, 3),
            quantity=days,
        )
    ActivityRecordFactory(
        station=station, kind=ActivityKind.SURVEY, date=dt.date(year, 4, 1), quantity=2
    )
    ActivityRecordFactory(
        station=station, kind=ActivityKind.TRAINING, date=dt.date(year, 6, 1), trainees=60
    )

    # The administrator opens the year's evaluation.
    switch(page, login_as, admin)
    page.goto(f"{page.base_url}/evaluations/")
    page.fill("#id_year", str(year))
    page.fill("#id_due_date", (timezone.localdate() + dt.timedelta(days=20)).isoformat())
    page.click("[data-testid=round-open]")
    page.wait_for_selector("text=共 1 个服务站")
    ev = StationEvaluation.objects.get(grant=grant, year=year)

    # The station submits its self-report; counts and the five items come from the records.
    switch(page, login_as, staff)
    page.goto(f"{page.base_url}/evaluations/{ev.pk}/")
    assert "43" in page.inner_text("[data-testid=counts]")
    quant = page.inner_text("[data-testid=quant-items]")
    assert "专家服务团队在站工作天数" in quant and "达标" in quant and "未达标" in quant
    assert "益阳 第十二条(二)" in quant
    page.fill("#id_summary", "全年专家在站 43 天，开展调研 2 次、培训 1 场。")
    page.click("[data-testid=submit-report]")
    page.wait_for_selector("text=自评材料已提交")
    screenshot("evaluation-self-report")

    # The administrator assigns an expert, who scores the rubric.
    switch(page, login_as, admin)
    page.goto(f"{page.base_url}/evaluations/{ev.pk}/")
    page.select_option("#id_experts", str(expert.pk))
    page.click("[data-testid=assign]")
    page.wait_for_selector("text=已指派评审专家")
    switch(page, login_as, expert)
    page.goto(f"{page.base_url}/evaluations/{ev.pk}/")
    for code, points in (
        ("agreement", 20),
        ("onsite", 20),
        ("survey", 18),
        ("training", 15),
        ("results", 15),
    ):
        page.fill(f"#id_pt_{code}", str(points))
    page.click("[data-testid=submit-score]")
    page.wait_for_selector("text=评分已提交")

    # The administrator confirms; the engine grades and decides the payment.
    switch(page, login_as, admin)
    page.goto(f"{page.base_url}/evaluations/{ev.pk}/")
    # Two decimals, half up, shown without trailing zeros (issue 12 rounding rule).
    assert page.input_value("#id_final_score") == "88"
    page.click("[data-testid=confirm]")
    decision = page.inner_text("[data-testid=decision]")
    assert "优秀" in decision and "50,000" in decision and "益阳 第十六条" in decision

    # Finance pays it with date, voucher and payee account.
    switch(page, login_as, finance)
    page.goto(f"{page.base_url}/funding/grants/{grant.pk}/")
    form = f"[data-testid=pay-{year}]"
    page.fill(f"{form} input[name$=paid_on]", timezone.localdate().isoformat())
    page.fill(f"{form} input[name$=voucher_no]", "记-2025-0815")
    page.fill(f"{form} input[name$=payee_account_name]", "益阳某建站单位")
    page.fill(f"{form} input[name$=payee_bank]", "中国银行益阳分行")
    page.fill(f"{form} input[name$=payee_account_no]", "6222020200001234567")
    page.click(f"{form} button[type=submit]")
    page.wait_for_selector("text=凭证号 记-2025-0815")
    assert Disbursement.objects.get(grant=grant).amount == 50000

    # The station's page: decision with clauses and the ledger on one screen.
    switch(page, login_as, staff)
    page.goto(f"{page.base_url}/funding/stations/{station.pk}/")
    assert "益阳 第十六条" in page.inner_text(f"[data-testid=decision-{year}]")
    assert page.inner_text("[data-testid=ledger-paid]").strip() == "50,000"
    assert page.inner_text("[data-testid=ledger-recovered]").strip() == "0"
    assert page.inner_text("[data-testid=ledger-net]").strip() == "50,000"
    screenshot("funding-station-ledger")
    d = Disbursement.objects.get(grant=grant)
    page.goto(f"{page.base_url}/funding/disbursements/{d.pk}/notice/")
    assert page.inner_text("[data-testid=notice-upper]").strip() == "伍万元整"
