"""Yiyang's certification in headless Chromium: host unit, county CAST, city CAST, talent office."""

import datetime as dt

import pytest

from applications.models import Application, PublicNotice
from funding.models import Grant
from tests.applications.cities import Yiyang
from tests.applications.conftest import pinned_application_day  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

from tests.files import PNG  # noqa: E402

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
SELECTS = {"level", "unit_nature", "key_industry"}


def switch(page, login_as, user):
    page.context.clear_cookies()
    login_as(user)


def fill_form(page, data):
    for name, value in data.items():
        if name in SELECTS:
            page.select_option(f"#id_{name}", value)
        else:
            page.fill(f"#id_{name}", value)


def test_yiyang_station_from_application_to_plaque(page, login_as, screenshot):
    w = Yiyang()
    staff, station = w.applicant
    base = page.base_url

    # The host unit files the 申报书 for its station, with the signed agreement.
    login_as(staff)
    page.goto(f"{base}/applications/calls/")
    page.select_option(f"[data-testid=station-{w.call.pk}]", str(station.pk))
    page.click(f"[data-testid=apply-{w.call.pk}]")
    fill_form(page, w.form_data())
    page.set_input_files(
        "#file_agreement", {"name": "共建协议.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    screenshot("yiyang-application-form")
    page.click("[data-testid=submit-application]")
    assert page.inner_text("[data-testid=stage]") == "县市区科协初审推荐"
    app = Application.objects.get()

    # The county CAST returns it for a clearer plan.
    switch(page, login_as, w.county)
    page.goto(f"{base}/applications/inbox/")
    page.click(f"text={app.title}")
    screenshot("yiyang-county-review")
    page.fill("#id_comment", "请在工作计划中写明两年内的技术攻关项目。")
    page.click("[data-testid=action-return]")
    assert page.inner_text("[data-testid=stage]") == "建站单位申请"

    # The host unit sees the comment, revises and resubmits.
    switch(page, login_as, staff)
    page.goto(f"{base}/applications/{app.pk}/edit/")
    assert "技术攻关项目" in page.inner_text("[data-testid=returned-note]")
    page.fill("#id_purpose_plan", "两年内完成数控加工精度、智能产线两项技术攻关。")
    page.click("[data-testid=submit-application]")
    assert page.inner_text("[data-testid=stage]") == "县市区科协初审推荐"

    # The county CAST recommends it to the city.
    switch(page, login_as, w.county)
    page.goto(f"{base}/applications/{app.pk}/")
    page.fill("#id_comment", "同意推荐。")
    page.click("[data-testid=action-approve]")
    assert page.inner_text("[data-testid=stage]") == "市科协审核"

    # The city CAST reviews, inspects on site (photo) and proposes it.
    switch(page, login_as, w.admin)
    page.goto(f"{base}/applications/{app.pk}/")
    page.click("[data-testid=action-approve]")
    assert page.inner_text("[data-testid=stage]") == "市科协实地考察"
    page.click("[data-testid=action-approve]")
    assert "尚未记录实地考察" in page.inner_text(".alert-danger")
    page.fill("#id_date", "2026-06-10")
    page.fill("#id_inspectors", "王处长、赵科长")
    page.fill("#id_findings", "办公场所与设备到位，5名专家已进站。")
    page.set_input_files(
        "#id_photo",
        {"name": "现场.png", "mimeType": "image/png", "buffer": PNG},
    )
    page.click("[data-testid=record-inspection]")
    assert "王处长" in page.inner_text("[data-testid=inspections]")
    screenshot("yiyang-site-inspection")
    page.click("[data-testid=action-approve]")
    assert page.inner_text("[data-testid=stage]").startswith("市科协研究审定")
    page.click("[data-testid=action-approve]")
    assert page.inner_text("[data-testid=stage]").startswith("市委人才办")

    # The talent office sees the ranking against the city-level quota and approves.
    switch(page, login_as, w.talent)
    page.goto(f"{base}/applications/inbox/")
    page.click(f"text={app.title}")
    page.click("[data-testid=ranking-link]")
    assert "仅市级计入名额" in page.inner_text("main")
    assert "是" in page.inner_text("[data-testid=ranking-table]")
    screenshot("yiyang-ranking")
    page.go_back()
    page.fill("#id_comment", "同意认定。")
    page.click("[data-testid=action-approve]")
    assert page.inner_text("[data-testid=stage]") == "社会公示"

    # The city CAST publishes the notice (5 working days); once closed, the plaque is issued.
    switch(page, login_as, w.admin)
    page.goto(f"{base}/applications/notices/new/")
    page.fill("#id_title", "2026年益阳市学会服务站拟认定名单公示")
    # The start date defaults to today (a notice cannot be back-dated): Tue 12-01 + 5 working days.
    page.click("[data-testid=publish-notice]")
    assert "5个工作日" in page.inner_text("[data-testid=notice-period]")
    assert "2026年12月7日" in page.inner_text("[data-testid=notice-period]")
    page.goto(f"{base}/applications/{app.pk}/")
    PublicNotice.objects.update(start_on=dt.date(2025, 11, 3), end_on=dt.date(2025, 11, 7))
    page.click("[data-testid=action-approve]")
    assert page.inner_text("[data-testid=stage]") == "发文授牌"
    certificate = page.inner_text("[data-testid=certification]")
    assert "益科协〔" in certificate
    assert page.is_visible("[data-testid=grant-link]")
    screenshot("yiyang-certified")
    station.refresh_from_db()
    assert station.status == "certified" and station.certificate_no in certificate
    assert Grant.objects.filter(station=station, program="station").exists()
    history = page.inner_text("[data-testid=history]")
    assert history.count("提交") == 2 and "退回修改" in history


def test_guiyang_budget_table_totals_in_figures_and_uppercase_rmb(page, login_as, screenshot):
    from tests.applications.cities import Guiyang

    w = Guiyang()
    base = page.base_url
    login_as(w.staff)
    page.goto(f"{base}/applications/calls/")
    page.click(f"[data-testid=apply-{w.call.pk}]")
    page.select_option("[data-testid=host-unit]", str(w.demand_unit.pk))
    page.fill("#id_budget-0-category", "专家咨询费")
    page.fill("#id_budget-0-content", "专家现场指导")
    page.fill("#id_budget-0-amount", "60000")
    page.click("[data-testid=budget-add]")  # a second row, from static/js/applications.js
    page.fill("#id_budget-1-category", "会议费")
    page.fill("#id_budget-1-content", "技术对接会")
    page.fill("#id_budget-1-amount", "40000")
    assert page.inner_text("[data-testid=budget-sum]") == "100000.00"
    assert page.inner_text("[data-testid=budget-rmb]") == "壹拾万元整"
    page.fill("#id_budget-1-amount", "40000.5")
    assert page.inner_text("[data-testid=budget-rmb]") == "壹拾万元伍角"
    # (Screenshot after saving: a full-page shot just before a click can swallow the click.)
    with page.expect_navigation():
        page.click("[data-testid=save-draft]")
    page.wait_for_selector(".alert-success:has-text('草稿已保存')")
    screenshot("guiyang-budget-form")
    assert page.inner_text("[data-testid=budget-rmb]") == "壹拾万元伍角"
    app = Application.objects.get()
    assert app.host_unit == w.demand_unit
    assert len(app.form_data["budget"]) == 2
