"""Guiyang's main path in a browser (issue 15), role by role, by visible labels: the city
administrator publishes the call; the society's staff applies with its demand unit (需求单位),
filling the 申报书 with the payee account and the budget table (rows added with the page's
button, total in figures and in uppercase RMB) and the six materials of 贵阳 四(二)1; the
city reviews the materials, inspects on site with a photo, and the chair meeting's decision
(市科协主席办公会议, entered by the administrator) certifies the station. Finance finds the
申报书's account prefilled — not the older one on the society's master record — and the
approved budget lines, and pays the one-off 100,000 of a national-level station (贵阳 四(四)1)
once. The first annual assessment (贵阳 四(三)) follows: the society reports, the demand unit
evaluates the station, an expert scores, the administrator confirms 合格 — the station stays
certified and the city may give discretionary later support (四(三)6); nothing falls due."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from accounts.roles import Role
from applications.models import Application
from evaluations.models import StationEvaluation
from funding.models import Disbursement, Grant
from stations.choices import HostNature, Level, StationStatus, SupervisingCast
from tests.browser.paths import act, attach, field, fill, pay, press, publish_call, stage, switch
from tests.factories import ExpertFactory, HostUnitFactory, SocietyFactory, UserFactory, city
from tests.files import PNG

SHANGHAI = ZoneInfo("Asia/Shanghai")
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TITLE = "中国机械工程学会贵阳数控装备产业科技服务工作站"
EXPERTS = "\n".join(f"进站专家{i}，{'北京市' if i < 5 else '贵州省'}" for i in range(10))
FORM = {
    "申报名称": TITLE,
    "学会负责人": "陈会长",
    "职务/职称": "理事长",
    "联系人": "周干事",
    "联系电话": "0851-1234567",
    "通讯地址及邮编": "贵阳市观山湖区 550000",
    "服务产业": ("select", "先进装备制造"),
    "服务内容与目标": "为需求单位解决数控加工精度问题，每年服务技术需求10项。",
    "实施步骤": "2026年12月，调研\n2027年6月，联合攻关",
    "协议签订日期": "2026-10-08",
    "合作期限起": "2026-10-08",
    "合作期限止": "2028-10-07",
    "站长": "李站长",
    "工作人员人数": "2",
    "专家团队": EXPERTS,
    "开户名称": "中国机械工程学会贵阳工作部",
    "开户银行": "贵阳银行观山湖支行",
    "银行账号": "6222000011112222",
    "财务负责人": "吴会计",
}
BUDGET = (
    ("专家差旅费", "省外专家到站指导", "30000", "15人次×2000元"),
    ("咨询费", "数控精度攻关咨询", "40000", "20人次×2000元"),
    ("会议费", "技术对接会", "30000", "2次×15000元"),
)
MATERIALS = (
    ("申报书（盖章扫描件）", "申报书.pdf"),
    ("合作/建站协议", "项目合作协议.pdf"),
    ("工作计划/实施方案", "组建和服务方案.pdf"),
    ("专家名单", "进站专家信息表.pdf"),
    ("单位简介及工作制度", "相关制度.pdf"),
    ("组织机构及人员名单", "专兼职人员名单.pdf"),
)


def on(day: dt.date):
    """Move the clock to 10:00 China time on `day` (ticking on from there)."""
    return time_machine.travel(dt.datetime.combine(day, dt.time(10), SHANGHAI), tick=True)


class People:
    """The master data first (factories): the city's staff, the national-level society with
    an older account on its master record, its demand unit and an assessment expert."""

    def __init__(self):
        c = self.city = city("guiyang")
        self.admin = UserFactory(role=Role.CITY_ADMIN, city=c)
        self.finance = UserFactory(role=Role.FINANCE, city=c)
        self.society = SocietyFactory(
            city=c,
            name="中国机械工程学会贵阳工作部",
            level=Level.NATIONAL,
            supervising_cast=SupervisingCast.NATIONAL,
            bank_account_name="中国机械工程学会贵阳工作部（旧户）",
            bank_name="中国农业银行贵阳分行",
            bank_account_no="9999000011110000",
        )
        self.demand = HostUnitFactory(
            city=c, name="贵阳某数控装备有限公司", nature=HostNature.ENTERPRISE
        )
        self.staff = UserFactory(role=Role.SOCIETY_STAFF, society=self.society, city=c)
        self.demand_staff = UserFactory(role=Role.HOST_STAFF, host_unit=self.demand, city=c)
        expert = ExpertFactory(city=c, is_reviewer=True, field="机械工程", province="贵州省")
        self.reviewer = UserFactory(role=Role.EXPERT_REVIEWER, expert=expert, city=c)


def test_guiyang_national_workstation_certified_paid_once_then_qualified(
    page, login_as, screenshot
):
    who = People()
    with on(dt.date(2026, 11, 2)):  # a Monday
        app = apply(page, login_as, screenshot, who)
    with on(dt.date(2026, 11, 9)):
        grant = review_and_certify(page, login_as, screenshot, who, app)
    with on(dt.date(2026, 11, 16)):
        pay_once(page, login_as, screenshot, who, grant)
    with on(dt.date(2027, 1, 11)):
        first_assessment(page, login_as, screenshot, who, grant)


def apply(page, login_as, screenshot, who):
    """The administrator publishes the call; the society's staff fills the 申报书 with its
    demand unit, the budget table and the payee account, attaches the materials, submits."""
    base = page.base_url
    login_as(who.admin)
    publish_call(page, program_label="学会产业科技服务工作站", title="2026年贵阳市学会工作站申报")
    screenshot("guiyang-01-call")

    switch(page, login_as, who.staff)
    page.goto(f"{base}/applications/calls/")
    row = page.get_by_role("row").filter(has_text="2026年贵阳市学会工作站申报")
    with page.expect_navigation():
        row.get_by_role("button", name="我要申报").click()
    demand = who.demand
    field(page, "选择与本学会合作建站的单位").select_option(
        label=f"{demand.name}（{demand.district.name}）"
    )
    field(page, "申报级别").select_option(label="国家级")
    fill(page, FORM)
    table = page.get_by_test_id("budget-table")
    for index, (category, content, money, basis) in enumerate(BUDGET):
        if index:
            page.get_by_role("button", name="添加一行").click()
        table.get_by_label("支出类别").last.fill(category)
        table.get_by_label("支出内容").last.fill(content)
        table.get_by_label("金额（元）").last.fill(money)
        table.get_by_label("测算依据").last.fill(basis)
    assert page.inner_text("[data-testid=budget-sum]") == "100000.00"
    assert page.inner_text("[data-testid=budget-rmb]") == "壹拾万元整"
    for label, name in MATERIALS:
        attach(page, label, name)
    screenshot("guiyang-02-form")
    press(page, "提交申报")
    if page.get_by_test_id("stage").count() == 0:
        screenshot("guiyang-02-refused")
        pytest.fail(page.inner_text("main"))
    assert stage(page) == "市科协材料审查"
    return Application.objects.get()


def review_and_certify(page, login_as, screenshot, who, app):
    """The city reviews the materials, inspects on site (with a photo) and the chair meeting's
    decision, entered by the administrator, certifies the station: 100,000 for a national-level
    station (贵阳 四(四)1)."""
    base = page.base_url
    switch(page, login_as, who.admin)
    page.goto(f"{base}/applications/inbox/")
    page.get_by_role("link", name=TITLE).click()
    assert who.demand.name in page.inner_text("main")
    act(page, "通过", "材料齐全，建站条件符合。")
    assert stage(page) == "实地考察"
    fill(
        page,
        {
            "考察日期": timezone.localdate().isoformat(),
            "考察人员": "王处长、赵科长",
            "考察意见": "需求单位已提供办公场所及设备，10名进站专家名单属实。",
        },
    )
    field(page, "现场照片").set_input_files(
        {"name": "现场.png", "mimeType": "image/png", "buffer": PNG}
    )
    press(page, "记录考察")
    inspections = page.inner_text("[data-testid=inspections]")
    assert "王处长" in inspections and "照片1" in inspections
    screenshot("guiyang-03-site-inspection")
    act(page, "通过", "考察通过，提交主席办公会议研究。")
    assert stage(page) == "市科协主席办公会议研究"
    assert page.inner_text("[data-testid=budget-total-rmb]") == "壹拾万元整"

    act(page, "通过", "市科协主席办公会议研究同意认定。")
    assert stage(page) == "发文认定、拨付补助、统一挂牌"
    certificate = page.inner_text("[data-testid=certification]")
    assert certificate.startswith("已认定授牌") and "证书编号 筑科协〔2026〕" in certificate
    screenshot("guiyang-04-certified")
    app.refresh_from_db()
    station = app.station
    assert station.status == StationStatus.CERTIFIED and station.certificate_no in certificate
    assert (station.society, station.host_unit) == (who.society, who.demand)
    grant = Grant.objects.get(application=app)
    page.get_by_test_id("grant-link").click()
    page.wait_for_url(f"**/funding/grants/{grant.pk}/")
    assert (grant.amount, grant.level) == (100000, "national")
    assert "贵阳 四(四)1" in page.inner_text("main")
    return grant


def pay_once(page, login_as, screenshot, who, grant):
    """Finance finds the 申报书's account prefilled (not the master record's older one) and
    the approved budget lines, pays the one-off subsidy once; nothing else is due."""
    switch(page, login_as, who.finance)
    page.goto(f"{page.base_url}/funding/grants/{grant.pk}/")
    form = page.locator(f"[data-testid=pay-{grant.start_year}]")
    assert field(form, "收款户名").input_value() == FORM["开户名称"]
    assert field(form, "开户银行").input_value() == FORM["开户银行"]
    assert field(form, "收款账号").input_value() == FORM["银行账号"]
    lines = page.get_by_test_id("budget")
    for category, content, money, basis in BUDGET:
        row = lines.get_by_role("row").filter(has_text=content)
        assert row.inner_text().split("\t")[:4] == [category, content, f"{int(money):,}", basis]
    assert page.inner_text("[data-testid=budget] [data-testid=budget-total]") == "100,000"
    assert "壹拾万元整" in lines.inner_text()
    screenshot("guiyang-05-finance")
    pay(page, grant, grant.start_year, "记-2026-1116")
    paid = Disbursement.objects.get(grant=grant)
    assert (paid.amount, paid.payee_account_name, paid.payee_account_no) == (
        100000,
        FORM["开户名称"],
        FORM["银行账号"],
    )
    assert page.locator("[data-testid^=pay-]").count() == 0  # one-off: no second form
    page.get_by_text("暂无待拨付资金").wait_for()
    assert FORM["银行账号"] in page.inner_text("[data-testid=payee-account]")
    assert "9999000011110000" not in page.inner_text("main")
    who.society.refresh_from_db()  # the master record keeps its own (older) account
    assert who.society.bank_account_no == "9999000011110000"
    screenshot("guiyang-06-paid-once")


def first_assessment(page, login_as, screenshot, who, grant):
    """The first annual assessment (贵阳 四(三)): the society reports, the demand unit
    evaluates the station, an expert scores, the administrator confirms 合格; the station
    stays certified, the city may now give discretionary later support (四(三)6), and
    nothing falls due by itself."""
    base = page.base_url
    year = grant.start_year
    switch(page, login_as, who.admin)
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

    switch(page, login_as, who.staff)
    page.goto(f"{base}/evaluations/{ev.pk}/")
    quant = page.inner_text("[data-testid=quant-items]")  # 贵阳 三(三)7, in words
    assert "进站专家 10 人" in quant and "其中省外专家 5 人" in quant
    assert "服务技术需求 0 项" in quant
    field(page, "年度工作总结").fill("自查：服务技术需求10项，攻克数控加工精度难题1项。")
    press(page, "提交自评")
    page.get_by_text("自评材料已提交").first.wait_for()

    # The demand unit evaluates the station (贵阳 四(三)3).
    switch(page, login_as, who.demand_staff)
    page.goto(f"{base}/evaluations/{ev.pk}/")
    assert page.get_by_role("button", name="提交自评").count() == 0
    field(page, "需求单位评价").select_option(label="满意")
    field(page, "评价意见").fill("专家到企业解决了数控加工精度难题。")
    press(page, "提交评价")
    page.get_by_text("需求单位评价已提交").first.wait_for()
    assert "满意：专家到企业解决了数控加工精度难题。" in page.inner_text("main")

    switch(page, login_as, who.admin)
    page.goto(f"{base}/evaluations/{ev.pk}/")
    field(page, "评审专家").select_option(value=str(who.reviewer.pk))
    press(page, "指派")
    switch(page, login_as, who.reviewer)
    page.goto(f"{base}/evaluations/{ev.pk}/")
    for label, points in (
        ("决策咨询获批示或采纳", 10),
        ("获得重大科技专项", 10),
        ("成果转化数量及效益", 15),
        ("培养、引进高层次人才", 10),
        ("制定省级及以上技术标准", 6),
        ("获市级及以上科技奖项", 6),
        ("技术攻关成果经济效益", 11),
    ):
        field(page, label).fill(str(points))
    field(page, "评审意见").fill("运行规范，需求单位评价满意。")
    press(page, "提交评分")
    page.get_by_text("评分已提交").first.wait_for()

    switch(page, login_as, who.admin)
    page.goto(f"{base}/evaluations/{ev.pk}/")
    assert field(page, "最终得分").input_value() == "68"
    press(page, "确认")
    decision = page.inner_text("[data-testid=decision]")
    assert "68 分，合格" in decision and "贵阳 四(三)" in decision
    assert "后续年度可视合作情况给予补助" in decision and "贵阳 四(三)6" in decision
    screenshot("guiyang-07-qualified")

    page.goto(f"{base}/funding/grants/{grant.pk}/")
    assert "合格" in page.inner_text("[data-testid=schedule]")
    offer = page.get_by_test_id("support").inner_text()
    assert "贵阳 四(三)6" in offer and "对考核合格的工作站视合作情况给予补助" in offer
    page.goto(f"{base}/funding/stations/{grant.station_id}/")
    assert "合格" in page.inner_text(f"[data-testid=decision-{year}]")
    assert "已认定" in page.inner_text("[data-testid=station-status]")
    assert page.inner_text("[data-testid=ledger-paid]").strip() == "100,000"
    screenshot("guiyang-08-station")

    switch(page, login_as, who.finance)
    page.goto(f"{base}/funding/grants/{grant.pk}/")
    assert page.locator("[data-testid^=pay-]").count() == 0
