"""Hangzhou's main paths in a browser (issue 15), role by role, by visible labels: a service
base (基地) at 80,000 a year through the contract to finance, then a 不合格 year-end
assessment that stops it; a key research topic (重点课题, 15,000) and a 海智 activity, grants
without a station, each paid once to the society."""

import datetime as dt

import pytest
from django.utils import timezone

from accounts.roles import Role
from applications.models import Application
from evaluations.models import StationEvaluation
from funding.models import Disbursement, Grant
from stations.choices import Level, SupervisingCast
from stations.models import SocietyInspection
from tests.browser.paths import act, attach, field, fill, pay, press, publish_call, stage, switch
from tests.factories import ExpertFactory, HostUnitFactory, SocietyFactory, UserFactory, city

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAYEE = ("杭州市机械工程学会", "杭州银行", "3301040160001234567")


class People:
    def __init__(self):
        c = self.city = city("hangzhou")
        self.admin = UserFactory(role=Role.CITY_ADMIN, city=c)
        self.talent = UserFactory(role=Role.TALENT_OFFICE, city=c)
        self.finance = UserFactory(role=Role.FINANCE, city=c)
        self.society = SocietyFactory(
            city=c,
            name="杭州市机械工程学会",
            level=Level.CITY,
            supervising_cast=SupervisingCast.CITY,
        )
        for year in (2024, 2025):
            SocietyInspection.objects.create(society=self.society, year=year, result="passed")
        self.park = HostUnitFactory(city=c, name="杭州某高新园区管委会")
        self.staff = UserFactory(role=Role.SOCIETY_STAFF, society=self.society, city=c)
        self.expert = ExpertFactory(city=c, is_reviewer=True, field="机械工程")
        self.reviewer = UserFactory(role=Role.EXPERT_REVIEWER, expert=self.expert, city=c)


def apply_and_approve(
    page, login_as, screenshot, who, *, program_label, form, amount=None, budget=(), overlaps=None
):
    """From the call to 立项: the society applies, the city's initial review, one expert's
    scores, the joint review by the talent office and the approval (with the amount where
    the city sets it). Where the society already holds an overlapping grant (`overlaps`, its
    subject), the approval is refused until the reason it is no double funding is given
    (杭州 六(二)). Return the application, on the approval's page (admin logged in)."""
    base = page.base_url
    title = form["申报名称"]
    switch(page, login_as, who.admin)
    publish_call(page, program_label=program_label, title=f"2026年杭州市{program_label}申报")

    switch(page, login_as, who.staff)
    page.goto(f"{base}/applications/calls/")
    row = page.get_by_role("row").filter(has_text=f"2026年杭州市{program_label}申报")
    with page.expect_navigation():
        row.get_by_role("button", name="我要申报").click()
    fill(page, form)
    for index, (category, content, money) in enumerate(budget):  # the activity's budget
        if index:
            page.get_by_test_id("budget-add").click()
        table = page.get_by_test_id("budget-table")
        table.get_by_label("支出类别").last.fill(category)
        table.get_by_label("支出内容").last.fill(content)
        table.get_by_label("金额（元）").last.fill(money)
    if page.get_by_label("合作/建站协议").count():
        attach(page, "合作/建站协议", "合作协议.pdf")
    screenshot(f"hangzhou-{program_label}-form")
    press(page, "提交申报")
    if page.get_by_test_id("stage").count() == 0:
        screenshot(f"hangzhou-{program_label}-refused")
        pytest.fail(page.inner_text("main"))
    assert stage(page) == "市科协初审"
    app = Application.objects.get(title=title)

    switch(page, login_as, who.admin)
    page.goto(f"{base}/applications/inbox/")
    page.get_by_role("link", name=title).click()
    act(page, "通过", "初审通过。")
    assert stage(page) == "第三方专家评审论证"
    page.get_by_role("link", name="评审专家组").click()
    page.get_by_label("专家", exact=True).select_option(value=str(who.expert.pk))
    press(page, "指派")

    switch(page, login_as, who.reviewer)
    page.goto(f"{base}/applications/{app.pk}/")
    page.get_by_role("link", name="进入评分").click()
    press(page, "声明无利益冲突")
    for label in ("科技需求的迫切性", "牵头学会服务能力", "建设规划与目标", "示范引领作用"):
        field(page, label).fill("21")
    field(page, "评审意见").fill("需求迫切，方案可行。")
    press(page, "提交评分")
    assert "84" in page.inner_text("[data-testid=score-submitted]")

    switch(page, login_as, who.admin)
    page.goto(f"{base}/applications/{app.pk}/")
    act(page, "通过", "专家论证通过。")
    assert stage(page).startswith("市委人才办")

    switch(page, login_as, who.talent)
    page.goto(f"{base}/applications/inbox/")
    page.get_by_role("link", name=title).click()
    act(page, "通过", "同意。")
    assert stage(page).startswith("择优确定立项")

    switch(page, login_as, who.admin)
    page.goto(f"{base}/applications/{app.pk}/")
    if amount is not None:
        field(page, "核定金额").fill(str(amount))
    act(page, "通过", "同意立项。")
    if overlaps:
        refusal = page.inner_text(".alert-danger")
        assert overlaps in refusal and "杭州 六(二)" in refusal, refusal
        assert stage(page).startswith("择优确定立项")
        if amount is not None:  # the typed amount survives the refusal
            assert field(page, "核定金额").input_value() == str(amount)
        screenshot(f"hangzhou-{program_label}-double-funding")
        field(page, "不构成重复资助的理由").fill(
            "引才活动与课题研究内容、对象不同，不构成重复资助。"
        )
        act(page, "通过", "同意立项。")
    return app


def grant_of(page, app):
    """Follow the application's link to its grant (the page finance pays from)."""
    grant = Grant.objects.get(application=app)
    page.get_by_test_id("grant-link").click()
    page.wait_for_url(f"**/funding/grants/{grant.pk}/")
    return grant


def test_hangzhou_service_base_80000_then_unqualified_stops_it(page, login_as, screenshot):
    who = People()
    base = page.base_url
    app = apply_and_approve(
        page,
        login_as,
        screenshot,
        who,
        program_label="学会协同创新服务（示范）基地",
        amount=80000,
        form={
            "申报名称": "杭州市机械工程学会协同创新服务基地",
            "选择与本学会合作建站的单位": ("value", str(who.park.pk)),
            "依托园区/产业": "高端装备制造园区",
            "需求与基础": "园区企业40家，工艺改进需求迫切。",
            "建设方案与目标": "三年服务企业100家次。",
            "合作各方及协议": "学会、园区管委会三方协议。",
            "协议签订日期": "2026-03-01",
            "合作期限起": "2026-03-01",
            "合作期限止": "2029-02-28",
            "站长": "李主任",
            "工作人员人数": "3",
            "专家团队": "\n".join(f"基地专家{i}，浙江省" for i in range(5)),
        },
    )
    # 附件第九条: the contract is signed with its date, number and scan.
    assert stage(page) == "签订项目合同"
    fill(page, {"合同签订日期": "2026-11-30", "合同编号": "杭科协合〔2026〕18号"})
    attach(page, "签字盖章扫描件", "项目合同.pdf")
    act(page, "通过", "合同已签订。")
    assert stage(page) == "立项"
    screenshot("hangzhou-base-approved")
    grant = grant_of(page, app)
    assert grant.amount == 80000

    switch(page, login_as, who.finance)
    pay(page, grant, grant.start_year, "记-2026-0801", PAYEE)
    assert Disbursement.objects.get(grant=grant).amount == 80000
    screenshot("hangzhou-base-paid")

    # The year-end assessment (附件第十二条): the society reports, the expert scores 50.
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
    ev = StationEvaluation.objects.get(grant=grant, year=year)

    switch(page, login_as, who.staff)
    page.goto(f"{base}/evaluations/{ev.pk}/")
    fill(
        page,
        {
            "年度工作总结": "服务企业12家次，未完成年度目标。",
            "经费决算说明": "专家咨询费3万元，其余未支出。",
            "决算支出合计": "30000",
        },
    )
    press(page, "提交自评")
    page.get_by_text("自评材料已提交").wait_for()

    switch(page, login_as, who.admin)
    page.goto(f"{base}/evaluations/{ev.pk}/")
    field(page, "评审专家").select_option(value=str(who.reviewer.pk))
    press(page, "指派")
    switch(page, login_as, who.reviewer)
    page.goto(f"{base}/evaluations/{ev.pk}/")
    for label, value in (
        ("项目任务完成情况", 20),
        ("经费决算与专款专用", 10),
        ("项目成果与绩效印证", 15),
        ("按时报送材料", 5),
    ):
        field(page, label).fill(str(value))
    field(page, "评审意见").fill("任务完成不足一半。")
    press(page, "提交评分")
    page.get_by_text("评分已提交").wait_for()

    # The administrator confirms 50: 不合格, and the base is stopped (附件第十三条).
    switch(page, login_as, who.admin)
    page.goto(f"{base}/evaluations/{ev.pk}/")
    press(page, "确认")
    decision = page.inner_text("[data-testid=decision]")
    assert "不合格" in decision and "附件第十三条" in decision
    screenshot("hangzhou-base-unqualified")

    # Finance has nothing more to pay for the base.
    switch(page, login_as, who.finance)
    page.goto(f"{base}/funding/grants/{grant.pk}/")
    assert page.locator(f"[data-testid=pay-{year + 1}]").count() == 0
    grant.refresh_from_db()
    assert not [y for y in grant.schedule_years() if y["year"] > year and y["paid"]]
    screenshot("hangzhou-base-stopped")


def test_hangzhou_key_topic_and_overseas_activity_paid_once(page, login_as, screenshot):
    who = People()
    topic = apply_and_approve(
        page,
        login_as,
        screenshot,
        who,
        program_label="重点课题",
        form={
            "申报名称": "杭州市装备制造业数字化转型路径研究",
            "研究内容": "调研30家企业的数字化转型现状与瓶颈。",
            "预期成果": "研究报告1份、政策建议2条。",
        },
    )
    assert stage(page) == "立项"
    certificate = page.inner_text("[data-testid=certification]")
    assert (
        "授牌" not in certificate and certificate.startswith("已立项") and "立项编号" in certificate
    )
    screenshot("hangzhou-topic-approved")
    grant = grant_of(page, topic)
    assert grant.amount == 15000
    switch(page, login_as, who.finance)
    pay(page, grant, grant.start_year, "记-2026-0902", PAYEE)
    assert Disbursement.objects.get(grant=grant).amount == 15000
    assert page.locator("[data-testid^=pay-]").count() == 0  # one-off: paid once

    activity = apply_and_approve(
        page,
        login_as,
        screenshot,
        who,
        program_label="海智基地引才引智活动",
        amount=30000,
        overlaps="杭州市装备制造业数字化转型路径研究",
        budget=[("专家国际旅费", "往返机票", "20000"), ("专家咨询费", "技术交流", "10000")],
        form={
            "申报名称": "德国精密制造专家来杭技术交流",
            "海外专家（团队）姓名": "Hans Müller",
            "专家所在国家（地区）及单位": "德国 某工业大学",
            "活动开始日期": "2026-12-10",
            "活动结束日期": "2026-12-20",
            "活动内容与预期成效": "为园区企业解决精密加工难题3项。",
        },
    )
    assert stage(page) == "立项"
    grant = grant_of(page, activity)
    assert grant.amount == 30000
    switch(page, login_as, who.finance)
    pay(page, grant, grant.start_year, "记-2026-0903", PAYEE)
    assert Disbursement.objects.get(grant=grant).amount == 30000
    screenshot("hangzhou-overseas-paid")
