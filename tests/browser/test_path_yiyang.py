"""Yiyang's main path in a browser (issue 15), role by role, by visible labels: the
administrator publishes the certification call; an enterprise with its own CAST applies to
the city CAST directly (益阳 第八条(一): no county review); the city reviews, inspects on site
(with a photo) and proposes it; the talent office approves within the city-level quota; the
notice runs its 5 working days; the plaque is issued. Year 1 is assessed 合格 and finance pays
the city-level 50,000 (第十五–十六条); year 2 likewise."""

import datetime as dt
import re
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
from tests.factories import (
    ExpertFactory,
    HostUnitFactory,
    SocietyFactory,
    UserFactory,
    city,
    district_of,
)
from tests.files import PNG

SHANGHAI = ZoneInfo("Asia/Shanghai")
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CALL = "2026年益阳市重点产业领域学会服务站认定"
TITLE = "益阳市数字经济学会服务站"
MATERIALS = {
    "申报书（盖章扫描件）": "申报书.pdf",
    "合作/建站协议": "共建协议.pdf",
    "年度绩效目标": "绩效目标.pdf",
    "单位简介及工作制度": "工作制度.pdf",
    "组织机构及人员名单": "人员名单.pdf",
}
STATION_FORM = {
    "申报名称": TITLE,
    "单位名称": "益阳某智能装备有限公司",
    "法定代表人": "张三",
    "单位地址": "益阳市赫山区某路1号",
    "邮编": "413000",
    "联系人": "李四",
    "电话": "0737-1234567",
    "手机": "13800138000",
    "电子邮箱": "contact@example.cn",
    "单位性质": ("select", "企业科协"),
    "重点产业领域": ("select", "数字经济"),
    "产业概况": "本地数字经济企业30家。",
    "学会名称": "益阳市计算机学会",
    "职务/职称": "理事长",
    "学会联系手机": "13900139000",
    "学会地址及邮编": "益阳市 413000",
    "学会主要活动": "学术交流、科普。",
    "协议签订日期": "2026-03-01",
    "合作期限起": "2026-03-01",
    "合作期限止": "2028-02-29",
    "站长": "李站长",
    "工作人员人数": "2",
    "专家团队": "\n".join(f"站内专家{i}，湖南省" for i in range(5)),
    "建站目的及工作计划": "两年内完成数控加工精度、智能产线两项技术攻关。",
}
# Labels that are the start of another label too (学会联系人 / 学会联系人职务, 单位简介 /
# 单位简介及工作制度, …).
EXACT = {
    "单位简介": "企业设有科协，研发人员60名。",
    "学会法定代表人": "王五",
    "学会联系人": "赵六",
}


def exact(page, label):
    """The control labelled exactly `label` (with its required mark, if any)."""
    return page.get_by_label(re.compile("^" + re.escape(label) + r"\s*\*?\s*(（必填）)?\s*$"))


def test_yiyang_direct_application_certified_then_two_qualified_years_paid(
    page, login_as, screenshot
):
    c = city("yiyang")
    admin = UserFactory(role=Role.CITY_ADMIN, city=c)
    talent = UserFactory(role=Role.TALENT_OFFICE, city=c)
    finance = UserFactory(role=Role.FINANCE, city=c)
    society = SocietyFactory(city=c, name="益阳市计算机学会", level=Level.CITY)
    # An enterprise with its own CAST (第八条(一)): it may apply to the city CAST directly.
    host = HostUnitFactory(
        city=c,
        district=district_of(c, 0),
        nature=HostNature.ENTERPRISE_CAST,
        has_own_cast=True,
        registered_city="益阳市",
    )
    staff = UserFactory(role=Role.HOST_STAFF, host_unit=host, city=c)
    experts = [ExpertFactory(city=c, is_reviewer=True, field="数字经济") for _ in range(2)]
    reviewers = [UserFactory(role=Role.EXPERT_REVIEWER, expert=e, city=c) for e in experts]
    base = page.base_url

    # A Tuesday in March 2026, 10:00 in Yiyang.
    with time_machine.travel(dt.datetime(2026, 3, 10, 10, tzinfo=SHANGHAI), tick=True):
        # The administrator publishes the round's call (每两年认定一次).
        login_as(admin)
        publish_call(page, program_label="重点产业领域学会服务站认定", title=CALL, quota=5)
        screenshot("yiyang-01-call")

        # The enterprise's staff apply with their society, by the 申报书's labels.
        switch(page, login_as, staff)
        page.goto(f"{base}/applications/calls/")
        row = page.get_by_role("row").filter(has_text=CALL)
        row.get_by_label("合作学会").select_option(label=society.name)
        with page.expect_navigation():
            row.get_by_role("button", name="我要申报").click()
        field(page, "申报级别").select_option(label="市级")
        fill(page, STATION_FORM)
        for label, value in EXACT.items():
            exact(page, label).fill(value)
        for label, name in MATERIALS.items():
            attach(page, label, name)
        screenshot("yiyang-02-application-form")
        press(page, "提交申报")
        # No county review: the policy skips it for a unit with its own CAST.
        assert stage(page) == "市科协审核"
        assert "跳过：县市区科协初审推荐" in page.inner_text("[data-testid=history]")
        app = Application.objects.get()
        screenshot("yiyang-03-submitted-direct")

        # The city CAST reviews it, inspects on site with a photo, and proposes it.
        switch(page, login_as, admin)
        page.goto(f"{base}/applications/inbox/")
        page.get_by_role("link", name=app.title).click()
        act(page, "通过", "材料齐全，同意实地考察。")
        assert stage(page) == "市科协实地考察"
        fill(
            page,
            {
                "考察日期": "2026-03-10",
                "考察人员": "王处长、赵科长",
                "考察意见": "办公场所与设备到位，5名专家已进站。",
            },
        )
        field(page, "现场照片").set_input_files(
            {"name": "现场.png", "mimeType": "image/png", "buffer": PNG}
        )
        press(page, "记录考察")
        inspections = page.inner_text("[data-testid=inspections]")
        assert "王处长" in inspections and "照片1" in inspections
        screenshot("yiyang-04-inspection")
        act(page, "通过", "考察属实。")
        assert stage(page) == "市科协研究审定、提出支持意见"
        act(page, "通过", "建议认定为市级学会服务站。")
        assert stage(page) == "市委人才办审定批准（名额控制）"

        # The talent office looks at the ranking against the city-level quota and approves.
        switch(page, login_as, talent)
        page.goto(f"{base}/applications/inbox/")
        page.get_by_role("link", name=app.title).click()
        page.get_by_role("link", name="排名与名额").click()
        assert "仅市级计入名额" in page.inner_text("main")
        ranking = page.get_by_test_id("ranking-table").get_by_role("row").filter(has_text=TITLE)
        assert "是" in ranking.inner_text()
        screenshot("yiyang-05-ranking")
        with page.expect_navigation():
            ranking.get_by_role("link", name=TITLE).click()
        act(page, "通过", "同意认定。")
        assert stage(page) == "社会公示"

        # The city CAST publishes the notice from today: 5 working days, to Monday 03-16.
        switch(page, login_as, admin)
        page.goto(f"{base}/applications/notices/")
        page.get_by_role("link", name="发布公示").click()
        field(page, "公示标题").fill("2026年益阳市重点产业领域学会服务站拟认定名单公示")
        press(page, "发布")
        period = page.inner_text("[data-testid=notice-period]")
        assert "5个工作日" in period and "2026年3月16日" in period
        screenshot("yiyang-06-notice")

    # The day after the notice closed, the city CAST issues the document and the plaque.
    with time_machine.travel(dt.datetime(2026, 3, 17, 10, tzinfo=SHANGHAI), tick=True):
        switch(page, login_as, admin)
        page.goto(f"{base}/applications/{app.pk}/")
        act(page, "通过", "公示期满无异议。")
        assert stage(page) == "发文授牌"
        certificate = page.inner_text("[data-testid=certification]")
        app.refresh_from_db()
        station = app.station
        assert station.status == StationStatus.CERTIFIED
        assert "益科协〔" in certificate and station.certificate_no in certificate
        # The grant is the city level's 50,000 a year (第十六条), shown with its link.
        assert "资助项目 2026 年起 · 50000 元" in certificate
        screenshot("yiyang-07-plaque")
        grant = Grant.objects.get(station=station)
        assert (grant.program, grant.level, grant.amount, grant.start_year) == (
            "station",
            "city",
            50000,
            2026,
        )
        page.get_by_test_id("grant-link").click()
        page.wait_for_url(f"**/funding/grants/{grant.pk}/")
        # 50,000 a year, but nothing is due before the first year's assessment (第十六条).
        main = page.inner_text("main")
        assert "每年（或一次性）50,000 元" in main and "暂无待拨付资金" in main
        screenshot("yiyang-08-grant")

    payee = (host.name, "中国工商银行益阳分行", "6222021001001234567")
    for year, voucher in ((2026, "记-2027-011"), (2027, "记-2028-012")):
        # Each year's round is opened early in the next year.
        with time_machine.travel(dt.datetime(year + 1, 1, 12, 10, tzinfo=SHANGHAI), tick=True):
            evaluate_qualified_year(
                page, login_as, screenshot, grant, year, staff, reviewers, admin, finance
            )
            pay(page, grant, year, voucher, payee)
            assert Disbursement.objects.get(grant=grant, year=year).amount == 50000
            status = page.inner_text("[data-testid=grant-status]")
            assert status == ("正常" if year == 2026 else "支持期满")
            n = year - grant.start_year + 1
            screenshot(f"yiyang-{2 * n + 8:02d}-year-{n}-paid")

    # The station's ledger: both years paid, the term complete.
    with time_machine.travel(dt.datetime(2028, 1, 20, 10, tzinfo=SHANGHAI), tick=True):
        switch(page, login_as, finance)
        page.goto(f"{base}/funding/stations/{station.pk}/")
        assert page.inner_text("[data-testid=ledger-paid]").strip() == "100,000"
        screenshot("yiyang-13-ledger")
    assert Disbursement.objects.filter(grant=grant).count() == 2


def evaluate_qualified_year(
    page, login_as, screenshot, grant, year, staff, reviewers, admin, finance
):
    base, n = page.base_url, year - grant.start_year + 1
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
    field(page, "年度工作总结").fill(f"第{n}年：按协议开展技术咨询和学术交流，完成阶段任务。")
    press(page, "提交自评")
    page.get_by_text("自评材料已提交").wait_for()

    # The administrator assigns an expert, who scores 75.
    switch(page, login_as, admin)
    page.goto(f"{base}/evaluations/{ev.pk}/")
    field(page, "评审专家").select_option(value=str(reviewers[0].pk))
    press(page, "指派")
    page.get_by_text("已指派评审专家").wait_for()
    switch(page, login_as, reviewers[0])
    page.goto(f"{base}/evaluations/{ev.pk}/")
    for label in ("合作协议完成情况", "专家团队在站工作天数", "产业调研及调研成果", "科技骨干培训"):
        field(page, label).fill("15")
    field(page, "技术攻关、破解难题、成果转化").fill("15")
    field(page, "评审意见").fill("完成协议约定任务，成效一般。")
    press(page, "提交评分")
    page.get_by_text("评分已提交").wait_for()

    # The administrator confirms: 75 is 合格, and the year's 50,000 is due (第十六条).
    switch(page, login_as, admin)
    page.goto(f"{base}/evaluations/{ev.pk}/")
    assert field(page, "最终得分").input_value() == "75"
    press(page, "确认")
    decision = page.inner_text("[data-testid=decision]")
    assert "75 分，合格" in decision and "益阳 第十六条" in decision
    assert f"拨付{year}年度资助 50,000 元" in decision
    if n == 2:  # the term-end assessment closes the two-year term (第十二条)
        assert "服务站状态：期满" in decision
    screenshot(f"yiyang-{2 * n + 7:02d}-year-{n}-qualified")

    # Finance sees the year due on the grant page.
    switch(page, login_as, finance)
    page.goto(f"{base}/funding/grants/{grant.pk}/")
    assert f"{year} 年度 50,000 元" in page.inner_text("main")
