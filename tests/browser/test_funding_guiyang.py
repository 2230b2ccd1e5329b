"""Guiyang in a real browser: one-off subsidy, annual assessment with the demand unit's
evaluation, discretionary later-year support, then revocation (贵阳 四(三)4) with recovery
and a partial repayment; the station page shows every decision with its clause and the ledger.
"""

import datetime as dt

import pytest
from django.utils import timezone

from evaluations import services as ev_services
from evaluations.models import StationEvaluation
from funding import services
from funding.models import Disbursement, Recovery
from policies import api as engine
from stations.choices import StationStatus
from tests.funding.cycle import make_station, pay_dues, people, split_points

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def switch(page, login_as, user):
    page.context.clear_cookies()
    return login_as(user)


def pay_in_browser(page, grant, year, voucher):
    form = f"[data-testid=pay-{year}]"
    page.goto(f"{page.base_url}/funding/grants/{grant.pk}/")
    page.fill(f"{form} input[name$=paid_on]", timezone.localdate().isoformat())
    page.fill(f"{form} input[name$=voucher_no]", voucher)
    page.click(f"{form} button[type=submit]")
    page.wait_for_selector(f"text=凭证号 {voucher}")


def test_guiyang_support_then_revocation_with_recovery(page, login_as, screenshot):
    year = timezone.localdate().year - 1
    station = make_station("guiyang", level="city", program="station")
    station.society.bank_account_name = station.society.name
    station.society.bank_name = "中国建设银行贵阳分行"
    station.society.bank_account_no = "6217000010001234567"
    station.society.save()
    who = people(station)
    grant = services.grant_create(
        station=station, program="station", start_year=year, actor=who["admin"]
    )
    pay_dues(grant, who["finance"])  # the one-off 50,000 on certification (贵阳 四(四)2)

    # The round is open and the society has reported; an expert has scored.
    rnd = ev_services.round_open(
        city=station.city,
        year=year,
        due_date=timezone.localdate() + dt.timedelta(days=10),
        actor=who["admin"],
    )
    ev = StationEvaluation.objects.get(round=rnd, grant=grant)
    ev_services.evaluation_submit(evaluation=ev, actor=who["society"], summary="服务需求 4 项")
    (score,) = ev_services.experts_assign(
        evaluation=ev, experts=[who["expert"]], actor=who["admin"]
    )
    rubric = engine.evaluation_rubric(station.city, "station")
    ev_services.expert_score_submit(
        score=score, points=split_points(rubric, 72), comment="合格", actor=who["expert"]
    )

    # The demand unit evaluates the station (贵阳 四(三)3).
    switch(page, login_as, who["host"])
    page.goto(f"{page.base_url}/evaluations/{ev.pk}/")
    page.select_option("#id_rating", "satisfied")
    page.fill("#id_opinion", "专家到企业解决了两项工艺难题。")
    page.click("text=提交评价")
    page.wait_for_selector("text=需求单位评价已提交")

    # The administrator confirms 72 → 合格, then enters next year's discretionary support.
    switch(page, login_as, who["admin"])
    page.goto(f"{page.base_url}/evaluations/{ev.pk}/")
    page.fill("#id_final_score", "72")
    page.click("[data-testid=confirm]")
    assert "合格" in page.inner_text("[data-testid=decision]")
    page.goto(f"{page.base_url}/funding/grants/{grant.pk}/")
    page.click("[data-testid=support] summary")
    page.fill("#id_support-year", str(year + 1))
    page.fill("#id_support-amount", "20000")
    page.fill("#id_support-reason", "合作稳定，需求单位续签两年协议")
    page.click("[data-testid=support] button[type=submit]")
    page.wait_for_selector(f"text=已确定{year + 1}年度后续补助 20,000 元")

    # Finance pays it like any due year; the payee is the society, shown in full to finance.
    switch(page, login_as, who["finance"])
    pay_in_browser(page, grant, year + 1, f"记-{year + 1}-031")
    assert "6217000010001234567" in page.inner_text("body")
    assert Disbursement.objects.get(grant=grant, year=year + 1).amount == 20000

    # False materials come to light: the administrator revokes and recovers everything.
    switch(page, login_as, who["admin"])
    page.goto(f"{page.base_url}/funding/grants/{grant.pk}/")
    assert "6217000010001234567" not in page.inner_text("body")  # masked for the admin
    page.click("[data-testid=revoke] summary")
    page.select_option("#id_revoke-reason_code", "false_materials")
    page.fill("#id_revoke-detail", "申报书所列 5 名省外专家中 3 名未参与工作。")
    assert page.is_disabled("#id_revoke-recover_amount")  # funding.js: only when ticked
    page.check("#id_revoke-recover")
    page.click("[data-testid=revoke] [data-fill]")  # 全额
    assert page.input_value("#id_revoke-recover_amount") == "70000"
    screenshot("funding-guiyang-revoke-form")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("[data-testid=revoke] button[type=submit]")
    page.wait_for_selector("text=已撤销该学会工作站（贵阳 四(三)4），追回 70,000 元")
    assert "取消资格" in page.inner_text("[data-testid=grant-status]")

    # Finance records a first repayment.
    switch(page, login_as, who["finance"])
    page.goto(f"{page.base_url}/funding/grants/{grant.pk}/")
    recovery = Recovery.objects.get(grant=grant)
    form = f"[data-testid=repay-{recovery.pk}]"
    page.fill(f"{form} input[name=amount]", "30000")
    page.fill(f"{form} input[name=received_on]", timezone.localdate().isoformat())
    page.fill(f"{form} input[name=voucher_no]", "收-001")
    page.click(f"{form} button[type=submit]")
    page.wait_for_selector("text=已登记退回款")

    # The station's page: every decision with its clause, the ledger, net = paid − recovered.
    switch(page, login_as, who["society"])
    page.goto(f"{page.base_url}/funding/stations/{station.pk}/")
    assert "合格" in page.inner_text(f"[data-testid=decision-{year}]")
    body = page.inner_text("body")
    for clause in ("贵阳 四(三)", "贵阳 四(三)6", "贵阳 四(三)4", "贵阳 四(四)2"):
        assert clause in body, clause
    assert "申报过程中隐瞒真实情况、提供虚假材料" in body
    assert page.inner_text("[data-testid=ledger-paid]").strip() == "70,000"
    assert page.inner_text("[data-testid=ledger-recovered]").strip() == "70,000"
    assert page.inner_text("[data-testid=ledger-net]").strip() == "0"
    assert "待退回 40,000" in page.inner_text("[data-testid=ledger]")
    assert "已撤销" in page.inner_text("[data-testid=station-status]")
    screenshot("funding-guiyang-station")
    station.refresh_from_db()
    assert station.status == StationStatus.REVOKED

    d = Disbursement.objects.get(grant=grant, year=year + 1)
    page.goto(f"{page.base_url}/funding/disbursements/{d.pk}/notice/")
    assert page.inner_text("[data-testid=notice-upper]").strip() == "贰万元整"
    assert "6217000010001234567" in page.inner_text("[data-testid=notice-account]")  # the payee
    screenshot("funding-guiyang-notice")
