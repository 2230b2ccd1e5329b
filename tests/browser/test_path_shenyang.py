"""Shenyang's main path in a browser (issue 15), role by role, by visible labels: the
administrator publishes the filing and key-support calls, the host unit files its station
(备案), applies for key support (择优资助), the city investigates, experts score, the city
names it, finance pays the 30,000 of the first year; the first yearly evaluation grades it
良好 and finance pays year 2."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role
from applications.models import Application
from evaluations.models import StationEvaluation
from funding.models import Disbursement, Grant
from stations.choices import HostNature, Level, StationStatus
from tests.browser.paths import act, attach, field, fill, pay, press, publish_call, stage, switch
from tests.factories import ExpertFactory, HostUnitFactory, SocietyFactory, UserFactory, city

SHANGHAI = ZoneInfo("Asia/Shanghai")
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

STATION_FORM = {
    "申报名称": "机械工程学会服务站",
    "专业领域": "机械工程",
    "稳定的经费来源": "学校每年配套经费20万元。",
    "管理制度和服务规范": "服务站管理办法、服务规范。",
    "工作计划及长远规划": "三年规划：引进专家、联合攻关。",
    "主要任务": ["引智引才", "技术攻关"],
    "协议签订日期": "2026-03-01",
    "合作期限起": "2026-03-01",
    "合作期限止": "2028-02-29",
    "站长": "李站长",
    "工作人员人数": "2",
    "专家团队": "\n".join(f"站内专家{i}，辽宁省" for i in range(5)),
}


def test_shenyang_filing_key_support_paid_then_good_and_year_two(page, login_as, screenshot):
    c = city("shenyang")
    admin = UserFactory(role=Role.CITY_ADMIN, city=c)
    finance = UserFactory(role=Role.FINANCE, city=c)
    society = SocietyFactory(city=c, name="中国机械工程学会", level=Level.NATIONAL)
    host = HostUnitFactory(city=c, nature=HostNature.UNIVERSITY)
    staff = UserFactory(role=Role.HOST_STAFF, host_unit=host, city=c)
    experts = [ExpertFactory(city=c, is_reviewer=True, field="机械工程") for _ in range(3)]
    reviewers = [UserFactory(role=Role.EXPERT_REVIEWER, expert=e, city=c) for e in experts]
    base = page.base_url

    # The administrator publishes the filing call and the year's key-support call.
    login_as(admin)
    publish_call(page, program_label="学会服务站建站备案", title="2026年沈阳市学会服务站备案")
    publish_call(
        page,
        program_label="学会服务站择优资助（重点支持）",
        title="2026年沈阳市学会服务站择优资助",
        quota=3,
    )
    screenshot("shenyang-01-calls")

    # The host unit files its station with its society (备案).
    switch(page, login_as, staff)
    page.goto(f"{base}/applications/calls/")
    row = page.get_by_role("row").filter(has_text="2026年沈阳市学会服务站备案")
    row.get_by_label("合作学会").select_option(label=society.name)
    with page.expect_navigation():
        row.get_by_role("button", name="我要申报").click()
    field(page, "申报级别").select_option(label="国家级")
    fill(page, STATION_FORM)
    attach(page, "合作/建站协议", "共建协议.pdf")
    screenshot("shenyang-02-filing-form")
    press(page, "提交申报")
    assert stage(page) == "市科协学会部备案审核"
    filing = Application.objects.get()

    # The city files it.
    switch(page, login_as, admin)
    page.goto(f"{base}/applications/inbox/")
    page.get_by_role("link", name=filing.title).click()
    act(page, "通过", "材料齐全，予以备案。")
    assert stage(page) == "已备案"
    filing.refresh_from_db()
    station = filing.station
    assert station.status == StationStatus.FILED
    screenshot("shenyang-03-filed")

    # The host unit applies for key support for the filed station: the form starts from what
    # the filing gave (issue 15), it adds what key support asks.
    switch(page, login_as, staff)
    page.goto(f"{base}/applications/calls/")
    row = page.get_by_role("row").filter(has_text="2026年沈阳市学会服务站择优资助")
    row.get_by_label("申报的服务站").select_option(label=station.name)
    with page.expect_navigation():
        row.get_by_role("button", name="我要申报").click()
    assert field(page, "站长").input_value() == "李站长"
    assert field(page, "协议签订日期").input_value() == "2026-03-01"
    fill(
        page,
        {
            "建站以来主要成效": "引进专家12人，联合攻关2项。",
            "支持期工作目标": "三年完成技术攻关3项。",
        },
    )
    if page.locator("[data-testid=attachments]").get_by_text("共建协议.pdf").count() == 0:
        attach(page, "合作/建站协议", "共建协议.pdf")
    screenshot("shenyang-04-key-support-form")
    press(page, "提交申报")
    assert stage(page) == "市科协调查审核"
    app = Application.objects.exclude(pk=filing.pk).get()

    # The city investigates and passes it to the experts, assigning three of them.
    switch(page, login_as, admin)
    page.goto(f"{base}/applications/{app.pk}/")
    act(page, "通过", "调查属实。")
    assert stage(page) == "专家评选"
    page.get_by_role("link", name="评审专家组").click()
    for e in experts:
        page.get_by_label("专家", exact=True).select_option(value=str(e.pk))
        press(page, "指派")
    screenshot("shenyang-05-panel")

    # Each expert declares no conflict of interest and scores the rubric.
    for user, points in zip(reviewers, ((27, 30, 31), (26, 31, 30), (28, 29, 30)), strict=True):
        switch(page, login_as, user)
        page.goto(f"{base}/applications/{app.pk}/")
        page.get_by_role("link", name="进入评分").click()
        press(page, "声明无利益冲突")
        for label, value in zip(("建站条件", "辐射带动作用", "合作成效"), points, strict=True):
            field(page, label).fill(str(value))
        field(page, "评审意见").fill("建站条件好，成效明显。")
        press(page, "提交评分")
        assert str(sum(points)) in page.inner_text("[data-testid=score-submitted]")

    # The city approves it within the quota and names it; a grant of 30,000 a year follows.
    switch(page, login_as, admin)
    page.goto(f"{base}/applications/{app.pk}/")
    act(page, "通过", "专家评选通过。")
    assert stage(page).startswith("市科协审定")
    act(page, "通过", "同意重点支持。")
    assert stage(page).startswith("发文公布并命名")
    assert "沈阳服务站" in page.inner_text("[data-testid=certification]")
    screenshot("shenyang-06-named")
    grant = Grant.objects.get(station=station)
    assert (grant.program, grant.amount) == ("key_support", 30000)
    page.get_by_test_id("grant-link").click()
    page.wait_for_url(f"**/funding/grants/{grant.pk}/")

    # Finance pays the first year on selection, to the host unit (设站单位).
    payee = (host.name, "中国工商银行沈阳分行", "6222021001001234567")
    year = grant.start_year
    switch(page, login_as, finance)
    pay(page, grant, year, f"记-{year}-101", payee)
    assert Disbursement.objects.get(grant=grant, year=year).amount == 30000
    screenshot("shenyang-07-year1-paid")

    # The first yearly evaluation of the support period (沈阳 三(三)): the engine pays a later
    # year on that year's grade, so the round for year 2 is opened early in the next year.
    with time_machine.travel(dt.datetime(year + 2, 1, 12, 10, tzinfo=SHANGHAI), tick=True):
        evaluate_good_and_pay_year_two(
            page, login_as, screenshot, grant, staff, reviewers, payee, admin, finance
        )
    page.goto(f"{base}/funding/stations/{station.pk}/")
    assert page.inner_text("[data-testid=ledger-paid]").strip() == "60,000"
    screenshot("shenyang-09-ledger")


def evaluate_good_and_pay_year_two(
    page, login_as, screenshot, grant, staff, reviewers, payee, admin, finance
):
    base, year = page.base_url, grant.start_year + 1
    # A year on, everyone has changed the password the security policy makes expire.
    User.objects.update(password_changed_at=timezone.now())
    switch(page, login_as, admin)
    page.goto(f"{base}/evaluations/")
    fill(
        page,
        {
            "考核年度": str(year),
            "自评材料截止日期": (timezone.localdate() + dt.timedelta(days=20)).isoformat(),
        },
    )
    press(page, "发起")
    page.get_by_text("共 1 个服务站").first.wait_for()
    ev = StationEvaluation.objects.get(grant=grant, year=year)

    # The host unit reports.
    switch(page, login_as, staff)
    page.goto(f"{base}/evaluations/{ev.pk}/")
    field(page, "年度工作总结").fill("引进专家5人，联合攻关1项，举办学术交流2次。")
    press(page, "提交自评")
    page.get_by_text("自评材料已提交").wait_for()

    # The administrator assigns an expert, who scores 80.
    switch(page, login_as, admin)
    page.goto(f"{base}/evaluations/{ev.pk}/")
    field(page, "评审专家").select_option(value=str(reviewers[0].pk))
    press(page, "指派")
    page.get_by_text("已指派评审专家").wait_for()
    switch(page, login_as, reviewers[0])
    page.goto(f"{base}/evaluations/{ev.pk}/")
    for label in ("建设保障", "引智引才", "技术合作", "学术交流"):
        field(page, label).fill("20")
    field(page, "评审意见").fill("各项工作扎实。")
    press(page, "提交评分")
    page.get_by_text("评分已提交").wait_for()

    # The administrator confirms: 80 is 良好, and year 2 is due.
    switch(page, login_as, admin)
    page.goto(f"{base}/evaluations/{ev.pk}/")
    assert field(page, "最终得分").input_value() == "80"
    press(page, "确认")
    decision = page.inner_text("[data-testid=decision]")
    assert "良好" in decision and "沈阳 三(三)" in decision
    screenshot("shenyang-08-good")

    # Finance pays year 2.
    switch(page, login_as, finance)
    pay(page, grant, year, f"记-{year}-007", payee)
    assert Disbursement.objects.get(grant=grant, year=year).amount == 30000
