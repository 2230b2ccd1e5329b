"""Lianyungang's four annual awards in a browser (issue 15), role by role, by visible labels
(连科协〔2017〕15号): the society department publishes the call before the award's deadline
(五(一): 科技服务站 and 首席专家 by 05-31, 综合示范学会奖 and 承接职能示范工程 by 11-30), the
society applies with the award's own 申报书 and required materials (the county 科协's stamped
confirmation, 四(二)4 / 四(三)4, is an uploaded 县区科协盖章确认), the society department
accepts it, a drawn expert panel scores it (五(二)), the leading group approves it within
the quota (五(三)), the public notice runs on the city's website, and once it has closed the
award is made (表彰, with its 表彰文号) and finance pays it once: to the society, or to the
expert for the chief-expert award."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine

from accounts.roles import Role
from applications.models import Application, PublicNotice
from funding.models import Disbursement, Grant
from stations.choices import Level, StationStatus, SupervisingCast
from stations.models import SocietyInspection
from tests.browser.paths import act, attach, field, fill, pay, press, publish_call, stage, switch
from tests.factories import (
    ExpertFactory,
    HostUnitFactory,
    SocietyFactory,
    StationFactory,
    UserFactory,
    city,
    district_of,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SOCIETY = "连云港市机械工程学会"
BANK = ("江苏银行连云港分行", "3201000010002345678")
EXPERT_NAME = "陈立新"
COMMON = {
    "申报事项概述": "面向我市中小企业开展技术服务。",
    "学会理事会/领导班子研究情况": "2026年3月常务理事会研究通过。",
}

# Each award: the program label on the call, its deadline (五(一)), the day the round starts,
# the form, its materials, the amount and who is paid.
AWARDS = {
    "service_station": {
        "label": "科技服务站",
        "start": dt.date(2026, 5, 6),
        "closes_on": "2026-05-31",
        "form": {
            "申报名称": "连云港市机械工程学会赣榆科技服务站",
            **COMMON,
            "服务对象（单位）": "连云港某机械有限公司",
            "服务目标": "三年内为企业解决关键工艺难题5项。",
            "服务协议签订日期": "2026-03-10",
            "服务能力": "专家团队12人，其中正高级职称6人。",
        },
        "materials": {"县区科协盖章确认": "赣榆区科协盖章确认.pdf"},
        "refusal": "须经项目所在地县区科协盖章确认",
        "amount": 3000,
        "payee": (SOCIETY, *BANK),
    },
    "chief_expert": {
        "label": "首席专家（工程师）",
        "start": dt.date(2026, 5, 6),
        "closes_on": "2026-05-31",
        "form": {
            "申报名称": "陈立新赴东海县某农机合作社任首席专家",
            **COMMON,
            "首席专家（工程师）姓名": EXPERT_NAME,
            "职称": "正高级工程师",
            "服务单位": "东海县某农机专业合作社",
            "需求与基础": "合作社农机维修技术力量薄弱，双方已合作两年。",
            "专家工作目标": "每年驻点服务不少于30天，培训农机手50人。",
            "协议签订日期": "2026-03-15",
        },
        "materials": {"县区科协盖章确认": "东海县科协盖章确认.pdf"},
        "refusal": "须经项目所在地县区科协盖章确认",
        "amount": 2000,
        # The expert's own account: the page names the expert, finance enters the bank.
        "payee": (EXPERT_NAME, "中国银行东海支行", "6217856100012345678"),
    },
    "function_project": {
        "label": "承接职能示范工程",
        "start": dt.date(2026, 11, 2),
        "closes_on": "2026-11-30",
        "form": {
            "申报名称": "机械工程技术职称评审承接职能示范工程",
            **COMMON,
            "承接职能类别": ("select", "职称评审"),
            "职能转移单位": "连云港市人力资源和社会保障局",
            "承接成效": "2026年完成中级职称评审320人。",
        },
        "materials": {"承接职能证明": "人社局委托书.pdf"},
        "refusal": "承担职能的证明",
        "amount": 3000,
        "payee": (SOCIETY, *BANK),
    },
    "demo_society": {
        "label": "综合示范学会奖",
        "start": dt.date(2026, 11, 2),
        "closes_on": "2026-11-30",
        "form": {
            "申报名称": "连云港市机械工程学会综合示范学会",
            **COMMON,
            "软科学课题或被采纳建议": "承担市科协软科学课题1项，建议1篇被市科协录用。",
            "会员服务情况": "会员1200人，年举办继续教育培训6期。",
            "学会网站": "https://jxxh.example.cn",
            "近两年获评先进情况": "2024、2025年度市科协学会工作先进单位。",
        },
        "materials": {},
        "amount": 8000,
        "payee": (SOCIETY, *BANK),
    },
}


def on(day: dt.date):
    """Freeze the clock at 10:00 in China on `day` (ticking on from there)."""
    return time_machine.travel(dt.datetime.combine(day, dt.time(10), tzinfo=SHANGHAI), tick=True)


class People:
    """The Lianyungang round's people and master data (arranged before the path starts)."""

    def __init__(self):
        c = self.city = city("lianyungang")
        self.admin = UserFactory(role=Role.CITY_ADMIN, city=c)
        self.finance = UserFactory(role=Role.FINANCE, city=c)
        self.society = SocietyFactory(
            city=c,
            name=SOCIETY,
            level=Level.CITY,
            supervising_cast=SupervisingCast.CITY,
            rating="4A",
            bank_account_name=SOCIETY,
            bank_name=BANK[0],
            bank_account_no=BANK[1],
        )
        for year in (2024, 2025):  # 四(一)5: annual inspection passed two years running
            SocietyInspection.objects.create(society=self.society, year=year, result="passed")
        self.host = HostUnitFactory(city=c, district=district_of(c, 0), name="连云港某机械有限公司")
        self.station = StationFactory(
            city=c,
            society=self.society,
            host_unit=self.host,
            level=Level.CITY,
            program="service_station",
            name="连云港市机械工程学会科技服务站",
            status=StationStatus.FILED,
        )
        self.staff = UserFactory(role=Role.SOCIETY_STAFF, society=self.society, city=c)
        self.experts = [
            ExpertFactory(city=c, is_reviewer=True, field="机械工程", province="江苏省")
            for _ in range(3)
        ]
        self.reviewers = {
            e.pk: UserFactory(role=Role.EXPERT_REVIEWER, expert=e, city=c) for e in self.experts
        }


def apply(page, login_as, screenshot, who, award: str, *, station=None) -> Application:
    """The society applies to the award's call with its form and materials."""
    spec = AWARDS[award]
    title = spec["form"]["申报名称"]
    call = f"2026年连云港市{spec['label']}申报"
    switch(page, login_as, who.staff)
    page.goto(f"{page.base_url}/applications/calls/")
    row = page.get_by_role("row").filter(has_text=call)
    if station is not None:
        row.get_by_label("申报的服务站").select_option(label=station.name)
    with page.expect_navigation():
        row.get_by_role("button", name="我要申报").click()
    fill(page, spec["form"])
    if spec["materials"]:
        # Without the required material the submission is refused, the form kept.
        press(page, "提交申报")
        assert spec["refusal"] in page.inner_text("main")
        assert field(page, "申报名称").input_value() == title
    for label, name in spec["materials"].items():
        attach(page, label, name)
    screenshot(f"lianyungang-{award}-02-form")
    press(page, "提交申报")
    if page.get_by_test_id("stage").count() == 0:
        screenshot(f"lianyungang-{award}-02-refused")
        pytest.fail(page.inner_text("main"))
    assert stage(page) == "市科协学会部受理"
    return Application.objects.get(title=title)


def review_and_approve(page, login_as, screenshot, who, award: str, app) -> None:
    """The society department accepts it, draws the panel; the experts score; the leading
    group approves it within the quota: it waits for the public notice."""
    base = page.base_url
    switch(page, login_as, who.admin)
    page.goto(f"{base}/applications/inbox/")
    page.get_by_role("link", name=app.title).click()
    act(page, "通过", "材料齐全，予以受理。")
    assert stage(page) == "评审专家组评审"

    page.get_by_role("link", name="评审专家组").click()
    field(page, "人数").fill("3")
    press(page, "随机抽取")
    draw = app.draws.get()
    assert draw.seed in page.inner_text("main")
    assert page.get_by_text("已评 0 人").count() == 1
    screenshot(f"lianyungang-{award}-03-panel")
    drawn = list(app.assignments.values_list("expert_id", flat=True))
    assert sorted(drawn) == sorted(who.reviewers)

    for expert_id, points in zip(drawn, ((26, 36, 26), (25, 34, 25), (27, 37, 27)), strict=True):
        switch(page, login_as, who.reviewers[expert_id])
        page.goto(f"{base}/applications/{app.pk}/")
        page.get_by_role("link", name="进入评分").click()
        press(page, "声明无利益冲突")
        for label, value in zip(
            ("申报条件符合程度", "服务成效", "示范引领作用"), points, strict=True
        ):
            field(page, label).fill(str(value))
        field(page, "评审意见").fill("条件符合，服务成效明显。")
        press(page, "提交评分")
        assert str(sum(points)) in page.inner_text("[data-testid=score-submitted]")

    switch(page, login_as, who.admin)
    page.goto(f"{base}/applications/{app.pk}/")
    summary = page.inner_text("[data-testid=panel-summary]")
    # 88, 84, 91: the trimmed mean (the highest and lowest dropped) is 88.
    assert "去掉最高最低后平均 88" in summary
    act(page, "通过", "专家组评审通过。")
    assert stage(page).startswith("领导小组和市科协主席会研究审定")
    act(page, "通过", "领导小组和主席会研究同意。")
    assert stage(page) == "市科协网站公示"
    screenshot(f"lianyungang-{award}-04-approved")


def publish_notice(page, screenshot, award: str, apps) -> PublicNotice:
    """The society department publishes the notice on the notice page (5 working days)."""
    label = AWARDS[award]["label"]
    page.goto(f"{page.base_url}/applications/notices/")
    page.get_by_role("link", name="发布公示").click()
    field(page, "公示标题").fill(f"2026年度{label}拟表彰名单公示")
    for app in apps:
        assert page.get_by_label(f"{app.title}（{label}）").is_checked()
    press(page, "发布")
    period = page.inner_text("[data-testid=notice-period]")
    assert "5个工作日" in period and "公示中" in period
    screenshot(f"lianyungang-{award}-05-notice")
    notice = PublicNotice.objects.get(title=f"2026年度{label}拟表彰名单公示")
    # Approving while the notice runs is refused.
    page.goto(f"{page.base_url}/applications/{apps[0].pk}/")
    act(page, "通过")
    assert "期满后方可" in page.inner_text(".alert-danger")
    return notice


def award_and_pay(page, login_as, screenshot, who, award: str, app):
    """After the notice: the award (表彰, its 表彰文号), then finance pays it once."""
    spec = AWARDS[award]
    switch(page, login_as, who.admin)
    page.goto(f"{page.base_url}/applications/notices/")
    assert (
        page.get_by_role("row")
        .filter(has_text=f"{spec['label']}拟表彰名单公示")
        .filter(has_text="已期满")
        .count()
        == 1
    )
    page.goto(f"{page.base_url}/applications/{app.pk}/")
    act(page, "通过", "公示期满无异议，予以表彰。")
    assert stage(page) == "表彰奖励"
    certificate = page.inner_text("[data-testid=certification]")
    assert certificate.startswith("已表彰") and "表彰文号 连科协〔2026〕" in certificate
    assert "授牌" not in certificate and "立项" not in certificate
    screenshot(f"lianyungang-{award}-06-awarded")
    grant = Grant.objects.get(application=app)
    assert grant.amount == spec["amount"]
    page.get_by_test_id("grant-link").click()
    page.wait_for_url(f"**/funding/grants/{grant.pk}/")

    switch(page, login_as, who.finance)
    year, (name, bank, account) = grant.start_year, spec["payee"]
    page.goto(f"{page.base_url}/funding/grants/{grant.pk}/")
    assert f"收款方 {name}" in page.inner_text("main")
    form = page.get_by_test_id(f"pay-{year}")
    assert form.get_by_label(re.compile("^收款户名")).input_value() == name
    pay(page, grant, year, f"记-{year}-{award}", spec["payee"])
    page.get_by_text(f"已拨付 {year}年度资助 {spec['amount']:,} 元").wait_for()
    paid = Disbursement.objects.get(grant=grant)
    assert (paid.amount, paid.payee_account_name, paid.payee_bank, paid.payee_account_no) == (
        spec["amount"],
        name,
        bank,
        account,
    )
    # Paid once: no payment form is left, and nothing waits to be paid.
    assert page.locator("[data-testid^=pay-]").count() == 0
    assert "暂无待拨付资金" in page.inner_text("main")
    screenshot(f"lianyungang-{award}-07-paid")
    return grant


def run_award(page, login_as, screenshot, who, award: str, *, station=None):
    spec = AWARDS[award]
    switch(page, login_as, who.admin)
    publish_call(
        page,
        program_label=spec["label"],
        title=f"2026年连云港市{spec['label']}申报",
        closes_on=spec["closes_on"],
    )
    row = page.get_by_role("row").filter(has_text=f"2026年连云港市{spec['label']}申报")
    closes = dt.date.fromisoformat(spec["closes_on"])
    assert f"至 {closes.year}年{closes.month}月{closes.day}日" in row.inner_text()
    screenshot(f"lianyungang-{award}-01-call")
    app = apply(page, login_as, screenshot, who, award, station=station)
    review_and_approve(page, login_as, screenshot, who, award, app)
    notice = publish_notice(page, screenshot, award, [app])
    return app, notice


@pytest.mark.parametrize("award", ["service_station", "chief_expert"])
def test_lianyungang_may_award_from_call_to_paid_once(page, login_as, screenshot, award):
    """科技服务站 (for the society's station) and 首席专家: called before 05-31."""
    spec = AWARDS[award]
    with on(spec["start"]):
        who = People()
        station = who.station if award == "service_station" else None
        app, notice = run_award(page, login_as, screenshot, who, award, station=station)
    with on(notice.end_on + dt.timedelta(days=1)):
        award_and_pay(page, login_as, screenshot, who, award, app)
    if station is not None:
        station.refresh_from_db()
        assert station.status == StationStatus.CERTIFIED and station.certificate_no


def test_lianyungang_november_awards_function_project_then_demo_society(page, login_as, screenshot):
    """承接职能示范工程 then 综合示范学会奖 (by 11-30): the demonstration society needs a
    station or function project approved within the year (四(一)1), so its call follows the
    function project's award."""
    start = AWARDS["function_project"]["start"]
    with on(start):
        who = People()
        app, notice = run_award(page, login_as, screenshot, who, "function_project")
    with on(notice.end_on + dt.timedelta(days=1)):
        award_and_pay(page, login_as, screenshot, who, "function_project", app)
        app, notice = run_award(page, login_as, screenshot, who, "demo_society")
    with on(notice.end_on + dt.timedelta(days=1)):
        award_and_pay(page, login_as, screenshot, who, "demo_society", app)
    assert Disbursement.objects.filter(grant__society=who.society).count() == 2
